import { createHash, sign, type KeyObject, type X509Certificate } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { OID } from './tsp-oids.js';

/** A TSA's signing identity: its certificate (critical extendedKeyUsage timeStamping) and private key, EC P-256 or RSA. */
export interface TsaIdentity {
  certificate: X509Certificate;
  privateKey: KeyObject;
}

/** What a granted time-stamp says. */
export interface TimestampGrant {
  /** The request's MessageImprint, copied as it came (RFC 3161 §2.4.2). */
  messageImprint: pkijs.MessageImprint;
  /** The request's nonce, if it had one. */
  nonce?: bigint;
  /** The request's certReq: put the TSA certificate into the token. */
  includeCertificate: boolean;
  genTime: Date;
  /** Unique per token of this TSA. */
  serial: bigint;
  /** The TSA policy OID under which the token is issued. */
  policy: string;
}

/** RFC 3161 §2.4.2 PKIFailureInfo. */
export type TimestampFailure = 'badAlg' | 'badRequest' | 'badDataFormat' | 'timeNotAvailable' | 'unacceptedPolicy' | 'unacceptedExtension' | 'addInfoNotAvailable' | 'systemFailure';

const FAILURE_BIT: Readonly<Record<TimestampFailure, number>> = {
  badAlg: 0, badRequest: 2, badDataFormat: 5, timeNotAvailable: 14, unacceptedPolicy: 15, unacceptedExtension: 16, addInfoNotAvailable: 17, systemFailure: 25,
};

const der = (node: { toBER(): ArrayBuffer }): Buffer => Buffer.from(node.toBER());
const algorithm = (oid: string, params?: asn1js.AsnType): pkijs.AlgorithmIdentifier =>
  new pkijs.AlgorithmIdentifier({ algorithmId: oid, ...(params ? { algorithmParams: params } : {}) });

/** ESS SigningCertificateV2 (RFC 5035) naming `certificate` by its SHA-256, the default hash (so left out, as DER wants). */
function signingCertificateV2(certificate: X509Certificate): asn1js.Sequence {
  const certHash = new asn1js.OctetString({ valueHex: createHash('sha256').update(certificate.raw).digest() });
  return new asn1js.Sequence({ value: [new asn1js.Sequence({ value: [new asn1js.Sequence({ value: [certHash] })] })] });
}

function signedAttributes(tstInfo: Buffer, certificate: X509Certificate): pkijs.SignedAndUnsignedAttributes {
  const attributes = [
    new pkijs.Attribute({ type: OID.contentType, values: [new asn1js.ObjectIdentifier({ value: OID.tstInfo })] }),
    new pkijs.Attribute({ type: OID.messageDigest, values: [new asn1js.OctetString({ valueHex: createHash('sha256').update(tstInfo).digest() })] }),
    new pkijs.Attribute({ type: OID.signingCertificateV2, values: [signingCertificateV2(certificate)] }),
  ];
  // DER orders a SET OF by encoding; verifiers that re-encode the set (OpenSSL) must get the signed bytes back.
  attributes.sort((a, b) => Buffer.compare(der(a.toSchema()), der(b.toSchema())));
  return new pkijs.SignedAndUnsignedAttributes({ type: 0, attributes });
}

function signerInfo(tstInfo: Buffer, tsa: TsaIdentity): pkijs.SignerInfo {
  const cert = pkijs.Certificate.fromBER(tsa.certificate.raw);
  const signedAttrs = signedAttributes(tstInfo, tsa.certificate);
  // The signature covers the attributes as a SET (tag 0x31), not as the [0] they are stored under.
  const toSign = der(signedAttrs.toSchema());
  toSign[0] = 0x31;
  const ec = tsa.privateKey.asymmetricKeyType === 'ec';
  return new pkijs.SignerInfo({
    version: 1,
    sid: new pkijs.IssuerAndSerialNumber({ issuer: cert.issuer, serialNumber: cert.serialNumber }),
    digestAlgorithm: algorithm(OID.sha256),
    signedAttrs,
    signatureAlgorithm: ec ? algorithm(OID.ecdsaWithSha256) : algorithm(OID.sha256WithRsa, new asn1js.Null()),
    // ECDSA: the DER Ecdsa-Sig-Value CMS wants (node's default encoding); RSA: PKCS#1 v1.5.
    signature: new asn1js.OctetString({ valueHex: sign('sha256', toSign, tsa.privateKey) }),
  });
}

/**
 * Encodes a granted DER TimeStampResp: a TSTInfo (version 1, accuracy 1 s) in CMS SignedData signed
 * by `tsa` over signed attributes content-type, message-digest and ESS SigningCertificateV2 — what
 * `openssl ts -verify` requires. Mirror of `verifyTimestampResponse`.
 */
export function grantTimestamp(grant: TimestampGrant, tsa: TsaIdentity): Buffer {
  const tstInfo = der(new pkijs.TSTInfo({
    version: 1,
    policy: grant.policy,
    messageImprint: grant.messageImprint,
    serialNumber: asn1js.Integer.fromBigInt(grant.serial),
    genTime: grant.genTime,
    accuracy: new pkijs.Accuracy({ seconds: 1 }),
    ...(grant.nonce !== undefined ? { nonce: asn1js.Integer.fromBigInt(grant.nonce) } : {}),
  }).toSchema());
  const signedData = new pkijs.SignedData({
    version: 3,
    digestAlgorithms: [algorithm(OID.sha256)],
    encapContentInfo: new pkijs.EncapsulatedContentInfo({ eContentType: OID.tstInfo, eContent: new asn1js.OctetString({ valueHex: tstInfo }) }),
    // RFC 3161 §2.4.1: the certificate only when asked for.
    ...(grant.includeCertificate ? { certificates: [pkijs.Certificate.fromBER(tsa.certificate.raw)] } : {}),
    signerInfos: [signerInfo(tstInfo, tsa)],
  });
  return der(new pkijs.TimeStampResp({
    status: new pkijs.PKIStatusInfo({ status: pkijs.PKIStatus.granted }),
    timeStampToken: new pkijs.ContentInfo({ contentType: OID.signedData, content: signedData.toSchema(true) }),
  }).toSchema());
}

/** Encodes a DER TimeStampResp with status rejection, the failure bit and a text. */
export function rejectTimestamp(failure: TimestampFailure, text: string): Buffer {
  const bit = FAILURE_BIT[failure];
  const bits = Buffer.alloc((bit >> 3) + 1);
  bits[bit >> 3] = 0x80 >> (bit & 7);
  return der(new pkijs.TimeStampResp({
    status: new pkijs.PKIStatusInfo({
      status: pkijs.PKIStatus.rejection,
      statusStrings: [new asn1js.Utf8String({ value: text })],
      failInfo: new asn1js.BitString({ valueHex: bits, unusedBits: 7 - (bit & 7) }),
    }),
  }).toSchema());
}
