import { normaliseSerial, type CertificateFacts } from './certificate-facts.js';
import type { RevocationReason } from './certificate-verification.js';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { DER, derChildren, derContents, derOid, derTimeMs, expectTag, readDer, type DerNode } from './read-der.js';
import { reasonName } from './revocation-reasons.js';
import { verifySignedData } from './verify-signed-data.js';

/** A decoded CRL: what revocation checks need, and the signed bytes to verify it with. */
export interface ParsedCrl {
  issuerDer: Buffer;
  thisUpdate: Date;
  nextUpdate?: Date;
  /** cRLNumber, decimal. */
  crlNumber?: string;
  /** Revoked serials (normalised hex) → when and why. */
  revoked: ReadonlyMap<string, { revokedAt: Date; reason: RevocationReason }>;
  signatureAlgorithm: string;
  tbs: Uint8Array;
  signature: Uint8Array;
}

const ID_CRL_NUMBER = '2.5.29.20';
const ID_REASON_CODE = '2.5.29.21';
const ID_INVALIDITY_DATE = '2.5.29.24';
const ID_AUTHORITY_KEY_ID = '2.5.29.35';
/** Critical CRL extensions the hub understands; any other (delta CRL indicator, issuing distribution point, …) makes the CRL unusable. */
const UNDERSTOOD_CRL_EXTENSIONS = new Set([ID_CRL_NUMBER, ID_AUTHORITY_KEY_ID]);
const UNDERSTOOD_ENTRY_EXTENSIONS = new Set([ID_REASON_CODE, ID_INVALIDITY_DATE]);

interface Extension {
  oid: string;
  critical: boolean;
  /** The element inside extnValue. */
  value: DerNode;
}

const isTime = (node: DerNode | undefined): node is DerNode => node?.tag === DER.utcTime || node?.tag === DER.generalizedTime;

/** Extensions ::= SEQUENCE OF SEQUENCE { extnID, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING }. */
function extensionsOf(der: Uint8Array, list: DerNode): Extension[] {
  return derChildren(der, expectTag(list, DER.sequence, 'Extensions')).map((extension) => {
    const [id, second, third] = derChildren(der, extension);
    const critical = second?.tag === DER.boolean && derContents(der, second)[0] !== 0;
    const octets = expectTag(second?.tag === DER.boolean ? third : second, DER.octetString, 'extnValue');
    return { oid: derOid(der, expectTag(id, DER.oid, 'extnID')), critical, value: readDer(der, octets.contents, octets.end) };
  });
}

function refuseUnknownCritical(extensions: readonly Extension[], understood: ReadonlySet<string>, where: string): void {
  const unknown = extensions.find((e) => e.critical && !understood.has(e.oid));
  if (unknown) throw new Error(`${where} has a critical extension the hub does not support (${unknown.oid}; delta and indirect CRLs are not supported)`);
}

/** Entries read between two yields to the event loop (a few milliseconds' work). */
const ENTRIES_PER_SLICE = 10_000;

/**
 * Reads the revokedCertificates entries in one pass, yielding to the event loop every
 * `ENTRIES_PER_SLICE` entries: a national CA's CRL holds hundreds of thousands.
 */
async function revokedEntries(der: Buffer, list: DerNode | undefined): Promise<Map<string, { revokedAt: Date; reason: RevocationReason }>> {
  const revoked = new Map<string, { revokedAt: Date; reason: RevocationReason }>();
  if (!list) return revoked;
  for (let at = list.contents, count = 0; at < list.end; count++) {
    if (count > 0 && count % ENTRIES_PER_SLICE === 0) await yieldToEventLoop();
    const entry = expectTag(readDer(der, at, list.end), DER.sequence, 'revoked certificate');
    at = entry.end;
    const serial = expectTag(readDer(der, entry.contents, entry.end), DER.integer, 'userCertificate');
    const date = readDer(der, serial.end, entry.end);
    if (!isTime(date)) throw new Error('revocationDate: expected a time');
    let reason: RevocationReason = 'unspecified';
    if (date.end < entry.end) {
      const extensions = extensionsOf(der, readDer(der, date.end, entry.end));
      refuseUnknownCritical(extensions, UNDERSTOOD_ENTRY_EXTENSIONS, 'a CRL entry');
      const code = extensions.find((e) => e.oid === ID_REASON_CODE)?.value;
      if (code) reason = reasonName(derContents(der, expectTag(code, DER.enumerated, 'reasonCode'))[0]);
    }
    revoked.set(normaliseSerial(der.toString('hex', serial.contents, serial.end)), { revokedAt: new Date(derTimeMs(der, date)), reason });
  }
  return revoked;
}

