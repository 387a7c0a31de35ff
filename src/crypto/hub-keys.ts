import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import forge from 'node-forge';
import { hubError } from '../errors.js';
import type { JwsAlg, JwsSigner } from './jws.js';
import { keyIdOf } from './key-id.js';

/** A certificate the hub signs with (`active`) or signed with before a rotation (`retired`). Never a private key. */
export interface HubKey {
  /** See `keyIdOf`: base64url SHA-256 of the leaf DER. Receipts name their key with it. */
  kid: string;
  status: 'active' | 'retired';
  alg: JwsAlg;
  /** PEM certificates, leaf first. */
  chainPem: string;
  leaf: X509Certificate;
  /** SHA-256 of the leaf DER as colon-separated hex, as `openssl x509 -fingerprint -sha256` prints it. */
  fingerprintSha256: string;
}

/**
 * The hub's signing identity: the active key (`signer`, `kid`, `chainPem`, `leaf`, `fingerprintSha256`)
 * and every key a receipt may name (`all`, `byKid`). The signer's private key is a non-enumerable
 * property: JSON, `util.inspect` and pino leave it out.
 */
export interface HubKeys {
  signer: JwsSigner;
  /** The active key's id, in the protected header of every JWS the hub signs. */
  kid: string;
  /** PEM certificates of the active key, leaf first: what `GET /v1/hub/certificate` serves. */
  chainPem: string;
  leaf: X509Certificate;
  /** SHA-256 of the active leaf DER as colon-separated hex, as `openssl x509 -fingerprint -sha256` prints it. */
  fingerprintSha256: string;
  /** The active key first, then the retired ones in the order configured. */
  all: readonly HubKey[];
  /** The key, active or retired, a receipt's `kid` names. */
  byKid(kid: string): HubKey | undefined;
}

/** A retired key's certificate chain, leaf first (its private key is not needed, and not read). */
export type RetiredChain = readonly X509Certificate[];

/** Retired keys: PEM certificate chain files or PKCS#12 files (sniffed by content), and the PKCS#12 files' passphrase. */
export interface RetiredKeySource {
  paths: readonly string[];
  p12Passphrase?: string;
}

/**
 * Where `loadHubKeys` finds the keys: the active one as a PEM certificate chain and key, or a PKCS#12
 * file; the retired ones, if any, in `retired`.
 */
export type HubKeySource = ({ certPath: string; keyPath: string; keyPassphrase?: string } | { p12Path: string; passphrase: string }) & { retired?: RetiredKeySource };

const keysMissing = (detail: string): Error => hubError('HUB_ERR_KEYS_MISSING', [detail]);
const oneLine = (dn: string): string => dn.split('\n').join(', ');
const derOf = (node: forge.asn1.Asn1): Buffer => Buffer.from(forge.asn1.toDer(node).getBytes(), 'binary');

/** Parses every certificate in a PEM bundle, in file order. Throws on a block that is not a certificate. */
export function certificatesFromPem(pem: string): X509Certificate[] {
  return (pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []).map((block) => new X509Certificate(block));
}

/** The JWS alg a key (private, or a retired certificate's public key) signs with. */
function algFor(key: KeyObject): JwsAlg {
  const details = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === 'ec' && details.namedCurve === 'prime256v1') return 'ES256';
  if (key.asymmetricKeyType === 'rsa' && (details.modulusLength ?? 0) >= 2048) return 'RS256';
  const what = [key.asymmetricKeyType, details.namedCurve, details.modulusLength && `${details.modulusLength} bits`].filter(Boolean).join(' ');
  throw keysMissing(`unsupported ${key.type} key (${what}): use EC P-256 for ES256 or RSA of at least 2048 bits for RS256`);
}

/** Leaf first, then each issuer in turn. Every certificate must be on that path. */
function orderChain(leaf: X509Certificate, certs: X509Certificate[]): X509Certificate[] {
  const chain = [leaf];
  let rest = certs.filter((cert) => cert !== leaf);
  for (let issuer = leaf as X509Certificate | undefined; issuer; ) {
    const child: X509Certificate = issuer;
    issuer = rest.find((cert) => child.checkIssued(cert) && child.verify(cert.publicKey));
    if (issuer) {
      chain.push(issuer);
      rest = rest.filter((cert) => cert !== issuer);
    }
  }
  if (rest[0]) throw keysMissing(`certificate "${oneLine(rest[0].subject)}" is not on the issuer path of "${oneLine(leaf.subject)}"`);
  return chain;
}

