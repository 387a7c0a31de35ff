// XML-DSig for the hub: fast enveloped signing of canonical documents, strict verification, policy.
export { signEnveloped, type EnvelopedSignature, type EnvelopedSigningInput, type XmlSigningKey } from './sign-enveloped.js';
export { streamSignedDocument } from './stream-signed-document.js';
export { verifyXmlSignature, type VerifyXmlSignatureOptions } from './verify-xml-signature.js';
export { createTrustStore, type TrustStore } from './trust-store.js';
export { applySignaturePolicy, type SignatureAuditRecord, type SignaturePolicy, type SignaturePolicyOutcome } from './apply-signature-policy.js';
export type { InvalidSignatureReason, SignerSummary, UnverifiableSignatureReason, XmlSignatureResult } from './xml-signature-result.js';
export type { XmlSignatureAlgorithm } from './signature-methods.js';
