import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDevPki, type DevPki } from '../../../src/crypto/dev-pki.js';
import { buildEdxml, buildEdxmlBuffer, type EdocPacket } from '../../../src/formats/edxml/index.js';
import { signEnveloped, streamSignedDocument } from '../../../src/formats/xmldsig/index.js';
import { countRows, quiesce } from '../../helpers/hub-queries.js';
import { STORES } from '../../helpers/test-db.js';
import { startTestHub, type TestHub } from '../../helpers/test-hub.js';
import { readdressedEdoc } from '../../helpers/readdressed-edoc.js';

const G22 = '000.00.00.G22';
const G14 = '000.00.04.G14';
const H41 = '000.00.00.H41';
const H14 = '000.00.00.H14';
const H30 = '000.00.00.H30';
const XML = { 'content-type': 'application/xml' };
// Routes: G14 → H41 require, G22 → H30 off; everything else the default, report.
const CONFIG = resolve('test/fixtures/config/test-hub-signatures.json');

/** The fixture document re-addressed, with a document id of its own. */
const edoc = (from: string, to: string[]) => readdressedEdoc(from, to, { date: '2025/03/03', notation: 'SIG' });

/** The packet signed as an agency's document system signs it: enveloped, the whole document. */
async function signed(input: { packet: EdocPacket; payloads: Buffer[] }, pki: DevPki): Promise<Buffer> {
  const built = buildEdxml(input.packet, { openAttachment: (_a, i) => [input.payloads[i]!] });
  const key = { privateKey: createPrivateKey(pki.hubKeyPem), chain: [new X509Certificate(pki.hubCertPem), new X509Certificate(pki.caCertPem)] };
  const { signatureXml } = await signEnveloped(built, key);
  const parts: Buffer[] = [Buffer.from(built.xmlDeclaration)];
  for await (const chunk of streamSignedDocument(built, signatureXml)) parts.push(chunk);
  return Buffer.concat(parts);
}

const unsigned = (input: { packet: EdocPacket; payloads: Buffer[] }): Promise<Buffer> => buildEdxmlBuffer(input.packet, input.payloads);

