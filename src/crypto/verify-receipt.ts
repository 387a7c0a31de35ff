import { X509Certificate } from 'node:crypto';
import { RECEIPT_TYP } from '../receipts/issue-receipt.js';
import type { ReceiptEvent } from '../store/records.js';
import { certificatesFromPem } from './hub-keys.js';
import { decodeJws, verifyJwsSignature, type DecodedJws } from './jws.js';
import { keyIdOf } from './key-id.js';
import { certificateFacts } from './pki/certificate-facts.js';
import { certificateUsageProblem } from './pki/check-certificate-usage.js';

/** A receipt whose chain and signature checked out. */
export interface VerifiedReceipt {
  header: DecodedJws['header'];
  payload: Record<string, unknown>;
  /** The certificate that signed the receipt (`x5c[0]`, or the certificate of its `kid` among `hubKeys`). */
  leaf: X509Certificate;
  /** The id of that certificate (see `keyIdOf`), whether or not the receipt's header names it. */
  kid: string;
}

/** One of the hub's keys as `GET /v1/hub/keys` lists it. */
export interface PublishedHubKey {
  kid: string;
  /** PEM certificates, leaf first. */
  chainPem: string;
}

export interface VerifyReceiptOptions {
  /** PEM bundle of the CA certificates the verifier trusts (e.g. the hub's root CA). */
  trustAnchorsPem: string;
  /** The instant at which every certificate must be valid. */
  now: Date;
  /**
   * The hub's keys, active and retired (`GET /v1/hub/keys`). When given, the receipt must name one of
   * them — by `kid`, or, for a receipt from before key ids, by the certificate in `x5c[0]` — and is
   * checked against that key's chain; a receipt naming any other key is refused even if its own
   * `x5c` leads to a trust anchor.
   */
  hubKeys?: readonly PublishedHubKey[];
}

const oneLine = (dn: string): string => dn.split('\n').join(', ');

/** Every event a receipt can be about (README "Receipts"). */
const RECEIPT_EVENTS: readonly ReceiptEvent[] = ['accepted', 'delivered', 'status', 'failed'];

function x5cChain(header: DecodedJws['header']): X509Certificate[] {
  const x5c: unknown = header.x5c;
  if (!Array.isArray(x5c) || x5c.length === 0) throw new Error('Receipt header has no x5c certificate chain');
  return x5cCertificates(x5c);
}

function x5cCertificates(x5c: unknown[]): X509Certificate[] {
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

/** The chain a receipt names: its `x5c`, whose leaf its `kid` (if any) must be. */
function chainOfHeader(header: DecodedJws['header']): X509Certificate[] {
  const chain = x5cChain(header);
  if (header.kid !== undefined && header.kid !== keyIdOf(chain[0]!)) throw new Error(`Receipt kid "${String(header.kid)}" is not the id of its x5c[0] certificate`);
  return chain;
}

/** The chain of the hub key a receipt names, by `kid` or by `x5c[0]`; its `x5c`, if any, must start with that key's certificate. */
function chainOfHubKey(header: DecodedJws['header'], hubKeys: readonly PublishedHubKey[]): X509Certificate[] {
  const x5c = Array.isArray(header.x5c) && header.x5c.length > 0 ? x5cCertificates(header.x5c) : undefined;
  const kid = typeof header.kid === 'string' ? header.kid : x5c && keyIdOf(x5c[0]!);
  if (kid === undefined) throw new Error('Receipt names no key: no kid and no x5c in its header');
  const key = hubKeys.find((k) => k.kid === kid);
  if (!key) throw new Error(`Receipt kid "${kid}" is not one of the hub's keys`);
  const chain = certificatesFromPem(key.chainPem);
  if (!chain[0] || keyIdOf(chain[0]) !== kid) throw new Error(`The hub key listed as "${kid}" does not have that certificate`);
  if (x5c && !x5c[0]!.raw.equals(chain[0].raw)) throw new Error(`Receipt x5c[0] is not the certificate of its kid "${kid}"`);
  return chain;
}

/**
 * Verifies a signed receipt (compact JWS) the way an auditor would: `typ` must be a receipt's (the hub
 * signs other JWS, e.g. push deliveries, with the same key); the chain — the receipt's `x5c`, or
 * with `hubKeys` the chain of the key it names — must link, leaf first, to one of `trustAnchorsPem`;
 * every certificate must be valid at `now`; the leaf must be an end-entity certificate allowed to sign
 * receipts (`receipt-signing`); the signature must verify with the leaf's public key; the payload must
 * name a known `event`. Throws an Error saying which check failed.
 */
export function verifyReceipt(jws: string, opts: VerifyReceiptOptions): VerifiedReceipt {
  // 1. Decode (signature not yet trusted): a receipt, not another JWS of the hub's; its chain and the anchors.
  const { header } = decodeJws(jws);
  if (header.typ !== RECEIPT_TYP) throw new Error(`JWS typ ${JSON.stringify(header.typ ?? null)} is not a receipt's (${RECEIPT_TYP})`);
  const chain = opts.hubKeys ? chainOfHubKey(header, opts.hubKeys) : chainOfHeader(header);
  const anchors = certificatesFromPem(opts.trustAnchorsPem);
  if (anchors.length === 0) throw new Error('No trust anchor certificate in trustAnchorsPem');

  // 2. Each certificate is signed by the next one.
  const name = opts.hubKeys ? 'chain' : 'x5c';
  chain.forEach((cert, i) => {
    checkValidAt(cert, opts.now, `${name}[${i}]`);
    const next = chain[i + 1];
    if (next && !issuedBy(cert, next)) throw new Error(`${name}[${i}] "${oneLine(cert.subject)}" is not signed by ${name}[${i + 1}] "${oneLine(next.subject)}"`);
  });

  // 3. The last one is a trust anchor or was issued by one (valid at `now` too).
  const last = chain[chain.length - 1]!;
  const anchor = anchors.find((a) => a.raw.equals(last.raw)) ?? anchors.find((a) => issuedBy(last, a));
  if (!anchor) throw new Error(`Certificate chain does not lead to a trust anchor: "${oneLine(last.issuer)}" is not trusted`);
  checkValidAt(anchor, opts.now, 'Trust anchor');

  // 4. The leaf may sign receipts: not a CA, not a certificate for time-stamping, TLS servers or OCSP only.
  const leaf = chain[0]!;
  const usage = leaf.ca ? `"${oneLine(leaf.subject)}" is a CA certificate` : certificateUsageProblem(certificateFacts(leaf), 'receipt-signing');
  if (usage) throw new Error(`Receipt signer may not sign receipts: ${usage}`);

  // 5. Only now is the signature worth checking: it proves the leaf's key signed this receipt.
  const { payload } = verifyJwsSignature(jws, leaf.publicKey);
  if (!RECEIPT_EVENTS.includes(payload.event as ReceiptEvent)) throw new Error(`Receipt event ${JSON.stringify(payload.event ?? null)} is not one of ${RECEIPT_EVENTS.join(', ')}`);
  return { header, payload, leaf, kid: keyIdOf(leaf) };
}