/**
 * Decodes a DER CRL (RFC 5280 §5) in one linear pass — asn1js refuses CRLs of a few thousand entries
 * and is slow below that. Rejects on malformed DER and on critical extensions it cannot honour.
 */
export async function parseCrl(der: Buffer): Promise<ParsedCrl> {
  const top = expectTag(readDer(der, 0), DER.sequence, 'CertificateList');
  if (top.end !== der.length) throw new Error('trailing bytes after the CRL');
  const [tbs, algorithm, signature] = derChildren(der, top);
  const parts = derChildren(der, expectTag(tbs, DER.sequence, 'tbsCertList'));
  let i = parts[0]?.tag === DER.integer ? 1 : 0; // version v2
  expectTag(parts[i++], DER.sequence, 'signature');
  const issuer = expectTag(parts[i++], DER.sequence, 'issuer');
  const thisUpdate = parts[i++];
  if (!isTime(thisUpdate)) throw new Error('thisUpdate: expected a time');
  const nextUpdate = isTime(parts[i]) ? parts[i++] : undefined;
  const revokedList = parts[i]?.tag === DER.sequence ? parts[i++] : undefined;
  const crlExtensions = parts[i]?.tag === DER.context0 ? extensionsOf(der, readDer(der, parts[i]!.contents, parts[i]!.end)) : [];
  refuseUnknownCritical(crlExtensions, UNDERSTOOD_CRL_EXTENSIONS, 'the CRL');
  const number = crlExtensions.find((e) => e.oid === ID_CRL_NUMBER)?.value;
  const bits = derContents(der, expectTag(signature, DER.bitString, 'signatureValue'));
  return {
    issuerDer: Buffer.from(der.subarray(issuer.start, issuer.end)),
    thisUpdate: new Date(derTimeMs(der, thisUpdate)),
    ...(nextUpdate ? { nextUpdate: new Date(derTimeMs(der, nextUpdate)) } : {}),
    ...(number ? { crlNumber: BigInt(`0x${Buffer.from(derContents(der, expectTag(number, DER.integer, 'cRLNumber'))).toString('hex') || '0'}`).toString() } : {}),
    revoked: await revokedEntries(der, revokedList),
    signatureAlgorithm: derOid(der, expectTag(derChildren(der, expectTag(algorithm, DER.sequence, 'signatureAlgorithm'))[0], DER.oid, 'algorithm')),
    tbs: der.subarray(tbs!.start, tbs!.end),
    signature: bits.subarray(1), // the first octet counts unused bits (0 for a signature)
  };
}

/**
 * Why `crl` cannot speak for certificates issued by `ca`, or undefined when it can: the CRL's issuer
 * is the CA's subject, the CA may sign CRLs (keyUsage cRLSign when keyUsage is present) and its key
 * verifies the CRL's signature.
 */
export function crlIssuerProblem(crl: ParsedCrl, ca: CertificateFacts): string | undefined {
  if (!crl.issuerDer.equals(ca.subjectDer)) return `the CRL is not issued by "${ca.subject}"`;
  if (ca.keyUsage && !ca.keyUsage.has('cRLSign')) return `"${ca.subject}" may not sign CRLs (keyUsage lacks cRLSign)`;
  if (!verifySignedData(crl.signatureAlgorithm, crl.tbs, crl.signature, ca.cert.publicKey)) return `the CRL signature does not verify with the key of "${ca.subject}"`;
  return undefined;
}
