import { randomUUID } from 'node:crypto';
import type { Queue } from 'bullmq';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createMetrics } from '../../../src/metrics.js';
import type { DeliveryEnqueuer } from '../../../src/queue/delivery-enqueuer.js';
import type { DeliverJobData } from '../../../src/queue/job-catalogue.js';
import { createSweeper } from '../../../src/queue/sweeper.js';
import { openTestDb, STORES, type TestDb } from '../../helpers/test-db.js';

/**
 * The sweeper against a real database and a stand-in queue whose `getJob` is scripted: the races
 * between the sweeper's reads and a job finishing are made to happen on cue.
 */
describe('the sweeper', () => {
  let t: TestDb | undefined;
  afterEach(async () => {
    await t?.cleanup();
    t = undefined;
  });

  async function overdueDelivery(db: TestDb['db']): Promise<{ messageId: string; deliveryId: string }> {
    const messageId = randomUUID();
    const deliveryId = randomUUID();
    const past = new Date(Date.now() - 3_600_000);
    await db.query(`INSERT INTO endpoints (id, adapter, settings, retry) VALUES ('ep-sweep', 'http-endpoint', '{}'::jsonb, '{}'::jsonb) ON CONFLICT DO NOTHING`);
    await db.query(`INSERT INTO messages (id, kind, sender, recipients, content_sha256) VALUES ($1, 'document', '000.00.00.G22', $2, 'x')`, [messageId, ['000.00.00.H41']]);
    await db.query(`INSERT INTO deliveries (id, message_id, recipient, endpoint_id, state, next_attempt_at, cycle_started_at) VALUES ($1, $2, '000.00.00.H41', 'ep-sweep', 'queued', $3, $3)`, [deliveryId, messageId, past]);
    return { messageId, deliveryId };
  }

  function sweeperWith(db: TestDb['db'], getJob: (id: string) => Promise<unknown>, batchSize = 100) {
    const enqueued: { deliveryId: string; generation: number }[] = [];
    const enqueuer = { enqueue: async (jobs: { deliveryId: string; generation: number }[]) => { enqueued.push(...jobs); } } as unknown as DeliveryEnqueuer;
    const queue = { getJob } as unknown as Queue<DeliverJobData>;
    const sweeper = createSweeper({ db, queue, enqueuer, metrics: createMetrics(), log: pino({ level: 'silent' }), graceMs: 1_000, batchSize });
    return { sweeper, enqueued };
  }

  /**
   * `count` overdue deliveries of one message, due an hour or more ago in clumps that share a
   * timestamp (a batch accepted at once) and differ by microseconds; returns their ids, oldest first.
   */
  async function parkedDeliveries(db: TestDb['db'], count: number): Promise<string[]> {
    const messageId = randomUUID();
    await db.query(`INSERT INTO endpoints (id, adapter, settings, retry) VALUES ('ep-sweep', 'http-endpoint', '{}'::jsonb, '{}'::jsonb) ON CONFLICT DO NOTHING`);
    await db.query(`INSERT INTO messages (id, kind, sender, recipients, content_sha256) VALUES ($1, 'document', '000.00.00.G22', $2, 'x')`, [messageId, ['000.00.00.H41']]);
    const { rows } = await db.query<{ id: string }>(
      `INSERT INTO deliveries (id, message_id, recipient, endpoint_id, state, next_attempt_at, cycle_started_at)
         SELECT gen_random_uuid(), $1, 'R' || i, 'ep-sweep', CASE WHEN i % 2 = 0 THEN 'queued' ELSE 'retrying' END, t, t
           FROM generate_series(1, $2::int) AS i, LATERAL (SELECT now() - interval '2 hours' + (i / 100) * interval '1 microsecond' AS t) AS due
       RETURNING id`, [messageId, count]);
    return rows.map((r) => r.id);
  }

  /** A stand-in queue lookup: every job is parked (delayed) except those of the deliveries in `lost`. */
  const parkedExcept = (lost: Set<string>) => {
    const looked: string[] = [];
    const getJob = async (jobId: string) => {
      looked.push(jobId);
      return lost.has(jobId.replace(/-g\d+$/, '')) ? undefined : { getState: async () => 'delayed' };
    };
    return { getJob, looked };
  };

  it.each(STORES)('reaches a newer delivery whose job is lost behind more parked ones than one sweep checks (%s store)', async (store) => {
    t = await openTestDb(store);
    // An endpoint down for a while: 1,500 older deliveries whose jobs are parked behind its circuit.
    await parkedDeliveries(t.db, 1_500);
    const { deliveryId: lostId } = await overdueDelivery(t.db);
    await t.db.query(`UPDATE deliveries SET next_attempt_at = now() - interval '5 minutes' WHERE id = $1`, [lostId]);
    const lookups = parkedExcept(new Set([lostId]));
    const { sweeper, enqueued } = sweeperWith(t.db, lookups.getJob, 1_000);

    const requeued: number[] = [];
    for (let sweep = 0; sweep < 3 && enqueued.length === 0; sweep++) {
      const before = lookups.looked.length;
      requeued.push(await sweeper.sweepOnce());
      // The cost of a sweep stays bounded: at most one batch of lookups.
      expect(lookups.looked.length - before).toBeLessThanOrEqual(1_000);
    }
    expect(requeued).toEqual([0, 1]);
    expect(enqueued).toEqual([expect.objectContaining({ deliveryId: lostId, generation: 0 })]);
  });

  it.each(STORES)('walks every overdue delivery once per round and starts over from the oldest (%s store)', async (store) => {
    t = await openTestDb(store);
    const ids = await parkedDeliveries(t.db, 250);
    const lost = new Set<string>();
    const lookups = parkedExcept(lost);
    const { sweeper, enqueued } = sweeperWith(t.db, lookups.getJob, 100);

    // One round (250 rows, 100 a sweep): each delivery looked at exactly once.
    for (let sweep = 0; sweep < 3; sweep++) expect(await sweeper.sweepOnce()).toBe(0);
    const round = lookups.looked.splice(0);
    expect(round).toHaveLength(300);
    const once = round.slice(0, 250).map((jobId) => jobId.replace(/-g\d+$/, ''));
    expect(new Set(once)).toEqual(new Set(ids));
    // The third sweep went past the newest and on from the oldest.
    expect(round.slice(250).map((jobId) => jobId.replace(/-g\d+$/, ''))).toEqual(once.slice(0, 50));

    // The oldest delivery's job is lost after its turn: the walk comes back to it.
    lost.add(once[0]!);
    let found = 0;
    for (let sweep = 0; sweep < 3 && found === 0; sweep++) found = await sweeper.sweepOnce();
    expect(found).toBe(1);
    expect(enqueued).toEqual([expect.objectContaining({ deliveryId: once[0] })]);
  });

  it('re-enqueues an overdue delivery whose job is gone, and says so in the audit log', async () => {
    t = await openTestDb('pglite');
    const { deliveryId } = await overdueDelivery(t.db);
    const { sweeper, enqueued } = sweeperWith(t.db, async () => undefined);
    expect(await sweeper.sweepOnce()).toBe(1);
    expect(enqueued).toEqual([expect.objectContaining({ deliveryId, generation: 0 })]);
    const { rows } = await t.db.query<{ kind: string }>(`SELECT kind FROM audit_events WHERE delivery_id = $1`, [deliveryId]);
    expect(rows.map((r) => r.kind)).toEqual(['delivery.requeued']);
  });

  it('leaves alone a delivery whose job finished between its two reads (gone from the queue because it is done)', async () => {
    t = await openTestDb('pglite');
    const db = t.db;
    const { deliveryId } = await overdueDelivery(db);
    const { sweeper, enqueued } = sweeperWith(db, async () => {
      // The worker delivers it and the completed job is removed, just before the sweeper looks.
      await db.query(`UPDATE deliveries SET state = 'delivered', next_attempt_at = NULL, delivered_at = now() WHERE id = $1`, [deliveryId]);
      return undefined;
    });
    expect(await sweeper.sweepOnce()).toBe(0);
    expect(enqueued).toEqual([]);
    const { rows } = await db.query(`SELECT 1 FROM audit_events WHERE delivery_id = $1`, [deliveryId]);
    expect(rows).toEqual([]);
  });

  it('leaves alone a delivery replayed meanwhile (a new generation has its own job)', async () => {
    t = await openTestDb('pglite');
    const db = t.db;
    const { deliveryId } = await overdueDelivery(db);
    const { sweeper, enqueued } = sweeperWith(db, async () => {
      await db.query(`UPDATE deliveries SET generation = generation + 1 WHERE id = $1`, [deliveryId]);
      return undefined;
    });
    expect(await sweeper.sweepOnce()).toBe(0);
    expect(enqueued).toEqual([]);
  });
});
