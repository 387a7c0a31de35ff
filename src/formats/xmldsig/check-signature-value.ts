import type { X509Certificate } from 'node:crypto';
import { SignedXml } from 'xml-crypto';
import { xmlCryptoSignatureAlgorithms } from './xml-crypto-algorithms.js';
import type { DomElement } from './xml-dom.js';

/** Why xml-crypto did not accept the signature. */
export type SignatureValueProblem = { reason: 'digest-mismatch' | 'signature-mismatch'; detail: string };

/**
 * Core validation with xml-crypto: the Reference digest over the document (transforms applied), then
 * the SignatureValue over the canonical SignedInfo with the leaf certificate's key. `xml` must be the
 * string `signature` was parsed from. Callers have already checked structure, algorithms and trust.
 */
export function checkSignatureValue(xml: string, signature: DomElement, leaf: X509Certificate): SignatureValueProblem | undefined {
  const signed = new SignedXml({ publicCert: leaf.publicKey, getCertFromKeyInfo: () => null });
  signed.SignatureAlgorithms = xmlCryptoSignatureAlgorithms();
  let failure: Error | null = null;
  let valid = false;
  try {
    // xml-crypto types this as the DOM lib's `Node`; our xmldom element is one (see xml-dom.ts).
    signed.loadSignature(signature as unknown as Parameters<SignedXml['loadSignature']>[0]);
    // With a callback, checkSignature reports through it (synchronously) rather than returning false.
    signed.checkSignature(xml, (err, isValid) => {
      failure = err;
      valid = isValid === true;
    });
  } catch (err) {
    failure = err as Error;
  }
  const refError = signed.getReferences().find((ref) => ref.validationError)?.validationError;
  if (refError) return { reason: 'digest-mismatch', detail: refError.message };
  if (!valid || failure || signed.getSignedReferences().length !== 1) {
    return { reason: 'signature-mismatch', detail: (failure as Error | null)?.message ?? 'the signature does not verify' };
  }
  return undefined;
}
