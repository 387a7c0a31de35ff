import { createPrivateKey, sign, X509Certificate } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { writeCheckpoint, type CheckpointSigner } from '../../../src/audit/audit-checkpoints.js';
import { sealPending } from '../../../src/audit/audit-sealer.js';
import { auditDigest, auditInsertValues, contentOfRow, EVENT_COLUMNS_SQL, type AuditEventRow } from '../../../src/audit/audit-digest.js';
import { writeAudit } from '../../../src/store/write-new-messages.js';
import { checkpointTrust, verifyAuditChain, type ChainReport } from '../../../src/audit/verify-audit-chain.js';
import { checkpointSignerOf } from '../../../src/audit/checkpoint-signer.js';
import { createDevPki, issueDevCertificate, type DevPki } from '../../../src/crypto/dev-pki.js';
import { hubKeysFromPem, type HubKeys } from '../../../src/crypto/hub-keys.js';
import { keyIdOf } from '../../../src/crypto/key-id.js';
import { canonicalJson } from '../../../src/domain/canonical-json.js';
import { createAuditChain } from '../../../src/audit/audit-chain.js';
import { loadCheckpointTsa } from '../../../src/audit/checkpoint-timestamper.js';
import { readLastCheckpoint } from '../../../src/audit/audit-checkpoints.js';
import { startTsaSimulator } from '../../../src/crypto/timestamp/tsa-simulator.js';
import { createLogger } from '../../../src/logger.js';
import { openTestDb, STORES, type TestDb } from '../../helpers/test-db.js';

/** Writes `n` audit events the way the hub does (unsealed), with distinct content. */
async function writeEvents(t: TestDb, n: number, from = 0): Promise<void> {
  for (let i = from; i < from + n; i++) {
    await t.db.query('INSERT INTO audit_events (at, actor, kind, message_id, data) VALUES ($1, $2, $3, $4, $5)', [
      new Date(Date.UTC(2026, 11, 6, 10, 0, i)), 'agency:000.00.00.H41', 'message.accepted', null, JSON.stringify({ n: i, subject: `Công văn số ${i}` }),
    ]);
  }
}

// holdMs 0: a pass goes past a hole in the ids at once (the tests that wait say so).
const seal = (t: TestDb, batch = 7, now = new Date(), holdMs = 0): ReturnType<typeof sealPending> =>
  sealPending(t.db, { batch, lateCommitMs: 600_000, holdMs, now });
const sealAll = async (t: TestDb): Promise<void> => {
  while ((await seal(t)).sealed > 0);
};
/** Whether the sealer still looks for event `id` (a gap below the highest id it sealed covers it). */
const inGap = async (t: TestDb, id: string): Promise<boolean> =>
  (await t.db.query('SELECT 1 FROM audit_chain_gaps WHERE $1::bigint BETWEEN lo AND hi', [id])).rows.length === 1;
/** Takes the next event id from the sequence, as a writer's insert does before its transaction commits. */
const reserveId = async (t: TestDb): Promise<string> =>
  (await t.db.query<{ id: string }>(`SELECT nextval(pg_get_serial_sequence('audit_events', 'id')) AS id`)).rows[0]!.id;

