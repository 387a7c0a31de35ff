import { hubError } from '../../errors.js';
import type { XmlSignatureAlgorithm } from './signature-methods.js';
import type { SignerSummary, XmlSignatureResult } from './xml-signature-result.js';

/** What a route does with incoming XML signatures. */
export type SignaturePolicy = 'off' | 'report' | 'require';

/** The audit-log entry for one document's signature: small, JSON-able, never the certificate. */
export interface SignatureAuditRecord {
  policy: SignaturePolicy;
  status: XmlSignatureResult['status'] | 'not-checked';
  reason?: string;
  /** Human-readable, at most 200 characters. */
  detail?: string;
  algorithm?: XmlSignatureAlgorithm;
  signer?: SignerSummary;
  /** The signer certificate's revocation check (policy and the CRL/OCSP evidence), when one was made. */
  revocation?: unknown;
}

type HubError = ReturnType<typeof hubError>;

/** Accept the document, or reject it with `error` (a coded hub error to throw after recording). */
export type SignaturePolicyOutcome =
  | { accepted: true; record: SignatureAuditRecord }
  | { accepted: false; record: SignatureAuditRecord; error: HubError };

const MAX_DETAIL = 200;

function recordOf(policy: SignaturePolicy, result: XmlSignatureResult): SignatureAuditRecord {
  switch (result.status) {
    case 'absent':
      return { policy, status: 'absent' };
    case 'valid':
      return { policy, status: 'valid', algorithm: result.algorithm, signer: result.signer };
    case 'invalid':
    case 'unverifiable':
      return { policy, status: result.status, reason: result.reason, detail: result.detail.slice(0, MAX_DETAIL) };
    default: {
      const never: never = result;
      throw new Error(`unexpected signature status ${String(never)}`);
    }
  }
}

function rejection(record: SignatureAuditRecord): HubError | undefined {
  const details = { signatureStatus: record.status, reason: record.reason };
  switch (record.status) {
    case 'valid':
      return undefined;
    case 'invalid':
      // No CRL or OCSP answer could be had: not the document's fault, and another try may get one.
      if (record.reason === 'revocation-unknown') return hubError('HUB_ERR_REVOCATION_UNAVAILABLE', [record.detail ?? 'no answer'], details);
      return hubError('HUB_ERR_SIGNATURE_INVALID', [`${record.reason}: ${record.detail}`], details);
    case 'absent':
      return hubError('HUB_ERR_SIGNATURE_REQUIRED', ['the document is not signed'], details);
    case 'unverifiable':
      return hubError('HUB_ERR_SIGNATURE_REQUIRED', [`the signature cannot be verified (${record.reason}): ${record.detail}`], details);
    case 'not-checked':
      return hubError('HUB_ERR_SIGNATURE_REQUIRED', ['the signature was not checked'], details);
    default: {
      const never: never = record.status;
      throw new Error(`unexpected signature status ${String(never)}`);
    }
  }
}

/**
 * Applies a route's signature policy. `off` never calls `verify`; `report` verifies and always accepts;
 * `require` accepts only `valid`, rejecting `invalid` with HUB_ERR_SIGNATURE_INVALID (503
 * HUB_ERR_REVOCATION_UNAVAILABLE when only the signer's revocation status could not be had: a polled
 * packet then stays pending remotely, an agency tries again) and `absent` or `unverifiable` with
 * HUB_ERR_SIGNATURE_REQUIRED. Either way `record` is what to write to the audit log.
 */
export function applySignaturePolicy(policy: SignaturePolicy, verify: () => XmlSignatureResult, revocation?: unknown): SignaturePolicyOutcome {
  if (policy === 'off') return { accepted: true, record: { policy, status: 'not-checked' } };
  const record = { ...recordOf(policy, verify()), ...(revocation !== undefined ? { revocation } : {}) };
  const error = policy === 'require' ? rejection(record) : undefined;
  return error ? { accepted: false, record, error } : { accepted: true, record };
}
