import { hubError, type ErrorCode } from '../../errors.js';
import type { CertificateFailureKind, CertificateVerification } from './certificate-verification.js';

const CODE_OF: Record<CertificateFailureKind, ErrorCode> = {
  'unknown-issuer': 'HUB_ERR_CERT_UNKNOWN_ISSUER',
  expired: 'HUB_ERR_CERT_EXPIRED',
  revoked: 'HUB_ERR_CERT_REVOKED',
  'wrong-usage': 'HUB_ERR_CERT_WRONG_USAGE',
  'revocation-unknown': 'HUB_ERR_CERT_REVOCATION_UNKNOWN',
};

/** The coded error (401) for a failed verification; `details` names the certificate and the failure kind. */
export function certificateError(result: Extract<CertificateVerification, { ok: false }>): ReturnType<typeof hubError> {
  return hubError(CODE_OF[result.failure.kind], [`"${result.subject}"`, result.failure.detail], { certificate: result.sha256, failure: result.failure.kind });
}
