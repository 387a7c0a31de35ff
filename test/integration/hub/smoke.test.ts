import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyReceipt } from '../../../src/crypto/verify-receipt.js';
import { STORES } from '../../helpers/test-db.js';
import { documentBody, startTestHub, type TestHub } from '../../helpers/test-hub.js';

describe.each(STORES)('document delivery end to end (%s store)', (store) => {
  let t: TestHub;
  beforeAll(async () => {
    t = await startTestHub(store);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('accepts a document, delivers it to the recipient endpoint and issues verifiable receipts', async () => {
    const accepted = await t.call('POST', '/v1/messages', { key: t.keys.g22, body: documentBody('000.00.00.G22', ['000.00.00.H41']) });
    expect(accepted.status).toBe(202);
    const id = accepted.json.id as string;
    expect(verifyReceipt(accepted.json.receipt, { trustAnchorsPem: t.pki.caCertPem, now: new Date() }).payload).toMatchObject({ event: 'accepted', messageId: id });

    const view = await t.until(async () => {
      const r = await t.call('GET', `/v1/messages/${id}`, { key: t.keys.g22 });
      return r.json.deliveries[0].state === 'delivered' ? r.json : undefined;
    });
    expect(view.deliveries[0]).toMatchObject({ recipient: '000.00.00.H41', state: 'delivered', attempts: 1 });
    expect(t.sim.requests('h41')).toHaveLength(1);

    const receipts = await t.call('GET', `/v1/messages/${id}/receipts`, { key: t.keys.g22 });
    expect(receipts.json.receipts.map((r: { event: string }) => r.event)).toEqual(['accepted', 'delivered']);
    for (const r of receipts.json.receipts) verifyReceipt(r.jws, { trustAnchorsPem: t.pki.caCertPem, now: new Date() });
  });
});
