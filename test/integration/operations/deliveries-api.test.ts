import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resendDeliveries } from '../../../src/admin/resend-deliveries.js';
import { send, viewWhen } from '../../helpers/hub-queries.js';
import { STORES } from '../../helpers/test-db.js';
import { documentBody, startTestHub, type TestHub } from '../../helpers/test-hub.js';

const CONFIG = resolve('test/fixtures/config/operations-hub.json');
const G22 = '000.00.00.G22';
const G14 = '000.00.04.G14';
const H14 = '000.00.00.H14';
const H30 = '000.00.00.H30';

interface Item { id: string; messageId: string; sender: string; recipient: string; endpoint: string; state: string; attempts: number; generation: number; createdAt: string; failedAt: string | null; lastError: string | null }

describe.each(STORES)('operations API: deliveries needing an operator (%s store)', (store) => {
  let t: TestHub;
  /** Failed at h14 (permanent 400): 5 from G22, 2 from G14, in acceptance order. */
  const failedFromG22: string[] = [];
  const failedFromG14: string[] = [];
  let retrying = '';
  let delivered = '';
  const deliveryOf = async (messageId: string) => (await t.hub.db.query<{ id: string }>('SELECT id FROM deliveries WHERE message_id = $1', [messageId])).rows[0]!.id;
  const list = async (query: string, key = t.keys.operator) => {
    const r = await t.call('GET', `/v1/admin/deliveries${query}`, { key });
    expect(r.status, JSON.stringify(r.json)).toBe(200);
    return r.json as { items: Item[]; nextCursor: string | null };
  };
  const resend = (body: unknown, key = t.keys.operator) => t.call('POST', '/v1/admin/deliveries/resend', { key, body });
  const eventsOf = async (operation: string) => (await t.hub.db.query<{ kind: string; actor: string; delivery_id: string; data: Record<string, unknown> }>(
    `SELECT kind, actor, delivery_id, data FROM audit_events WHERE data ->> 'operation' = $1 ORDER BY id`, [operation])).rows;

  beforeAll(async () => {
    t = await startTestHub(store, { env: { LIENTHONG_CONFIG: CONFIG } });
    t.sim.setBehaviour('h14', { mode: 'fail', status: 400 });
    t.sim.setBehaviour('h30', { mode: 'fail', status: 503 });
    for (let i = 0; i < 5; i += 1) failedFromG22.push(await deliveryOf(await send(t, t.keys.g22, documentBody(G22, [H14]))));
    for (let i = 0; i < 2; i += 1) failedFromG14.push(await deliveryOf(await send(t, t.keys.g14, documentBody(G14, [H14]))));
    // h30 retries after 10 minutes: it stays retrying.
    retrying = await deliveryOf(await send(t, t.keys.g22, documentBody(G22, [H30])));
    const ok = await send(t, t.keys.g22, documentBody(G22, ['000.00.00.H41']));
    delivered = await deliveryOf(ok);
    await t.until(async () => {
      const { rows } = await t.hub.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM deliveries WHERE state IN ('queued', 'sending')`);
      return rows[0]!.n === 0;
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('lists failed and retrying deliveries by default, newest first, with what an operator needs', async () => {
    const page = await list('');
    expect(page.items.map((i) => i.id)).toEqual([retrying, ...failedFromG14.slice().reverse(), ...failedFromG22.slice().reverse()]);
    expect(page.nextCursor).toBeNull();
    expect(page.items[0]).toMatchObject({ state: 'retrying', endpoint: 'h30', recipient: H30, attempts: 1, lastError: expect.stringContaining('503'), failedAt: null });
    expect(page.items[1]).toMatchObject({ state: 'failed', endpoint: 'h14', sender: G14, attempts: 1, generation: 0, lastError: expect.stringContaining('HTTP 400'), failedAt: expect.stringMatching(/Z$/) });
    // Auditors read too.
    expect((await list('', t.keys.auditor)).items).toHaveLength(8);
  });

  it('filters by state, endpoint, recipient, sender and acceptance time, and pages with a cursor', async () => {
    expect((await list('?state=retrying')).items.map((i) => i.id)).toEqual([retrying]);
    expect((await list('?state=failed&endpoint=h14')).items).toHaveLength(7);
    expect((await list('?state=failed&state=retrying&endpoint=h30')).items.map((i) => i.id)).toEqual([retrying]);
    expect((await list(`?recipient=${H14}&sender=${G14}`)).items.map((i) => i.id)).toEqual(failedFromG14.slice().reverse());
    expect((await list('?state=queued')).items).toEqual([]);
    const all = (await list('?state=failed')).items;
    const third = all[all.length - 3]!; // the third accepted
    expect((await list(`?state=failed&from=${encodeURIComponent(third.createdAt)}`)).items.map((i) => i.id)).toEqual(all.slice(0, -2).map((i) => i.id));
    expect((await list(`?state=failed&to=${encodeURIComponent(third.createdAt)}`)).items.map((i) => i.id)).toEqual(all.slice(-2).map((i) => i.id));

    // Pages of 3, oldest first: every failed delivery once, in order.
    const walked: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = await list(`?state=failed&order=asc&limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      walked.push(...page.items.map((i) => i.id));
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor);
    expect(pages).toBe(3);
    expect(walked).toEqual([...failedFromG22, ...failedFromG14]);

    // A cursor is bound to its query.
    const first = await list('?state=failed&limit=2');
    const misused = await t.call('GET', `/v1/admin/deliveries?state=failed&endpoint=h14&limit=2&cursor=${first.nextCursor}`, { key: t.keys.operator });
    expect(misused.status).toBe(400);
    expect(misused.json.code).toBe('HUB_ERR_INVALID_CURSOR');
    for (const query of ['state=delivered', 'limit=0', 'from=yesterday', 'endpoint=Bad%20Id', 'sender=x', 'cursor=%3D%3D', 'colour=red']) {
      const r = await t.call('GET', `/v1/admin/deliveries?${query}`, { key: t.keys.operator });
      expect(r.status, query).toBe(400);
      expect(r.json.code, query).toMatch(/^HUB_ERR_(VALIDATION|INVALID_CURSOR)$/);
    }
  });

  it('keeps GET /v1/admin/deliveries/failed: most recently failed first, now with filters and a cursor', async () => {
    const r = await t.call('GET', '/v1/admin/deliveries/failed', { key: t.keys.auditor });
    expect(r.status).toBe(200);
    expect(r.json.items).toHaveLength(7);
    // The fields it always had.
    expect(r.json.items[0]).toMatchObject({ id: expect.any(String), messageId: expect.any(String), recipient: H14, endpoint: 'h14', attempts: 1, lastError: expect.any(String), failedAt: expect.any(String) });
    const failedAt = r.json.items.map((i: Item) => i.failedAt);
    expect([...failedAt].sort().reverse()).toEqual(failedAt);
    const paged = await t.call('GET', `/v1/admin/deliveries/failed?sender=${G14}&limit=1`, { key: t.keys.operator });
    expect(paged.json.items).toHaveLength(1);
    expect(paged.json.nextCursor).toEqual(expect.any(String));
    expect((await t.call('GET', '/v1/admin/deliveries/failed?state=failed', { key: t.keys.operator })).status).toBe(400);
    expect((await t.call('GET', '/v1/admin/deliveries/failed', { key: t.keys.g22 })).status).toBe(403);
  });

  it('resends selected deliveries: failed ones get a new cycle, a retrying one goes now, others are skipped; each audited with the actor', async () => {
    t.sim.setBehaviour('h14', { mode: 'ok' });
    const [a, b] = failedFromG22;
    const r = await resend({ ids: [a, retrying, delivered, b] });
    expect(r.status, JSON.stringify(r.json)).toBe(200);
    expect(r.json).toMatchObject({ matched: 4, requeued: 3, replayed: 2, hastened: 1, skipped: 1, queueDeferred: 0, batches: 1, more: false });
    expect(r.json.items).toEqual([
      { id: a, result: 'replayed' }, { id: retrying, result: 'hastened' }, { id: delivered, result: 'skipped', reason: 'delivered' }, { id: b, result: 'replayed' },
    ]);
    const events = await eventsOf(r.json.operationId);
    expect(events.map((e) => [e.kind, e.delivery_id])).toEqual([['delivery.replayed', a], ['delivery.replayed', b], ['delivery.hastened', retrying]]);
    expect(new Set(events.map((e) => e.actor))).toEqual(new Set([expect.stringMatching(/^operator:/)]));
    expect(events[0]!.data).toMatchObject({ generation: 1, operation: r.json.operationId });
    expect(events[2]!.data).toMatchObject({ wasDueAt: expect.stringMatching(/Z$/) });

    // The failed ones are delivered in their new cycle; the retrying one was attempted at once (not in 10 minutes).
    await t.until(async () => {
      const { rows } = await t.hub.db.query<{ state: string }>('SELECT state FROM deliveries WHERE id = ANY($1::uuid[])', [[a, b]]);
      return rows.every((row) => row.state === 'delivered');
    });
    await t.until(async () => (await t.hub.db.query<{ attempts: number }>('SELECT attempts FROM deliveries WHERE id = $1', [retrying])).rows[0]!.attempts === 2, 5_000);
    expect(t.sim.requests('h30')).toHaveLength(2);
    expect((await list('?state=retrying')).items.map((i) => i.id)).toEqual([retrying]);
  });

  it('refuses bad input with a coded 4xx and changes nothing', async () => {
    const unknown = randomUUID();
    const c = failedFromG22[2]!;
    const notFound = await resend({ ids: [c, unknown] });
    expect(notFound.status).toBe(404);
    expect(notFound.json).toMatchObject({ code: 'HUB_ERR_NOT_FOUND', details: { ids: [unknown] } });
    expect((await t.hub.db.query<{ state: string }>('SELECT state FROM deliveries WHERE id = $1', [c])).rows[0]!.state).toBe('failed');
    const bodies: unknown[] = [
      {}, { ids: [] }, { ids: ['not-a-uuid'] }, { ids: [c, c] }, { ids: [c], max: 5 }, { ids: [c], filter: {} },
      { filter: { state: ['delivered'] } }, { filter: { colour: 'red' } }, { filter: {}, max: 0 }, { filter: {}, max: 10_001 },
      { ids: Array.from({ length: 1_001 }, () => randomUUID()) },
    ];
    for (const body of bodies) {
      const r = await resend(body);
      expect(r.status, JSON.stringify(body).slice(0, 100)).toBe(400);
      expect(r.json.code).toBe('HUB_ERR_VALIDATION');
    }
    const unknownEndpoint = await resend({ filter: { endpoint: 'nowhere' } });
    expect(unknownEndpoint.json).toMatchObject({ code: 'HUB_ERR_NOT_FOUND', message: 'Endpoint nowhere not found' });
    for (const key of [t.keys.auditor, t.keys.g22]) expect((await resend({ ids: [c] }, key)).json.code).toBe('HUB_ERR_FORBIDDEN');
    expect((await t.hub.db.query<{ state: string }>('SELECT state FROM deliveries WHERE id = $1', [c])).rows[0]!.state).toBe('failed');
  });

  it('resends all matching a filter, oldest first, bounded per call, in batches, reporting what remains', async () => {
    // Three failed from G22 remain, and two from G14.
    const first = await resend({ filter: { endpoint: 'h14', state: ['failed'] }, max: 2 }, t.keys.admin);
    expect(first.json).toMatchObject({ matched: 2, replayed: 2, hastened: 0, requeued: 2, skipped: 0, batches: 1, more: true });
    expect((await eventsOf(first.json.operationId)).map((e) => [e.kind, e.delivery_id, e.actor.split(':')[0]]))
      .toEqual(failedFromG22.slice(2, 4).map((id) => ['delivery.replayed', id, 'admin']));
    const rest = await resend({ filter: { endpoint: 'h14' } }, t.keys.admin);
    expect(rest.json).toMatchObject({ matched: 3, replayed: 3, more: false });
    expect((await eventsOf(rest.json.operationId)).map((e) => e.delivery_id)).toEqual([failedFromG22[4], ...failedFromG14]);
    for (const id of [...failedFromG22, ...failedFromG14]) {
      const { rows } = await t.hub.db.query<{ message_id: string }>('SELECT message_id FROM deliveries WHERE id = $1', [id]);
      await viewWhen(t, rows[0]!.message_id, t.keys.operator, (v) => v.deliveries[0].state === 'delivered');
    }
    expect((await list('?state=failed')).items).toEqual([]);
    expect(await resend({ filter: {} })).toMatchObject({ status: 200, json: { matched: 0, requeued: 0, more: false, batches: 0 } });
  });

  it('describes its routes in the OpenAPI document', async () => {
    const doc = (await t.call('GET', '/docs/json')).json;
    for (const [method, path] of [['get', '/v1/admin/deliveries'], ['post', '/v1/admin/deliveries/resend'], ['post', '/v1/admin/endpoints/{id}/pause'],
      ['post', '/v1/admin/endpoints/{id}/resume'], ['get', '/v1/admin/queue'], ['get', '/v1/admin/circuits'], ['get', '/v1/admin/deliveries/failed']]) {
      const op = doc.paths[path!]?.[method!];
      expect(op, `${method} ${path}`).toBeDefined();
      expect(op.responses['200'], `${method} ${path}`).toBeDefined();
    }
    expect(doc.paths['/v1/admin/deliveries'].get.parameters.map((p: { name: string }) => p.name))
      .toEqual(expect.arrayContaining(['state', 'endpoint', 'recipient', 'sender', 'from', 'to', 'order', 'limit', 'cursor']));
  });

  it('works in batches of its own transactions (batch size lowered here to show it)', async () => {
    t.sim.setBehaviour('g14', { mode: 'fail', status: 410 });
    const ids: string[] = [];
    for (let i = 0; i < 5; i += 1) ids.push(await deliveryOf(await send(t, t.keys.g22, documentBody(G22, [G14]))));
    await t.until(async () => (await list('?state=failed&endpoint=g14')).items.length === 5);
    t.sim.setBehaviour('g14', { mode: 'ok' });
    const result = await resendDeliveries({
      db: t.hub.db, enqueuer: t.hub.enqueuer, queue: t.hub.queue, metrics: t.hub.metrics, log: pino({ level: 'silent' }), now: () => new Date(), batchSize: 2,
    }, { filter: { states: ['failed'], endpoint: 'g14' }, max: 100 }, 'operator:test');
    expect(result).toMatchObject({ matched: 5, replayed: 5, batches: 3, more: false });
    const events = await eventsOf(result.operationId);
    expect(events.map((e) => e.delivery_id)).toEqual(ids);
    const metrics = (await t.call('GET', '/metrics')).json as string;
    expect(metrics).toMatch(/^lienthong_deliveries_resent_total\{mode="replayed"\} \d+/m);
  });
});
