import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { OID } from './tsp-oids.js';

/** What a TimeStampReq asks for: a SHA-256 message imprint, and the nonce the answer must echo. */
export interface TimestampRequestFields {
  /** SHA-256 of the data to time-stamp (32 bytes). */
  sha256: Buffer;
  /** A positive random number the TSA must copy into its token (RFC 3161 §2.4.1). */
  nonce: bigint;
}

/**
 * Encodes a DER TimeStampReq (RFC 3161 §2.4.1): version 1, the SHA-256 imprint, the nonce and
 * certReq true, so the TSA puts its certificate in the token (a verifier then needs only its CA).
 */
export function encodeTimestampRequest(fields: TimestampRequestFields): Buffer {
  if (fields.sha256.length !== 32) throw new RangeError(`a SHA-256 imprint is 32 bytes, not ${fields.sha256.length}`);
  if (fields.nonce <= 0n) throw new RangeError('the nonce must be a positive integer');
  const request = new pkijs.TimeStampReq({
    version: 1,
    messageImprint: new pkijs.MessageImprint({
      hashAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: OID.sha256, algorithmParams: new asn1js.Null() }),
      hashedMessage: new asn1js.OctetString({ valueHex: fields.sha256 }),
    }),
    nonce: asn1js.Integer.fromBigInt(fields.nonce),
    certReq: true,
  });
  return Buffer.from(request.toSchema().toBER());
}
