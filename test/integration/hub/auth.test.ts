import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashApiKey } from '../../../src/auth/api-keys.js';
import { countRows, send, viewWhen } from '../../helpers/hub-queries.js';
import { STORES } from '../../helpers/test-db.js';
import { documentBody, startTestHub, type TestHub } from '../../helpers/test-hub.js';

const G22 = '000.00.00.G22';
const H41 = '000.00.00.H41';
const H14 = '000.00.00.H14';

describe.each(STORES)('authentication and who may see what (%s store)', (store) => {
  let t: TestHub;
  let id: string;
  let view: any;
  beforeAll(async () => {
    t = await startTestHub(store);
    id = await send(t, t.keys.g22, documentBody(G22, [H41, H14]));
    view = await viewWhen(t, id, t.keys.g22, (v) => v.deliveries.every((d: { state: string }) => d.state === 'delivered'));
  });
  afterAll(async () => {
    await t?.close();
  });
  const deliveryOf = (recipient: string): string => view.deliveries.find((d: { recipient: string }) => d.recipient === recipient).id;

  it.each([
    ['no Authorization header', {}],
    ['a garbage bearer token', { authorization: 'Bearer not-a-key' }],
    ['another scheme', { authorization: `Basic ${Buffer.from('g22:secret').toString('base64')}` }],
    ['a well-formed but unknown key', { authorization: `Bearer lt_${randomBytes(32).toString('base64url')}` }],
  ])('%s → 401 HUB_ERR_UNAUTHENTICATED on every protected route, nothing stored', async (_label, headers: Record<string, string>) => {
    const before = await countRows(t.hub.db);
    const calls = [
      t.call('POST', '/v1/messages', { body: documentBody(G22, [H41]), headers }),
      t.call('GET', `/v1/messages/${id}`, { headers }),
      t.call('GET', `/v1/messages/${id}/receipts`, { headers }),
      t.call('POST', `/v1/messages/${id}/status`, { body: { code: '03' }, headers }),
      t.call('GET', '/v1/inbox', { headers }),
      t.call('POST', `/v1/admin/deliveries/${deliveryOf(H41)}/replay`, { headers }),
      t.call('GET', '/v1/admin/deliveries/failed', { headers }),
    ];
    for (const r of await Promise.all(calls)) {
      expect(r.status).toBe(401);
      expect(r.json).toMatchObject({ code: 'HUB_ERR_UNAUTHENTICATED', errorId: expect.any(String) });
    }
    expect(await countRows(t.hub.db)).toEqual(before);
  });

  it('a revoked key stops working', async () => {
    expect((await t.call('GET', `/v1/messages/${id}`, { key: t.keys.h14 })).status).toBe(200);
    await t.hub.db.query('UPDATE api_keys SET revoked_at = now() WHERE key_hash = $1', [hashApiKey(t.keys.h14)]);
    try {
      expect((await t.call('GET', `/v1/messages/${id}`, { key: t.keys.h14 })).status).toBe(401);
    } finally {
      await t.hub.db.query('UPDATE api_keys SET revoked_at = NULL WHERE key_hash = $1', [hashApiKey(t.keys.h14)]);
    }
  });

  it.each(['admin', 'operator', 'auditor'] as const)('a %s key cannot send documents (403 HUB_ERR_FORBIDDEN)', async (role) => {
    const before = await countRows(t.hub.db);
    const r = await t.call('POST', '/v1/messages', { key: t.keys[role], body: documentBody(G22, [H41]) });
    expect(r.status).toBe(403);
    expect(r.json.code).toBe('HUB_ERR_FORBIDDEN');
    expect(await countRows(t.hub.db)).toEqual(before);
  });

  it("another agency's message is 404 for a stranger, exactly like a message that does not exist", async () => {
    const stranger = await t.call('GET', `/v1/messages/${id}`, { key: t.keys.h30 });
    const missingId = randomUUID();
    const missing = await t.call('GET', `/v1/messages/${missingId}`, { key: t.keys.h30 });
    expect(stranger.status).toBe(404);
    expect(stranger.json.code).toBe('HUB_ERR_NOT_FOUND');
    expect(Object.keys(stranger.json).sort()).toEqual(Object.keys(missing.json).sort());
    expect(stranger.json.message.replace(id, '<id>')).toBe(missing.json.message.replace(missingId, '<id>'));
    expect((await t.call('GET', `/v1/messages/${id}/receipts`, { key: t.keys.h30 })).status).toBe(404);
    expect((await t.call('GET', `/v1/inbox/${id}`, { key: t.keys.h30 })).status).toBe(404);
  });

  it('a recipient reads the message but sees only its own delivery, receipts and timeline', async () => {
    const own = deliveryOf(H41);
    const r = await t.call('GET', `/v1/messages/${id}`, { key: t.keys.h41 });
    expect(r.status).toBe(200);
    expect(r.json.deliveries.map((d: { id: string; recipient: string }) => [d.id, d.recipient])).toEqual([[own, H41]]);
    expect(r.json.timeline.length).toBeGreaterThan(0);
    for (const e of r.json.timeline) expect([null, own]).toContain(e.deliveryId);
    expect(r.json.timeline.some((e: { deliveryId: string | null }) => e.deliveryId === own)).toBe(true);

    const receipts = (await t.call('GET', `/v1/messages/${id}/receipts`, { key: t.keys.h41 })).json.receipts as { event: string; deliveryId: string | null }[];
    expect(receipts.map((x) => [x.event, x.deliveryId])).toEqual([['accepted', null], ['delivered', own]]);

    const sender = (await t.call('GET', `/v1/messages/${id}/receipts`, { key: t.keys.g22 })).json.receipts as unknown[];
    expect(sender).toHaveLength(3);
  });

  it('the sender and the auditor see every delivery', async () => {
    for (const key of [t.keys.g22, t.keys.auditor, t.keys.admin]) {
      const r = await t.call('GET', `/v1/messages/${id}`, { key });
      expect(r.status).toBe(200);
      expect(r.json.deliveries.map((d: { recipient: string }) => d.recipient).sort()).toEqual([H14, H41]);
    }
  });

  it('replay needs admin or operator: auditor and agencies get 403; agencies cannot use /v1/admin at all', async () => {
    const delivery = deliveryOf(H41);
    for (const key of [t.keys.auditor, t.keys.g22, t.keys.h41]) {
      const r = await t.call('POST', `/v1/admin/deliveries/${delivery}/replay`, { key });
      expect(r.status).toBe(403);
      expect(r.json.code).toBe('HUB_ERR_FORBIDDEN');
    }
    const listed = await t.call('GET', '/v1/admin/deliveries/failed', { key: t.keys.g22 });
    expect(listed.status).toBe(403);
    expect((await t.call('GET', '/v1/admin/deliveries/failed', { key: t.keys.auditor })).status).toBe(200);
    // The operator passes the role check; the delivered delivery itself is then refused.
    const operator = await t.call('POST', `/v1/admin/deliveries/${delivery}/replay`, { key: t.keys.operator });
    expect(operator.status).toBe(409);
    const { rows } = await t.hub.db.query<{ generation: number; state: string }>('SELECT generation, state FROM deliveries WHERE id = $1', [delivery]);
    expect(rows[0]).toEqual({ generation: 0, state: 'delivered' });
  });

  it('role keys have no inbox and cannot report statuses', async () => {
    expect((await t.call('GET', '/v1/inbox', { key: t.keys.admin })).status).toBe(403);
    const status = await t.call('POST', `/v1/messages/${id}/status`, { key: t.keys.auditor, body: { code: '03' } });
    expect(status.status).toBe(403);
    expect(status.json.code).toBe('HUB_ERR_FORBIDDEN');
  });
});
