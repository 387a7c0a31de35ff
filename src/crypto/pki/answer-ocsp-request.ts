import type { KeyObject, X509Certificate } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { certificateFacts } from './certificate-facts.js';
import type { RevocationReason } from './certificate-verification.js';
import { certIdentityOf, certIdNamesIssuer, OCSP_NONCE } from './ocsp-request.js';
import { reasonCode } from './revocation-reasons.js';
import { signingCryptoKey } from './signing-crypto-key.js';

/** What a responder knows about one serial of its CA. */
export type OcspCertStatus =
  | { status: 'good' }
  | { status: 'revoked'; revokedAt: Date; reason?: RevocationReason }
  | { status: 'unknown' };

/** An OCSP responder for one CA: who signs, and the status of each serial. */
export interface OcspResponderSpec {
  /** The CA whose certificates are answered for; requests naming another issuer get `unknown`. */
  issuer: X509Certificate;
  /** The CA itself, or a delegated responder (id-kp-OCSPSigning) it issued; its certificate goes into the response. */
  signer: { cert: X509Certificate; key: KeyObject };
  statusOf(serial: string): OcspCertStatus;
  /** How long answers are valid (nextUpdate = now + this), ms; absent: no nextUpdate. */
  validForMs?: number;
  /** Echo the request's nonce (default true); false plays a responder serving pre-produced answers. */
  echoNonce?: boolean;
}

const MALFORMED_REQUEST = 1;

function certStatusBlock(status: OcspCertStatus): asn1js.BaseBlock {
  switch (status.status) {
    case 'good': return new asn1js.Primitive({ idBlock: { tagClass: 3, tagNumber: 0 } });
    case 'unknown': return new asn1js.Primitive({ idBlock: { tagClass: 3, tagNumber: 2 } });
    case 'revoked': return new asn1js.Constructed({
      idBlock: { tagClass: 3, tagNumber: 1 },
      value: [
        new asn1js.GeneralizedTime({ valueDate: status.revokedAt }),
        new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: 0 }, value: [new asn1js.Enumerated({ value: reasonCode(status.reason ?? 'unspecified') })] }),
      ],
    });
    default: {
      const unknown: never = status;
      throw new Error(`unknown OCSP status ${JSON.stringify(unknown)}`);
    }
  }
}

function statusResponse(code: number): Buffer {
  return Buffer.from(new pkijs.OCSPResponse({ responseStatus: new asn1js.Enumerated({ value: code }) }).toSchema().toBER(false));
}

function singleResponse(request: pkijs.Request, spec: OcspResponderSpec, now: Date): pkijs.SingleResponse {
  const id = certIdentityOf(request.reqCert);
  const status: OcspCertStatus = certIdNamesIssuer(id, certificateFacts(spec.issuer)) ? spec.statusOf(id.serial) : { status: 'unknown' };
  return new pkijs.SingleResponse({
    certID: request.reqCert,
    certStatus: certStatusBlock(status),
    thisUpdate: now,
    ...(spec.validForMs !== undefined ? { nextUpdate: new Date(now.getTime() + spec.validForMs) } : {}),
  });
}

/**
 * Answers a DER OCSP request as `spec`'s responder would (RFC 6960): a basic response signed by the
 * signer, one SingleResponse per request entry, the nonce echoed. A request that does not parse gets
 * `malformedRequest`. For the revocation simulator and tests.
 */
export async function answerOcspRequest(requestDer: Buffer, spec: OcspResponderSpec, now: Date): Promise<Buffer> {
  let request: pkijs.OCSPRequest;
  try {
    request = pkijs.OCSPRequest.fromBER(new Uint8Array(requestDer));
  } catch {
    return statusResponse(MALFORMED_REQUEST);
  }
  const signer = pkijs.Certificate.fromBER(spec.signer.cert.raw);
  const basic = new pkijs.BasicOCSPResponse();
  basic.tbsResponseData.responderID = signer.subject;
  basic.tbsResponseData.producedAt = now;
  basic.tbsResponseData.responses = request.tbsRequest.requestList.map((r) => singleResponse(r, spec, now));
  const nonce = request.tbsRequest.requestExtensions?.find((e) => e.extnID === OCSP_NONCE);
  if (nonce && spec.echoNonce !== false) {
    basic.tbsResponseData.responseExtensions = [new pkijs.Extension({ extnID: OCSP_NONCE, extnValue: new Uint8Array(nonce.extnValue.valueBlock.valueHexView).buffer })];
  }
  if (!spec.signer.cert.raw.equals(spec.issuer.raw)) basic.certs = [signer];
  await basic.sign(await signingCryptoKey(spec.signer.key), 'SHA-256');
  const response = new pkijs.OCSPResponse({
    responseStatus: new asn1js.Enumerated({ value: 0 }),
    responseBytes: new pkijs.ResponseBytes({ responseType: pkijs.id_PKIX_OCSP_Basic, response: new asn1js.OctetString({ valueHex: basic.toSchema().toBER(false) }) }),
  });
  return Buffer.from(response.toSchema().toBER(false));
}