describe.each(STORES)('audit chain on %s', (store) => {
  let t: TestDb;
  let pki: DevPki;
  let hubKeys: HubKeys;
  let signer: CheckpointSigner;
  let trust: ReturnType<typeof checkpointTrust>;
  const verify = (): Promise<ChainReport> => verifyAuditChain(t.db, { trust, hubKeys: hubKeys.all, pageSize: 4 });
  const idAt = async (seq: number): Promise<string> => (await t.db.query<{ id: string }>('SELECT event_id AS id FROM audit_chain WHERE seq = $1', [seq])).rows[0]!.id;

  beforeAll(async () => {
    pki = await createDevPki({ alg: 'ES256' });
    hubKeys = hubKeysFromPem({ certChainPem: pki.chainPem, keyPem: pki.hubKeyPem });
    signer = checkpointSignerOf(hubKeys, 'lienthong test');
    trust = checkpointTrust(pki.caCertPem);
    t = await openTestDb(store);
    // 20 events, checkpoints after 8 and 16 (every 8 events), 4 events after the last checkpoint.
    await writeEvents(t, 8);
    await sealAll(t);
    await writeCheckpoint(t.db, signer, new Date(), () => true);
    await writeEvents(t, 8, 8);
    await sealAll(t);
    await writeCheckpoint(t.db, signer, new Date(), () => true);
    await writeEvents(t, 4, 16);
    await sealAll(t);
    // Each test tampers with its own copy: the original is put back after it.
    await t.db.query(`CREATE TABLE saved_events AS SELECT * FROM audit_events; CREATE TABLE saved_chain AS SELECT * FROM audit_chain;
      CREATE TABLE saved_gaps AS SELECT * FROM audit_chain_gaps; CREATE TABLE saved_checkpoints AS SELECT * FROM audit_checkpoints;
      CREATE TABLE saved_signers AS SELECT * FROM audit_signers`);
  });
  afterEach(async () => {
    await t.db.query(`DELETE FROM audit_events; INSERT INTO audit_events SELECT * FROM saved_events;
      DELETE FROM audit_chain; INSERT INTO audit_chain SELECT * FROM saved_chain;
      DELETE FROM audit_chain_gaps; INSERT INTO audit_chain_gaps SELECT * FROM saved_gaps;
      DELETE FROM audit_checkpoints; DELETE FROM audit_signers; INSERT INTO audit_signers SELECT * FROM saved_signers;
      INSERT INTO audit_checkpoints SELECT * FROM saved_checkpoints;
      SELECT setval(pg_get_serial_sequence('audit_events', 'id'), (SELECT max(id) FROM audit_events))`);
  });
  afterAll(async () => t?.cleanup());

  it('seals events in order, links each to the one before and verifies with its checkpoints', async () => {
    const { rows } = await t.db.query<{ seq: string; prev_hash: Buffer; hash: Buffer }>('SELECT seq, prev_hash, hash FROM audit_chain ORDER BY seq');
    expect(rows.map((r) => Number(r.seq))).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    rows.slice(1).forEach((row, i) => expect(Buffer.from(row.prev_hash).equals(Buffer.from(rows[i]!.hash))).toBe(true));
    const report = await verify();
    expect(report).toMatchObject({ ok: true, eventsVerified: 20, checkpointsVerified: 2, lastCheckpoint: { seq: 16 }, eventsAfterLastCheckpoint: 4, unsealed: 0 });
    expect(report.problem).toBeUndefined();
  });

  it('stores, with each event a writer inserts, the digest the verifier recomputes from the stored row', async () => {
    const event = {
      at: new Date('2026-12-07T01:02:03.456Z'), actor: 'admin:k_1', kind: 'delivery.replayed', messageId: '7d0c1f9e-2f6a-4e7e-9a59-0d4f3c1b2a10',
      data: { generation: 2, reason: 'Cổng tiếp nhận \"đã sửa\"', nested: { b: [1, 2.5, -0, 1e-7, null, true], a: 'x' }, gone: undefined },
    };
    await writeAudit(t.db, [event]);
    const { rows } = await t.db.query<AuditEventRow & { digest: Buffer }>(`SELECT ${EVENT_COLUMNS_SQL}, digest FROM audit_events WHERE kind = 'delivery.replayed' AND actor = 'admin:k_1'`);
    expect(rows).toHaveLength(1);
    expect(Buffer.from(rows[0]!.digest).toString('hex')).toBe(auditInsertValues(event)[6]);
    expect(auditDigest(contentOfRow(rows[0]!)).toString('hex')).toBe(auditInsertValues(event)[6]);
    await sealAll(t);
    expect(await verify()).toMatchObject({ ok: true, eventsVerified: 21 });
  });

  it('seals new events after the ones already sealed', async () => {
    await writeEvents(t, 3, 100);
    const sealed = await seal(t, 100);
    expect(sealed).toMatchObject({ sealed: 3, head: { seq: 23 } });
    expect((await verify()).ok).toBe(true);
  });

  it('seals an event whose write committed after a pass went past its id, after the events sealed before it', async () => {
    const late = await reserveId(t); // a writer took this id, its transaction has not committed yet
    await writeEvents(t, 2, 200);
    expect(await seal(t, 100)).toMatchObject({ sealed: 2, head: { seq: 22 } });
    expect(await inGap(t, late)).toBe(true);
    await t.db.query(`INSERT INTO audit_events (id, at, actor, kind, data) VALUES ($1, now(), 'worker', 'delivery.delivered', '{"late":true}')`, [late]);
    await writeEvents(t, 1, 210);
    expect(await seal(t, 100)).toMatchObject({ sealed: 2, head: { seq: 24 } });
    expect((await t.db.query<{ seq: number }>('SELECT seq FROM audit_chain WHERE event_id = $1', [late])).rows[0]!.seq).toBe(23);
    expect(await inGap(t, late)).toBe(false);
    expect(await verify()).toMatchObject({ ok: true, eventsVerified: 24, unsealed: 0 });
  });

  it('waits at a hole in the ids for the hold time before going past it', async () => {
    const late = await reserveId(t);
    await writeEvents(t, 1, 250);
    const start = new Date();
    const first = await sealPending(t.db, { batch: 100, lateCommitMs: 600_000, holdMs: 2_000, now: start });
    expect(first).toMatchObject({ sealed: 0, head: { seq: 20 } });
    const again = await sealPending(t.db, { batch: 100, lateCommitMs: 600_000, holdMs: 2_000, now: new Date(start.getTime() + 1_000), waiting: first.waiting });
    expect(again.sealed).toBe(0);
    await t.db.query(`INSERT INTO audit_events (id, at, actor, kind, data) VALUES ($1, now(), 'worker', 'delivery.delivered', '{}')`, [late]);
    // Committed within the hold time: sealed in id order, no gap left behind.
    expect(await sealPending(t.db, { batch: 100, lateCommitMs: 600_000, holdMs: 2_000, now: new Date(start.getTime() + 1_500), waiting: again.waiting }))
      .toMatchObject({ sealed: 2, head: { seq: 22 } });
    expect((await t.db.query<{ id: string }>('SELECT event_id AS id FROM audit_chain WHERE seq = 21')).rows[0]!.id).toBe(late);
    expect(await inGap(t, late)).toBe(false);
  });

  it('forgets an id whose write never committed once the late-commit window has passed', async () => {
    const rolledBack = await reserveId(t);
    await writeEvents(t, 1, 300);
    await seal(t, 100);
    expect(await inGap(t, rolledBack)).toBe(true);
    await seal(t, 100, new Date(Date.now() + 599_000));
    expect(await inGap(t, rolledBack)).toBe(true);
    await seal(t, 100, new Date(Date.now() + 601_000));
    expect(await inGap(t, rolledBack)).toBe(false);
    // Should it commit after all, verification counts it as unsealed.
    await t.db.query(`INSERT INTO audit_events (id, at, actor, kind, data) VALUES ($1, now(), 'worker', 'delivery.delivered', '{}')`, [rolledBack]);
    await sealAll(t);
    expect(await verify()).toMatchObject({ ok: true, eventsVerified: 21, unsealed: 1 });
  });

  it('names an edited event (altered)', async () => {
    await t.db.query(`UPDATE audit_events SET data = jsonb_set(data, '{subject}', '"Công văn đã sửa"') WHERE id = $1`, [await idAt(5)]);
    const report = await verify();
    expect(report.ok).toBe(false);
    expect(report.problem).toMatchObject({ kind: 'altered', seq: 5, eventId: await idAt(5) });
    // The stored digest in hex on either store (PGlite hands bytea over as a Uint8Array, not a Buffer).
    expect(report.problem!.detail).toMatch(/\(stored [0-9a-f]{64}, recomputed [0-9a-f]{64}\)$/);
    expect(report.eventsVerified).toBe(4);
  });

  it('names an edited actor or time just the same', async () => {
    await t.db.query(`UPDATE audit_events SET at = at + interval '1 microsecond' WHERE id = $1`, [await idAt(18)]);
    expect((await verify()).problem).toMatchObject({ kind: 'altered', seq: 18 });
  });

  it('names a deleted event (removed: its link is left without it)', async () => {
    const id = await idAt(11);
    await t.db.query('DELETE FROM audit_events WHERE id = $1', [id]);
    const report = await verify();
    expect(report.problem).toMatchObject({ kind: 'removed', seq: 11, eventId: id });
    expect(report.problem!.detail).toContain('no longer in audit_events');
  });

  it('names a deleted event and link (removed: a gap)', async () => {
    await t.db.query('DELETE FROM audit_events WHERE id = $1', [await idAt(11)]);
    await t.db.query('DELETE FROM audit_chain WHERE seq = 11');
    const report = await verify();
    expect(report.problem).toMatchObject({ kind: 'removed', seq: 11 });
    expect(report.problem!.detail).toContain('seq 11 missing');
  });

  it('names a deleted event whose successors were renumbered (removed: a broken link)', async () => {
    await t.db.query('DELETE FROM audit_events WHERE id = $1', [await idAt(11)]);
    await t.db.query('DELETE FROM audit_chain WHERE seq = 11');
    await t.db.query('UPDATE audit_chain SET seq = -seq WHERE seq > 11');
    await t.db.query('UPDATE audit_chain SET seq = -seq - 1 WHERE seq < 0');
    expect((await verify()).problem).toMatchObject({ kind: 'removed', seq: 11 });
  });

  it('names events deleted from the end that a checkpoint covered', async () => {
    await t.db.query('DELETE FROM audit_events WHERE id IN (SELECT event_id FROM audit_chain WHERE seq >= 15)');
    await t.db.query('DELETE FROM audit_chain WHERE seq >= 15');
    expect((await verify()).problem).toMatchObject({ kind: 'removed', seq: 15 });
  });

  it('names an inserted event (the others renumbered around it)', async () => {
    await t.db.query('UPDATE audit_chain SET seq = -seq WHERE seq >= 6');
    await t.db.query('UPDATE audit_chain SET seq = -seq + 1 WHERE seq < 0');
    const { rows } = await t.db.query<{ hash: Buffer }>('SELECT hash FROM audit_chain WHERE seq = 5');
    // The intruder even links itself to seq 5; seq 7 (formerly 6) still links to seq 5.
    const { rows: [intruder] } = await t.db.query<{ id: string }>(
      `INSERT INTO audit_events (at, actor, kind, data) VALUES (now(), 'admin:k_x', 'delivery.replayed', '{}') RETURNING id`);
    await t.db.query('INSERT INTO audit_chain (seq, event_id, digest, prev_hash, hash) VALUES (6, $1, $2, $3, $2)', [intruder!.id, Buffer.alloc(32, 1), rows[0]!.hash]);
    const report = await verify();
    expect(report.problem).toMatchObject({ kind: 'inserted', seq: 6 });
  });

  it('names an inserted event that links to nothing', async () => {
    await t.db.query('UPDATE audit_chain SET seq = -seq WHERE seq >= 3');
    await t.db.query('UPDATE audit_chain SET seq = -seq + 1 WHERE seq < 0');
    const { rows: [intruder] } = await t.db.query<{ id: string }>(
      `INSERT INTO audit_events (at, actor, kind, data) VALUES (now(), 'admin:k_x', 'delivery.replayed', '{}') RETURNING id`);
    const zeros = Buffer.alloc(32);
    await t.db.query('INSERT INTO audit_chain (seq, event_id, digest, prev_hash, hash) VALUES (3, $1, $2, $2, $2)', [intruder!.id, zeros]);
    expect((await verify()).problem).toMatchObject({ kind: 'inserted', seq: 3 });
  });

  it('names two events that exchanged places (reordered)', async () => {
    await t.db.query('UPDATE audit_chain SET seq = CASE seq WHEN 12 THEN -13 WHEN 13 THEN -12 END WHERE seq IN (12, 13)');
    await t.db.query('UPDATE audit_chain SET seq = -seq WHERE seq < 0');
    const report = await verify();
    expect(report.problem).toMatchObject({ kind: 'reordered', seq: 12 });
    expect(report.eventsVerified).toBe(11);
  });

  it('catches a rewritten chain at the checkpoint that signed the old one', async () => {
    // A careful forger edits seq 3 and recomputes every digest and link after it: only the signed checkpoint remains.
    await t.db.query(`UPDATE audit_events SET data = '{"n":3,"subject":"forged"}', digest = NULL WHERE id = $1`, [await idAt(3)]);
    await t.db.query('DELETE FROM audit_chain WHERE seq >= 3');
    await sealAll(t);
    const report = await verify();
    expect(report.problem).toMatchObject({ kind: 'checkpoint-mismatch', seq: 8 });
    expect(report.problem!.detail).toContain('after seq 0 and up to 8');
  });

  it('refuses a checkpoint whose signature or statement was changed, or that went missing', async () => {
    await t.db.query(`UPDATE audit_checkpoints SET signature = $1 WHERE seq = 8`, [Buffer.alloc(72, 7)]);
    expect((await verify()).problem).toMatchObject({ kind: 'checkpoint-invalid', seq: 8 });
  });

  it('notices a removed checkpoint by the link of the next one', async () => {
    await t.db.query('DELETE FROM audit_checkpoints WHERE seq = 8');
    expect((await verify()).problem).toMatchObject({ kind: 'checkpoint-invalid', seq: 16 });
  });

  it('refuses checkpoints signed by a key the auditor does not trust', async () => {
    const other = await createDevPki({ alg: 'ES256' });
    const report = await verifyAuditChain(t.db, { trust: checkpointTrust(other.caCertPem) });
    expect(report.problem).toMatchObject({ kind: 'checkpoint-invalid', seq: 8 });
    expect(report.problem!.detail).toContain('not trusted');
  });

  describe('a forger with write access to the database and a certificate from the hub\'s CA', () => {
    let stranger: { leaf: X509Certificate; chainPem: string; sign: (statement: Buffer) => Buffer };
    beforeAll(async () => {
      // Valid from an hour ago, like the hub's own: it was valid when the checkpoints were signed.
      const cert = await issueDevCertificate(pki, { alg: 'ES256', commonName: 'not the hub', now: new Date(Date.now() - 3_600_000) });
      const key = createPrivateKey(cert.keyPem);
      stranger = { leaf: new X509Certificate(cert.certPem), chainPem: cert.certPem + pki.caCertPem, sign: (statement) => sign('sha256', statement, key) };
    });
    const resign = async (rewrite: (statement: Record<string, unknown>) => Record<string, unknown>): Promise<void> => {
      const { rows } = await t.db.query<{ seq: string; statement: Uint8Array }>('SELECT seq, statement FROM audit_checkpoints ORDER BY seq');
      for (const row of rows) {
        const statement = Buffer.from(canonicalJson(rewrite(JSON.parse(Buffer.from(row.statement).toString('utf8')))), 'utf8');
        await t.db.query('UPDATE audit_checkpoints SET statement = $2, signature = $3, kid = $4 WHERE seq = $1',
          [row.seq, statement, stranger.sign(statement), JSON.parse(statement.toString('utf8')).kid]);
      }
    };

    it('cannot pass its certificate off as the hub key\'s in audit_signers', async () => {
      await t.db.query('UPDATE audit_signers SET chain_pem = $2 WHERE kid = $1', [hubKeys.kid, stranger.chainPem]);
      await resign((statement) => statement);
      for (const opts of [{ trust, hubKeys: hubKeys.all }, { trust }]) {
        const report = await verifyAuditChain(t.db, opts);
        expect(report.problem).toMatchObject({ kind: 'checkpoint-invalid', seq: 8 });
        expect(report.problem!.detail).toContain(`the certificate recorded for its signer ${hubKeys.kid} is another key's (${keyIdOf(stranger.leaf)})`);
      }
    });

    it('cannot sign checkpoints under its own key id: only the hub\'s keys sign them', async () => {
      const kid = keyIdOf(stranger.leaf);
      await t.db.query('INSERT INTO audit_signers (kid, chain_pem, first_used) VALUES ($1, $2, now())', [kid, stranger.chainPem]);
      await resign((statement) => ({ ...statement, kid }));
      expect((await verifyAuditChain(t.db, { trust })).problem).toBeUndefined(); // the CA alone cannot tell
      const report = await verify();
      expect(report.problem).toMatchObject({ kind: 'checkpoint-invalid', seq: 8 });
      expect(report.problem!.detail).toContain(`its signer ${kid} is not one of the hub's keys`);
    });
  });

  it('does not call the sealer stalled while the event loop was too busy to run it (a boot compiling routes)', async () => {
    const chain = createAuditChain({
      db: t.db, signer, log: createLogger('silent'), now: () => new Date(), sealEveryMs: 50, sealBatch: 100, lateCommitMs: 600_000,
      checkpointEveryMs: 60_000, checkpointMaxEvents: 1_000, maxUnsealedMs: 300, probeEveryMs: 20,
    });
    chain.start();
    try {
      await writeEvents(t, 1, 400);
      await new Promise((r) => setTimeout(r, 25)); // the probe has seen it waiting
      const end = Date.now() + 1_000;
      while (Date.now() < end); // blocked: no pass, no probe
      const seen: string[] = [];
      for (let i = 0; i < 40; i++) {
        seen.push(chain.health());
        await new Promise((r) => setTimeout(r, 5));
      }
      expect(seen.filter((h) => h !== 'ok')).toEqual([]);
    } finally {
      await chain.stop();
    }
  });

  it('time-stamps checkpoints through the TSA, and catches up on those written while it was down', async () => {
    const tsa = await startTsaSimulator();
    const dir = await mkdtemp(join(tmpdir(), 'lienthong-tsa-'));
    try {
      await writeFile(join(dir, 'tsa-ca.pem'), tsa.caCertPem);
      const { timestamper } = await loadCheckpointTsa({ url: tsa.url, caPath: join(dir, 'tsa-ca.pem'), timeoutMs: 2_000 });
      const chain = createAuditChain({
        db: t.db, signer, log: createLogger('silent'), now: () => new Date(), sealEveryMs: 20, sealBatch: 100, lateCommitMs: 600_000,
        checkpointEveryMs: 60_000, checkpointMaxEvents: 1_000, maxUnsealedMs: 10_000, probeEveryMs: 1_000, timestamper,
      });
      tsa.setBehaviour({ mode: 'down' });
      await writeEvents(t, 2, 50);
      const unstamped = await chain.checkpointNow();
      expect(unstamped).toMatchObject({ seq: 22, tsaToken: null });
      tsa.setBehaviour({ mode: 'ok' });
      chain.start();
      try {
        const stamped = await (async () => {
          for (let i = 0; i < 100; i++) {
            const last = await readLastCheckpoint(t.db);
            if (last?.tsaToken) return last;
            await new Promise((r) => setTimeout(r, 50));
          }
          throw new Error('the checkpoint was never time-stamped');
        })();
        expect(stamped.seq).toBe(22);
        expect(stamped.tsaAt).toBeInstanceOf(Date);
      } finally {
        await chain.stop();
      }
      expect(await verify()).toMatchObject({ ok: true, lastCheckpoint: { seq: 22, timestamped: true } });
    } finally {
      await tsa.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
