import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateAgencies, startVdxpSimulator, type VdxpSimulatorHandle } from '../../adapters/vdxp/index.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';
import { startTestHub, type TestHub } from '../helpers/test-hub.js';
import { documentPacket, statusPacket, withDoctype, withInHeader, withText } from './hostile-packets.js';
import { MemoryProbe } from './memory-probe.js';
import { rawRequest, type RawAnswer } from './raw-request.js';
import { expectRefused, storedState } from './refused-attack.js';

// Hostile XML as edXML bodies of POST /v1/messages — as a document packet and as a status packet —
// and as packets the national axis serves to the hub's receive loop. Every DTD is refused before
// anything is expanded or fetched; every limit holds while the packet streams in.

const G22 = '000.00.00.G22';
const H41 = '000.00.00.H41';
const G13 = '000.00.00.G13';
const ATTACHMENT_LIMIT = 4 * 1024 * 1024; // → packets over 4 MiB × 4/3 + 1 MiB ≈ 6.3 MiB are over the size limit
const HUB_SYSTEM = { systemId: 'lienthong.test', secret: 'test-axis-secret-of-the-hub', agencies: ['000.00.00.LT1', G22, H41, '000.00.00.H14', '000.00.00.H30', '000.00.00.H56', '000.00.04.G14'] };
const PEER_SYSTEM = { systemId: 'vxp.peer.01', secret: 'test-axis-secret-of-the-peer', agencies: [G13] };

type Attack = (packet: Buffer) => Buffer;

/** `levels` nested entity declarations, each referencing the one below ten times: 10^levels expansions. */
const billionLaughs = (levels: number): string =>
  `<!DOCTYPE edXML [<!ENTITY lol0 "lol">${Array.from({ length: levels }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i};`.repeat(10)}">`).join('')}]>`;

