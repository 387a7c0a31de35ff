import { X509Certificate } from 'node:crypto';
import { certificatesFromPem } from './hub-keys.js';
import { decodeJws, verifyJwsSignature, type DecodedJws } from './jws.js';

/** A receipt whose chain and signature checked out. */
export interface VerifiedReceipt {
  header: DecodedJws['header'];
  payload: Record<string, unknown>;
  /** The certificate that signed the receipt (`x5c[0]`). */
  leaf: X509Certificate;
}

export interface VerifyReceiptOptions {
  /** PEM bundle of the CA certificates the verifier trusts (e.g. the hub's root CA). */
  trustAnchorsPem: string;
  /** The instant at which every certificate must be valid. */
  now: Date;
}

const oneLine = (dn: string): string => dn.split('\n').join(', ');

function x5cChain(header: DecodedJws['header']): X509Certificate[] {
  const x5c: unknown = header.x5c;
  if (!Array.isArray(x5c) || x5c.length === 0) throw new Error('Receipt header has no x5c certificate chain');
  return x5c.map((entry: unknown, i) => {
    if (typeof entry !== 'string') throw new Error(`x5c[${i}] is not a string`);
    try {
      return new X509Certificate(Buffer.from(entry, 'base64'));
    } catch {
      throw new Error(`x5c[${i}] is not a DER certificate`);
    }
  });
}

function checkValidAt(cert: X509Certificate, now: Date, label: string): void {
  const from = new Date(cert.validFrom);
  const to = new Date(cert.validTo);
  if (now < from) throw new Error(`${label} "${oneLine(cert.subject)}" is not valid until ${from.toISOString()}`);
  if (now > to) throw new Error(`${label} "${oneLine(cert.subject)}" expired at ${to.toISOString()}`);
}

/** True when `issuer` is a CA whose key signed `cert`. */
const issuedBy = (cert: X509Certificate, issuer: X509Certificate): boolean => issuer.ca && cert.checkIssued(issuer) && cert.verify(issuer.publicKey);

/**
 * Verifies a signed receipt (compact JWS) the way an auditor would: the `x5c` chain must link, leaf first,
 * to one of `trustAnchorsPem`; every certificate must be valid at `now`; the signature must verify with
 * the leaf's public key. Throws an Error saying which check failed.
 */
export function verifyReceipt(jws: string, opts: VerifyReceiptOptions): VerifiedReceipt {
  // 1. Decode (signature not yet trusted) and parse the chain and the anchors.
  const { header } = decodeJws(jws);
  const chain = x5cChain(header);
  const anchors = certificatesFromPem(opts.trustAnchorsPem);
  if (anchors.length === 0) throw new Error('No trust anchor certificate in trustAnchorsPem');

  // 2. Each certificate is signed by the next one.
  chain.forEach((cert, i) => {
    checkValidAt(cert, opts.now, `x5c[${i}]`);
    const next = chain[i + 1];
    if (next && !issuedBy(cert, next)) throw new Error(`x5c[${i}] "${oneLine(cert.subject)}" is not signed by x5c[${i + 1}] "${oneLine(next.subject)}"`);
  });

  // 3. The last one is a trust anchor or was issued by one (valid at `now` too).
  const last = chain[chain.length - 1]!;
  const anchor = anchors.find((a) => a.raw.equals(last.raw)) ?? anchors.find((a) => issuedBy(last, a));
  if (!anchor) throw new Error(`Certificate chain does not lead to a trust anchor: "${oneLine(last.issuer)}" is not trusted`);
  checkValidAt(anchor, opts.now, 'Trust anchor');

  // 4. Only now is the signature worth checking: it proves the leaf's key signed this receipt.
  const leaf = chain[0]!;
  const { payload } = verifyJwsSignature(jws, leaf.publicKey);
  return { header, payload, leaf };
}
