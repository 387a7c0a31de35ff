import { randomUUID } from 'node:crypto';
import type { Queue } from 'bullmq';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createMetrics } from '../../../src/metrics.js';
import type { DeliveryEnqueuer } from '../../../src/queue/delivery-enqueuer.js';
import type { DeliverJobData } from '../../../src/queue/job-catalogue.js';
import { createSweeper } from '../../../src/queue/sweeper.js';
import { openTestDb, type TestDb } from '../../helpers/test-db.js';

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

  function sweeperWith(db: TestDb['db'], getJob: (id: string) => Promise<unknown>) {
    const enqueued: { deliveryId: string; generation: number }[] = [];
    const enqueuer = { enqueue: async (jobs: { deliveryId: string; generation: number }[]) => { enqueued.push(...jobs); } } as unknown as DeliveryEnqueuer;
    const queue = { getJob } as unknown as Queue<DeliverJobData>;
    const sweeper = createSweeper({ db, queue, enqueuer, metrics: createMetrics(), log: pino({ level: 'silent' }), graceMs: 1_000, batchSize: 100 });
    return { sweeper, enqueued };
  }

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
