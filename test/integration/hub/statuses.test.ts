import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countRows, quiesce, receiptPayload, send, viewWhen } from '../../helpers/hub-queries.js';
import { STORES } from '../../helpers/test-db.js';
import { documentBody, startTestHub, type TestHub } from '../../helpers/test-hub.js';

const G22 = '000.00.00.G22';
const H41 = '000.00.00.H41';
const H14 = '000.00.00.H14';

type Envelope = { kind: string; messageId: string; sender: string; recipient: string; relatedMessageId?: string; status?: { code: string; description?: string } };

describe.each(STORES)('business statuses from recipients (%s store)', (store) => {
  let t: TestHub;
  let id: string;
  let h41Delivery: string;
  beforeAll(async () => {
    t = await startTestHub(store);
    id = await send(t, t.keys.g22, documentBody(G22, [H41, H14]));
    const view = await viewWhen(t, id, t.keys.g22, (v) => v.deliveries.every((d: { state: string }) => d.state === 'delivered'));
    h41Delivery = view.deliveries.find((d: { recipient: string }) => d.recipient === H41).id;
  });
  afterAll(async () => {
    await t?.close();
  });
  const envelopes = (): Envelope[] => t.sim.requests('g22').filter((r) => r.status === 200).map((r) => JSON.parse(r.body.toString('utf8')) as Envelope);

  it('03 then 06 from H41: signed status receipts on the original, businessStatus 06, status messages delivered to G22', async () => {
    const accepted = await t.call('POST', `/v1/messages/${id}/status`, { key: t.keys.h41, body: { code: '03', staff: { name: 'Trần Thị B', department: 'Văn thư' } } });
    expect(accepted.status).toBe(202);
    const completed = await t.call('POST', `/v1/messages/${id}/status`, { key: t.keys.h41, body: { code: '06', description: 'Đã xử lý xong', at: '2026-11-21T08:00:00+07:00' } });
    expect(completed.status).toBe(202);
    for (const [r, code] of [[accepted, '03'], [completed, '06']] as const) {
      expect(r.json.id).not.toBe(id);
      expect(receiptPayload(t, r.json.receipt)).toMatchObject({ event: 'status', statusCode: code, messageId: id, deliveryId: h41Delivery, sender: G22, recipient: H41 });
    }

    // The original message carries both receipts; only H41's delivery has a business status.
    const receipts = (await t.call('GET', `/v1/messages/${id}/receipts`, { key: t.keys.g22 })).json.receipts as { event: string; statusCode: string | null; deliveryId: string; jws: string }[];
    const statuses = receipts.filter((r) => r.event === 'status');
    expect(statuses.map((r) => [r.statusCode, r.deliveryId])).toEqual([['03', h41Delivery], ['06', h41Delivery]]);
    for (const r of statuses) expect(receiptPayload(t, r.jws).statusCode).toBe(r.statusCode);
    const view = (await t.call('GET', `/v1/messages/${id}`, { key: t.keys.g22 })).json;
    expect(view.deliveries.map((d: { recipient: string; businessStatus: string | null }) => [d.recipient, d.businessStatus])).toEqual([[H14, null], [H41, '06']]);
    expect(view.timeline.filter((e: { kind: string }) => e.kind === 'delivery.status').map((e: { data: { code: string } }) => e.data.code)).toEqual(['03', '06']);

    // Each status travels back to the sender as a `status` message through G22's own endpoint.
    await t.until(async () => envelopes().length >= 2);
    const got = envelopes().sort((a, b) => (a.status!.code < b.status!.code ? -1 : 1));
    expect(got).toHaveLength(2);
    expect(got.map((e) => [e.kind, e.sender, e.recipient, e.relatedMessageId, e.status?.code, e.messageId])).toEqual([
      ['status', H41, G22, id, '03', accepted.json.id],
      ['status', H41, G22, id, '06', completed.json.id],
    ]);
    expect(got[1]!.status).toMatchObject({ code: '06', description: 'Đã xử lý xong', at: '2026-11-21T08:00:00+07:00' });
    const statusView = await viewWhen(t, completed.json.id, t.keys.h41, (v) => v.deliveries[0].state === 'delivered');
    expect(statusView).toMatchObject({ kind: 'status', sender: H41, recipients: [G22], relatedMessageId: id });
  });

  it('a status retried with the same Idempotency-Key is a duplicate of the first (409 with its id), nothing new stored; the key needs `at`', async () => {
    await quiesce(t);
    const body = { code: '05', description: 'Đang xử lý', at: '2026-12-06T08:00:00+07:00' };
    const headers = { 'idempotency-key': `status-${randomUUID()}` };
    const first = await t.call('POST', `/v1/messages/${id}/status`, { key: t.keys.h14, body, headers });
    expect(first.status).toBe(202);
    await quiesce(t);
    const before = await countRows(t.hub.db);
    const again = await t.call('POST', `/v1/messages/${id}/status`, { key: t.keys.h14, body, headers });
    expect(again.status).toBe(409);
    expect(again.json).toMatchObject({ code: 'HUB_ERR_DUPLICATE', details: { messageId: first.json.id } });
    const changed = await t.call('POST', `/v1/messages/${id}/status`, { key: t.keys.h14, body: { ...body, code: '06' }, headers });
    expect(changed.status).toBe(422);
    expect(changed.json.code).toBe('HUB_ERR_IDEMPOTENCY_KEY_REUSED');
    const withoutTime = await t.call('POST', `/v1/messages/${id}/status`, { key: t.keys.h14, body: { code: '06' }, headers: { 'idempotency-key': `status-${randomUUID()}` } });
    expect(withoutTime.status).toBe(400);
    expect(withoutTime.json).toMatchObject({ code: 'HUB_ERR_VALIDATION', details: [{ path: 'body/at' }] });
    expect(await countRows(t.hub.db)).toEqual(before);
  });

  it('refuses a status from the sender other than a recall (403), from an outsider as for an unknown message (404), a recall from a recipient (403) and unknown codes (400), storing nothing', async () => {
    await quiesce(t);
    const before = await countRows(t.hub.db);
    const fromSender = await t.call('POST', `/v1/messages/${id}/status`, { key: t.keys.g22, body: { code: '03' } });
    expect(fromSender).toMatchObject({ status: 403, json: { code: 'HUB_ERR_NOT_A_RECIPIENT' } });
    // The hub never confirms that someone else's message exists: an outsider gets what an unknown id gets.
    const outsider = await t.call('POST', `/v1/messages/${id}/status`, { key: t.keys.h30, body: { code: '03' } });
    const unknownId = randomUUID();
    const unknown = await t.call('POST', `/v1/messages/${unknownId}/status`, { key: t.keys.h30, body: { code: '03' } });
    expect(unknown).toMatchObject({ status: 404, json: { code: 'HUB_ERR_NOT_FOUND' } });
    expect(outsider).toMatchObject({ status: 404, json: { code: 'HUB_ERR_NOT_FOUND', message: unknown.json.message.replace(unknownId, id) } });
    const recallByRecipient = await t.call('POST', `/v1/messages/${id}/status`, { key: t.keys.h41, body: { code: '13', description: 'not ours to recall' } });
    expect(recallByRecipient).toMatchObject({ status: 403, json: { code: 'HUB_ERR_FORBIDDEN' } });
    expect(recallByRecipient.json.message).toMatch(/only its sender/);
    for (const body of [{ code: '07' }, { code: 3 }, { code: '03', extra: 1 }, {}]) {
      const r = await t.call('POST', `/v1/messages/${id}/status`, { key: t.keys.h41, body });
      expect(r.status).toBe(400);
      expect(r.json.code).toBe('HUB_ERR_VALIDATION');
    }
    expect(await countRows(t.hub.db)).toEqual(before);
    const view = (await t.call('GET', `/v1/messages/${id}`, { key: t.keys.g22 })).json;
    expect(view.deliveries.find((d: { recipient: string }) => d.recipient === H41).businessStatus).toBe('06');
  });

  it('a recall (13) from the sender marks every recipient\'s delivery, with a signed status receipt for each', async () => {
    await quiesce(t);
    const accepted = await t.call('POST', `/v1/messages/${id}/status`, { key: t.keys.g22, body: { code: '13', description: 'Gửi nhầm, xin thu hồi' } });
    expect(accepted.status).toBe(202);
    expect(receiptPayload(t, accepted.json.receipt)).toMatchObject({ event: 'status', messageId: id, statusCode: '13' });
    const view = (await t.call('GET', `/v1/messages/${id}`, { key: t.keys.g22 })).json;
    expect(view.deliveries.map((d: { recipient: string; businessStatus: string }) => [d.recipient, d.businessStatus]).sort())
      .toEqual([[H14, '13'], [H41, '13']]);
    const list = (await t.call('GET', `/v1/messages/${id}/receipts`, { key: t.keys.g22 })).json.receipts as { jws: string }[];
    const recalls = list.map((r) => receiptPayload(t, r.jws)).filter((p) => p.event === 'status' && p.statusCode === '13');
    expect(recalls.map((p) => p.recipient).sort()).toEqual([H14, H41]);
  });

  it('a message id in upper case names the same message, and what the hub signs and chains spells it as stored: the audit log still verifies', async () => {
    const r = await t.call('POST', `/v1/messages/${id.toUpperCase()}/status`, { key: t.keys.h41, body: { code: '04' } });
    expect(r.status).toBe(202);
    expect(receiptPayload(t, r.json.receipt)).toMatchObject({ event: 'status', statusCode: '04', messageId: id });
    const view = await viewWhen(t, r.json.id, t.keys.h41, () => true);
    expect(view.relatedMessageId).toBe(id);
    expect((await t.call('GET', `/v1/messages/${id.toUpperCase()}`, { key: t.keys.g22 })).json.id).toBe(id);
    await quiesce(t);
    const verified = await t.call('GET', '/v1/audit/verify', { key: t.keys.auditor });
    expect(verified.json).toMatchObject({ ok: true });
  });
});
