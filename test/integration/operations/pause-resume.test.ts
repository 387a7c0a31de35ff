import { resolve } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { send, viewWhen } from '../../helpers/hub-queries.js';
import { STORES } from '../../helpers/test-db.js';
import { documentBody, startTestHub, type TestHub } from '../../helpers/test-hub.js';

const CONFIG = resolve('test/fixtures/config/operations-hub.json');
const G22 = '000.00.00.G22';
const H41 = '000.00.00.H41';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(STORES)('pausing and resuming an endpoint (%s store)', (store) => {
  let t: TestHub;
  beforeAll(async () => {
    // The sweeper (every second here) looks at deliveries 200 ms overdue: it must leave paused ones alone.
    t = await startTestHub(store, { env: { LIENTHONG_CONFIG: CONFIG }, sweepGraceMs: 200 });
  });
  afterAll(async () => {
    await t?.close();
  });
  beforeEach(() => {
    t.sim.reset();
  });

  const pause = (endpoint: string, body: unknown = { reason: 'bảo trì hệ thống nhận văn bản' }, key = t.keys.operator) =>
    t.call('POST', `/v1/admin/endpoints/${endpoint}/pause`, { key, body });
  const resume = (endpoint: string, key = t.keys.admin) => t.call('POST', `/v1/admin/endpoints/${endpoint}/resume`, { key });
  const deliveryRows = async (ids: string[]) => (await t.hub.db.query<{ message_id: string; state: string; attempts: number; cycle_started_at: Date; created_at: Date }>(
    'SELECT message_id, state, attempts, cycle_started_at, created_at FROM deliveries WHERE message_id = ANY($1::uuid[])', [ids])).rows;
  const events = async (kind: string) => (await t.hub.db.query<{ actor: string; data: Record<string, unknown> }>(
    'SELECT actor, data FROM audit_events WHERE kind = $1 ORDER BY id', [kind])).rows;
  const metric = async (line: RegExp) => {
    const text = (await t.call('GET', '/metrics')).json as string;
    return Number(line.exec(text)?.[1] ?? 'NaN');
  };

  it('while paused nothing is attempted, failed or counted; resuming delivers every waiting delivery, oldest first', async () => {
    const paused = await pause('h41');
    expect(paused.status, JSON.stringify(paused.json)).toBe(200);
    expect(paused.json).toMatchObject({ endpoint: 'h41', paused: true, pausedBy: expect.stringMatching(/^operator:/), reason: 'bảo trì hệ thống nhận văn bản', waiting: 0 });
    expect(await events('endpoint.paused')).toEqual([{ actor: paused.json.pausedBy, data: { endpoint: 'h41', reason: 'bảo trì hệ thống nhận văn bản', waiting: 0 } }]);
    // The worker reads endpoint_pauses twice a second.
    const seenAfter = Date.now();
    await t.until(async () => t.hub.oversight!.pauses.cached('h41'), 1_500);
    expect(Date.now() - seenAfter).toBeLessThan(1_200);

    const ids: string[] = [];
    for (let i = 0; i < 4; i += 1) ids.push(await send(t, t.keys.g22, documentBody(G22, [H41])));
    // Set aside by the worker, not attempted: the endpoint never hears of them and their rows do not move.
    await t.until(async () => (await metric(/^lienthong_paused_jobs_set_aside_total\{endpoint="h41"\} (\d+)/m)) >= 4);
    await sleep(2_500);
    expect(t.sim.requests('h41')).toHaveLength(0);
    // The sweeper knows they have no job on purpose.
    expect((await t.hub.db.query(`SELECT 1 FROM audit_events WHERE kind = 'delivery.requeued' AND message_id = ANY($1::uuid[])`, [ids])).rows).toEqual([]);
    expect((await deliveryRows(ids)).map((r) => [r.state, r.attempts])).toEqual(ids.map(() => ['queued', 0]));
    expect(await metric(/^lienthong_endpoint_paused\{endpoint="h41"\} (\d+)/m)).toBe(1);

    const depth = await t.call('GET', '/v1/admin/queue', { key: t.keys.auditor });
    expect(depth.status).toBe(200);
    expect(depth.json.endpoints.find((e: { endpoint: string }) => e.endpoint === 'h41')).toEqual({
      endpoint: 'h41', adapter: 'http-endpoint', queued: 4, inFlight: 0, retrying: 0, paused: 4, oldestWaitingSince: expect.any(String),
      pause: { pausedAt: paused.json.pausedAt, pausedBy: paused.json.pausedBy, reason: 'bảo trì hệ thống nhận văn bản' },
    });
    expect(depth.json.endpoints.find((e: { endpoint: string }) => e.endpoint === 'h14')).toMatchObject({ queued: 0, paused: 0, pause: null });
    expect(depth.json.queue).toEqual({ waiting: expect.any(Number), delayed: expect.any(Number), active: expect.any(Number), prioritized: expect.any(Number), failed: expect.any(Number) });
    const listed = await t.call('GET', '/v1/admin/deliveries?state=queued&endpoint=h41', { key: t.keys.operator });
    expect(listed.json.items.map((i: { messageId: string; endpointPaused: boolean }) => [i.messageId, i.endpointPaused])).toEqual([...ids].reverse().map((id) => [id, true]));

    // Redis may be flushed while paused: nothing of these lives there anyway.
    await t.hub.queue.obliterate({ force: true });

    const addBulk = vi.spyOn(t.hub.queue, 'addBulk');
    const resumed = await resume('h41');
    expect(resumed.status, JSON.stringify(resumed.json)).toBe(200);
    expect(resumed.json).toMatchObject({ endpoint: 'h41', paused: false, pausedAt: paused.json.pausedAt, requeued: 4, queueDeferred: 0, pausedForMs: expect.any(Number) });
    // Queued again in acceptance order.
    const queuedOrder = addBulk.mock.calls.flatMap(([jobs]) => jobs.map((j) => j.data.deliveryId));
    addBulk.mockRestore();
    const { rows: byAcceptance } = await t.hub.db.query<{ id: string }>('SELECT id FROM deliveries WHERE message_id = ANY($1::uuid[]) ORDER BY created_at, id', [ids]);
    expect(queuedOrder).toEqual(byAcceptance.map((r) => r.id));

    for (const id of ids) await viewWhen(t, id, t.keys.g22, (v) => v.deliveries[0].state === 'delivered');
    expect(t.sim.uniqueDeliveries('h41')).toBe(4);
    expect(t.sim.requests('h41')).toHaveLength(4);
    const rows = await deliveryRows(ids);
    expect(rows.map((r) => r.attempts)).toEqual([1, 1, 1, 1]);
    // Accepted while paused: the give-up window starts at the resume, not at acceptance.
    for (const r of rows) expect(r.cycle_started_at.toISOString()).toBe(resumed.json.resumedAt);
    expect(await events('endpoint.resumed')).toEqual([{ actor: expect.stringMatching(/^admin:/), data: { endpoint: 'h41', pausedAt: paused.json.pausedAt, pausedForMs: resumed.json.pausedForMs, waiting: 4 } }]);
    await t.until(async () => (await metric(/^lienthong_endpoint_paused\{endpoint="h41"\} (\d+)/m)) === 0);
  });

  it('a delivery already retrying when paused keeps its attempts and is attempted again after the resume', async () => {
    // Its retry is due 3 s after the first attempt (Retry-After): the pause comes in between.
    t.sim.setBehaviour('h41', { mode: 'fail', status: 429, count: 1, retryAfterSeconds: 3 });
    const setAside = () => metric(/^lienthong_paused_jobs_set_aside_total\{endpoint="h41"\} (\d+)/m);
    const before = await setAside();
    const id = await send(t, t.keys.g22, documentBody(G22, [H41]));
    await viewWhen(t, id, t.keys.g22, (v) => v.deliveries[0].state === 'retrying');
    expect((await pause('h41')).status).toBe(200);
    await t.until(async () => (await setAside()) === before + 1, 10_000);
    expect(t.sim.requests('h41')).toHaveLength(1);
    expect((await deliveryRows([id]))[0]).toMatchObject({ state: 'retrying', attempts: 1 });
    expect((await resume('h41')).json).toMatchObject({ requeued: 1 });
    const view = await viewWhen(t, id, t.keys.g22, (v) => v.deliveries[0].state === 'delivered');
    expect(view.deliveries[0]).toMatchObject({ attempts: 2 });
    expect(t.sim.requests('h41').map((r) => r.status)).toEqual([429, 200]);
  });

  it('refuses what makes no sense with a coded 4xx, and stores nothing', async () => {
    const before = await t.hub.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit_events WHERE kind LIKE 'endpoint.%'`);
    expect((await pause('h14')).status).toBe(200);
    const again = await pause('h14', { reason: 'lần hai' }, t.keys.admin);
    expect(again.status).toBe(409);
    expect(again.json).toMatchObject({ code: 'HUB_ERR_ALREADY_PAUSED', details: { endpoint: 'h14', pausedBy: expect.stringMatching(/^operator:/), reason: 'bảo trì hệ thống nhận văn bản' } });
    expect((await resume('h14')).status).toBe(200);
    const notPaused = await resume('h14');
    expect(notPaused.status).toBe(409);
    expect(notPaused.json.code).toBe('HUB_ERR_NOT_PAUSED');
    expect((await pause('no-such-endpoint')).json).toMatchObject({ code: 'HUB_ERR_NOT_FOUND', message: 'Endpoint no-such-endpoint not found' });
    expect((await resume('no-such-endpoint')).json.code).toBe('HUB_ERR_NOT_FOUND');
    for (const body of [{}, { reason: '' }, { reason: 'x'.repeat(501) }, { reason: 'ok', extra: 1 }]) {
      const bad = await pause('h41', body);
      expect(bad.status, JSON.stringify(body)).toBe(400);
      expect(bad.json.code).toBe('HUB_ERR_VALIDATION');
    }
    expect((await pause('Not An Id')).json.code).toBe('HUB_ERR_VALIDATION');
    // Only the pause and resume that succeeded were written.
    const after = await t.hub.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit_events WHERE kind LIKE 'endpoint.%'`);
    expect(after.rows[0]!.n - before.rows[0]!.n).toBe(2);
    expect((await t.hub.db.query('SELECT * FROM endpoint_pauses')).rows).toEqual([]);
  });

  it('auditors and agencies may not pause or resume', async () => {
    for (const key of [t.keys.auditor, t.keys.g22]) {
      expect((await pause('h41', { reason: 'x' }, key)).json.code).toBe('HUB_ERR_FORBIDDEN');
      expect((await resume('h41', key)).json.code).toBe('HUB_ERR_FORBIDDEN');
    }
    expect((await t.call('GET', '/v1/admin/queue', { key: t.keys.g22 })).status).toBe(403);
    expect((await t.hub.db.query('SELECT * FROM endpoint_pauses')).rows).toEqual([]);
  });
});
