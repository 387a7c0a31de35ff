import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replayDelivery } from '../../../src/admin/replay-delivery.js';
import type { DeliveryEnqueuer } from '../../../src/queue/delivery-enqueuer.js';
import { claimDeliveries, type ClaimedDelivery } from '../../../src/store/claim-deliveries.js';
import { writeDeliveryOutcomes, type DeliveryOutcomeRecord } from '../../../src/store/write-delivery-outcomes.js';
import { openTestDb, STORES, type TestDb } from '../../helpers/test-db.js';

/**
 * Two jobs for one delivery (a job whose lock was lost while its first worker still ran, an old
 * generation's stalled job after a replay) both claim it and attempt it with the same number: the
 * outcome written first is the one recorded, the other is reported superseded and writes nothing.
 */
describe.each(STORES)('writing delivery outcomes (%s store)', (kind) => {
  let t: TestDb;
  beforeAll(async () => {
    t = await openTestDb(kind);
    await t.db.query(`INSERT INTO endpoints (id, adapter, settings, retry) VALUES ('ep-outcome', 'http-endpoint', '{}'::jsonb, '{}'::jsonb)`);
  });
  afterAll(async () => {
    await t?.cleanup();
  });

  /** A message with one queued delivery per recipient; returns the delivery ids. */
  async function deliveries(count: number): Promise<string[]> {
    const messageId = randomUUID();
    const recipients = Array.from({ length: count }, (_, i) => `000.00.${String(i).padStart(2, '0')}.H41`);
    await t.db.query(`INSERT INTO messages (id, kind, sender, recipients, content_sha256) VALUES ($1, 'document', '000.00.00.G22', $2, 'x')`, [messageId, recipients]);
    const ids: string[] = [];
    for (const recipient of recipients) {
      const id = randomUUID();
      await t.db.query(`INSERT INTO deliveries (id, message_id, recipient, endpoint_id, state, next_attempt_at, cycle_started_at) VALUES ($1, $2, $3, 'ep-outcome', 'queued', now(), now())`, [id, messageId, recipient]);
      ids.push(id);
    }
    return ids;
  }

  async function claim(id: string): Promise<ClaimedDelivery> {
    const claimed = (await claimDeliveries(t.db, [id], new Date())).get(id);
    if (!claimed) throw new Error(`delivery ${id} not claimed`);
    return claimed;
  }

  /** The outcome the worker writes for an attempt made under `claimed`, as the delivery processor builds it. */
  function outcome(claimed: ClaimedDelivery, state: DeliveryOutcomeRecord['state'], tag: string): DeliveryOutcomeRecord {
    const at = new Date();
    const attempt = claimed.attempts + 1;
    return {
      deliveryId: claimed.id, at, state,
      attempt: { attempt, generation: claimed.generation, startedAt: at, finishedAt: at, outcome: state === 'delivered' ? 'delivered' : state === 'failed' ? 'permanent' : 'transient', detail: tag },
      nextAttemptAt: state === 'retrying' ? new Date(at.getTime() + 60_000) : null,
      lastError: state === 'delivered' ? null : tag,
      ...(state === 'delivered' ? { remoteId: tag } : {}),
      ...(state === 'retrying' ? {} : { receipt: { id: randomUUID(), messageId: claimed.message.id, deliveryId: claimed.id, event: state === 'delivered' ? 'delivered' : 'failed', jws: tag, createdAt: at } }),
      audit: [{ at, actor: 'worker', kind: `delivery.${state}`, messageId: claimed.message.id, deliveryId: claimed.id, data: { attempt, tag } }],
    };
  }

  /** What the database holds of a delivery: its row, and the attempts, receipts and audit events written for it. */
  async function written(id: string) {
    const { rows: [row] } = await t.db.query<{ state: string; attempts: number; generation: number; remote_id: string | null; delivered: boolean }>(
      'SELECT state, attempts, generation, remote_id, delivered_at IS NOT NULL AS delivered FROM deliveries WHERE id = $1', [id]);
    const { rows: attempts } = await t.db.query<{ generation: number; attempt: number; detail: string }>(
      'SELECT generation, attempt, detail FROM delivery_attempts WHERE delivery_id = $1 ORDER BY id', [id]);
    const { rows: receipts } = await t.db.query<{ jws: string }>('SELECT jws FROM receipts WHERE delivery_id = $1 ORDER BY created_at, jws', [id]);
    const { rows: audit } = await t.db.query<{ kind: string; tag: string | null }>(
      `SELECT kind, data->>'tag' AS tag FROM audit_events WHERE delivery_id = $1 AND actor = 'worker' ORDER BY id`, [id]);
    return { row, attempts, receipts: receipts.map((r) => r.jws), audit };
  }

  it('records the first outcome of an attempt; the second job\'s, for the same attempt, is superseded and writes nothing', async () => {
    const [id] = await deliveries(1);
    const first = await claim(id!);
    // Its lock lost, the job runs again on another worker while the first is still at it.
    const second = await claim(id!);
    expect(second).toMatchObject({ state: 'sending', attempts: 0, generation: 0 });

    expect(await writeDeliveryOutcomes(t.db, [outcome(first, 'delivered', 'first')])).toEqual(['recorded']);
    expect(await writeDeliveryOutcomes(t.db, [outcome(second, 'retrying', 'second')])).toEqual(['superseded']);

    expect(await written(id!)).toEqual({
      row: { state: 'delivered', attempts: 1, generation: 0, remote_id: 'first', delivered: true },
      attempts: [{ generation: 0, attempt: 1, detail: 'first' }],
      receipts: ['first'],
      audit: [{ kind: 'delivery.delivered', tag: 'first' }],
    });
  });

  it('in one batch, records the first of two outcomes for a delivery and every other delivery\'s', async () => {
    const [a, b] = await deliveries(2);
    const firstA = await claim(a!);
    const claimedB = await claim(b!);
    const secondA = await claim(a!);

    const results = await writeDeliveryOutcomes(t.db, [outcome(firstA, 'retrying', 'a1'), outcome(claimedB, 'delivered', 'b'), outcome(secondA, 'failed', 'a2')]);

    expect(results).toEqual(['recorded', 'recorded', 'superseded']);
    expect(await written(a!)).toEqual({
      row: { state: 'retrying', attempts: 1, generation: 0, remote_id: null, delivered: false },
      attempts: [{ generation: 0, attempt: 1, detail: 'a1' }],
      receipts: [],
      audit: [{ kind: 'delivery.retrying', tag: 'a1' }],
    });
    expect((await written(b!)).row).toMatchObject({ state: 'delivered', attempts: 1 });
  });

  it('records one of two outcomes for the same attempt written by two batches at once', async () => {
    const ids = await deliveries(20);
    const firsts = await Promise.all(ids.map(claim));
    const seconds = await Promise.all(ids.map(claim));

    const [one, other] = await Promise.all([
      writeDeliveryOutcomes(t.db, firsts.map((c) => outcome(c, 'delivered', 'one'))),
      writeDeliveryOutcomes(t.db, seconds.map((c) => outcome(c, 'retrying', 'other'))),
    ]);

    one.forEach((result, i) => expect([result, other[i]].sort()).toEqual(['recorded', 'superseded']));
    for (const [i, id] of ids.entries()) {
      const tag = one[i] === 'recorded' ? 'one' : 'other';
      const w = await written(id);
      expect(w.row).toMatchObject({ state: tag === 'one' ? 'delivered' : 'retrying', attempts: 1 });
      expect(w.attempts).toEqual([{ generation: 0, attempt: 1, detail: tag }]);
      expect(w.audit.map((e) => e.tag)).toEqual([tag]);
    }
  });

  it('supersedes an outcome from before a replay: the new cycle is left as it is, and records its own', async () => {
    const [id] = await deliveries(1);
    const stale = await claim(id!);
    // A second job for the same attempt fails the delivery for good; an operator replays it (generation 1).
    const other = await claim(id!);
    expect(await writeDeliveryOutcomes(t.db, [outcome(other, 'failed', 'gen0')])).toEqual(['recorded']);
    const enqueuer: DeliveryEnqueuer = { enqueue: async () => undefined };
    await replayDelivery(t.db, enqueuer, id!, 'operator');
    const replayed = await claim(id!);
    expect(replayed).toMatchObject({ state: 'queued', attempts: 0, generation: 1 });

    // The first job, still on generation 0, finishes now.
    expect(await writeDeliveryOutcomes(t.db, [outcome(stale, 'delivered', 'stale')])).toEqual(['superseded']);
    expect((await written(id!)).row).toEqual({ state: 'sending', attempts: 0, generation: 1, remote_id: null, delivered: false });

    expect(await writeDeliveryOutcomes(t.db, [outcome(replayed, 'delivered', 'gen1')])).toEqual(['recorded']);
    expect(await written(id!)).toEqual({
      row: { state: 'delivered', attempts: 1, generation: 1, remote_id: 'gen1', delivered: true },
      attempts: [{ generation: 0, attempt: 1, detail: 'gen0' }, { generation: 1, attempt: 1, detail: 'gen1' }],
      receipts: ['gen0', 'gen1'],
      audit: [{ kind: 'delivery.failed', tag: 'gen0' }, { kind: 'delivery.delivered', tag: 'gen1' }],
    });
  });

  it('records the outcome of an attempt resumed after a crash (the delivery was left sending)', async () => {
    const [id] = await deliveries(1);
    await claim(id!);
    // The worker died mid-attempt: the job comes back and is claimed again, the delivery still sending.
    const resumed = await claim(id!);
    expect(resumed).toMatchObject({ state: 'sending', attempts: 0 });
    expect(await writeDeliveryOutcomes(t.db, [outcome(resumed, 'retrying', 'resumed')])).toEqual(['recorded']);
    const next = await claim(id!);
    expect(next).toMatchObject({ state: 'retrying', attempts: 1 });
    expect(await writeDeliveryOutcomes(t.db, [outcome(next, 'delivered', 'next')])).toEqual(['recorded']);
    expect((await written(id!)).attempts).toEqual([{ generation: 0, attempt: 1, detail: 'resumed' }, { generation: 0, attempt: 2, detail: 'next' }]);
  });

  it('writes nothing for an empty batch', async () => {
    expect(await writeDeliveryOutcomes(t.db, [])).toEqual([]);
  });
});