/** The leaf of a chain given without its key: the one certificate that issued none of the others. */
function leafOf(certs: X509Certificate[], label: string): X509Certificate {
  const leaves = certs.filter((cert) => !certs.some((other) => other !== cert && other.checkIssued(cert)));
  if (leaves.length !== 1) throw keysMissing(`${label}: expected one certificate chain, found ${leaves.length} chain ends`);
  if (leaves[0]!.ca) throw keysMissing(`${label}: "${oneLine(leaves[0]!.subject)}" is a CA certificate, not a signing key's`);
  return leaves[0]!;
}

function hubKey(chain: RetiredChain, status: HubKey['status']): HubKey {
  const leaf = chain[0]!;
  return Object.freeze({
    kid: keyIdOf(leaf), status, alg: algFor(leaf.publicKey), chainPem: chain.map((cert) => cert.toString()).join(''), leaf, fingerprintSha256: leaf.fingerprint256,
  });
}

/** The signer of `key`: frozen (signJws caches its encoded header), the private key not enumerable. */
function signerFor(privateKey: KeyObject, active: HubKey, chain: RetiredChain): JwsSigner {
  const signer = { alg: active.alg, kid: active.kid, x5c: Object.freeze(chain.map((cert) => cert.raw.toString('base64'))) } as JwsSigner;
  Object.defineProperty(signer, 'privateKey', { value: privateKey, enumerable: false });
  return Object.freeze(signer);
}

function toHubKeys(privateKey: KeyObject, certs: X509Certificate[], retired: readonly RetiredChain[] = []): HubKeys {
  if (certs.length === 0) throw keysMissing('no certificate found');
  algFor(privateKey); // an unsupported key is named as such, before any certificate is looked at
  const leaf = certs.find((cert) => cert.checkPrivateKey(privateKey));
  if (!leaf) throw keysMissing('the private key does not match any certificate in the chain');
  const chain = orderChain(leaf, certs);
  const active = hubKey(chain, 'active');
  const all = [active, ...retired.map((retiredChain) => hubKey(retiredChain, 'retired'))];
  const byKid = new Map<string, HubKey>();
  for (const key of all) {
    if (byKid.has(key.kid)) throw keysMissing(`certificate "${oneLine(key.leaf.subject)}" (kid ${key.kid}) is configured twice (active and retired, or retired twice)`);
    byKid.set(key.kid, key);
  }
  return {
    signer: signerFor(privateKey, active, chain),
    kid: active.kid,
    chainPem: active.chainPem,
    leaf,
    fingerprintSha256: active.fingerprintSha256,
    all: Object.freeze(all),
    byKid: (kid) => byKid.get(kid),
  };
}

/** A retired key's chain from a PEM bundle (any order; a private key in the file is ignored). */
export function retiredChainFromPem(pem: string, label = 'retired key'): RetiredChain {
  let certs: X509Certificate[];
  try {
    certs = certificatesFromPem(pem);
  } catch (err) {
    throw keysMissing(`${label}: the certificate chain does not parse: ${(err as Error).message}`);
  }
  if (certs.length === 0) throw keysMissing(`${label}: no certificate found`);
  return orderChain(leafOf(certs, label), certs);
}

/** A retired key's chain from a PKCS#12 file: its certificates only. */
export function retiredChainFromPkcs12(input: { p12: Buffer; passphrase: string }, label = 'retired key'): RetiredChain {
  const certs = pkcs12Contents(input, label).certs;
  if (certs.length === 0) throw keysMissing(`${label}: the PKCS#12 file holds no certificate`);
  return orderChain(leafOf(certs, label), certs);
}

/**
 * Builds the hub keys from a PEM certificate chain (any order) and a PEM private key (PKCS#8, PKCS#1
 * or SEC1), and the chains of the retired keys.
 */
export function hubKeysFromPem(input: { certChainPem: string; keyPem: string; keyPassphrase?: string; retired?: readonly RetiredChain[] }): HubKeys {
  let certs: X509Certificate[];
  try {
    certs = certificatesFromPem(input.certChainPem);
  } catch (err) {
    throw keysMissing(`the certificate chain does not parse: ${(err as Error).message}`);
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: input.keyPem, format: 'pem', passphrase: input.keyPassphrase });
  } catch (err) {
    // OpenSSL's message never echoes the passphrase.
    throw keysMissing(`the private key does not load (encrypted keys need the right passphrase): ${(err as Error).message}`);
  }
  return toHubKeys(privateKey, certs, input.retired);
}

