import { createHash, generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { DOMParser } from '@xmldom/xmldom';
import { ExclusiveCanonicalization, SignedXml } from 'xml-crypto';
import { describe, expect, it } from 'vitest';
import { buildEdxml, XML_DECLARATION } from '../../../../src/formats/edxml/build-edxml.js';
import { buildEdxmlBuffer } from '../../../../src/formats/edxml/build-edxml-buffer.js';
import { XMLDSIG_NS } from '../../../../src/formats/edxml/edxml-namespaces.js';
import type { EdxmlPacket, StatusPacket } from '../../../../src/formats/edxml/edxml-packet.js';
import { parseEdxml } from '../../../../src/formats/edxml/parse-edxml.js';
import { BUILT_DIR, expectHubError, vendorSample, WELL_FORMED_VENDOR_SAMPLES } from './edxml-test-support.js';
import { ownFixtures } from './own-packets.js';

const EXC_C14N = 'http://www.w3.org/2001/10/xml-exc-c14n#';
const ENVELOPED = 'http://www.w3.org/2000/09/xmldsig#enveloped-signature';

/** xml-crypto's Exclusive XML Canonicalization (without comments) of a whole document. */
function excC14n(xml: string): string {
  const doc = new DOMParser().parseFromString(xml, 'text/xml');
  return new ExclusiveCanonicalization().process(doc.documentElement as unknown as Element, {});
}

async function builtParts(packet: EdxmlPacket, payloads: Uint8Array[]) {
  const built = buildEdxml(packet, { openAttachment: (_a, i) => [payloads[i]!] });
  const after: Buffer[] = [];
  for await (const chunk of built.afterSignature()) after.push(chunk);
  return { ...built, after: Buffer.concat(after).toString('utf8') };
}

const vendorBuilt = WELL_FORMED_VENDOR_SAMPLES.map((name) => [`vendor/${name}`, () => vendorSample(name)] as const);
const ownBuilt = ownFixtures().map((f) => [`built/${f.name}`, () => readFileSync(BUILT_DIR + f.name)] as const);

describe('buildEdxml writes Exclusive XML Canonicalization form (checked with xml-crypto)', () => {
  it.each([...vendorBuilt, ...ownBuilt])('%s: canonicalising the built document changes nothing', async (_name, read) => {
    const { packet, attachmentResults } = await parseEdxml(read());
    const parts = await builtParts(packet, attachmentResults.map((a) => a.payload));
    const canonical = parts.beforeSignature + parts.after;
    expect(excC14n(parts.xmlDeclaration + canonical)).toBe(canonical);
    expect(parts.xmlDeclaration).toBe('<?xml version="1.0" encoding="UTF-8"?>\n');
  });

  it('declares namespaces only where exc-c14n renders them, never self-closes, writes no comments', async () => {
    const xml = readFileSync(`${BUILT_DIR}edoc-new.edxml`, 'utf8');
    expect(xml.match(/xmlns(:\w+)?="[^"]*"/g)).toEqual([
      'xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016"',
      'xmlns:edXML="http://www.mic.gov.vn/TBT/QCVN_102_2016"',
      'xmlns:edXML="http://www.mic.gov.vn/TBT/QCVN_102_2016"',
    ]);
    expect(xml).toContain('<edXML:edXMLEnvelope xmlns:edXML=');
    expect(xml).toContain('<edXML:AttachmentEncoded xmlns:edXML=');
    expect(xml).not.toMatch(/\/>|<!--/);
    expect(xml.endsWith('</edXML>')).toBe(true);
  });

  it('escapes text and attribute values exactly as c14n does', async () => {
    const { packet } = await parseEdxml(vendorSample('edoc_update.edxml'));
    if (packet.kind !== 'edoc') throw new Error('edoc expected');
    packet.header.subject = 'a & b < c > d " e \' f\r\ng\th';
    packet.manifest!.version = '1.0 "x" & <y>\t\n\r';
    const { attachmentResults } = await parseEdxml(vendorSample('edoc_update.edxml'));
    const parts = await builtParts(packet, attachmentResults.map((a) => a.payload));
    expect(parts.beforeSignature).toContain('<edXML:Subject>a &amp; b &lt; c &gt; d " e \' f&#xD;\ng\th</edXML:Subject>');
    expect(parts.after).toContain('<edXML:edXMLManifest version="1.0 &quot;x&quot; &amp; &lt;y>&#x9;&#xA;&#xD;">');
    const canonical = parts.beforeSignature + parts.after;
    expect(excC14n(canonical)).toBe(canonical);
    const reparsed = await parseEdxml(Buffer.from(canonical));
    expect(reparsed.packet.kind === 'edoc' && reparsed.packet.header.subject).toBe(packet.header.subject);
  });

  it('refuses text XML cannot carry, an empty required field, a bad date (HUB_ERR_EDXML_INVALID)', async () => {
    const status = (await parseEdxml(vendorSample('status.edxml'))).packet as StatusPacket;
    await expectHubError(() => buildEdxml({ ...status, header: { ...status.header, description: 'bell \u0007' } }), 'HUB_ERR_EDXML_INVALID', /Description holds a character/);
    await expectHubError(() => buildEdxml({ ...status, header: { ...status.header, from: { organId: ' ' } } }), 'HUB_ERR_EDXML_INVALID', /From\/OrganId is empty/);
    await expectHubError(() => buildEdxml({ ...status, header: { ...status.header, timestamp: '2018-09-28 17:25:11' } }), 'HUB_ERR_EDXML_INVALID', /Timestamp/);
    await expectHubError(() => buildEdxml({ ...status, header: { ...status.header, statusCode: '1' } }), 'HUB_ERR_EDXML_INVALID', /StatusCode/);
  });
});

