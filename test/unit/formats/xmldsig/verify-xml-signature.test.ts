import { beforeAll, describe, expect, it } from 'vitest';
import { createTrustStore } from '../../../../src/formats/xmldsig/trust-store.js';
import { verifyXmlSignature } from '../../../../src/formats/xmldsig/verify-xml-signature.js';
import type { XmlSignatureResult } from '../../../../src/formats/xmldsig/xml-signature-result.js';
import { threeTierPki, type ThreeTierPki } from './three-tier-pki.js';
import { RSA_SHA256, signWithXmlCrypto } from './xml-crypto-signer.js';
import { canonicalEdoc, fixtureBytes, signDocument, signingPki, type SigningPki } from './xmldsig-fixture.js';

const DAY = 86_400_000;
// Certificates are issued at ISSUED (valid 365 days) and checked at NOW: no dependence on the clock.
const ISSUED = new Date('2025-01-01T00:00:00Z');
const NOW = new Date('2025-06-01T00:00:00Z');
const doc = canonicalEdoc();
const edocWithId = doc.replace('<edXML xmlns=', '<edXML Id="packet-1" xmlns=');

describe.each(['ES256', 'RS256'] as const)('verifyXmlSignature, %s round trip', (alg) => {
  let hub: SigningPki;
  let other: SigningPki;
  let signed: string;
  const now = NOW;
  const check = (xml: Buffer | string, at = now, store = hub.trustStore): XmlSignatureResult => verifyXmlSignature(xml, { trustStore: store, now: at });

  beforeAll(async () => {
    [hub, other] = await Promise.all([signingPki({ alg, hubCommonName: 'hub.lienthong.test', now: ISSUED }), signingPki({ alg, now: ISSUED })]);
    signed = await signDocument(doc, hub.key);
  });

  it('accepts what signEnveloped produced, as bytes, as a string and after a UTF-8 BOM, naming the signer', () => {
    const leaf = hub.key.chain[0]!;
    const expected: XmlSignatureResult = {
      status: 'valid',
      algorithm: alg === 'ES256' ? 'ecdsa-sha256' : 'rsa-sha256',
      signer: {
        subject: 'C=VN, O=lienthong (development), CN=hub.lienthong.test',
        issuer: 'C=VN, O=lienthong (development), CN=lienthong development root CA',
        serial: leaf.serialNumber,
        notAfter: new Date(leaf.validTo).toISOString(),
        fingerprint256: leaf.fingerprint256,
      },
    };
    // The verdict also hands over the KeyInfo certificates, signer first (for a revocation check).
    const withCertificates = { ...expected, certificates: expect.any(Array) };
    const verdict = check(Buffer.from(signed));
    expect(verdict).toEqual(withCertificates);
    expect(verdict.status === 'valid' && verdict.certificates?.[0]?.fingerprint256).toBe(leaf.fingerprint256);
    expect(check(signed)).toEqual(withCertificates);
    expect(check(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(signed)]))).toEqual(withCertificates);
  });

  it('finds a changed byte in the body, in SignedInfo and in SignatureValue', () => {
    expect(check(signed.replace('Nghệ An</edXML:Place>', 'Nghệ Ań</edXML:Place>'))).toMatchObject({ status: 'invalid', reason: 'digest-mismatch' });
    expect(check(signed.replace('Q8OUTkcg', 'Q8OUTkcG'))).toMatchObject({ status: 'invalid', reason: 'digest-mismatch' });
    expect(check(signed.replace('<SignedInfo><', '<SignedInfo> <'))).toMatchObject({ status: 'invalid', reason: 'signature-mismatch' });
    const value = /<SignatureValue>([^<]+)</.exec(signed)![1]!;
    const flipped = Buffer.from(value, 'base64');
    flipped[10]! ^= 1;
    expect(check(signed.replace(value, flipped.toString('base64')))).toMatchObject({ status: 'invalid', reason: 'signature-mismatch' });
  });

  it('refuses a signer that does not chain to the trust store, or outside its validity at `now`', () => {
    expect(check(signed, now, other.trustStore)).toMatchObject({ status: 'invalid', reason: 'untrusted-signer' });
    expect(check(signed, new Date(ISSUED.getTime() + 366 * DAY))).toMatchObject({ status: 'invalid', reason: 'certificate-not-valid' });
    expect(check(signed, new Date(ISSUED.getTime() - 1000))).toMatchObject({ status: 'invalid', reason: 'certificate-not-valid' });
  });

  it('refuses a SignatureMethod that does not fit the certificate key', () => {
    const swapped = alg === 'ES256' ? signed.replace('#ecdsa-sha256', '#rsa-sha256') : signed.replace('#rsa-sha256', '#ecdsa-sha256');
    expect(check(swapped)).toMatchObject({ status: 'invalid', reason: 'key-mismatch' });
  });

  it('accepts URI="#id" naming the document element (xml-crypto as signer)', () => {
    const xml = signWithXmlCrypto(edocWithId, {
      ...hub.key,
      signatureAlgorithm: alg === 'ES256' ? 'http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256' : RSA_SHA256,
      references: [{ xpath: '/*' }],
    });
    expect(xml).toContain('URI="#packet-1"');
    expect(check(xml)).toMatchObject({ status: 'valid' });
  });

  it('accepts a ds-prefixed Signature (xml-crypto as signer)', () => {
    const xml = signWithXmlCrypto(doc, {
      ...hub.key,
      prefix: 'ds',
      signatureAlgorithm: alg === 'ES256' ? 'http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256' : RSA_SHA256,
      references: [{ xpath: '/*', isEmptyUri: true }],
    });
    expect(xml).toContain('<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#">');
    expect(check(xml)).toMatchObject({ status: 'valid' });
  });

  it('is unverifiable without a certificate, and calls a stub certificate a placeholder', () => {
    expect(check(signed.replace(/<KeyInfo>.*<\/KeyInfo>/, ''))).toMatchObject({ status: 'unverifiable', reason: 'no-certificate' });
    expect(check(signed.replace(/<X509Data>.*<\/X509Data>/, '<X509Data><X509Certificate>MIIFqTCCBJG</X509Certificate></X509Data>'))).toMatchObject({
      status: 'unverifiable',
      reason: 'placeholder',
    });
  });

  it('verifies a hub signature next to a vendor-namespace Signature block (signed content)', async () => {
    const vendorBlock = '<Signature><SignedInfo></SignedInfo><SignatureValue>AAAA</SignatureValue></Signature>';
    const withVendor = doc.replace('</edXML:TraceHeaderList>', `</edXML:TraceHeaderList>${vendorBlock}`);
    expect(check(await signDocument(withVendor, hub.key))).toMatchObject({ status: 'valid' });
  });
});

