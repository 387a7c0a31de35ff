import { createHash, createPrivateKey, randomBytes, X509Certificate } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDevPki, type DevPki } from '../../src/crypto/dev-pki.js';
import { buildEdxml, buildEdxmlBuffer, type EdocPacket } from '../../src/formats/edxml/index.js';
import { signEnveloped, streamSignedDocument, type XmlSigningKey } from '../../src/formats/xmldsig/index.js';
import { signWithXmlCrypto, type XmlCryptoReference } from '../unit/formats/xmldsig/xml-crypto-signer.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';
import { startTestHub, type TestHub } from '../helpers/test-hub.js';
import { rawRequest, type RawAnswer } from './raw-request.js';
import { expectRefused } from './refused-attack.js';
import { readdressedEdoc } from '../helpers/readdressed-edoc.js';

// XML signature wrapping and its relatives, against a route whose policy is `require` (G14 → H41 in
// test-hub-signatures.json): the hub verifies the signature over the element it reads — the whole
// document — so content moved, duplicated, re-referenced or added beside a valid signature never
// passes. Signatures are made by the hub's own signer and by xml-crypto's generic one (any shape).

const G14 = '000.00.04.G14';
const G22 = '000.00.00.G22';
const H41 = '000.00.00.H41';
const H14 = '000.00.00.H14';
const EDXML = 'http://www.mic.gov.vn/TBT/QCVN_102_2016';
const SIGNATURE = /<(?:ds:)?Signature xmlns(?::ds)?="http:\/\/www.w3.org\/2000\/09\/xmldsig#">.*?<\/(?:ds:)?Signature>/s;
const EVIL_BODY = '<edXML:edXMLBody Id="evil"><edXML:edXMLManifest version="1.0"><edXML:Reference><edXML:ContentId>cid:evil</edXML:ContentId><edXML:AttachmentName>chuyen-khoan.pdf</edXML:AttachmentName></edXML:Reference></edXML:edXMLManifest></edXML:edXMLBody>';

/** The fixture document re-addressed, with a document id of its own. */
const edoc = (from: string, to: string[]) => readdressedEdoc(from, to, { date: '2026/03/03', notation: 'XSW' });

const keyOf = (pki: DevPki): XmlSigningKey => ({ privateKey: createPrivateKey(pki.hubKeyPem), chain: [new X509Certificate(pki.hubCertPem), new X509Certificate(pki.caCertPem)] });

/** Signed by the hub's signer: enveloped, the whole document, exclusive c14n — a valid signature. */
async function signedWhole(input: { packet: EdocPacket; payloads: Buffer[] }, pki: DevPki): Promise<string> {
  const built = buildEdxml(input.packet, { openAttachment: (_a, i) => [input.payloads[i]!] });
  const { signatureXml } = await signEnveloped(built, keyOf(pki));
  const parts: Buffer[] = [Buffer.from(built.xmlDeclaration)];
  for await (const chunk of streamSignedDocument(built, signatureXml)) parts.push(chunk);
  return Buffer.concat(parts).toString('utf8');
}

/** The unsigned document (no XML declaration), with `Id="packet-1"` on the root and `Id="body"` on edXMLBody. */
async function withIds(input: { packet: EdocPacket; payloads: Buffer[] }): Promise<string> {
  const xml = (await buildEdxmlBuffer(input.packet, input.payloads)).toString('utf8').replace(/^<\?xml[^>]*\?>\s*/, '');
  return xml.replace(`<edXML xmlns="${EDXML}">`, `<edXML Id="packet-1" xmlns="${EDXML}">`).replace('<edXML:edXMLBody>', '<edXML:edXMLBody Id="body">');
}

