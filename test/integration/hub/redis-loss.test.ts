import { rm } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import type { Queryable } from '../../../src/store/db.js';
import { receiptPayload, send } from '../../helpers/hub-queries.js';
import { STORES, type StoreKind } from '../../helpers/test-db.js';
import { documentBody, startTestHub, type StartTestHubOptions, type TestHub } from '../../helpers/test-hub.js';

const G22 = '000.00.00.G22';
const H41 = '000.00.00.H41';
const H14 = '000.00.00.H14';
/** Nothing listens here: a Redis that is down. */
const DEAD_REDIS = 'redis://127.0.0.1:1';

const pendingStates = async (db: Queryable, ids: string[]) => (await db.query<{ id: string; state: string }>(
  'SELECT id, state FROM deliveries WHERE message_id = ANY($1::uuid[]) ORDER BY id', [ids])).rows;

/**
 * Runs `onApi` on an API-only hub, then `onWorker` on a worker-only hub over the same database, blobs,
 * queue prefix and PKI. The embedded store cannot be opened twice, so on PGlite the first hub closes
 * before the second opens; on PostgreSQL both run at once. Everything is cleaned up however it ends.
 */
async function apiThenWorker<T>(store: StoreKind, apiOpts: StartTestHubOptions, onApi: (api: TestHub) => Promise<T>, onWorker: (worker: TestHub, handed: T) => Promise<void>): Promise<void> {
  const api = await startTestHub(store, { ...apiOpts, roles: { api: true, worker: false } });
  let apiOpen = true;
  let worker: TestHub | undefined;
  try {
    const handed = await onApi(api);
    if (store === 'pglite') {
      await api.close({ keepData: true });
      apiOpen = false;
    }
    worker = await startTestHub(store, { roles: { api: false, worker: true }, shared: api.shared, sweepGraceMs: 0 });
    await onWorker(worker, handed);
  } finally {
    // The worker hub owns the shared state once it runs; until then the API hub does.
    if (apiOpen) await api.close(worker ? { keepData: true } : {});
    if (worker) await worker.close();
    else if (!apiOpen) await rm(api.shared.dataDir, { recursive: true, force: true });
  }
}

describe.each(STORES)('losing Redis never loses a message (%s store)', (store) => {
  it('after a Redis wipe the sweeper re-enqueues from the database; each delivery arrives exactly once', async () => {
    await apiThenWorker(store, {}, async (api) => {
      const ids = await Promise.all(Array.from({ length: 6 }, () => send(api, api.keys.g22, documentBody(G22, [H41, H14]))));
      const queue = api.hub.queue;
      await api.until(async () => (await queue.count()) >= 12);
      expect(await queue.count()).toBe(12);
      // Redis is wiped: every job is gone; the database still says queued.
      await queue.obliterate({ force: true });
      expect(await queue.count()).toBe(0);
      const before = await pendingStates(api.hub.db, ids);
      expect(before).toHaveLength(12);
      expect(before.every((d) => d.state === 'queued')).toBe(true);
      return { ids, before };
    }, async (worker, { ids, before }) => {
      const delivered = await worker.until(async () => {
        const rows = await pendingStates(worker.hub.db, ids);
        return rows.every((d) => d.state === 'delivered') ? rows : undefined;
      }, 20_000);
      expect(delivered.map((d) => d.id)).toEqual(before.map((d) => d.id));
      expect(worker.sim.uniqueDeliveries('h41')).toBe(6);
      expect(worker.sim.uniqueDeliveries('h14')).toBe(6);
      expect(worker.sim.requests()).toHaveLength(12);
      const { rows: requeued } = await worker.hub.db.query<{ delivery_id: string; actor: string }>(
        `SELECT DISTINCT delivery_id, actor FROM audit_events WHERE kind = 'delivery.requeued' AND message_id = ANY($1::uuid[]) ORDER BY delivery_id`, [ids]);
      expect(requeued.map((r) => r.delivery_id)).toEqual(before.map((d) => d.id));
      expect(requeued.every((r) => r.actor === 'sweeper')).toBe(true);
      const { rows: attempts } = await worker.hub.db.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM delivery_attempts a JOIN deliveries d ON d.id = a.delivery_id WHERE d.message_id = ANY($1::uuid[])', [ids]);
      expect(attempts[0]!.n).toBe(12);
    });
  });

  it('the API accepts with 202 while Redis is unreachable; a worker with Redis delivers it later', async () => {
    await apiThenWorker(store, { env: { REDIS_URL: DEAD_REDIS } }, async (api) => {
      const ready = await api.call('GET', '/readyz');
      expect(ready.status).toBe(503);
      expect(ready.json.checks.database).toBe('ok');
      expect(ready.json.checks.redis).not.toBe('ok');

      const started = Date.now();
      const r = await api.call('POST', '/v1/messages', { key: api.keys.g22, body: documentBody(G22, [H41]) });
      expect(r.status).toBe(202);
      expect(Date.now() - started).toBeLessThan(2_000);
      const id = r.json.id as string;
      expect(receiptPayload(api, r.json.receipt)).toMatchObject({ event: 'accepted', messageId: id });
      expect(await pendingStates(api.hub.db, [id])).toEqual([{ id: expect.any(String), state: 'queued' }]);
      expect((await api.call('GET', `/v1/messages/${id}`, { key: api.keys.g22 })).json.deliveries[0].state).toBe('queued');
      return id;
    }, async (worker, id) => {
      await worker.until(async () => (await pendingStates(worker.hub.db, [id]))[0]?.state === 'delivered', 20_000);
      expect(worker.sim.uniqueDeliveries('h41')).toBe(1);
      expect(worker.sim.requests('h41').map((q) => q.headers['lienthong-message-id'])).toEqual([id]);
      const { rows } = await worker.hub.db.query<{ kind: string }>('SELECT kind FROM audit_events WHERE message_id = $1 ORDER BY id', [id]);
      expect(rows.map((e) => e.kind)).toEqual(['message.accepted', 'delivery.queued', 'delivery.requeued', 'delivery.delivered']);
    });
  });
});