describe('verifyXmlSignature, chains', () => {
  let pki: ThreeTierPki;
  const now = NOW;
  beforeAll(() => {
    pki = threeTierPki(ISSUED);
  });
  const sign = (privateKey: ThreeTierPki['leafKey'], chain: ThreeTierPki['leaf'][]): Promise<string> => signDocument(doc, { privateKey, chain });

  it('accepts an intermediate CA from the same X509Data, in any order', async () => {
    const store = createTrustStore([pki.rootPem]);
    expect(verifyXmlSignature(await sign(pki.leafKey, [pki.leaf, pki.intermediate]), { trustStore: store, now })).toMatchObject({
      status: 'valid',
      signer: { subject: 'C=VN, CN=Sở Nội vụ tỉnh Nghệ An', issuer: 'C=VN, CN=Test Intermediate CA' },
    });
    const reversed = signWithXmlCrypto(doc, { privateKey: pki.leafKey, chain: [pki.intermediate, pki.leaf], references: [{ xpath: '/*', isEmptyUri: true }] });
    expect(verifyXmlSignature(reversed, { trustStore: store, now })).toMatchObject({ status: 'valid', signer: { subject: 'C=VN, CN=Sở Nội vụ tỉnh Nghệ An' } });
  });

  it('refuses a missing intermediate and an "intermediate" that is not a CA', async () => {
    const store = createTrustStore([pki.rootPem]);
    expect(verifyXmlSignature(await sign(pki.leafKey, [pki.leaf]), { trustStore: store, now })).toMatchObject({ status: 'invalid', reason: 'untrusted-signer' });
    expect(verifyXmlSignature(await sign(pki.fakeLeafKey, [pki.fakeLeaf, pki.notCa]), { trustStore: store, now })).toMatchObject({
      status: 'invalid',
      reason: 'untrusted-signer',
    });
  });
});

describe('verifyXmlSignature, vendor samples and algorithms', () => {
  let hub: SigningPki;
  const now = NOW;
  beforeAll(async () => {
    hub = await signingPki({ alg: 'RS256', now: ISSUED });
  });
  const check = (xml: Buffer | string): XmlSignatureResult => verifyXmlSignature(xml, { trustStore: hub.trustStore, now });

  it('records the deployed VNPT signature blocks as unverifiable and an unsigned packet as absent', () => {
    expect(check(fixtureBytes('vendor/edoc_revocation.edxml'))).toMatchObject({ status: 'unverifiable', reason: 'vendor-namespace' });
    expect(check(fixtureBytes('vendor/edoc.edxml'))).toMatchObject({ status: 'unverifiable', reason: 'placeholder' });
    expect(check(fixtureBytes('vendor/status.edxml'))).toEqual({ status: 'absent' });
    expect(check(doc)).toEqual({ status: 'absent' });
  });

  it('calls rsa-sha1, SHA-1 digests and the vendor transform URI unsupported', () => {
    const sha1 = signWithXmlCrypto(doc, {
      ...hub.key,
      signatureAlgorithm: 'http://www.w3.org/2000/09/xmldsig#rsa-sha1',
      builtInAlgorithms: true,
      references: [{ xpath: '/*', isEmptyUri: true }],
    });
    expect(check(sha1)).toMatchObject({ status: 'unverifiable', reason: 'unsupported-algorithm', detail: expect.stringContaining('rsa-sha1') });
    const sha1Digest = signWithXmlCrypto(doc, { ...hub.key, references: [{ xpath: '/*', isEmptyUri: true, digestAlgorithm: 'http://www.w3.org/2000/09/xmldsig#sha1' }] });
    expect(check(sha1Digest)).toMatchObject({ status: 'unverifiable', reason: 'unsupported-algorithm' });
    const vendorTransform = signWithXmlCrypto(doc, { ...hub.key, references: [{ xpath: '/*', isEmptyUri: true }] }).replace(
      /(enveloped-signature"\/?>(?:<\/Transform>)?<Transform Algorithm=")http:\/\/www.w3.org\/2001\/10\/xml-exc-c14n#/,
      '$1http://www.w3.org/TR/xml-exc-c14n#',
    );
    expect(vendorTransform).toContain('http://www.w3.org/TR/xml-exc-c14n#');
    expect(check(vendorTransform)).toMatchObject({ status: 'unverifiable', reason: 'unsupported-algorithm' });
  });
});
