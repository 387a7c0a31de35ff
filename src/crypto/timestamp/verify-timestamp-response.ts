import { createHash, verify as cryptoVerify, X509Certificate } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { certificatesFromPem } from '../hub-keys.js';
import { TimestampError } from './timestamp-error.js';
import { DIGEST_BY_OID, OID } from './tsp-oids.js';

/** A granted time-stamp whose token checked out. */
export interface VerifiedTimestamp {
  /**
   * The DER TimeStampResp as the TSA sent it (status granted + TimeStampToken): a `.tsr` file, which
   * `openssl ts -verify -in token.tsr -data <file> -CAfile <tsa-ca.pem>` verifies as it is.
   */
  token: Buffer;
  /** When the TSA time-stamped the data (TSTInfo genTime). */
  genTime: Date;
  /** The token's serial number, lowercase hex without leading zeros (`openssl ts -reply -text` prints it as 0x…). */
  serial: string;
  /** Subject of the TSA certificate, one line (`C=VN, O=…, CN=…`). */
  tsaSubject: string;
  /** The TSA certificate that signed the token, PEM. */
  tsaCertificatePem: string;
}

/** What the token must match. */
export interface TimestampExpectation {
  /** SHA-256 of the data that was sent for time-stamping. */
  sha256: Buffer;
  /** The nonce of the request. */
  nonce: bigint;
  /** PEM CA certificates the TSA certificate must chain to, valid at genTime. Unset: the chain is not checked. */
  trustAnchorsPem?: string;
}

/** RFC 3161 §2.4.2 PKIFailureInfo bit names, by bit number. */
const FAILURE_BITS: Readonly<Record<number, string>> = {
  0: 'badAlg', 2: 'badRequest', 5: 'badDataFormat', 14: 'timeNotAvailable', 15: 'unacceptedPolicy',
  16: 'unacceptedExtension', 17: 'addInfoNotAvailable', 25: 'systemFailure',
};
const STATUS_NAMES = ['granted', 'grantedWithMods', 'rejection', 'waiting', 'revocationWarning', 'revocationNotification'];

/** Signature algorithm OID → the key type it needs and its hash (none: the SignerInfo's digest algorithm). */
const SIGNATURE_ALGORITHMS: Readonly<Record<string, { keyType: 'ec' | 'rsa'; hash?: string }>> = {
  [OID.ecdsaWithSha256]: { keyType: 'ec', hash: 'sha256' },
  [OID.ecdsaWithSha384]: { keyType: 'ec', hash: 'sha384' },
  [OID.ecdsaWithSha512]: { keyType: 'ec', hash: 'sha512' },
  [OID.ecPublicKey]: { keyType: 'ec' },
  [OID.rsaEncryption]: { keyType: 'rsa' },
  [OID.sha256WithRsa]: { keyType: 'rsa', hash: 'sha256' },
  [OID.sha384WithRsa]: { keyType: 'rsa', hash: 'sha384' },
  [OID.sha512WithRsa]: { keyType: 'rsa', hash: 'sha512' },
};

const malformed = (message: string, cause?: unknown): TimestampError => new TimestampError('malformed', message, cause ? { cause } : undefined);
const badSignature = (message: string): TimestampError => new TimestampError('bad-signature', message);
const bytesOf = (view: ArrayBuffer | Uint8Array): Buffer => Buffer.from(view instanceof Uint8Array ? view : new Uint8Array(view));
const oneLine = (dn: string): string => dn.split('\n').join(', ');
const hexOf = (integer: asn1js.Integer): string => integer.toBigInt().toString(16);

/**
 * Checks a DER TimeStampResp against the request it answers, the way `openssl ts -verify` does and a
 * little more: status granted, a TSTInfo token whose imprint and nonce are the request's, exactly one
 * signer whose CMS signature verifies over signed attributes binding the content type, the TSTInfo
 * digest and (ESS SigningCertificate v1 or v2) the signer's certificate, which must carry the critical
 * extendedKeyUsage id-kp-timeStamping and, with `trustAnchorsPem`, chain to an anchor. Pure; throws a
 * {@link TimestampError} naming the first check that failed.
 */