/**
 * Opens a PKCS#12 file. forge opens the container; it cannot turn an EC key into a forge key, so each
 * PrivateKeyInfo is returned as DER for node:crypto.
 */
function pkcs12Contents(input: { p12: Buffer; passphrase: string }, label: string): { keyDers: Buffer[]; certs: X509Certificate[] } {
  let pfx: forge.pkcs12.Pkcs12Pfx;
  try {
    pfx = forge.pkcs12.pkcs12FromAsn1(forge.asn1.fromDer(input.p12.toString('binary')), true, input.passphrase);
  } catch (err) {
    throw keysMissing(`${label}: the PKCS#12 file does not open (wrong passphrase or unsupported format): ${(err as Error).message}`);
  }
  const { oids } = forge.pki;
  const bagsOf = (bagType: string): forge.pkcs12.Bag[] => pfx.getBags({ bagType })[bagType] ?? [];
  // forge parses RSA keys and certificates (then `asn1` is unset) and leaves anything else as ASN.1.
  const keyDers = [...bagsOf(oids.pkcs8ShroudedKeyBag!), ...bagsOf(oids.keyBag!)]
    .map((bag) => (bag.key ? derOf(forge.pki.wrapRsaPrivateKey(forge.pki.privateKeyToAsn1(bag.key))) : derOf(bag.asn1)));
  const certs = bagsOf(oids.certBag!).map((bag) => new X509Certificate(bag.cert ? derOf(forge.pki.certificateToAsn1(bag.cert)) : derOf(bag.asn1)));
  return { keyDers, certs };
}

/** Builds the hub keys from a PKCS#12 file holding the active key and its chain, and the chains of the retired keys. */
export function hubKeysFromPkcs12(input: { p12: Buffer; passphrase: string; retired?: readonly RetiredChain[] }): HubKeys {
  const { keyDers, certs } = pkcs12Contents(input, 'the hub key');
  if (keyDers.length !== 1) throw keysMissing(`the PKCS#12 file holds ${keyDers.length} private keys, expected exactly one`);
  return toHubKeys(createPrivateKey({ key: keyDers[0]!, format: 'der', type: 'pkcs8' }), certs, input.retired);
}

/**
 * Reads the files in parallel. Any that cannot be read fails the lot, with one error naming every such
 * file in the order given (not whichever read failed first: that would change from run to run).
 */
async function readAllOrFail(paths: readonly string[]): Promise<Buffer[]> {
  const results = await Promise.allSettled(paths.map((path) => readFile(path)));
  const unreadable = results.flatMap((result, i) => (result.status === 'rejected'
    ? [`cannot read ${paths[i]} (${(result.reason as NodeJS.ErrnoException).code ?? (result.reason as Error).message})`]
    : []));
  if (unreadable.length > 0) throw keysMissing(unreadable.join('; '));
  return results.map((result) => (result as PromiseFulfilledResult<Buffer>).value);
}

const readOrFail = async (path: string): Promise<Buffer> => (await readAllOrFail([path]))[0]!;

/** A file that is not PEM text is taken for a PKCS#12 (DER) file. */
const isPem = (bytes: Buffer): boolean => bytes.subarray(0, 64).toString('latin1').trimStart().startsWith('-----BEGIN');

async function loadRetired(source: RetiredKeySource): Promise<RetiredChain[]> {
  const files = await readAllOrFail(source.paths);
  return source.paths.map((path, i) => {
    const bytes = files[i]!;
    if (isPem(bytes)) return retiredChainFromPem(bytes.toString('utf8'), path);
    if (source.p12Passphrase === undefined) throw keysMissing(`${path} is not PEM; a retired PKCS#12 file needs LIENTHONG_HUB_KEYS_RETIRED_PASSPHRASE`);
    return retiredChainFromPkcs12({ p12: bytes, passphrase: source.p12Passphrase }, path);
  });
}

/** Reads the hub's key material from files: the active key, then the retired ones. Errors name the file, never the passphrase. */
export async function loadHubKeys(source: HubKeySource): Promise<HubKeys> {
  const retired = source.retired ? await loadRetired(source.retired) : [];
  if ('p12Path' in source) return hubKeysFromPkcs12({ p12: await readOrFail(source.p12Path), passphrase: source.passphrase, retired });
  const [certChainPem, keyPem] = (await readAllOrFail([source.certPath, source.keyPath])) as [Buffer, Buffer];
  return hubKeysFromPem({ certChainPem: certChainPem.toString('utf8'), keyPem: keyPem.toString('utf8'), keyPassphrase: source.keyPassphrase, retired });
}
