import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createDevPki, type DevPki, type DevPkiOptions } from '../../../../src/crypto/dev-pki.js';
import { certificatesFromPem } from '../../../../src/crypto/hub-keys.js';
import { signEnveloped, type EnvelopedSigningInput, type XmlSigningKey } from '../../../../src/formats/xmldsig/sign-enveloped.js';
import { createTrustStore, type TrustStore } from '../../../../src/formats/xmldsig/trust-store.js';

const fixtureUrl = (name: string): URL => new URL(`../../../fixtures/xmldsig/${name}`, import.meta.url);

/** A fixture file from test/fixtures/xmldsig, as bytes. */
export const fixtureBytes = (name: string): Buffer => readFileSync(fixtureUrl(name));

/** The hand-written canonical edXML packet. */
export const canonicalEdoc = (): string => fixtureBytes('edoc-canonical.edxml').toString('utf8');

/** Where the builder would split: the Signature becomes the last child of edXML:edXMLHeader. */
export const SIGNATURE_SLOT = '</edXML:edXMLHeader>';

/**
 * Splits a canonical document at the Signature slot, serving the rest as byte chunks of `chunkSize`
 * (small chunks cut multi-byte UTF-8 characters in two, as a real stream may).
 */
export function splitForSignature(doc: string, chunkSize = 1000): EnvelopedSigningInput {
  const at = doc.indexOf(SIGNATURE_SLOT);
  if (at < 0) throw new Error('the document has no edXMLHeader end tag');
  const rest = Buffer.from(doc.slice(at), 'utf8');
  return {
    beforeSignature: doc.slice(0, at),
    afterSignature: async function* () {
      for (let i = 0; i < rest.length; i += chunkSize) yield rest.subarray(i, i + chunkSize);
    },
  };
}

/** A dev PKI, the hub signing key from it and a trust store holding its CA. */
export interface SigningPki {
  pki: DevPki;
  key: XmlSigningKey;
  trustStore: TrustStore;
}

export async function signingPki(opts: DevPkiOptions): Promise<SigningPki> {
  const pki = await createDevPki(opts);
  const key = { privateKey: createPrivateKey(pki.hubKeyPem), chain: certificatesFromPem(pki.chainPem) };
  return { pki, key, trustStore: createTrustStore([pki.caCertPem]) };
}

/** Signs `doc` (canonical) and returns the whole signed document. */
export async function signDocument(doc: string, key: XmlSigningKey): Promise<string> {
  const input = splitForSignature(doc);
  const { signatureXml } = await signEnveloped(input, key);
  return input.beforeSignature + signatureXml + doc.slice(doc.indexOf(SIGNATURE_SLOT));
}

export async function collect(stream: AsyncIterable<Buffer>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return Buffer.concat(chunks);
}
