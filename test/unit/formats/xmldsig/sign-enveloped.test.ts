import { createHash, createPrivateKey, generateKeyPairSync, verify, X509Certificate } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { ExclusiveCanonicalization, findAncestorNs } from 'xml-crypto';
import { childElements, elementsFrom } from '../../../../src/formats/xmldsig/dom-elements.js';
import { parseXmlStrictly } from '../../../../src/formats/xmldsig/parse-xml-strictly.js';
import { signEnveloped } from '../../../../src/formats/xmldsig/sign-enveloped.js';
import { signedInfoXml } from '../../../../src/formats/xmldsig/signed-info-xml.js';
import { streamSignedDocument } from '../../../../src/formats/xmldsig/stream-signed-document.js';
import type { DomElement } from '../../../../src/formats/xmldsig/xml-dom.js';
import { canonicalEdoc, collect, SIGNATURE_SLOT, signingPki, splitForSignature, type SigningPki } from './xmldsig-fixture.js';

const XMLDSIG = 'http://www.w3.org/2000/09/xmldsig#';

function parse(xml: string) {
  const parsed = parseXmlStrictly(xml);
  if (!parsed.ok) throw new Error(parsed.detail);
  return parsed;
}

const byName = (root: DomElement, name: string): DomElement => [...elementsFrom(root)].find((el) => el.localName === name)!;
const textOf = (root: DomElement, name: string): string => String((byName(root, name).firstChild as unknown as { data: string }).data);
const excC14n = (node: DomElement, ancestorNamespaces: unknown[] = []): string =>
  String(new ExclusiveCanonicalization().process(node as never, { ancestorNamespaces: ancestorNamespaces as never }));

describe.each([
  ['ES256', 'http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256', 'ecdsa-sha256'],
  ['RS256', 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256', 'rsa-sha256'],
] as const)('signEnveloped %s', (alg, methodUri, algorithm) => {
  let hub: SigningPki;
  const doc = canonicalEdoc();
  beforeAll(async () => {
    hub = await signingPki({ alg });
  });

  it('digests before + after without canonicalising, and puts that digest in the Reference', async () => {
    const signed = await signEnveloped(splitForSignature(doc, 7), hub.key);
    expect(signed.digest.equals(createHash('sha256').update(doc, 'utf8').digest())).toBe(true);
    expect(signed.algorithm).toBe(algorithm);
    const { root } = parse(signed.signatureXml);
    expect(textOf(root, 'DigestValue')).toBe(signed.digest.toString('base64'));
    expect(byName(root, 'SignatureMethod').getAttribute('Algorithm')).toBe(methodUri);
  });

  it('signs the SignedInfo a verifier canonicalises from the embedded element (inherited default namespace)', async () => {
    const input = splitForSignature(doc);
    const { signatureXml, digest } = await signEnveloped(input, hub.key);
    const { doc: dom, root } = parse(input.beforeSignature + signatureXml + doc.slice(doc.indexOf(SIGNATURE_SLOT)));
    const signedInfo = byName(root, 'SignedInfo');
    expect(signedInfo.namespaceURI).toBe(XMLDSIG);
    const canonical = excC14n(signedInfo, findAncestorNs(dom as never, "//*[local-name()='SignedInfo']"));
    expect(canonical).toBe(signedInfoXml(methodUri, digest.toString('base64')).canonical);
    expect(canonical.startsWith(`<SignedInfo xmlns="${XMLDSIG}">`)).toBe(true);

    const signatureValue = Buffer.from(textOf(root, 'SignatureValue'), 'base64');
    const leaf = hub.key.chain[0]!;
    const keyInput = alg === 'ES256' ? { key: leaf.publicKey, dsaEncoding: 'ieee-p1363' as const } : leaf.publicKey;
    if (alg === 'ES256') expect(signatureValue).toHaveLength(64); // raw r‖s, not DER
    expect(verify('sha256', Buffer.from(canonical), keyInput, signatureValue)).toBe(true);
  });

  it('lists the chain in KeyInfo/X509Data, leaf first, and keeps the signed document canonical', async () => {
    const input = splitForSignature(doc);
    const { signatureXml } = await signEnveloped(input, hub.key);
    const { root: sigRoot } = parse(signatureXml);
    const x509Data = byName(sigRoot, 'X509Data');
    const certs = childElements(x509Data).map((el) => new X509Certificate(Buffer.from(String((el.firstChild as unknown as { data: string }).data), 'base64')));
    expect(certs.map((c) => c.fingerprint256)).toEqual(hub.key.chain.map((c) => c.fingerprint256));
    const signedDoc = (await collect(streamSignedDocument(input, signatureXml))).toString('utf8');
    expect(excC14n(parse(signedDoc).root)).toBe(signedDoc);
  });

  it('streams before + signature + after, reading afterSignature afresh', async () => {
    const input = splitForSignature(doc, 100);
    const { signatureXml } = await signEnveloped(input, hub.key);
    const first = await collect(streamSignedDocument(input, signatureXml));
    const expected = doc.replace(SIGNATURE_SLOT, signatureXml + SIGNATURE_SLOT);
    expect(first.toString('utf8')).toBe(expected);
    expect((await collect(streamSignedDocument(input, signatureXml))).equals(first)).toBe(true);
  });
});

describe('signEnveloped keys', () => {
  it('refuses a key that is not the first certificate of the chain, and a key type it cannot sign with', async () => {
    const [es, rs] = await Promise.all([signingPki({ alg: 'ES256' }), signingPki({ alg: 'RS256' })]);
    const input = splitForSignature(canonicalEdoc());
    await expect(signEnveloped(input, { privateKey: es.key.privateKey, chain: rs.key.chain })).rejects.toMatchObject({ code: 'HUB_ERR_KEYS_MISSING' });
    await expect(signEnveloped(input, { privateKey: es.key.privateKey, chain: [] })).rejects.toMatchObject({ code: 'HUB_ERR_KEYS_MISSING' });
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey;
    await expect(signEnveloped(input, { privateKey: p384, chain: es.key.chain })).rejects.toMatchObject({ code: 'HUB_ERR_KEYS_MISSING' });
    const ed25519 = createPrivateKey(generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }));
    await expect(signEnveloped(input, { privateKey: ed25519, chain: es.key.chain })).rejects.toMatchObject({ code: 'HUB_ERR_KEYS_MISSING' });
  });
});
