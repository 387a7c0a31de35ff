import { beforeAll, describe, expect, it } from 'vitest';
import { parseXmlStrictly } from '../../../../src/formats/xmldsig/parse-xml-strictly.js';
import { verifyXmlSignature } from '../../../../src/formats/xmldsig/verify-xml-signature.js';
import type { XmlSignatureResult } from '../../../../src/formats/xmldsig/xml-signature-result.js';
import { canonicalEdoc, signDocument, signingPki, type SigningPki } from './xmldsig-fixture.js';

const ISSUED = new Date('2025-01-01T00:00:00Z');
const NOW = new Date('2025-06-01T00:00:00Z');

/** Deterministic PRNG (mulberry32), so a failure names a reproducible case. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('verifyXmlSignature on hostile or broken input', () => {
  let hub: SigningPki;
  let signed: string;
  const check = (xml: Buffer | string): XmlSignatureResult => verifyXmlSignature(xml, { trustStore: hub.trustStore, now: NOW });

  beforeAll(async () => {
    hub = await signingPki({ alg: 'ES256', now: ISSUED });
    signed = await signDocument(canonicalEdoc(), hub.key);
  });

  it('refuses a DOCTYPE, with or without entity declarations, before reading anything', () => {
    const xxe = `<!DOCTYPE edXML [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n${signed.replace('<edXML:Fax>0238 3843049', '<edXML:Fax>&xxe;')}`;
    expect(check(xxe)).toMatchObject({ status: 'invalid', reason: 'doctype' });
    expect(check(`<!DOCTYPE edXML>\n${signed}`)).toMatchObject({ status: 'invalid', reason: 'doctype' });
    expect(check(`<!DOCTYPE edXML [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>${signed}`)).toMatchObject({ status: 'invalid', reason: 'doctype' });
  });

  it('refuses bytes that are not UTF-8 and declared encodings other than UTF-8', () => {
    expect(check(Buffer.concat([Buffer.from(signed.slice(0, 100)), Buffer.from([0xe0, 0x41]), Buffer.from(signed.slice(100))]))).toMatchObject({ status: 'invalid', reason: 'malformed-xml' });
    expect(check(`<?xml version="1.0" encoding="ISO-8859-1"?>${signed}`)).toMatchObject({ status: 'invalid', reason: 'malformed-xml' });
    expect(check(`<?xml version="1.0" encoding="UTF-8"?>\n${signed}`)).toMatchObject({ status: 'valid' });
  });

  it('refuses what a lenient parser would repair: junk before or after the root, two roots, bad entities', () => {
    for (const xml of [`1212${signed}`, `${signed}junk`, `${signed}<edXML/>`, signed.replace('&amp;', '&'), signed.replace('&amp;', '&nbsp;'), '', '   ', '<']) {
      expect(check(xml)).toMatchObject({ status: 'invalid', reason: 'malformed-xml' });
    }
    expect(parseXmlStrictly('<a x="1" x="2"/>')).toMatchObject({ ok: false, reason: 'malformed-xml' });
  });

  it('refuses deep nesting quickly (xml-crypto would take minutes over it)', async () => {
    const deep = `${'<a>'.repeat(50_000)}${'</a>'.repeat(50_000)}`;
    const xml = await signDocument(canonicalEdoc().replace('</edXML:SteeringType>', `</edXML:SteeringType>${deep}`), hub.key);
    const started = performance.now();
    expect(check(xml)).toMatchObject({ status: 'invalid', reason: 'malformed-xml', detail: expect.stringContaining('nested more than') });
    expect(performance.now() - started).toBeLessThan(1000);
    expect(parseXmlStrictly(`${'<a>'.repeat(64)}${'</a>'.repeat(64)}`)).toMatchObject({ ok: true });
  });

  it('treats algorithm names that are Object prototype keys as unknown', () => {
    for (const name of ['constructor', '__proto__', 'toString']) {
      expect(check(signed.replace(/(<SignatureMethod Algorithm=")[^"]+/, `$1${name}`))).toMatchObject({ status: 'unverifiable', reason: 'unsupported-algorithm' });
      expect(check(signed.replace(/(<DigestMethod Algorithm=")[^"]+/, `$1${name}`))).toMatchObject({ status: 'unverifiable', reason: 'unsupported-algorithm' });
      expect(check(signed.replace('<SignatureValue>', `<${name}></${name}><SignatureValue>`))).toMatchObject({ status: 'invalid', reason: 'unexpected-structure' });
    }
  });

  it('never throws and never says valid for damaged copies of a signed document', () => {
    const bytes = Buffer.from(signed);
    // KeyInfo is outside the signature by design: a damaged spare CA certificate there changes nothing.
    const keyInfo = [bytes.indexOf('<KeyInfo>'), bytes.indexOf('</KeyInfo>') + '</KeyInfo>'.length];
    const random = prng(20240315);
    const statuses = new Set<string>();
    for (let i = 0; i < 300; i++) {
      const copy = Buffer.from(bytes);
      let at = Math.floor(random() * (copy.length - (keyInfo[1]! - keyInfo[0]!)));
      if (at >= keyInfo[0]!) at += keyInfo[1]! - keyInfo[0]!;
      copy[at]! ^= 1 + Math.floor(random() * 255);
      const input = i % 10 === 0 ? copy.subarray(0, at) : copy;
      let result: XmlSignatureResult | undefined;
      expect(() => (result = check(input))).not.toThrow();
      expect(result?.status, `mutation ${i} at byte ${at}`).not.toBe('valid');
      statuses.add(`${result?.status}/${'reason' in result! ? result.reason : ''}`);
    }
    expect(statuses.size).toBeGreaterThan(3);
  });
});
