import { beforeAll, describe, expect, it } from 'vitest';
import { SignedXml } from 'xml-crypto';
import { verifyXmlSignature } from '../../../../src/formats/xmldsig/verify-xml-signature.js';
import type { XmlSignatureResult } from '../../../../src/formats/xmldsig/xml-signature-result.js';
import { signWithXmlCrypto, type XmlCryptoSignOptions } from './xml-crypto-signer.js';
import { canonicalEdoc, signDocument, signingPki, type SigningPki } from './xmldsig-fixture.js';

const ISSUED = new Date('2025-01-01T00:00:00Z');
const NOW = new Date('2025-06-01T00:00:00Z');
const EDXML = 'http://www.mic.gov.vn/TBT/QCVN_102_2016';
const doc = canonicalEdoc();
/** The document element carries Id="packet-1"; edXMLBody carries Id="body". */
const withIds = doc.replace('<edXML xmlns=', '<edXML Id="packet-1" xmlns=').replace('<edXML:edXMLBody>', '<edXML:edXMLBody Id="body">');
const EVIL_BODY = '<edXML:edXMLBody Id="evil"><edXML:edXMLManifest version="1.0"></edXML:edXMLManifest></edXML:edXMLBody>';
const SIGNATURE = /<Signature xmlns="http:\/\/www.w3.org\/2000\/09\/xmldsig#">.*?<\/Signature>/s;

/** What xml-crypto alone says (it finds elements by ID, wherever they are): the attacks get past it. */
function xmlCryptoAlone(xml: string, hub: SigningPki): boolean {
  const sig = new SignedXml({ publicCert: hub.key.chain[0]!.toString(), getCertFromKeyInfo: () => null });
  sig.loadSignature(SIGNATURE.exec(xml)![0]);
  try {
    return sig.checkSignature(xml);
  } catch {
    return false;
  }
}

