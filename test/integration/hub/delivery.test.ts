import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { attemptRows, receiptPayload, send, viewWhen } from '../../helpers/hub-queries.js';
import { STORES } from '../../helpers/test-db.js';
import { documentBody, startTestHub, type TestHub } from '../../helpers/test-hub.js';

const G22 = '000.00.00.G22';
const H41 = '000.00.00.H41';
const H14 = '000.00.00.H14';
const H30 = '000.00.00.H30';
const G14 = '000.00.04.G14';
const FINAL = ['delivered', 'failed'];

type Delivery = { id: string; recipient: string; state: string; attempts: number; lastError: string | null; attemptLog: { generation: number; attempt: number; outcome: string; httpStatus: number | null }[] };

describe.each(STORES)('delivery through the http-endpoint adapter (%s store)', (store) => {
  let t: TestHub;
  beforeAll(async () => {
    t = await startTestHub(store);
  });
  afterAll(async () => {
    await t?.close();
  });
  beforeEach(() => {
    t.sim.reset();
  });
  const settled = (id: string, timeoutMs?: number) => viewWhen(t, id, t.keys.g22, (v) => v.deliveries.every((d: Delivery) => FINAL.includes(d.state)), timeoutMs);
  const receiptsOf = async (id: string) => (await t.call('GET', `/v1/messages/${id}/receipts`, { key: t.keys.g22 })).json.receipts as { event: string; deliveryId: string | null; jws: string }[];

  it('fans out one delivery per recipient with independent states; a permanent 400 fails after one attempt and replays', async () => {
    t.sim.setBehaviour('h14', { mode: 'fail', status: 400 });
    const id = await send(t, t.keys.g22, documentBody(G22, [H41, H14, G14]));
    const view = await settled(id);
    const by = (r: string): Delivery => view.deliveries.find((d: Delivery) => d.recipient === r);
    expect(view.deliveries).toHaveLength(3);
    expect(new Set(view.deliveries.map((d: Delivery) => d.id)).size).toBe(3);
    expect(by(H41)).toMatchObject({ state: 'delivered', attempts: 1 });
    expect(by(G14)).toMatchObject({ state: 'delivered', attempts: 1 });
    expect(by(H14)).toMatchObject({ state: 'failed', attempts: 1, lastError: expect.stringContaining('HTTP 400') });
    expect(by(H14).attemptLog).toEqual([expect.objectContaining({ generation: 0, attempt: 1, outcome: 'permanent', httpStatus: 400 })]);
    expect(t.sim.requests('h14')).toHaveLength(1);
    expect(t.sim.uniqueDeliveries('h41')).toBe(1);
    expect(t.sim.uniqueDeliveries('g14')).toBe(1);

    const failedId = by(H14).id;
    const failed = (await receiptsOf(id)).filter((r) => r.event === 'failed');
    expect(failed.map((r) => r.deliveryId)).toEqual([failedId]);
    expect(receiptPayload(t, failed[0]!.jws)).toMatchObject({ event: 'failed', deliveryId: failedId, recipient: H14, detail: expect.stringContaining('HTTP 400') });
    const listed = await t.call('GET', '/v1/admin/deliveries/failed', { key: t.keys.operator });
    expect(listed.json.items.map((i: { id: string }) => i.id)).toContain(failedId);

    // The cause is fixed, then an administrator replays: a new generation, delivered once.
    t.sim.setBehaviour('h14', { mode: 'ok' });
    const replay = await t.call('POST', `/v1/admin/deliveries/${failedId}/replay`, { key: t.keys.admin });
    expect(replay.status).toBe(202);
    expect(replay.json).toEqual({ deliveryId: failedId, state: 'queued', generation: 1 });
    const after = await viewWhen(t, id, t.keys.g22, (v) => v.deliveries.find((d: Delivery) => d.id === failedId).state === 'delivered');
    expect(after.deliveries.find((d: Delivery) => d.id === failedId).attemptLog.map((a: Delivery['attemptLog'][number]) => [a.generation, a.attempt, a.outcome]))
      .toEqual([[0, 1, 'permanent'], [1, 1, 'delivered']]);
    expect(after.timeline.map((e: { kind: string }) => e.kind)).toContain('delivery.replayed');
    expect((await receiptsOf(id)).filter((r) => r.deliveryId === failedId).map((r) => r.event)).toEqual(['failed', 'delivered']);
    expect(t.sim.uniqueDeliveries('h14')).toBe(1);
    const relisted = await t.call('GET', '/v1/admin/deliveries/failed', { key: t.keys.operator });
    expect(relisted.json.items.map((i: { id: string }) => i.id)).not.toContain(failedId);
    const headers = t.sim.requests('h14').map((r) => r.headers['idempotency-key']);
    expect(headers).toEqual([failedId, failedId]);

    // Replaying a delivered delivery is refused; an unknown one is 404.
    const again = await t.call('POST', `/v1/admin/deliveries/${failedId}/replay`, { key: t.keys.admin });
    expect(again.status).toBe(409);
    expect(again.json.code).toBe('HUB_ERR_INVALID_STATE');
    expect((await t.call('POST', `/v1/admin/deliveries/${randomUUID()}/replay`, { key: t.keys.admin })).status).toBe(404);
  });

  it('a flaky endpoint (two 503s) gets it on attempt 3, with one Idempotency-Key and one unique delivery', async () => {
    t.sim.setBehaviour('h41', { mode: 'fail', status: 503, count: 2 });
    const id = await send(t, t.keys.g22, documentBody(G22, [H41]));
    const view = await settled(id);
    const d = view.deliveries[0] as Delivery;
    expect(d).toMatchObject({ state: 'delivered', attempts: 3 });
    expect(d.attemptLog.map((a) => [a.attempt, a.outcome, a.httpStatus])).toEqual([[1, 'transient', 503], [2, 'transient', 503], [3, 'delivered', 200]]);
    const rows = await attemptRows(t.hub.db, d.id);
    expect(rows.map((r) => r.outcome)).toEqual(['transient', 'transient', 'delivered']);
    expect(view.timeline.filter((e: { deliveryId: string | null }) => e.deliveryId === d.id).map((e: { kind: string }) => e.kind))
      .toEqual(['delivery.queued', 'delivery.retrying', 'delivery.retrying', 'delivery.delivered']);

    const requests = t.sim.requests('h41');
    expect(requests.map((r) => r.status)).toEqual([503, 503, 200]);
    expect(new Set(requests.map((r) => r.headers['idempotency-key']))).toEqual(new Set([d.id]));
    expect(new Set(requests.map((r) => r.headers['lienthong-delivery-id']))).toEqual(new Set([d.id]));
    expect(t.sim.uniqueDeliveries('h41')).toBe(1);
    // The schedule (0, 200 ms, 400 ms; ±10 % jitter) spaces the attempts.
    expect(requests[1]!.at.getTime() - requests[0]!.at.getTime()).toBeGreaterThanOrEqual(170);
    expect(requests[2]!.at.getTime() - requests[1]!.at.getTime()).toBeGreaterThanOrEqual(350);
    expect((await receiptsOf(id)).map((r) => r.event)).toEqual(['accepted', 'delivered']);
  });

  it('429 with Retry-After is honoured: the next attempt does not come before it', async () => {
    t.sim.setBehaviour('g14', { mode: 'fail', status: 429, count: 1, retryAfterSeconds: 1 });
    const id = await send(t, t.keys.g22, documentBody(G22, [G14]));
    const view = await settled(id);
    expect(view.deliveries[0]).toMatchObject({ state: 'delivered', attempts: 2 });
    expect(view.deliveries[0].attemptLog.map((a: { httpStatus: number }) => a.httpStatus)).toEqual([429, 200]);
    const [first, second] = t.sim.requests('g14');
    expect(second!.at.getTime() - first!.at.getTime()).toBeGreaterThanOrEqual(990);
    const retrying = view.timeline.find((e: { kind: string }) => e.kind === 'delivery.retrying');
    expect(retrying.data).toMatchObject({ httpStatus: 429, retryInMs: 1000 });
  });

  it('a dead endpoint is given up after the schedule (4 attempts): failed, with a failed receipt', async () => {
    t.sim.setBehaviour('h30', { mode: 'down' });
    const id = await send(t, t.keys.g22, documentBody(G22, [H30]));
    const view = await settled(id);
    const d = view.deliveries[0] as Delivery;
    expect(d).toMatchObject({ state: 'failed', attempts: 4, lastError: expect.stringContaining('giving up') });
    expect(d.attemptLog.map((a) => a.outcome)).toEqual(['transient', 'transient', 'transient', 'transient']);
    const requests = t.sim.requests('h30');
    expect(requests).toHaveLength(4);
    expect(requests.every((r) => r.status === 0 && r.headers['idempotency-key'] === d.id)).toBe(true);
    expect(t.sim.uniqueDeliveries('h30')).toBe(0);
    const receipts = await receiptsOf(id);
    expect(receipts.map((r) => r.event)).toEqual(['accepted', 'failed']);
    expect(receiptPayload(t, receipts[1]!.jws)).toMatchObject({ event: 'failed', deliveryId: d.id, detail: expect.stringContaining('all 4 attempts used') });
    // Nothing more is attempted once failed.
    await new Promise((r) => setTimeout(r, 500));
    expect(t.sim.requests('h30')).toHaveLength(4);
  });
});
