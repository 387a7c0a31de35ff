import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { receiptPayload, send } from '../../helpers/hub-queries.js';
import { STORES } from '../../helpers/test-db.js';
import { documentBody, startTestHub, type TestHub } from '../../helpers/test-hub.js';

const G22 = '000.00.00.G22';
const H41 = '000.00.00.H41';
const H56 = '000.00.00.H56';

type InboxItem = { id: string; deliveryId: string; kind: string; sender: string; subject: string };

describe.each(STORES)('pull mode: the inbox of an agency without an endpoint (%s store)', (store) => {
  let t: TestHub;
  const sent: { id: string; body: Record<string, any> }[] = [];
  beforeAll(async () => {
    t = await startTestHub(store);
    // One at a time, so the inbox order (oldest first) is the order sent.
    for (let i = 0; i < 5; i += 1) {
      const body = documentBody(G22, i === 0 ? [H56, H41] : [H56]);
      (body.attachments as unknown[]).push({ name: `phu-luc-${i}.bin`, contentType: 'application/octet-stream', content: randomBytes(700 + i).toString('base64') });
      sent.push({ id: await send(t, t.keys.g22, body), body });
    }
  });
  afterAll(async () => {
    await t?.close();
  });
  const inbox = async (query = ''): Promise<{ items: InboxItem[]; next: string | null }> => {
    const r = await t.call('GET', `/v1/inbox${query}`, { key: t.keys.h56 });
    expect(r.status).toBe(200);
    return r.json;
  };

  it('lists waiting messages oldest first, page by page with limit and after', async () => {
    const first = await inbox('?limit=2');
    expect(first.items.map((i) => i.id)).toEqual([sent[0]!.id, sent[1]!.id]);
    expect(first.next).toBe(first.items[1]!.deliveryId);
    expect(first.items[0]).toMatchObject({ kind: 'document', sender: G22, subject: sent[0]!.body.document.subject });
    const second = await inbox(`?limit=2&after=${first.next}`);
    expect(second.items.map((i) => i.id)).toEqual([sent[2]!.id, sent[3]!.id]);
    const third = await inbox(`?limit=2&after=${second.next}`);
    expect(third.items.map((i) => i.id)).toEqual([sent[4]!.id]);
    expect(third.next).toBeNull();
    expect((await inbox()).items.map((i) => i.id)).toEqual(sent.map((s) => s.id));
    expect((await t.call('GET', '/v1/inbox?limit=0', { key: t.keys.h56 })).status).toBe(400);
    expect((await t.call('GET', '/v1/inbox?after=not-a-uuid', { key: t.keys.h56 })).status).toBe(400);
    // Push recipients have nothing waiting in an inbox.
    expect((await t.call('GET', '/v1/inbox', { key: t.keys.h41 })).json.items).toEqual([]);
  });

  it('a cursor that is none of the caller\'s deliveries → 400 HUB_ERR_INVALID_CURSOR, not an empty page; the last item of the inbox as cursor → an empty page', async () => {
    const all = await inbox();
    const last = all.items[all.items.length - 1]!.deliveryId;
    expect(await inbox(`?after=${last}`)).toEqual({ items: [], next: null });
    const { rows: [h41Delivery] } = await t.hub.db.query<{ id: string }>('SELECT id FROM deliveries WHERE recipient = $1 LIMIT 1', [H41]);
    for (const after of [randomUUID(), h41Delivery!.id]) {
      const r = await t.call('GET', `/v1/inbox?after=${after}`, { key: t.keys.h56 });
      expect(r).toMatchObject({ status: 400, json: { code: 'HUB_ERR_INVALID_CURSOR' } });
    }
  });

  it('fetches a message with its attachments in base64, byte for byte as sent', async () => {
    const { id, body } = sent[0]!;
    const r = await t.call('GET', `/v1/inbox/${id}`, { key: t.keys.h56 });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ id, kind: 'document', sender: G22, recipients: [H56, H41], state: 'queued', document: { subject: body.document.subject } });
    expect(r.json.attachments.map((a: { name: string; content: string }) => [a.name, a.content]))
      .toEqual(body.attachments.map((a: { name: string; content: string }) => [a.name, a.content]));
  });

  it('another agency cannot fetch, stream or acknowledge the item (404)', async () => {
    const { id } = sent[1]!;
    for (const key of [t.keys.h41, t.keys.g22, t.keys.h14]) {
      for (const [method, path] of [['GET', `/v1/inbox/${id}`], ['GET', `/v1/inbox/${id}/attachments/0`], ['POST', `/v1/inbox/${id}/ack`]] as const) {
        const r = await t.call(method, path, { key });
        expect(r.status).toBe(404);
        expect(r.json.code).toBe('HUB_ERR_NOT_FOUND');
      }
    }
    expect((await t.call('GET', `/v1/inbox/${id}`, { key: t.keys.h56 })).json.state).toBe('queued');
  });

  it('an ack delivers the message with a signed delivered receipt; a second ack returns the same receipt', async () => {
    const { id } = sent[0]!;
    const ack = await t.call('POST', `/v1/inbox/${id}/ack`, { key: t.keys.h56 });
    expect(ack.status).toBe(200);
    expect(ack.json.alreadyAcknowledged).toBe(false);
    const payload = receiptPayload(t, ack.json.receipt);
    expect(payload).toMatchObject({ event: 'delivered', messageId: id, deliveryId: ack.json.deliveryId, sender: G22, recipient: H56 });

    const again = await t.call('POST', `/v1/inbox/${id}/ack`, { key: t.keys.h56 });
    expect(again.json).toEqual({ ...ack.json, alreadyAcknowledged: true });

    const view = (await t.call('GET', `/v1/messages/${id}`, { key: t.keys.g22 })).json;
    expect(view.deliveries.find((d: { recipient: string }) => d.recipient === H56)).toMatchObject({ mode: 'pull', state: 'delivered', attempts: 1, deliveredAt: expect.any(String) });
    const receipts = (await t.call('GET', `/v1/messages/${id}/receipts`, { key: t.keys.g22 })).json.receipts as { event: string; deliveryId: string; jws: string }[];
    expect(receipts.filter((r) => r.deliveryId === ack.json.deliveryId).map((r) => [r.event, r.jws])).toEqual([['delivered', ack.json.receipt]]);
    // Acknowledged items leave the inbox.
    expect((await inbox()).items.map((i) => i.id)).toEqual(sent.slice(1).map((s) => s.id));
  });

  it('concurrent acks of one item: one wins, all get the same receipt, one receipt is stored', async () => {
    const { id } = sent[2]!;
    const acks = await Promise.all(Array.from({ length: 6 }, () => t.call('POST', `/v1/inbox/${id}/ack`, { key: t.keys.h56 })));
    expect(acks.map((a) => a.status)).toEqual(Array(6).fill(200));
    expect(acks.filter((a) => a.json.alreadyAcknowledged === false)).toHaveLength(1);
    expect(new Set(acks.map((a) => a.json.receipt)).size).toBe(1);
    expect(acks[0]!.json.receipt).toEqual(expect.any(String));
    const { rows } = await t.hub.db.query(`SELECT id FROM receipts WHERE message_id = $1 AND event = 'delivered'`, [id]);
    expect(rows).toHaveLength(1);
    expect((await inbox()).items.map((i) => i.id)).not.toContain(id);
  });
});
