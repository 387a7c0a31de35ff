import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEdxmlBuffer, parseEdxml, type StatusPacket } from '../../../src/formats/edxml/index.js';
import type { HttpEndpointRecordedRequest } from '../../../adapters/http-endpoint/simulator.js';
import { documentBody, startTestHub, type TestHub } from '../../helpers/test-hub.js';
import { send, viewWhen } from '../../helpers/hub-queries.js';
import { STORES } from '../../helpers/test-db.js';

const run = promisify(execFile);
const G14 = '000.00.04.G14';
const H30 = '000.00.00.H30';

async function xmlsecVerifies(packet: Buffer, caPem: string): Promise<boolean> {
  const dir = await mkdtemp(join(tmpdir(), 'lienthong-xmlsec-'));
  try {
    await writeFile(join(dir, 'ca.pem'), caPem);
    await writeFile(join(dir, 'packet.edxml'), packet);
    await run('xmlsec1', ['--verify', '--enabled-reference-uris', 'empty', '--enabled-key-data', 'x509', '--trusted-pem', join(dir, 'ca.pem'), join(dir, 'packet.edxml')]);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new Error('xmlsec1 is not installed: apt-get install xmlsec1 (.ci/run does)');
    return false;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

// The test config routes G14 → H30 to an edXML endpoint, and statuses to G14 to another (g14-edxml).
describe.each(STORES)('statuses reach an edXML sender as signed edXML status packets (%s store)', (store) => {
  let t: TestHub;
  let documentId: string;
  let messageId: string;
  beforeAll(async () => {
    t = await startTestHub(store);
    messageId = await send(t, t.keys.g14, documentBody(G14, [H30]));
    const view = await viewWhen(t, messageId, t.keys.g14, (v) => v.deliveries[0].state === 'delivered');
    documentId = view.document.documentId;
  });
  afterAll(async () => {
    await t?.close();
  });

  /** The status packets g14-edxml received, parsed, newest last. */
  async function statusPacketsAtG14(count: number): Promise<{ packet: StatusPacket; body: Buffer }[]> {
    const requests = await t.until(async () => {
      const ok = t.sim.requests('g14-edxml').filter((r) => r.status === 200);
      return ok.length >= count ? ok : undefined;
    }) as HttpEndpointRecordedRequest[];
    return Promise.all(requests.map(async (r) => ({ packet: (await parseEdxml(r.body)).packet as StatusPacket, body: r.body })));
  }

  it('a status reported through the JSON API goes out as a status packet answering the document', async () => {
    const r = await t.call('POST', `/v1/messages/${messageId}/status`, { key: t.keys.h30, body: { code: '03', description: 'Đã tiếp nhận', staff: { name: 'Nguyễn Văn A', department: 'Văn thư' } } });
    expect(r.status).toBe(202);
    const [first] = await statusPacketsAtG14(1);
    const { packet, body } = first!;
    expect(packet.kind).toBe('status');
    expect(packet.header).toMatchObject({
      from: { organId: H30 },
      statusCode: '03',
      description: 'Đã tiếp nhận',
      responseFor: { organId: G14, documentId },
    });
    expect(packet.header.staffInfo).toMatchObject({ staff: 'Nguyễn Văn A', department: 'Văn thư' });
    expect(await xmlsecVerifies(body, t.pki.caCertPem)).toBe(true);
    // Business status and transport acknowledgement stay apart: the document is delivered, status 03.
    const view = (await t.call('GET', `/v1/messages/${messageId}`, { key: t.keys.g14 })).json;
    expect(view.deliveries[0]).toMatchObject({ state: 'delivered', businessStatus: '03' });
  });

  it('a status packet posted as edXML by the recipient travels on the same way, relayed with the hub\'s trace header', async () => {
    const [first] = await statusPacketsAtG14(1);
    // H30's document system answers 06 (completed) with its own packet, built from the one it got.
    const own: StatusPacket = {
      ...first!.packet,
      signature: undefined,
      traceHeaderList: undefined,
      header: { ...first!.packet.header, statusCode: '06', description: 'Hoàn thành', timestamp: '2026/11/22 10:00:00' },
    };
    const r = await t.call('POST', '/v1/messages', { key: t.keys.h30, headers: { 'content-type': 'application/xml' }, raw: await buildEdxmlBuffer(own) });
    expect(r.status).toBe(202);
    const packets = await statusPacketsAtG14(2);
    const relayed = packets.find((p) => p.packet.header.statusCode === '06')!;
    expect(relayed.packet.header).toMatchObject({ from: { organId: H30 }, responseFor: { organId: G14, documentId }, description: 'Hoàn thành' });
    expect(relayed.packet.traceHeaderList?.traceHeaders.at(-1)?.organId).toBe('000.00.00.LT1');
    expect(await xmlsecVerifies(relayed.body, t.pki.caCertPem)).toBe(true);
    const view = (await t.call('GET', `/v1/messages/${messageId}`, { key: t.keys.g14 })).json;
    expect(view.deliveries[0].businessStatus).toBe('06');
  });
});
