import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRevocationSimulator, type RevocationSimulator } from '../../../src/crypto/pki/revocation-simulator.js';
import { buildEdxml, parseEdxml, type EdocPacket } from '../../../src/formats/edxml/index.js';
import { signEnveloped, streamSignedDocument } from '../../../src/formats/xmldsig/index.js';
import { countRows, quiesce } from '../../helpers/hub-queries.js';
import { STORES } from '../../helpers/test-db.js';
import { startTestHub, type TestHub } from '../../helpers/test-hub.js';
import { createTestPki, type TestLeaf, type TestPki } from '../../helpers/test-pki.js';

// Routes of this config: G14 → H41 require a verifiable signature.
const CONFIG = resolve('test/fixtures/config/test-hub-signatures.json');
const G14 = '000.00.04.G14';
const H41 = '000.00.00.H41';

let sim: RevocationSimulator;
let pki: TestPki;
let dir: string;
let serial = 0;

/** The fixture edoc from G14 to H41, a new document each time, signed by `leaf` (KeyInfo: leaf and intermediate). */
async function signedBy(leaf: TestLeaf): Promise<Buffer> {
  const { packet, attachmentResults } = await parseEdxml(await readFile('test/fixtures/edxml/built/edoc-new.edxml'));
  const source = packet as EdocPacket;
  serial += 1;
  const organ = (code: string) => ({ ...source.header.from, organId: code });
  const edoc: EdocPacket = {
    ...source,
    header: { ...source.header, from: organ(G14), to: [organ(H41)], documentId: `${G14},2025/03/03,${serial}/CRL`, code: { codeNumber: String(serial), codeNotation: 'CRL' } },
  };
  const payloads = attachmentResults.map((a) => a.payload);
  const built = buildEdxml(edoc, { openAttachment: (_a, i) => [payloads[i]!] });
  const { signatureXml } = await signEnveloped(built, { privateKey: leaf.key, chain: [leaf.cert, pki.intermediate.cert] });
  const parts: Buffer[] = [Buffer.from(built.xmlDeclaration)];
  for await (const chunk of streamSignedDocument(built, signatureXml)) parts.push(chunk);
  return Buffer.concat(parts);
}

beforeAll(async () => {
  sim = await startRevocationSimulator();
  pki = await createTestPki();
  sim.publishCrl('issuing', await pki.crl());
  sim.publishCrl('root', await pki.crl({ issuer: pki.root, revoked: [] }));
  dir = await mkdtemp(join(tmpdir(), 'lienthong-xml-revocation-'));
  await writeFile(join(dir, 'roots.pem'), pki.anchorsPem);
});
afterAll(async () => {
  await sim?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe.each(STORES)('revoked XML signers on edXML intake (%s store)', (store) => {
  let t: TestHub;
  beforeAll(async () => {
    t = await startTestHub(store, {
      env: {
        LIENTHONG_CONFIG: CONFIG, LIENTHONG_XML_TRUST: join(dir, 'roots.pem'),
        LIENTHONG_REVOCATION: 'require', LIENTHONG_CRL_SOURCES: `${sim.crlUrl('issuing')},${sim.crlUrl('root')}`,
      },
    });
  });
  afterAll(async () => {
    await t?.close();
  });
  const post = (body: Buffer) => t.call('POST', '/v1/messages', { key: t.keys.g14, headers: { 'content-type': 'application/xml' }, raw: body });

  it('accepts a signer the CRLs do not list, and records the CRLs it was checked against', async () => {
    const r = await post(await signedBy(pki.leaves.signer));
    expect(r.status, JSON.stringify(r.json)).toBe(202);
    const { rows } = await t.hub.db.query<{ signature_check: Record<string, any> }>('SELECT signature_check FROM messages WHERE id = $1', [r.json.id]);
    const check = rows[0]!.signature_check;
    expect(check).toMatchObject({ policy: 'require', status: 'valid', revocation: { policy: 'require' } });
    expect(check.revocation.evidence.length).toBeGreaterThan(0);
    expect(JSON.stringify(check.revocation.evidence)).toContain(sim.crlUrl('issuing'));
  });

  it('refuses a signer the issuing CA revoked (require), naming the reason, and stores nothing', async () => {
    await quiesce(t);
    const before = await countRows(t.hub.db);
    const r = await post(await signedBy(pki.leaves.revoked));
    expect(r.status).toBe(422);
    expect(r.json).toMatchObject({ code: 'HUB_ERR_SIGNATURE_INVALID', details: { signatureStatus: 'invalid', reason: 'certificate-revoked' } });
    expect(r.json.message).toContain('revoked');
    expect(await countRows(t.hub.db)).toEqual(before);
  });
});
