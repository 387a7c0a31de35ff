import type { KeyObject, X509Certificate } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { serialOctets } from './certificate-facts.js';
import type { RevocationReason } from './certificate-verification.js';
import { reasonCode } from './revocation-reasons.js';
import { signingCryptoKey } from './signing-crypto-key.js';

/** What a CRL says, and who signs it. */
export interface CrlSpec {
  /** The CA the CRL speaks for: its subject becomes the CRL's issuer. */
  issuer: X509Certificate;
  /** The key that signs (the CA's own; another key gives a CRL whose signature does not verify). */
  key: KeyObject;
  revoked: readonly { serial: string; revokedAt: Date; reason?: RevocationReason }[];
  thisUpdate: Date;
  nextUpdate?: Date;
  crlNumber?: number;
}


// RFC 5280 §5.1.2.4: UTCTime through 2049.
const time = (d: Date): pkijs.Time => new pkijs.Time({ type: d.getUTCFullYear() < 2050 ? 0 : 1, value: d });

const extension = (extnID: string, value: asn1js.BaseBlock): pkijs.Extension =>
  new pkijs.Extension({ extnID, extnValue: value.toBER(false) });

/** Issues a v2 CRL (DER) with pkijs: cRLNumber, and a reasonCode on each entry. For the simulator and tests. */
export async function issueCrl(spec: CrlSpec): Promise<Buffer> {
  const crl = new pkijs.CertificateRevocationList();
  crl.version = 1;
  crl.issuer = pkijs.Certificate.fromBER(spec.issuer.raw).subject;
  crl.thisUpdate = time(spec.thisUpdate);
  if (spec.nextUpdate) crl.nextUpdate = time(spec.nextUpdate);
  if (spec.revoked.length > 0) {
    crl.revokedCertificates = spec.revoked.map((entry) => new pkijs.RevokedCertificate({
      userCertificate: new asn1js.Integer({ valueHex: serialOctets(entry.serial) }),
      revocationDate: time(entry.revokedAt),
      crlEntryExtensions: new pkijs.Extensions({ extensions: [extension(pkijs.id_CRLReason, new asn1js.Enumerated({ value: reasonCode(entry.reason ?? 'unspecified') }))] }),
    }));
  }
  crl.crlExtensions = new pkijs.Extensions({ extensions: [extension(pkijs.id_CRLNumber, new asn1js.Integer({ value: spec.crlNumber ?? 1 }))] });
  await crl.sign(await signingCryptoKey(spec.key), 'SHA-256');
  return Buffer.from(crl.toSchema(true).toBER(false));
}
