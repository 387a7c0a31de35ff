import { createHash, type KeyObject, type X509Certificate } from 'node:crypto';
import { hubError } from '../../errors.js';
import { signatureMethodForKey, signWithMethod, type SignatureMethod, type XmlSignatureAlgorithm } from './signature-methods.js';
import { signedInfoXml } from './signed-info-xml.js';
import { XMLDSIG_NS } from './xmldsig-uris.js';

/**
 * A document already in exclusive c14n form (no comments), split where the enveloped Signature goes:
 * `beforeSignature + afterSignature` is the canonical document, and a Signature element inserted
 * between them is a child element of the document (in edXML, the last child of edXMLHeader).
 */
export interface EnvelopedSigningInput {
  beforeSignature: string;
  /** Returns a fresh iterable over the rest of the canonical document at every call. */
  afterSignature: () => AsyncIterable<Buffer>;
}

/** The key that signs and its certificate chain, leaf first (every certificate goes into X509Data). */
export interface XmlSigningKey {
  privateKey: KeyObject;
  chain: readonly X509Certificate[];
}

/** An enveloped signature ready to be inserted between `beforeSignature` and `afterSignature`. */
export interface EnvelopedSignature {
  /** `<Signature xmlns="http://www.w3.org/2000/09/xmldsig#">…</Signature>`, no whitespace. */
  signatureXml: string;
  /** SHA-256 of the canonical document (`before + after` as UTF-8): the Reference's DigestValue. */
  digest: Buffer;
  algorithm: XmlSignatureAlgorithm;
}

interface PreparedKey {
  method: SignatureMethod;
  /** `<KeyInfo>` with one X509Certificate per chain certificate: built once per key object. */
  keyInfo: string;
}

const prepared = new WeakMap<XmlSigningKey, PreparedKey>();

function prepare(key: XmlSigningKey): PreparedKey {
  let ready = prepared.get(key);
  if (ready) return ready;
  const method = signatureMethodForKey(key.privateKey);
  if (!method) throw hubError('HUB_ERR_KEYS_MISSING', ['XML signatures need an EC P-256 key or an RSA key of at least 2048 bits']);
  const leaf = key.chain[0];
  if (!leaf || !leaf.checkPrivateKey(key.privateKey)) throw hubError('HUB_ERR_KEYS_MISSING', ['the first certificate of the chain is not the certificate of the signing key']);
  const certs = key.chain.map((cert) => `<X509Certificate>${cert.raw.toString('base64')}</X509Certificate>`).join('');
  ready = { method, keyInfo: `<KeyInfo><X509Data>${certs}</X509Data></KeyInfo>` };
  prepared.set(key, ready);
  return ready;
}

/**
 * Signs a canonical document with an enveloped XML-DSig signature over the whole document (Reference
 * URI="", transforms enveloped-signature then exc-c14n, SHA-256). Because the input is already
 * exc-c14n and the Signature is left out by the enveloped transform, the Reference digest is SHA-256
 * over `before + after`: nothing is parsed or canonicalised here. Pass the same `key` object every
 * time: its KeyInfo is built once. Pure apart from ECDSA's random nonce.
 */
export async function signEnveloped(input: EnvelopedSigningInput, key: XmlSigningKey): Promise<EnvelopedSignature> {
  const { method, keyInfo } = prepare(key);
  const hash = createHash('sha256').update(input.beforeSignature, 'utf8');
  for await (const chunk of input.afterSignature()) hash.update(chunk);
  const digest = hash.digest();
  const signedInfo = signedInfoXml(method.uri, digest.toString('base64'));
  const signatureValue = await signWithMethod(method, key.privateKey, Buffer.from(signedInfo.canonical, 'utf8'));
  const signatureXml = `<Signature xmlns="${XMLDSIG_NS}">${signedInfo.embedded}<SignatureValue>${signatureValue.toString('base64')}</SignatureValue>${keyInfo}</Signature>`;
  return { signatureXml, digest, algorithm: method.name };
}
