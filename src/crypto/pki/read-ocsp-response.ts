import { X509Certificate } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { issuedBy } from './build-certificate-path.js';
import { certificateFacts, type CertificateFacts } from './certificate-facts.js';
import type { RevocationReason } from './certificate-verification.js';
import { EKU } from './check-certificate-usage.js';
import { certIdentityOf, certIdMatches, OCSP_NONCE } from './ocsp-request.js';
import { reasonName } from './revocation-reasons.js';
import { verifySignedData } from './verify-signed-data.js';

/** A verified OCSP answer for one certificate. */
export interface OcspStatus {
  status: 'good' | 'revoked' | 'unknown';
  responderSubject: string;
  producedAt: Date;
  thisUpdate: Date;
  nextUpdate?: Date;
  nonce: boolean;
  revocation?: { revokedAt: Date; reason: RevocationReason };
}

const RESPONSE_STATUS = ['successful', 'malformedRequest', 'internalError', 'tryLater', '(unused)', 'sigRequired', 'unauthorized'];
/** Clock skew tolerated on thisUpdate and nextUpdate, ms. */
const SKEW_MS = 5 * 60_000;

/** The CA itself, or a delegated responder it issued with id-kp-OCSPSigning, valid at `now` (RFC 6960 §4.2.2.2). */
function authorisedSigners(basic: pkijs.BasicOCSPResponse, issuer: CertificateFacts, now: Date): CertificateFacts[] {
  const delegated = (basic.certs ?? [])
    .map((c) => certificateFacts(new X509Certificate(Buffer.from(c.toSchema().toBER(false)))))
    .filter((d) => issuedBy(d.cert, issuer.cert) && d.extendedKeyUsage?.includes(EKU.ocspSigning) && d.notBefore <= now && now <= d.notAfter);
  return [issuer, ...delegated];
}

function statusOf(single: pkijs.SingleResponse): Pick<OcspStatus, 'status' | 'revocation'> {
  const choice = single.certStatus as asn1js.BaseBlock;
  switch (choice.idBlock.tagNumber) {
    case 0: return { status: 'good' };
    case 1: {
      const [time, reason] = (choice as asn1js.Constructed).valueBlock.value;
      const code = (reason as asn1js.Constructed | undefined)?.valueBlock.value[0] as asn1js.Enumerated | undefined;
      return { status: 'revoked', revocation: { revokedAt: (time as asn1js.GeneralizedTime).toDate(), reason: reasonName(code?.valueBlock.valueDec) } };
    }
    default: return { status: 'unknown' };
  }
}

/**
 * Decodes and checks an OCSP response for `cert` (issued by `issuer`): status successful, a basic
 * response signed by the CA or its delegated responder, a SingleResponse for this certificate that is
 * current at `now`, and — when the response carries a nonce — the nonce of the request. Throws with
 * the reason when any of that fails.
 */
export function readOcspResponse(der: Buffer, cert: CertificateFacts, issuer: CertificateFacts, expectedNonce: Buffer, now: Date): OcspStatus {
  const response = pkijs.OCSPResponse.fromBER(new Uint8Array(der));
  const code = response.responseStatus.valueBlock.valueDec;
  if (code !== 0) throw new Error(`the responder answered ${RESPONSE_STATUS[code] ?? code}`);
  if (response.responseBytes?.responseType !== pkijs.id_PKIX_OCSP_Basic) throw new Error('the response is not a basic OCSP response');
  const basic = pkijs.BasicOCSPResponse.fromBER(new Uint8Array(response.responseBytes.response.valueBlock.valueHexView));
  const data = basic.tbsResponseData;
  const signer = authorisedSigners(basic, issuer, now).find((candidate) =>
    verifySignedData(basic.signatureAlgorithm.algorithmId, data.tbsView, basic.signature.valueBlock.valueHexView, candidate.cert.publicKey));
  if (!signer) throw new Error(`the response is not signed by "${issuer.subject}" or a responder it authorised`);
  const single = data.responses.find((r) => certIdMatches(certIdentityOf(r.certID), cert, issuer));
  if (!single) throw new Error('the response does not cover this certificate');
  if (single.thisUpdate.getTime() > now.getTime() + SKEW_MS) throw new Error(`thisUpdate ${single.thisUpdate.toISOString()} is in the future`);
  if (single.nextUpdate && single.nextUpdate.getTime() < now.getTime() - SKEW_MS) throw new Error(`the response expired at ${single.nextUpdate.toISOString()}`);
  const nonce = data.responseExtensions?.find((e) => e.extnID === OCSP_NONCE);
  if (nonce && !Buffer.from(nonce.extnValue.valueBlock.valueHexView).equals(expectedNonce)) throw new Error('the response nonce is not the request nonce');
  return {
    ...statusOf(single),
    responderSubject: signer.subject,
    producedAt: data.producedAt,
    thisUpdate: single.thisUpdate,
    ...(single.nextUpdate ? { nextUpdate: single.nextUpdate } : {}),
    nonce: nonce !== undefined,
  };
}