export function verifyTimestampResponse(der: Buffer, expected: TimestampExpectation): VerifiedTimestamp {
  // 1. Parse: the response, its status, the SignedData and its TSTInfo.
  const response = parseResponse(der);
  checkGranted(response.status);
  const { signedData, tstInfo, eContent } = tokenContent(response);

  // 2. The token answers this request.
  const imprint = tstInfo.messageImprint;
  if (imprint.hashAlgorithm.algorithmId !== OID.sha256 || !bytesOf(imprint.hashedMessage.valueBlock.valueHexView).equals(expected.sha256)) {
    throw new TimestampError('imprint-mismatch', 'the token time-stamps other data than the request asked for (SHA-256 message imprint differs)');
  }
  if (tstInfo.nonce?.toBigInt() !== expected.nonce) throw new TimestampError('nonce-mismatch', `the token's nonce is not the request's (${expected.nonce.toString(16)})`);

  // 3. The TSA signed it, with a time-stamping certificate.
  const signerInfo = onlySigner(signedData);
  const { cert, pkijsCert } = signerCertificate(signedData, signerInfo);
  checkSignedAttributes(signerInfo, eContent, cert);
  checkSignature(signerInfo, cert);
  checkTimeStampingUsage(pkijsCert, cert);

  // 4. Optionally, the TSA is one we trust.
  if (expected.trustAnchorsPem !== undefined) checkTrusted(cert, otherCertificates(signedData, cert), expected.trustAnchorsPem, tstInfo.genTime);

  return { token: der, genTime: tstInfo.genTime, serial: hexOf(tstInfo.serialNumber), tsaSubject: oneLine(cert.subject), tsaCertificatePem: cert.toString() };
}

function parseResponse(der: Buffer): pkijs.TimeStampResp {
  const parsed = asn1js.fromBER(der);
  if (parsed.offset === -1 || parsed.offset !== der.length) throw malformed('the answer is not one DER structure');
  try {
    return new pkijs.TimeStampResp({ schema: parsed.result });
  } catch (err) {
    throw malformed(`the answer is not a TimeStampResp: ${(err as Error).message}`, err);
  }
}

function checkGranted(status: pkijs.PKIStatusInfo): void {
  if (status.status === pkijs.PKIStatus.granted || status.status === pkijs.PKIStatus.grantedWithMods) return;
  const bits = status.failInfo ? bytesOf(status.failInfo.valueBlock.valueHexView) : Buffer.alloc(0);
  const failures = Object.entries(FAILURE_BITS).filter(([bit]) => ((bits[Number(bit) >> 3] ?? 0) & (0x80 >> (Number(bit) & 7))) !== 0).map(([, name]) => name);
  const text = (status.statusStrings ?? []).map((s) => s.valueBlock.value).join('; ');
  throw new TimestampError('rejected', `the TSA answered status ${STATUS_NAMES[status.status] ?? status.status}${failures.length ? ` (${failures.join(', ')})` : ''}${text ? `: ${text}` : ''}`);
}

function tokenContent(response: pkijs.TimeStampResp): { signedData: pkijs.SignedData; tstInfo: pkijs.TSTInfo; eContent: Buffer } {
  const token = response.timeStampToken;
  if (!token) throw malformed('status granted but no TimeStampToken');
  if (token.contentType !== OID.signedData) throw malformed(`the token is not CMS SignedData (content type ${token.contentType})`);
  try {
    const signedData = new pkijs.SignedData({ schema: token.content });
    const { eContentType, eContent } = signedData.encapContentInfo;
    if (eContentType !== OID.tstInfo || !eContent) throw new Error(`content type ${eContentType}${eContent ? '' : ', no content'}`);
    const bytes = bytesOf(eContent.getValue());
    return { signedData, tstInfo: pkijs.TSTInfo.fromBER(new Uint8Array(bytes)), eContent: bytes };
  } catch (err) {
    throw malformed(`the token does not hold a TSTInfo: ${(err as Error).message}`, err);
  }
}

function onlySigner(signedData: pkijs.SignedData): pkijs.SignerInfo {
  // RFC 3161 §2.4.2: the token carries the TSA's signature and no other.
  const [signerInfo, ...others] = signedData.signerInfos;
  if (!signerInfo || others.length > 0) throw malformed(`the token has ${signedData.signerInfos.length} signers, expected exactly one`);
  return signerInfo;
}

const certificatesIn = (signedData: pkijs.SignedData): pkijs.Certificate[] =>
  (signedData.certificates ?? []).filter((c): c is pkijs.Certificate => c instanceof pkijs.Certificate);