describe.each(STORES)('XML signature policy per route on edXML intake (%s store)', (store) => {
  let t: TestHub;
  let agencyPki: DevPki;
  let strangerPki: DevPki;
  beforeAll(async () => {
    // The agencies' CA is the trust anchor (LIENTHONG_XML_TRUST); the stranger's CA is not.
    agencyPki = await createDevPki({ alg: 'ES256', hubCommonName: 'Bộ Công an — hệ thống QLVB', organisation: 'Bộ Công an' });
    strangerPki = await createDevPki({ alg: 'RS256', hubCommonName: 'stranger' });
    const trustPath = join(await import('node:os').then((os) => os.tmpdir()), `lienthong-trust-${process.pid}-${store}.pem`);
    await writeFile(trustPath, agencyPki.caCertPem);
    t = await startTestHub(store, { env: { LIENTHONG_CONFIG: CONFIG, LIENTHONG_XML_TRUST: trustPath } });
  });
  afterAll(async () => {
    await t?.close();
  });
  const post = (key: string, body: Buffer) => t.call('POST', '/v1/messages', { key, headers: XML, raw: body });
  const signatureCheck = async (id: string) =>
    (await t.hub.db.query<{ signature_check: Record<string, unknown> }>('SELECT signature_check FROM messages WHERE id = $1', [id])).rows[0]!.signature_check;

  it('require: a valid signature from a trusted signer is accepted, with the signer recorded', async () => {
    const r = await post(t.keys.g14, await signed(await edoc(G14, [H41]), agencyPki));
    expect(r.status).toBe(202);
    const check = await signatureCheck(r.json.id);
    expect(check).toMatchObject({ policy: 'require', status: 'valid', algorithm: 'ecdsa-sha256' });
    expect((check.signer as { subject: string }).subject).toContain('Bộ Công an — hệ thống QLVB');
    const view = (await t.call('GET', `/v1/messages/${r.json.id}`, { key: t.keys.g14 })).json;
    const edxmlEvent = view.timeline.find((e: { kind: string }) => e.kind === 'message.edxml');
    expect(edxmlEvent.data.signature).toMatchObject({ policy: 'require', status: 'valid' });
  });

  it('require: unsigned → 422 HUB_ERR_SIGNATURE_REQUIRED, nothing stored', async () => {
    await quiesce(t); // deliveries of earlier tests still write receipts
    const before = await countRows(t.hub.db);
    const r = await post(t.keys.g14, await unsigned(await edoc(G14, [H41])));
    expect(r.status).toBe(422);
    expect(r.json).toMatchObject({ code: 'HUB_ERR_SIGNATURE_REQUIRED', details: { signatureStatus: 'absent' } });
    expect(await countRows(t.hub.db)).toEqual(before);
  });

  it('require: a signed packet altered afterwards → 422 HUB_ERR_SIGNATURE_INVALID (digest), nothing stored', async () => {
    const good = await signed(await edoc(G14, [H41]), agencyPki);
    const tampered = Buffer.from(good.toString('utf8').replace('<edXML:Subject>', '<edXML:Subject>KHẨN: '));
    await quiesce(t); // deliveries of earlier tests still write receipts
    const before = await countRows(t.hub.db);
    const r = await post(t.keys.g14, tampered);
    expect(r.status).toBe(422);
    expect(r.json).toMatchObject({ code: 'HUB_ERR_SIGNATURE_INVALID', details: { signatureStatus: 'invalid', reason: 'digest-mismatch' } });
    expect(await countRows(t.hub.db)).toEqual(before);
  });

  it('require: a signer outside the trust store → 422 HUB_ERR_SIGNATURE_INVALID (untrusted-signer)', async () => {
    const r = await post(t.keys.g14, await signed(await edoc(G14, [H41]), strangerPki));
    expect(r.status).toBe(422);
    expect(r.json).toMatchObject({ code: 'HUB_ERR_SIGNATURE_INVALID', details: { reason: 'untrusted-signer' } });
  });

  it('the strictest route wins: one recipient on a require route makes the whole packet need a signature', async () => {
    const r = await post(t.keys.g14, await unsigned(await edoc(G14, [H14, H41])));
    expect(r.status).toBe(422);
    expect(r.json.code).toBe('HUB_ERR_SIGNATURE_REQUIRED');
    const ok = await post(t.keys.g14, await unsigned(await edoc(G14, [H14])));
    expect(ok.status).toBe(202);
    expect(await signatureCheck(ok.json.id)).toEqual({ policy: 'report', status: 'absent' });
  });

  it('report (the default): invalid and untrusted signatures are accepted and recorded as such', async () => {
    const stranger = await post(t.keys.g22, await signed(await edoc(G22, [H14]), strangerPki));
    expect(stranger.status).toBe(202);
    expect(await signatureCheck(stranger.json.id)).toMatchObject({ policy: 'report', status: 'invalid', reason: 'untrusted-signer' });
    const valid = await post(t.keys.g22, await signed(await edoc(G22, [H14]), agencyPki));
    expect(await signatureCheck(valid.json.id)).toMatchObject({ policy: 'report', status: 'valid', algorithm: 'ecdsa-sha256' });
  });

  it('report: the deployed vendor quirk (Signature in the edXML namespace, placeholder values) is recorded as unverifiable', async () => {
    // An unedited vendor revocation packet from G22 (To: H41, H14, G17); its Signature is the VNPT builder's.
    const r = await post(t.keys.g22, await readFile('test/fixtures/xmldsig/vendor/edoc_revocation.edxml'));
    expect(r.status).toBe(202);
    expect(await signatureCheck(r.json.id)).toMatchObject({ policy: 'report', status: 'unverifiable', reason: 'vendor-namespace' });
  });

  it('off: the signature is not looked at, even a broken one', async () => {
    const good = await signed(await edoc(G22, [H30]), strangerPki);
    const broken = Buffer.from(good.toString('utf8').replace(/<SignatureValue>[^<]*</, '<SignatureValue>AAAA<'));
    const r = await post(t.keys.g22, broken);
    expect(r.status).toBe(202);
    expect(await signatureCheck(r.json.id)).toEqual({ policy: 'off', status: 'not-checked' });
  });
});