describe('XML signature wrapping and forgery on a `require` route: refused, nothing stored (postgres store)', () => {
  let t: TestHub;
  let agencyPki: DevPki;
  let strangerPki: DevPki;
  let listener: WebhookReceiver;
  let trustPath: string;
  const xs = (xml: string, references: XmlCryptoReference[], pki = agencyPki): string => signWithXmlCrypto(xml, { ...keyOf(pki), references });
  const post = (body: string, key = t.keys.g14): Promise<RawAnswer> =>
    rawRequest(t.url, { path: '/v1/messages', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/xml' }, body: Buffer.from(body) });
  const refusedAs = async (body: string, code: string, reason?: string): Promise<void> => {
    const r = await expectRefused(t, () => post(body), { status: 422, code });
    if (reason) expect(r.json.details).toMatchObject({ reason });
  };

  beforeAll(async () => {
    agencyPki = await createDevPki({ alg: 'RS256', hubCommonName: 'Bộ Công an — hệ thống QLVB', organisation: 'Bộ Công an' });
    strangerPki = await createDevPki({ alg: 'RS256', hubCommonName: 'kẻ lạ' });
    trustPath = join(tmpdir(), `lienthong-hostile-trust-${process.pid}.pem`);
    await writeFile(trustPath, agencyPki.caCertPem);
    listener = await startWebhookReceiver();
    t = await startTestHub('postgres', { roles: { api: true, worker: false }, env: { LIENTHONG_CONFIG: resolve('test/fixtures/config/test-hub-signatures.json'), LIENTHONG_XML_TRUST: trustPath } });
  });
  afterAll(async () => {
    await t?.close();
    await listener?.close();
    await rm(trustPath, { force: true });
  });

  it('the baseline: a whole-document signature by a trusted signer is accepted (202), so the refusals below are the attacks\' doing', async () => {
    expect((await post(await signedWhole(await edoc(G14, [H41]), agencyPki))).status).toBe(202);
    expect((await post(xs(await withIds(await edoc(G14, [H41])), [{ xpath: '/*', isEmptyUri: true }]))).status).toBe(202);
  });

  it('no signature → 422 HUB_ERR_SIGNATURE_REQUIRED', async () => {
    await refusedAs((await buildEdxmlBuffer((await edoc(G14, [H41])).packet, (await edoc(G14, [H41])).payloads)).toString('utf8'), 'HUB_ERR_SIGNATURE_REQUIRED');
  });

  it('content altered after signing → 422 HUB_ERR_SIGNATURE_INVALID (digest-mismatch)', async () => {
    const good = await signedWhole(await edoc(G14, [H41]), agencyPki);
    await refusedAs(good.replace('<edXML:Subject>', '<edXML:Subject>KHẨN — chuyển tiền: '), 'HUB_ERR_SIGNATURE_INVALID', 'digest-mismatch');
  });

  it('a large attachment (streamed to the blob folder while the packet is read) in a packet refused for its signature is not kept', async () => {
    const input = await edoc(G14, [H41]);
    const big = randomBytes(300_000);
    input.payloads[0] = big;
    input.packet = { ...input.packet, attachments: input.packet.attachments.map((a, i) => (i === 0 ? { ...a, payload: { size: big.length, sha256: createHash('sha256').update(big).digest('hex') } } : a)) };
    const good = await signedWhole(input, agencyPki);
    await refusedAs(good.replace('<edXML:Subject>', '<edXML:Subject>Đã sửa: '), 'HUB_ERR_SIGNATURE_INVALID', 'digest-mismatch');
    await refusedAs(await signedWhole(input, strangerPki), 'HUB_ERR_SIGNATURE_INVALID', 'untrusted-signer');
  });

  it('a valid signature over edXMLBody only (not the document the hub reads) → 422 (reference-not-document)', async () => {
    await refusedAs(xs(await withIds(await edoc(G14, [H41])), [{ xpath: "//*[local-name(.)='edXMLBody']" }]), 'HUB_ERR_SIGNATURE_INVALID', 'reference-not-document');
  });

  it('XSW: the signed element moved aside and forged content put where the hub reads → 422', async () => {
    const bodyOnly = xs(await withIds(await edoc(G14, [H41])), [{ xpath: "//*[local-name(.)='edXMLBody']" }]);
    const original = /<edXML:edXMLBody Id="body">.*<\/edXML:edXMLBody>/s.exec(bodyOnly)![0];
    const wrapped = bodyOnly.replace(original, EVIL_BODY).replace('<edXML:Attachment>', `<edXML:Attachment>${original}`);
    await expectRefused(t, () => post(wrapped), { status: 422, code: 'HUB_ERR_SIGNATURE_INVALID' });
  });

  it('duplicated ID: a second element carrying the signed root\'s Id → 422 (duplicate-id)', async () => {
    const signed = xs(await withIds(await edoc(G14, [H41])), [{ xpath: '/*' }]);
    expect(signed).toContain('URI="#packet-1"');
    await refusedAs(signed.replace('<edXML:edXMLBody Id="body">', '<edXML:edXMLBody Id="packet-1">'), 'HUB_ERR_SIGNATURE_INVALID', 'duplicate-id');
  });

  it('a signature referencing a different element (the header) than the document → 422 (reference-not-document)', async () => {
    const xml = (await withIds(await edoc(G14, [H41]))).replace('<edXML:edXMLHeader>', '<edXML:edXMLHeader Id="hdr">');
    await refusedAs(xs(xml, [{ xpath: "//*[local-name(.)='edXMLHeader']" }]), 'HUB_ERR_SIGNATURE_INVALID', 'reference-not-document');
  });

  it('an extra Reference next to the whole-document one → 422 (unexpected-references)', async () => {
    await refusedAs(xs(await withIds(await edoc(G14, [H41])), [{ xpath: '/*', isEmptyUri: true }, { xpath: "//*[local-name(.)='edXMLBody']" }]), 'HUB_ERR_SIGNATURE_INVALID', 'unexpected-references');
  });

  it('a second Signature (a copy of the valid one) elsewhere → 422 (multiple-signatures)', async () => {
    const good = await signedWhole(await edoc(G14, [H41]), agencyPki);
    await refusedAs(good.replace('<edXML:Attachment>', `<edXML:Attachment>${SIGNATURE.exec(good)![0]}`), 'HUB_ERR_SIGNATURE_INVALID', 'multiple-signatures');
  });

  it('a Reference to an external URI is refused without fetching it → 422 (reference-not-document)', async () => {
    const good = await signedWhole(await edoc(G14, [H41]), agencyPki);
    await refusedAs(good.replace('<Reference URI="">', `<Reference URI="${listener.url}/edoc.xml">`), 'HUB_ERR_SIGNATURE_INVALID', 'reference-not-document');
    expect(listener.received).toEqual([]);
  });

  it('a valid signature by a signer outside the trust store → 422 (untrusted-signer)', async () => {
    await refusedAs(await signedWhole(await edoc(G14, [H41]), strangerPki), 'HUB_ERR_SIGNATURE_INVALID', 'untrusted-signer');
  });

  it('the signer\'s certificate swapped for a trusted one (KeyInfo of another key) → 422', async () => {
    const good = await signedWhole(await edoc(G14, [H41]), strangerPki);
    const trusted = agencyPki.hubCertPem.replace(/-----[^-]+-----|\s/g, '');
    const swapped = good.replace(/<X509Certificate>[^<]*<\/X509Certificate>/, `<X509Certificate>${trusted}</X509Certificate>`);
    await expectRefused(t, () => post(swapped), { status: 422, code: 'HUB_ERR_SIGNATURE_INVALID' });
  });

  it('comment injection inside signed text: the signature still covers the text the hub reads (accepted as the whole text, never cut at the comment)', async () => {
    // Exclusive c14n without comments drops the comment: the signature stays valid. The attack works
    // only on a reader that takes the first text node ("Về việc "): the hub must read the whole.
    const good = await signedWhole(await edoc(G14, [H41]), agencyPki);
    const subject = /<edXML:Subject>([^<]*)<\/edXML:Subject>/.exec(good)![1]!;
    const cut = subject.indexOf(' ', Math.floor(subject.length / 2)); // between words, never inside an entity such as &amp;
    const injected = good.replace(`<edXML:Subject>${subject}</edXML:Subject>`, `<edXML:Subject>${subject.slice(0, cut)}<!-- chèn -->${subject.slice(cut)}</edXML:Subject>`);
    const r = await post(injected);
    expect(r.status).toBe(202);
    const view = await rawRequest(t.url, { method: 'GET', path: `/v1/messages/${r.json.id}`, headers: { authorization: `Bearer ${t.keys.g14}` } });
    const unescaped = subject.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
    expect(view.json.document.subject).toBe(unescaped);
    const { rows } = await t.hub.db.query<{ signature_check: { status: string } }>('SELECT signature_check FROM messages WHERE id = $1', [r.json.id]);
    expect(rows[0]!.signature_check.status).toBe('valid');
  });

  it('on a `report` route the same wrapping is accepted but recorded `invalid`, never `valid`', async () => {
    const bodyOnly = xs(await withIds(await edoc(G22, [H14])), [{ xpath: "//*[local-name(.)='edXMLBody']" }]);
    const original = /<edXML:edXMLBody Id="body">.*<\/edXML:edXMLBody>/s.exec(bodyOnly)![0];
    const r = await post(bodyOnly.replace(original, EVIL_BODY).replace('<edXML:Attachment>', `<edXML:Attachment>${original}`), t.keys.g22);
    expect(r.status).toBe(202);
    const { rows } = await t.hub.db.query<{ signature_check: { status: string; reason: string } }>('SELECT signature_check FROM messages WHERE id = $1', [r.json.id]);
    expect(rows[0]!.signature_check).toMatchObject({ status: 'invalid', reason: 'reference-not-document' });
  });
});