function signerCertificate(signedData: pkijs.SignedData, signerInfo: pkijs.SignerInfo): { cert: X509Certificate; pkijsCert: pkijs.Certificate } {
  const sid = signerInfo.sid as pkijs.IssuerAndSerialNumber | asn1js.Primitive;
  const matches = (candidate: pkijs.Certificate): boolean => {
    if (sid instanceof pkijs.IssuerAndSerialNumber) return candidate.issuer.isEqual(sid.issuer) && candidate.serialNumber.isEqual(sid.serialNumber);
    // [0] SubjectKeyIdentifier: SHA-1 of the subjectPublicKey bits, as RFC 5280 §4.2.1.2 method 1 makes it.
    const keyBits = candidate.subjectPublicKeyInfo.subjectPublicKey.valueBlock.valueHexView;
    return createHash('sha1').update(keyBits).digest().equals(bytesOf(sid.valueBlock.valueHexView));
  };
  const pkijsCert = certificatesIn(signedData).find(matches);
  if (!pkijsCert) throw malformed('the token does not carry the TSA certificate (it was requested with certReq)');
  return { pkijsCert, cert: new X509Certificate(bytesOf(pkijsCert.toSchema().toBER())) };
}

function attributeValue(signerInfo: pkijs.SignerInfo, type: string): unknown {
  return signerInfo.signedAttrs?.attributes.find((a) => a.type === type)?.values[0];
}

function checkSignedAttributes(signerInfo: pkijs.SignerInfo, eContent: Buffer, cert: X509Certificate): void {
  if (!signerInfo.signedAttrs) throw badSignature('the signature has no signed attributes (CMS requires them for TSTInfo content)');
  const contentType = attributeValue(signerInfo, OID.contentType);
  if (!(contentType instanceof asn1js.ObjectIdentifier) || contentType.valueBlock.toString() !== OID.tstInfo) throw badSignature('the signed content-type attribute is not id-ct-TSTInfo');
  const digest = DIGEST_BY_OID[signerInfo.digestAlgorithm.algorithmId];
  if (!digest) throw badSignature(`unsupported digest algorithm ${signerInfo.digestAlgorithm.algorithmId}`);
  const messageDigest = attributeValue(signerInfo, OID.messageDigest);
  if (!(messageDigest instanceof asn1js.OctetString) || !bytesOf(messageDigest.valueBlock.valueHexView).equals(createHash(digest).update(eContent).digest())) {
    throw badSignature('the signed message-digest attribute does not match the TSTInfo');
  }
  checkSigningCertificate(signerInfo, cert);
}

/** RFC 3161 §2.4.1 / RFC 5816: the signed attributes name the signer's certificate by its hash (ESS). */
function checkSigningCertificate(signerInfo: pkijs.SignerInfo, cert: X509Certificate): void {
  const v2 = attributeValue(signerInfo, OID.signingCertificateV2);
  const v1 = attributeValue(signerInfo, OID.signingCertificate);
  const essCertIdParts = (value: unknown): asn1js.AsnType[] => {
    // SigningCertificate(V2) ::= SEQUENCE { certs SEQUENCE OF ESSCertID(v2), … }; the first names the signer.
    const certs = (value as asn1js.Sequence).valueBlock.value[0] as asn1js.Sequence;
    return (certs.valueBlock.value[0] as asn1js.Sequence).valueBlock.value;
  };
  let hash: string | undefined;
  let certHash: unknown;
  try {
    if (v2) {
      const parts = essCertIdParts(v2);
      // ESSCertIDv2 ::= SEQUENCE { hashAlgorithm DEFAULT sha256, certHash, issuerSerial OPTIONAL }
      const explicitAlgorithm = parts[0] instanceof asn1js.Sequence ? (parts[0].valueBlock.value[0] as asn1js.ObjectIdentifier).valueBlock.toString() : undefined;
      hash = explicitAlgorithm === undefined ? 'sha256' : DIGEST_BY_OID[explicitAlgorithm];
      certHash = parts[explicitAlgorithm === undefined ? 0 : 1];
    } else if (v1) {
      hash = 'sha1';
      certHash = essCertIdParts(v1)[0];
    }
  } catch {
    throw badSignature('the ESS signing-certificate attribute does not parse');
  }
  if (!v1 && !v2) throw badSignature('the signed attributes lack the ESS signing-certificate attribute (RFC 3161 §2.4.1)');
  if (!hash || !(certHash instanceof asn1js.OctetString)) throw badSignature('the ESS signing-certificate attribute does not parse, or uses an unsupported hash');
  if (!bytesOf(certHash.valueBlock.valueHexView).equals(createHash(hash).update(cert.raw).digest())) {
    throw badSignature('the ESS signing-certificate attribute names another certificate than the signer\'s');
  }
}

