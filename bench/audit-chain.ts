/**
 * `npm run bench:audit` — how fast audit events are appended while the chain is sealed, and how fast
 * the chain verifies. On each store:
 *   1. appends alone: `writers` concurrent writers insert batches of `batch` events (one statement
 *      each, as the hub's group commits do) for `seconds`: events/s;
 *   2. the same with the sealer and checkpoints running as in the hub (every `seal-ms`, 5,000 events
 *      per pass, a checkpoint each 10,000 events): appended/s, sealed/s, the largest backlog age seen;
 *   3. verification of the whole chain (verifyAuditChain): events/s.
 *
 *   npm run bench:audit [-- --seconds 10 --writers 8 --batch 60 --seal-ms 250 --stores postgres,pglite]
 */
import { cpus, totalmem } from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { createAuditChain } from '../src/audit/audit-chain.js';
import { auditInsertValues } from '../src/audit/audit-digest.js';
import { OLDEST_UNSEALED_SQL } from '../src/audit/audit-sealer.js';
import { checkpointSignerOf } from '../src/audit/checkpoint-signer.js';
import { checkpointTrust, verifyAuditChain } from '../src/audit/verify-audit-chain.js';
import { createDevPki } from '../src/crypto/dev-pki.js';
import { hubKeysFromPem } from '../src/crypto/hub-keys.js';
import type { Db } from '../src/store/db.js';
import { UnnestParams } from '../src/store/unnest-params.js';
import { withPgliteStore, withPostgresSchema } from './bench-stores.js';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    writers: { type: 'string', default: '8' },
    batch: { type: 'string', default: '60' },
    'seal-ms': { type: 'string', default: '250' },
    stores: { type: 'string', default: 'postgres,pglite' },
    'database-url': { type: 'string', default: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test' },
  },
});
const seconds = Number(args.seconds);
const writers = Number(args.writers);
const batch = Number(args.batch);
const log = (line: string): void => void process.stdout.write(`${line}\n`);
const rate = (n: number, ms: number): string => `${Math.round(n / (ms / 1000)).toLocaleString('en-US')}/s`;

/** One batch of events shaped like the hub's (accepted, queued, delivered), inserted as the hub does: digest included. */
function insertBatch(db: Db, n: number, seqStart: number): Promise<unknown> {
  const sql = new UnnestParams();
  const at = new Date();
  const rows = Array.from({ length: n }, (_, i) => auditInsertValues({
    at, actor: 'agency:000.00.00.G22', kind: i % 3 === 0 ? 'message.accepted' : i % 3 === 1 ? 'delivery.queued' : 'delivery.delivered',
    data: { recipient: '000.00.00.H41', endpoint: 'h41', attempt: 1, n: seqStart + i, contentSha256: 'a'.repeat(64) },
  }));
  const values = sql.unnest('x', [['at', 'timestamptz'], ['actor', 'text'], ['kind', 'text'], ['message_id', 'uuid'], ['delivery_id', 'uuid'], ['data', 'jsonb'], ['digest', 'text']], rows);
  return db.query(`INSERT INTO audit_events (at, actor, kind, message_id, delivery_id, data, digest)
    SELECT at, actor, kind, message_id, delivery_id, data, decode(digest, 'hex') FROM ${values}`, sql.params, { prepare: 'bench_audit_insert' });
}

/** `writers` loops appending batches until `ms` elapse; the number of events written. */
async function appendFor(db: Db, ms: number): Promise<number> {
  let written = 0;
  const until = performance.now() + ms;
  await Promise.all(Array.from({ length: writers }, async () => {
    while (performance.now() < until) {
      await insertBatch(db, batch, written);
      written += batch;
      // PGlite answers in-process: without a turn of the event loop the sealer's timers would never fire.
      await new Promise((resolve) => setImmediate(resolve));
    }
  }));
  return written;
}