describe('signature wrapping defence', () => {
  let hub: SigningPki;
  let hubSigned: string;
  const check = (xml: string): XmlSignatureResult => verifyXmlSignature(xml, { trustStore: hub.trustStore, now: NOW });
  const sign = (xml: string, opts: Partial<XmlCryptoSignOptions> & Pick<XmlCryptoSignOptions, 'references'>): string => signWithXmlCrypto(xml, { ...hub.key, ...opts });

  beforeAll(async () => {
    hub = await signingPki({ alg: 'RS256', now: ISSUED });
    hubSigned = await signDocument(doc, hub.key);
  });

  it('refuses a second Signature anywhere in the document', () => {
    const copy = SIGNATURE.exec(hubSigned)![0];
    expect(check(hubSigned.replace('<edXML:Attachment>', `<edXML:Attachment>${copy}`))).toMatchObject({ status: 'invalid', reason: 'multiple-signatures' });
  });

  it('refuses a valid signature over one element instead of the document', () => {
    const bodyOnly = sign(withIds, { references: [{ xpath: "//*[local-name(.)='edXMLBody']" }] });
    expect(bodyOnly).toContain('URI="#body"');
    expect(xmlCryptoAlone(bodyOnly, hub)).toBe(true);
    expect(check(bodyOnly)).toMatchObject({ status: 'invalid', reason: 'reference-not-document' });
  });

  it('refuses the signed element moved aside with injected content in its place (XSW)', () => {
    const bodyOnly = sign(withIds, { references: [{ xpath: "//*[local-name(.)='edXMLBody']" }] });
    const original = /<edXML:edXMLBody Id="body">.*<\/edXML:edXMLBody>/s.exec(bodyOnly)![0];
    // The original body goes into AttachmentEncoded, where a reader of edXMLEnvelope does not look.
    const wrapped = bodyOnly.replace(original, EVIL_BODY).replace('<edXML:Attachment>', `<edXML:Attachment>${original}`);
    expect(xmlCryptoAlone(wrapped, hub)).toBe(true);
    expect(check(wrapped)).toMatchObject({ status: 'invalid', reason: 'reference-not-document' });
  });

  it('refuses a whole-document signature whose signed root was wrapped in a new root, with or without a duplicate ID', () => {
    const signed = sign(withIds, { references: [{ xpath: '/*' }] });
    expect(check(signed)).toMatchObject({ status: 'valid' });
    const wrapper = (rootAttrs: string): string => `<edXML${rootAttrs} xmlns="${EDXML}"><edXML:Evil xmlns:edXML="${EDXML}">chuyển khoản</edXML:Evil><Wrapper>${signed}</Wrapper></edXML>`;
    expect(xmlCryptoAlone(wrapper(''), hub)).toBe(true);
    expect(check(wrapper(''))).toMatchObject({ status: 'invalid', reason: 'reference-not-document' });
    expect(check(wrapper(' Id="packet-1"'))).toMatchObject({ status: 'invalid', reason: 'duplicate-id' });
    expect(check(signed.replace('<edXML:edXMLBody Id="body">', '<edXML:edXMLBody Id="packet-1">'))).toMatchObject({ status: 'invalid', reason: 'duplicate-id' });
  });

  it('refuses an extra Reference, even a validly signed one', () => {
    const twoRefs = sign(withIds, { references: [{ xpath: '/*', isEmptyUri: true }, { xpath: "//*[local-name(.)='edXMLBody']" }] });
    expect(xmlCryptoAlone(twoRefs, hub)).toBe(true);
    expect(check(twoRefs)).toMatchObject({ status: 'invalid', reason: 'unexpected-references' });
  });

  it('refuses Object elements and foreign content hidden in the Signature (outside the digest)', () => {
    const withObject = sign(doc, { references: [{ xpath: '/*', isEmptyUri: true }], objects: [{ content: `<edXML:Attachment xmlns:edXML="${EDXML}">x</edXML:Attachment>` }] });
    expect(check(withObject)).toMatchObject({ status: 'invalid', reason: 'unexpected-structure' });
    const injected = hubSigned.replace('<KeyInfo>', `<KeyInfo><edXML:AttachmentEncoded xmlns:edXML="${EDXML}"><edXML:Attachment></edXML:Attachment></edXML:AttachmentEncoded>`);
    expect(xmlCryptoAlone(injected, hub)).toBe(true);
    expect(check(injected)).toMatchObject({ status: 'invalid', reason: 'unexpected-structure' });
    expect(check(hubSigned.replace('</SignatureValue>', '</SignatureValue><Object></Object>'))).toMatchObject({ status: 'invalid', reason: 'unexpected-structure' });
    expect(check(hubSigned.replace('<SignatureValue>', '<SignatureValue foo="1">'))).toMatchObject({ status: 'invalid', reason: 'unexpected-structure' });
  });

  it('refuses transforms other than enveloped-signature then canonicalisation', () => {
    const transforms = /<Transforms>.*<\/Transforms>/.exec(hubSigned)![0];
    const t = (...uris: string[]): string => `<Transforms>${uris.map((u) => `<Transform Algorithm="${u}"></Transform>`).join('')}</Transforms>`;
    const ENV = 'http://www.w3.org/2000/09/xmldsig#enveloped-signature';
    const EXC = 'http://www.w3.org/2001/10/xml-exc-c14n#';
    for (const replacement of [t(ENV, 'http://www.w3.org/TR/1999/REC-xslt-19991116'), t(ENV, 'http://www.w3.org/2002/06/xmldsig-filter2'), t(EXC, ENV), t(ENV, ENV, EXC), '']) {
      expect(check(hubSigned.replace(transforms, replacement))).toMatchObject({ status: 'invalid', reason: 'unexpected-transforms' });
    }
  });

  it('never dereferences: external, XPointer and missing URIs are refused', () => {
    for (const reference of ['<Reference URI="http://attacker.example/edoc.xml">', '<Reference URI="#xpointer(/)">', '<Reference URI="file:///etc/passwd">', '<Reference>']) {
      expect(check(hubSigned.replace('<Reference URI="">', reference))).toMatchObject({ status: 'invalid', reason: 'reference-not-document' });
    }
  });
});
