import { createHash, randomBytes } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { normaliseSerial, serialOctets, type CertificateFacts } from './certificate-facts.js';

/** id-pkix-ocsp-nonce (RFC 8954). */
export const OCSP_NONCE = '1.3.6.1.5.5.7.48.1.2';
const SHA1 = '1.3.14.3.2.26';
const HASH_OF: Record<string, string> = { [SHA1]: 'sha1', '2.16.840.1.101.3.4.2.1': 'sha256' };

/** A CertID's fields, in comparable form. */
export interface CertIdentity {
  hashAlgorithm: string;
  issuerNameHash: string;
  issuerKeyHash: string;
  serial: string;
}

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

/** Reads a pkijs CertID. */
export function certIdentityOf(id: pkijs.CertID): CertIdentity {
  return {
    hashAlgorithm: id.hashAlgorithm.algorithmId,
    issuerNameHash: hex(id.issuerNameHash.valueBlock.valueHexView),
    issuerKeyHash: hex(id.issuerKeyHash.valueBlock.valueHexView),
    serial: normaliseSerial(hex(id.serialNumber.valueBlock.valueHexView)),
  };
}

/** True when `id` names a certificate issued by `issuer`: its name and key hashes (SHA-1 or SHA-256). */
export function certIdNamesIssuer(id: CertIdentity, issuer: CertificateFacts): boolean {
  const hash = HASH_OF[id.hashAlgorithm];
  if (!hash) return false;
  return id.issuerNameHash === createHash(hash).update(issuer.subjectDer).digest('hex')
    && id.issuerKeyHash === createHash(hash).update(issuer.publicKeyBits).digest('hex');
}

/** True when `id` names `cert` as issued by `issuer`. */
export const certIdMatches = (id: CertIdentity, cert: CertificateFacts, issuer: CertificateFacts): boolean =>
  id.serial === cert.serial && certIdNamesIssuer(id, issuer);

/** The nonce extension's extnValue for `nonce` (an OCTET STRING holding the nonce). */
export const nonceExtensionValue = (nonce: Uint8Array): Buffer => Buffer.from(new asn1js.OctetString({ valueHex: nonce }).toBER(false));

/**
 * An OCSP request (RFC 6960) for one certificate: CertID with SHA-1 hashes (what every responder
 * understands, RFC 5019) and a fresh 16-octet nonce. Returns the DER and the nonce extension value the
 * response must echo.
 */
export function buildOcspRequest(cert: CertificateFacts, issuer: CertificateFacts): { der: Buffer; nonceValue: Buffer } {
  const reqCert = new pkijs.CertID({
    hashAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: SHA1, algorithmParams: new asn1js.Null() }),
    issuerNameHash: new asn1js.OctetString({ valueHex: createHash('sha1').update(issuer.subjectDer).digest() }),
    issuerKeyHash: new asn1js.OctetString({ valueHex: createHash('sha1').update(issuer.publicKeyBits).digest() }),
    serialNumber: new asn1js.Integer({ valueHex: serialOctets(cert.serial) }),
  });
  const nonceValue = nonceExtensionValue(randomBytes(16));
  const request = new pkijs.OCSPRequest();
  request.tbsRequest.requestList = [new pkijs.Request({ reqCert })];
  request.tbsRequest.requestExtensions = [new pkijs.Extension({ extnID: OCSP_NONCE, extnValue: new Uint8Array(nonceValue).buffer })];
  return { der: Buffer.from(request.toSchema(true).toBER(false)), nonceValue };
}