describe('the signature slot between beforeSignature and afterSignature', () => {
  const SIGNATURE = `<Signature xmlns="${XMLDSIG_NS}"><SignedInfo></SignedInfo><SignatureValue>AAAA</SignatureValue></Signature>`;

  it('an inserted Signature is the last child of edXML:edXMLHeader, after TraceHeaderList', async () => {
    const { packet, attachmentResults } = await parseEdxml(readFileSync(`${BUILT_DIR}edoc-update.edxml`));
    const parts = await builtParts(packet, attachmentResults.map((a) => a.payload));
    const doc = new DOMParser().parseFromString(parts.xmlDeclaration + parts.beforeSignature + SIGNATURE + parts.after, 'text/xml');
    const signature = doc.getElementsByTagNameNS(XMLDSIG_NS, 'Signature')[0]!;
    const header = signature.parentNode as Element;
    expect(header.localName).toBe('edXMLHeader');
    expect(header.lastChild).toBe(signature);
    const elements = Array.from(header.childNodes as unknown as Node[]).filter((n): n is Element => n.nodeType === 1);
    expect(elements.map((e) => e.localName)).toEqual(['MessageHeader', 'TraceHeaderList', 'Signature']);
    // Enveloped-signature transform: the document without the Signature canonicalises to before + after.
    header.removeChild(signature);
    expect(new ExclusiveCanonicalization().process(doc.documentElement as unknown as Element, {})).toBe(parts.beforeSignature + parts.after);
  });

  it('in a status packet the slot follows MessageHeader, and the parser records the XML-DSig namespace', async () => {
    const status = ownFixtures().find((f) => f.name === 'status-05.edxml')!;
    const bytes = await buildEdxmlBuffer(status.packet, [], { signatureXml: SIGNATURE });
    expect(bytes.toString('utf8')).toContain(`</edXML:MessageHeader>\n${SIGNATURE}</edXML:edXMLHeader>`);
    const { packet } = await parseEdxml(bytes);
    expect(packet.signature).toEqual({ namespace: XMLDSIG_NS, references: [], signatureValue: 'AAAA', x509Certificates: [], vendorPlaceholder: false });
  });

  it('a standard signer (xml-crypto, enveloped + exc-c14n, URI="") digests exactly before + after, and the signature verifies in the slot', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const { packet, attachmentResults } = await parseEdxml(readFileSync(`${BUILT_DIR}edoc-new.edxml`));
    const parts = await builtParts(packet, attachmentResults.map((a) => a.payload));
    const signer = new SignedXml({
      privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }),
      canonicalizationAlgorithm: EXC_C14N,
      signatureAlgorithm: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
    });
    signer.addReference({ xpath: '/*', transforms: [ENVELOPED, EXC_C14N], digestAlgorithm: 'http://www.w3.org/2001/04/xmlenc#sha256', isEmptyUri: true });
    signer.computeSignature(parts.xmlDeclaration + parts.beforeSignature + parts.after, {
      location: { reference: "//*[local-name(.)='edXMLHeader']", action: 'append' },
    });
    const signatureXml = /<Signature [\s\S]*<\/Signature>/.exec(signer.getSignedXml())![0];
    const digest = /<DigestValue>([^<]+)<\/DigestValue>/.exec(signatureXml)![1];
    expect(digest).toBe(createHash('sha256').update(parts.beforeSignature + parts.after, 'utf8').digest('base64'));

    const verifies = (xml: string): boolean => {
      const verifier = new SignedXml({ publicCert: publicKey.export({ type: 'spki', format: 'pem' }) });
      verifier.loadSignature(new DOMParser().parseFromString(xml, 'text/xml').getElementsByTagNameNS(XMLDSIG_NS, 'Signature')[0] as unknown as Node);
      try {
        return verifier.checkSignature(xml);
      } catch {
        return false;
      }
    };
    const signed = parts.xmlDeclaration + parts.beforeSignature + signatureXml + parts.after;
    expect(verifies(signed)).toBe(true);
    expect(verifies(signed.replace('<edXML:CodeNumber>125<', '<edXML:CodeNumber>126<'))).toBe(false);
  });

  it('afterSignature() is a fresh stream each call, and the declaration is the exported constant', async () => {
    const f = ownFixtures().find((x) => x.name === 'edoc-new.edxml')!;
    let opened = 0;
    const built = buildEdxml(f.packet, { openAttachment: (_a, i) => (opened++, [f.payloads[i]!]) });
    const read = async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of built.afterSignature()) chunks.push(chunk);
      return Buffer.concat(chunks).toString('utf8');
    };
    const first = await read();
    expect(await read()).toBe(first);
    expect(opened).toBe(4);
    expect(built.xmlDeclaration).toBe(XML_DECLARATION);
    expect(first.startsWith('</edXML:edXMLHeader>\n')).toBe(true);
  });
});