function checkSignature(signerInfo: pkijs.SignerInfo, cert: X509Certificate): void {
  const algorithm = SIGNATURE_ALGORITHMS[signerInfo.signatureAlgorithm.algorithmId];
  if (!algorithm) throw badSignature(`unsupported signature algorithm ${signerInfo.signatureAlgorithm.algorithmId}`);
  if (cert.publicKey.asymmetricKeyType !== algorithm.keyType) throw badSignature(`the signature algorithm needs an ${algorithm.keyType} key, the TSA certificate has ${cert.publicKey.asymmetricKeyType}`);
  const hash = algorithm.hash ?? DIGEST_BY_OID[signerInfo.digestAlgorithm.algorithmId]!;
  // Signed over the DER SET OF the signed attributes (RFC 5652 §5.4): pkijs keeps those bytes, retagged as SET.
  const signedBytes = bytesOf(signerInfo.signedAttrs!.encodedValue);
  let valid = false;
  try {
    valid = cryptoVerify(hash, signedBytes, cert.publicKey, bytesOf(signerInfo.signature.valueBlock.valueHexView));
  } catch {
    valid = false; // a signature that does not even decode
  }
  if (!valid) throw badSignature('the TSA signature does not verify');
}

function checkTimeStampingUsage(pkijsCert: pkijs.Certificate, cert: X509Certificate): void {
  const eku = pkijsCert.extensions?.find((e) => e.extnID === OID.extendedKeyUsage);
  const purposes = eku?.parsedValue instanceof pkijs.ExtKeyUsage ? eku.parsedValue.keyPurposes : [];
  // RFC 3161 §2.3: exactly id-kp-timeStamping, in a critical extension.
  if (!eku?.critical || purposes.length !== 1 || purposes[0] !== OID.timeStamping) {
    throw new TimestampError('not-a-tsa-certificate', `"${oneLine(cert.subject)}" is not a TSA certificate: it needs a critical extendedKeyUsage of id-kp-timeStamping only`);
  }
}

const otherCertificates = (signedData: pkijs.SignedData, signer: X509Certificate): X509Certificate[] =>
  certificatesIn(signedData).map((c) => new X509Certificate(bytesOf(c.toSchema().toBER()))).filter((c) => !c.raw.equals(signer.raw));

const validAt = (cert: X509Certificate, at: Date): boolean => new Date(cert.validFrom) <= at && at <= new Date(cert.validTo);
const issuedBy = (cert: X509Certificate, issuer: X509Certificate): boolean => issuer.ca && cert.checkIssued(issuer) && cert.verify(issuer.publicKey);

/** Walks from the TSA certificate through the token's other certificates to an anchor; each valid at genTime. */
function checkTrusted(cert: X509Certificate, intermediates: X509Certificate[], trustAnchorsPem: string, genTime: Date): void {
  const anchors = certificatesFromPem(trustAnchorsPem);
  const untrusted = (why: string): TimestampError => new TimestampError('untrusted-tsa', `TSA certificate "${oneLine(cert.subject)}": ${why}`);
  let current = cert;
  for (let depth = 0; depth <= intermediates.length; depth += 1) {
    if (!validAt(current, genTime)) throw untrusted(`"${oneLine(current.subject)}" was not valid at genTime ${genTime.toISOString()}`);
    const anchor = anchors.find((a) => a.raw.equals(current.raw)) ?? anchors.find((a) => issuedBy(current, a));
    if (anchor) {
      if (!validAt(anchor, genTime)) throw untrusted(`trust anchor "${oneLine(anchor.subject)}" was not valid at genTime ${genTime.toISOString()}`);
      return;
    }
    const next = intermediates.find((c) => issuedBy(current, c));
    if (!next) break;
    current = next;
  }
  throw untrusted(`does not chain to a trust anchor (issuer "${oneLine(current.issuer)}")`);
}
