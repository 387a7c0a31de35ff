import { buildCertificatePath, pickLeaf } from './certificate-path.js';
import { checkAlgorithms } from './check-algorithms.js';
import { checkReferenceTarget } from './check-reference-target.js';
import { checkSignatureValue } from './check-signature-value.js';
import { parseKeyInfoCertificates } from './key-info-certificates.js';
import { locateSignature } from './locate-signature.js';
import { parseXmlStrictly } from './parse-xml-strictly.js';
import { readSignatureParts } from './read-signature-parts.js';
import { keyFitsMethod } from './signature-methods.js';
import { signerSummary } from './signer-summary.js';
import type { TrustStore } from './trust-store.js';
import { isVendorPlaceholder } from './vendor-placeholder.js';
import type { InvalidSignatureReason, UnverifiableSignatureReason, XmlSignatureResult } from './xml-signature-result.js';

export interface VerifyXmlSignatureOptions {
  /** CA certificates the signer's certificate must chain to. */
  trustStore: TrustStore;
  /** The instant at which every certificate on the path must be valid. */
  now: Date;
}

const invalid = (reason: InvalidSignatureReason, detail: string): XmlSignatureResult => ({ status: 'invalid', reason, detail });
const unverifiable = (reason: UnverifiableSignatureReason, detail: string): XmlSignatureResult => ({ status: 'unverifiable', reason, detail });

/**
 * Verifies the enveloped XML-DSig signature of a whole document (raw bytes, UTF-8). Never throws for
 * bad input. Accepts exactly one xmldsig Signature, of the grammar in `signature-grammar.ts`, with one
 * Reference to the whole document (URI="" or the document element's unique #id), the enveloped
 * transforms only, SHA-256/512 digests and rsa-sha256/512 or ecdsa-sha256, signed by a certificate
 * from its own KeyInfo that chains to `trustStore` and is valid at `now`. Nothing external is fetched.
 */
export function verifyXmlSignature(input: Buffer | string, opts: VerifyXmlSignatureOptions): XmlSignatureResult {
  // 1. Parse, refusing DOCTYPEs and anything either parser finds fault with.
  const parsed = parseXmlStrictly(input);
  if (!parsed.ok) return invalid(parsed.reason, parsed.detail);

  // 2. Find the one xmldsig Signature.
  const location = locateSignature(parsed.root);
  switch (location.kind) {
    case 'absent':
      return { status: 'absent' };
    case 'vendor-namespace':
      return unverifiable('vendor-namespace', `Signature is in namespace ${location.namespaces.map((ns) => ns ?? '(none)').join(', ')}, not XML-DSig`);
    case 'several':
      return invalid('multiple-signatures', `${location.count} XML-DSig Signature elements`);
    case 'one':
      break;
    default: {
      const never: never = location;
      throw new Error(`unexpected signature location ${String(never)}`);
    }
  }

  // 3. Wrapping defence: the expected shape, one Reference, and that Reference is the whole document.
  const read = readSignatureParts(location.signature);
  if (!read.ok) return invalid('unexpected-structure', read.detail);
  const { parts } = read;
  if (parts.references.length !== 1) return invalid('unexpected-references', `${parts.references.length} References, expected exactly one`);
  const ref = parts.references[0]!;
  const target = checkReferenceTarget(parsed.root, ref.uri);
  if (target) return invalid(target.reason, target.detail);

  // 4. Vendor placeholders and algorithms nobody should check against.
  if (isVendorPlaceholder({ signatureValue: parts.signatureValue, digestValue: ref.digestValue })) {
    return unverifiable('placeholder', 'the SignatureValue or DigestValue is the VNPT builder placeholder');
  }
  const certs = parseKeyInfoCertificates(parts.certificates);
  if (!certs.ok) return unverifiable('placeholder', `X509Certificate #${certs.index + 1} is not a certificate (${certs.length} base64 characters)`);
  const algorithms = checkAlgorithms(parts);
  if (!algorithms.ok) return algorithms.status === 'invalid' ? invalid(algorithms.reason, algorithms.detail) : unverifiable(algorithms.reason, algorithms.detail);
  if (certs.certs.length === 0) return unverifiable('no-certificate', 'KeyInfo carries no X509Certificate');

  // 5. Trust: the signer's certificate chains to an anchor and fits the SignatureMethod.
  const leaf = pickLeaf(certs.certs);
  const path = buildCertificatePath(leaf, certs.certs, opts.trustStore, opts.now);
  if (!path.ok) return invalid(path.reason, path.detail);
  if (!keyFitsMethod(leaf.publicKey, algorithms.method)) return invalid('key-mismatch', `the signer's ${leaf.publicKey.asymmetricKeyType} key does not fit ${algorithms.method.name}`);

  // 6. Digest and signature value.
  const problem = checkSignatureValue(parsed.xml, location.signature, leaf);
  if (problem) return invalid(problem.reason, problem.detail);
  return { status: 'valid', signer: signerSummary(leaf), algorithm: algorithms.method.name, certificates: [leaf, ...certs.certs.filter((c) => c !== leaf)] };
}
