import type { RevocationReason } from './certificate-verification.js';

/** RFC 5280 §5.3.1 CRLReason codes (7 is unused), shared by CRLs and OCSP (RFC 6960 §4.2.1). */
const CODES: Record<RevocationReason, number> = {
  unspecified: 0, keyCompromise: 1, cACompromise: 2, affiliationChanged: 3, superseded: 4,
  cessationOfOperation: 5, certificateHold: 6, removeFromCRL: 8, privilegeWithdrawn: 9, aACompromise: 10,
};
const NAMES = new Map(Object.entries(CODES).map(([name, code]) => [code, name as RevocationReason]));

/** The CRLReason code of a reason. */
export const reasonCode = (reason: RevocationReason): number => CODES[reason];

/** The reason of a CRLReason code; absent or unknown codes read as `unspecified`. */
export const reasonName = (code: number | undefined): RevocationReason => (code === undefined ? undefined : NAMES.get(code)) ?? 'unspecified';