const unsealed = async (db: Db): Promise<number> => Number((await db.query<{ n: string }>(
  'SELECT count(*) AS n FROM audit_events WHERE id > (SELECT coalesce(max(event_id), 0) FROM audit_chain)')).rows[0]!.n);

async function run(db: Db, where: string): Promise<void> {
  log(`\n${where}`);
  const pki = await createDevPki({ alg: 'ES256' });
  const keys = hubKeysFromPem({ certChainPem: pki.chainPem, keyPem: pki.hubKeyPem });

  // 1. appends alone
  let t0 = performance.now();
  const alone = await appendFor(db, seconds * 1000);
  const aloneMs = performance.now() - t0;
  log(`  appends alone:        ${alone.toLocaleString('en-US')} events in ${(aloneMs / 1000).toFixed(1)} s = ${rate(alone, aloneMs)} (${writers} writers × ${batch} events per statement)`);
  // the backlog of phase 1 is sealed first, so phase 2 measures steady state
  const chain = createAuditChain({
    db, signer: checkpointSignerOf(keys, 'bench'), log: pino({ level: 'silent' }), now: () => new Date(), sealEveryMs: Number(args['seal-ms']), sealBatch: 5_000, lateCommitMs: 600_000,
    checkpointEveryMs: 60_000, checkpointMaxEvents: 10_000, maxUnsealedMs: 30_000, probeEveryMs: 1_000,
  });
  t0 = performance.now();
  await chain.checkpointNow();
  log(`  sealing that backlog: ${rate(alone, performance.now() - t0)} (one process, 5,000 events per transaction)`);

  // 2. appends while the sealer runs
  chain.start();
  let worstLagMs = 0;
  const sampler = setInterval(() => {
    void db.query<{ at: Date }>(`SELECT at FROM audit_events WHERE id = (${OLDEST_UNSEALED_SQL})`).then(({ rows }) => {
      if (rows[0]) worstLagMs = Math.max(worstLagMs, Date.now() - rows[0].at.getTime());
    });
  }, 100);
  t0 = performance.now();
  const sealedBefore = Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM audit_chain')).rows[0]!.n);
  const withSealer = await appendFor(db, seconds * 1000);
  const withMs = performance.now() - t0;
  const sealedDuring = Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM audit_chain')).rows[0]!.n) - sealedBefore;
  const left = await unsealed(db);
  t0 = performance.now();
  while ((await unsealed(db)) > 0) await new Promise((r) => setTimeout(r, 20));
  const drainMs = performance.now() - t0;
  clearInterval(sampler);
  await chain.stop();
  log(`  appends with sealer:  ${withSealer.toLocaleString('en-US')} events = ${rate(withSealer, withMs)}; sealed meanwhile ${rate(sealedDuring, withMs)}; the oldest unsealed event was at most ${Math.round(worstLagMs)} ms old; ${left.toLocaleString('en-US')} left at the end, sealed in ${Math.round(drainMs)} ms`);

  // 3. verification
  const total = alone + withSealer;
  t0 = performance.now();
  const report = await verifyAuditChain(db, { trust: checkpointTrust(pki.caCertPem) });
  const verifyMs = performance.now() - t0;
  log(`  verify:               ${report.ok ? 'intact' : `PROBLEM ${JSON.stringify(report.problem)}`}, ${report.eventsVerified.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} events and ${report.checkpointsVerified} checkpoints in ${(verifyMs / 1000).toFixed(1)} s = ${rate(report.eventsVerified, verifyMs)}`);
}

async function main(): Promise<void> {
  log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}; ${new Date().toISOString()}`);
  for (const store of (args.stores ?? '').split(',')) {
    if (store === 'postgres') await withPostgresSchema({ databaseUrl: args['database-url']!, name: 'audit', poolSize: writers + 2, log }, run);
    else if (store === 'pglite') await withPgliteStore({ name: 'audit' }, run);
    else throw new Error(`unknown store ${store}`);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
