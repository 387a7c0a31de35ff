import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countRows, quiesce, receiptPayload, send, viewWhen } from '../../helpers/hub-queries.js';
import { STORES } from '../../helpers/test-db.js';
import { documentBody, startTestHub, type TestHub } from '../../helpers/test-hub.js';

const G22 = '000.00.00.G22';
const H41 = '000.00.00.H41';
const H14 = '000.00.00.H14';
const fixture = (name: string): Promise<Buffer> => readFile(join('test/fixtures/edxml', name));
const XML = { 'content-type': 'application/xml' };

describe.each(STORES)('edXML intake through POST /v1/messages (%s store)', (store) => {
  let t: TestHub;
  let newId: string;
  beforeAll(async () => {
    t = await startTestHub(store);
  });
  afterAll(async () => {
    await t?.close();
  });
  const post = async (name: string, key: string) => t.call('POST', '/v1/messages', { key, headers: XML, raw: await fixture(name) });

  it('accepts a new document packet: mapped metadata and attachments, delivered to every To, accepted receipt', async () => {
    const r = await post('built/edoc-new.edxml', t.keys.g22);
    expect(r.status).toBe(202);
    newId = r.json.id;
    expect(r.headers.get('location')).toBe(`/v1/messages/${newId}`);
    expect(receiptPayload(t, r.json.receipt)).toMatchObject({ event: 'accepted', messageId: newId, sender: G22, documentId: '000.00.00.G22,2025/03/03,125/VPCP-KSTT' });
    const view = await viewWhen(t, newId, t.keys.g22, (v) => v.deliveries.every((d: { state: string }) => d.state === 'delivered'));
    expect(view).toMatchObject({ kind: 'document', sender: G22, recipients: [H41, H14] });
    expect(view.document).toMatchObject({ documentId: '000.00.00.G22,2025/03/03,125/VPCP-KSTT', number: '125', notation: 'VPCP-KSTT' });
    expect(view.attachments.length).toBeGreaterThan(0);
    expect(view.timeline.map((e: { kind: string }) => e.kind)).toContain('message.edxml');
    const { rows } = await t.hub.db.query<{ source_format: string; business_type: number; has_header: boolean }>(
      'SELECT source_format, business_type, edxml IS NOT NULL AS has_header FROM messages WHERE id = $1', [newId]);
    expect(rows[0]).toEqual({ source_format: 'edxml', business_type: 0, has_header: true });
  });

  it('the same packet again is a duplicate (409), storing nothing', async () => {
    const before = await countRows(t.hub.db);
    const r = await post('built/edoc-new.edxml', t.keys.g22);
    expect(r.status).toBe(409);
    expect(r.json).toMatchObject({ code: 'HUB_ERR_DUPLICATE', details: { messageId: newId } });
    expect(await countRows(t.hub.db)).toEqual(before);
  });

  it('an update links to the earlier document it names and also reaches that document\'s recipients', async () => {
    // The update packet concerns 98/VPCP-KSTT, sent earlier to H41 and H30 through the JSON API.
    const earlier = await send(t, t.keys.g22, documentBody(G22, [H41, '000.00.00.H30'], { document: {
      ...(documentBody(G22, [H41]).document as Record<string, unknown>), documentId: '000.00.00.G22,2025/02/20,98/VPCP-KSTT' } }));
    const r = await post('built/edoc-update.edxml', t.keys.g22);
    expect(r.status).toBe(202);
    const view = (await t.call('GET', `/v1/messages/${r.json.id}`, { key: t.keys.g22 })).json;
    expect(view.relatedMessageId).toBe(earlier);
    expect([...view.recipients].sort()).toEqual(['000.00.00.H30', H14, H41].sort());
    const { rows } = await t.hub.db.query<{ business_type: number }>('SELECT business_type FROM messages WHERE id = $1', [r.json.id]);
    expect(rows[0]!.business_type).toBe(2);
  });

  it('a status packet 01 from H41 becomes a status on the document it names, travelling to G22', async () => {
    const r = await post('built/status-01.edxml', t.keys.h41);
    expect(r.status).toBe(202);
    expect(receiptPayload(t, r.json.receipt)).toMatchObject({ event: 'status', statusCode: '01', messageId: newId, recipient: H41 });
    const view = (await t.call('GET', `/v1/messages/${newId}`, { key: t.keys.g22 })).json;
    expect(view.deliveries.find((d: { recipient: string }) => d.recipient === H41).businessStatus).toBe('01');
    const status = (await t.call('GET', `/v1/messages/${r.json.id}`, { key: t.keys.h41 })).json;
    expect(status).toMatchObject({ kind: 'status', sender: H41, recipients: [G22], relatedMessageId: newId, status: { code: '01' } });
  });

  it('a recall request (13) from the sender goes to the addressed recipient', async () => {
    const r = await post('built/status-13.edxml', t.keys.g22);
    expect(r.status).toBe(202);
    const status = (await t.call('GET', `/v1/messages/${r.json.id}`, { key: t.keys.g22 })).json;
    expect(status).toMatchObject({ kind: 'status', sender: G22, recipients: [H41], relatedMessageId: newId, status: { code: '13' } });
  });

  it('refuses a packet sent as another agency (403) and a status reported by a stranger, storing nothing', async () => {
    await quiesce(t); // status messages of the tests above are still being delivered
    const before = await countRows(t.hub.db);
    const r = await post('built/edoc-new.edxml', t.keys.h41);
    expect(r.status).toBe(403);
    expect(r.json.code).toBe('HUB_ERR_SENDER_MISMATCH');
    const s = await post('built/status-01.edxml', t.keys.h14);
    expect(s.status).toBe(403);
    expect(await countRows(t.hub.db)).toEqual(before);
  });

  it('refuses bytes before the XML declaration (vendor edoc_new.edxml) with HUB_ERR_XML_MALFORMED, storing nothing', async () => {
    await quiesce(t);
    const before = await countRows(t.hub.db);
    const r = await t.call('POST', '/v1/messages', { key: t.keys.g22, headers: XML, raw: await fixture('vendor/edoc_new.edxml') });
    expect(r.status).toBe(400);
    expect(r.json.code).toBe('HUB_ERR_XML_MALFORMED');
    expect(await countRows(t.hub.db)).toEqual(before);
  });

  it('refuses a DTD with an external entity (XXE) and an entity expansion bomb with HUB_ERR_XML_FORBIDDEN', async () => {
    await quiesce(t);
    const before = await countRows(t.hub.db);
    const xxe = '<?xml version="1.0"?><!DOCTYPE edXML [<!ENTITY x SYSTEM "file:///etc/passwd">]><edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016">&x;</edXML>';
    const bomb = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">${Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i || ''};`.repeat(10)}">`).join('')}]><edXML>&lol9;</edXML>`;
    for (const raw of [xxe, bomb]) {
      const r = await t.call('POST', '/v1/messages', { key: t.keys.g22, headers: XML, raw });
      expect(r.status).toBe(400);
      expect(r.json.code).toBe('HUB_ERR_XML_FORBIDDEN');
    }
    expect(await countRows(t.hub.db)).toEqual(before);
  });
});