describe('hostile XML: every DTD refused before expansion, every limit held while streaming, nothing stored (postgres store)', () => {
  let t: TestHub;
  let axis: VdxpSimulatorHandle;
  let listener: WebhookReceiver;
  let configDir: string;
  const memory = new MemoryProbe();
  const postXml = (body: Buffer, key = t.keys.g22): Promise<RawAnswer> =>
    rawRequest(t.url, { path: '/v1/messages', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/xml' }, body });

  beforeAll(async () => {
    axis = await startVdxpSimulator({ systems: [HUB_SYSTEM, PEER_SYSTEM], directory: generateAgencies(20) });
    listener = await startWebhookReceiver(); // where external entities point: it must never be asked
    configDir = await mkdtemp(join(tmpdir(), 'lienthong-hostile-xml-'));
    const configPath = join(configDir, 'hub.json');
    await writeFile(configPath, (await readFile(resolve('test/fixtures/config/test-hub-axis.json'), 'utf8')).replace('@AXIS_URL@', axis.url));
    t = await startTestHub('postgres', { env: { LIENTHONG_CONFIG: configPath, LIENTHONG_ATTACHMENT_LIMIT: String(ATTACHMENT_LIMIT) } });
    // The schedulers' first runs (receive, directory) are due at once: let them finish first.
    await t.hub.polls!.ready;
    await t.until(async () => {
      const counts = await t.hub.polls!.queue.getJobCounts('active', 'wait', 'completed', 'failed');
      return counts.active === 0 && counts.wait === 0 && (counts.completed ?? 0) + (counts.failed ?? 0) >= 2;
    }, 30_000);
  });
  afterAll(async () => {
    console.log(memory.table('XML attacks'));
    await t?.close();
    await axis?.close();
    await listener?.close();
    if (configDir) await rm(configDir, { recursive: true, force: true });
  });

  // Where external entities point (read when an attack is built, after the listener started).
  const remote = (): string => `${listener.url}/xxe`;
  const attacks: [string, number, string, Attack][] = [
    ['XXE: an external entity on file:///etc/passwd', 400, 'HUB_ERR_XML_FORBIDDEN', (p) => withText(withDoctype(p, '<!DOCTYPE edXML [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'), '&xxe;')],
    ['XXE: an external entity on http://', 400, 'HUB_ERR_XML_FORBIDDEN', (p) => withText(withDoctype(p, `<!DOCTYPE edXML [<!ENTITY xxe SYSTEM "${remote()}">]>`), '&xxe;')],
    ['XXE: a parameter entity loading an external DTD', 400, 'HUB_ERR_XML_FORBIDDEN', (p) => withDoctype(p, `<!DOCTYPE edXML [<!ENTITY % remote SYSTEM "${remote()}.dtd"> %remote; %intern;]>`)],
    ['an external DTD subset', 400, 'HUB_ERR_XML_FORBIDDEN', (p) => withDoctype(p, `<!DOCTYPE edXML SYSTEM "${remote()}.dtd">`)],
    ['a DOCTYPE alone, no entities', 400, 'HUB_ERR_XML_FORBIDDEN', (p) => withDoctype(p, '<!DOCTYPE edXML>')],
    ['billion laughs (10^9 expansions)', 400, 'HUB_ERR_XML_FORBIDDEN', (p) => withText(withDoctype(p, billionLaughs(9)), '&lol9;')],
    ['quadratic blow-up (a 50,000-character entity referenced 50,000 times)', 400, 'HUB_ERR_XML_FORBIDDEN', (p) => withText(withDoctype(p, `<!DOCTYPE edXML [<!ENTITY a "${'x'.repeat(50_000)}">]>`), '&a;'.repeat(50_000))],
    ['an entity reference without any DOCTYPE', 400, 'HUB_ERR_XML_FORBIDDEN', (p) => withText(p, 'Về việc &xxe;')],
    ['an entity declaration outside a DOCTYPE', 400, 'HUB_ERR_XML_FORBIDDEN', (p) => withInHeader(p, '<!ENTITY x "y">')],
    ['elements nested 100,000 deep', 413, 'HUB_ERR_XML_LIMIT', (p) => withInHeader(p, `${'<edXML:X>'.repeat(100_000)}${'</edXML:X>'.repeat(100_000)}`)],
    ['30,000 sibling elements', 413, 'HUB_ERR_XML_LIMIT', (p) => withInHeader(p, '<edXML:X/>'.repeat(30_000))],
    ['an element with 40 attributes', 413, 'HUB_ERR_XML_LIMIT', (p) => withInHeader(p, `<edXML:X ${Array.from({ length: 40 }, (_, i) => `a${i}="v"`).join(' ')}/>`)],
    ['2 MiB of text in one element', 413, 'HUB_ERR_XML_LIMIT', (p) => withText(p, 'a'.repeat(2 * 1024 * 1024))],
    ['a 2 MiB comment', 413, 'HUB_ERR_XML_LIMIT', (p) => withInHeader(p, `<!--${'c'.repeat(2 * 1024 * 1024)}-->`)],
    ['8 MiB of whitespace between elements', 413, 'HUB_ERR_XML_LIMIT', (p) => withInHeader(p, `${' '.repeat(8 * 1024 * 1024)}`)],
    ['invalid UTF-8 in the text', 400, 'HUB_ERR_XML_MALFORMED', (p) => { const text = withText(p, '@@'); const at = text.indexOf('@@'); text[at] = 0xc3; text[at + 1] = 0x28; return text; }],
    ['a raw U+0000 byte in the text (not an XML character)', 400, 'HUB_ERR_XML_MALFORMED', (p) => withText(p, 'Về việc \u0000 thử')],
    ['a character reference to U+0000 (&#0;)', 400, 'HUB_ERR_XML_MALFORMED', (p) => withText(p, 'Về việc &#0; thử')],
    ['a raw control character U+0001 in the text', 400, 'HUB_ERR_XML_MALFORMED', (p) => withText(p, 'Về việc \u0001 thử')],
    ['bytes before the XML declaration', 400, 'HUB_ERR_XML_MALFORMED', (p) => Buffer.concat([Buffer.from('\uFEFF\uFEFFjunk'), p])],
    ['a second root element', 400, 'HUB_ERR_XML_MALFORMED', (p) => Buffer.concat([p, Buffer.from('<edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016"/>')])],
  ];

  describe.each([
    ['a document packet (G22 → H41)', () => documentPacket(G22, [H41])],
    ['a status packet (H41 on a G22 document)', () => statusPacket(H41, G22, `${G22},2026/11/20,1/HOSTILE`)],
  ])('as %s', (_kind, packet) => {
    it.each(attacks)('%s → %i %s', async (_label, status, code, attack) => {
      const key = _kind.startsWith('a status') ? t.keys.h41 : t.keys.g22;
      await expectRefused(t, async () => postXml(attack(await packet()), key), { status, code });
    });
  });

  it('over the size limit with large attachments (three of 2.5 MiB): 413 HUB_ERR_XML_LIMIT, and the attachment already streamed is not kept', async () => {
    const base = (await documentPacket(G22, [H41], { attachment: { name: 'a.pdf', bytes: Buffer.from('%PDF-1.4 ') } })).toString('utf8');
    // Three attachments of 2.5 MiB each (10 MiB of base64): the first is read whole and staged
    // before the packet passes the size limit.
    const manifest = /<edXML:edXMLManifest[^>]*>[\s\S]*<\/edXML:edXMLManifest>/.exec(base)![0];
    const attachment = /<edXML:Attachment>[\s\S]*<\/edXML:Attachment>/.exec(base)![0];
    const big = (i: number): string => attachment
      .replace(/<edXML:ContentId>[^<]*<\/edXML:ContentId>/, `<edXML:ContentId>cid:${i}</edXML:ContentId>`)
      .replace(/<edXML:AttachmentName>[^<]*<\/edXML:AttachmentName>/, `<edXML:AttachmentName>lon-${i}.pdf</edXML:AttachmentName>`)
      .replace(/<edXML:ContentTransferEncoded>[^<]*<\/edXML:ContentTransferEncoded>/, `<edXML:ContentTransferEncoded>${randomBytes(2.5 * 1024 * 1024).toString('base64')}</edXML:ContentTransferEncoded>`);
    const refs = [0, 1, 2].map((i) => `<edXML:Reference><edXML:ContentId>cid:${i}</edXML:ContentId><edXML:AttachmentName>lon-${i}.pdf</edXML:AttachmentName></edXML:Reference>`).join('');
    const packet = base.replace(manifest, manifest.replace(/<edXML:Reference>[\s\S]*<\/edXML:Reference>/, refs)).replace(attachment, [0, 1, 2].map(big).join(''));
    expect(packet.length).toBeGreaterThan(9 * 1024 * 1024);
    await expectRefused(t, () => postXml(Buffer.from(packet)), { status: 413, code: 'HUB_ERR_XML_LIMIT' });
  });

  it('no external entity, DTD or parameter entity was ever fetched', () => {
    expect(listener.received).toEqual([]);
  });

  it('memory: billion laughs, quadratic blow-up, 100,000-deep nesting and the over-size packets, 3 times each', async () => {
    const edoc = await documentPacket(G22, [H41]);
    const heavy = attacks.filter(([label]) => /billion|quadratic|100,000|8 MiB|2 MiB/.test(label));
    const bodies = heavy.map(([, status, , attack]) => [attack(edoc), status] as const); // built before measuring
    const growth = await memory.measure('billion laughs, quadratic, 100k-deep, 2 MiB text/comment, 8 MiB × 3', 96, async () => {
      for (let i = 0; i < 3; i++) for (const [body, status] of bodies) expect((await postXml(body)).status).toBe(status);
    });
    expect(growth).toBeLessThan(96);
  });

  describe('the same packets served by the national axis to the hub\'s receive loop', () => {
    it('each is refused for its content and acknowledged `fail` (the axis stops offering it); nothing stored', async () => {
      const docs = await Promise.all([0, 1, 2, 3].map(() => documentPacket(G22, [H41])));
      const hostile = [
        withText(withDoctype(docs[0]!, '<!DOCTYPE edXML [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'), '&xxe;'),
        withText(withDoctype(docs[1]!, billionLaughs(9)), '&lol9;'),
        withInHeader(docs[2]!, `${'<edXML:X>'.repeat(100_000)}${'</edXML:X>'.repeat(100_000)}`),
        withText(withDoctype(await statusPacket(H41, G22, `${G22},2026/11/20,2/HOSTILE`), '<!DOCTYPE edXML>'), 'x'),
      ];
      const docIds = hostile.map((bytes, i) => axis.inject({ bytes, from: G13, to: H41, messageType: i === 3 ? 'status' : 'edoc' }));
      const before = await storedState(t);
      const summaries = [await t.hub.polls!.runNow('receive', 'axis')];
      expect(summaries[0]).toMatchObject({ fetched: 4, accepted: 0, duplicates: 0, rejected: 4, failed: 0 });
      const acks = axis.requests(HUB_SYSTEM.systemId).filter((r) => r.operation === 'updateStatus' && r.status === 200);
      for (const docId of docIds) expect(acks.filter((r) => r.headers['xroadvnpt-docid'] === docId).map((r) => r.headers['xroadvnpt-status'])).toEqual(['fail']);
      expect(axis.pending(H41)).toEqual([]);
      expect(await storedState(t)).toEqual(before);
      expect(listener.received).toEqual([]);
    });
  });
});
