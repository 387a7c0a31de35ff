import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import forge from 'node-forge';
import { hubError } from '../errors.js';
import type { JwsAlg, JwsSigner } from './jws.js';

/** The hub's loaded signing identity. */
export interface HubKeys {
  signer: JwsSigner;
  /** PEM certificates, leaf first: what `GET /v1/hub/certificate` serves. */
  chainPem: string;
  leaf: X509Certificate;
  /** SHA-256 of the leaf DER as colon-separated hex, as `openssl x509 -fingerprint -sha256` prints it. */
  fingerprintSha256: string;
}

/** Where `loadHubKeys` finds the key: a PEM certificate chain and key, or a PKCS#12 file. */
export type HubKeySource = { certPath: string; keyPath: string; keyPassphrase?: string } | { p12Path: string; passphrase: string };

const keysMissing = (detail: string): Error => hubError('HUB_ERR_KEYS_MISSING', [detail]);
const oneLine = (dn: string): string => dn.split('\n').join(', ');
const derOf = (node: forge.asn1.Asn1): Buffer => Buffer.from(forge.asn1.toDer(node).getBytes(), 'binary');

/** Parses every certificate in a PEM bundle, in file order. Throws on a block that is not a certificate. */
export function certificatesFromPem(pem: string): X509Certificate[] {
  return (pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []).map((block) => new X509Certificate(block));
}

function algFor(key: KeyObject): JwsAlg {
  const details = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === 'ec' && details.namedCurve === 'prime256v1') return 'ES256';
  if (key.asymmetricKeyType === 'rsa' && (details.modulusLength ?? 0) >= 2048) return 'RS256';
  const what = [key.asymmetricKeyType, details.namedCurve, details.modulusLength && `${details.modulusLength} bits`].filter(Boolean).join(' ');
  throw keysMissing(`unsupported private key (${what}): use EC P-256 for ES256 or RSA of at least 2048 bits for RS256`);
}

/** Leaf (the certificate of `key`) first, then each issuer in turn. Every certificate must be on that path. */
function orderChain(key: KeyObject, certs: X509Certificate[]): X509Certificate[] {
  const leaf = certs.find((cert) => cert.checkPrivateKey(key));
  if (!leaf) throw keysMissing('the private key does not match any certificate in the chain');
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

function toHubKeys(privateKey: KeyObject, certs: X509Certificate[]): HubKeys {
  if (certs.length === 0) throw keysMissing('no certificate found');
  const alg = algFor(privateKey);
  const chain = orderChain(privateKey, certs);
  const leaf = chain[0]!;
  // Frozen: signJws caches the encoded header per signer, so the signer must not change under it.
  const x5c = Object.freeze(chain.map((cert) => cert.raw.toString('base64')));
  return {
    signer: Object.freeze({ alg, privateKey, x5c }),
    chainPem: chain.map((cert) => cert.toString()).join(''),
    leaf,
    fingerprintSha256: leaf.fingerprint256,
  };
}

/** Builds the hub keys from a PEM certificate chain (any order) and a PEM private key (PKCS#8, PKCS#1 or SEC1). */
export function hubKeysFromPem(input: { certChainPem: string; keyPem: string; keyPassphrase?: string }): HubKeys {
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
  return toHubKeys(privateKey, certs);
}

/**
 * Builds the hub keys from a PKCS#12 file. forge opens the container; it cannot turn an EC key into a
 * forge key, so the PrivateKeyInfo is handed to node:crypto as DER instead.
 */
export function hubKeysFromPkcs12(input: { p12: Buffer; passphrase: string }): HubKeys {
  let pfx: forge.pkcs12.Pkcs12Pfx;
  try {
    pfx = forge.pkcs12.pkcs12FromAsn1(forge.asn1.fromDer(input.p12.toString('binary')), true, input.passphrase);
  } catch (err) {
    throw keysMissing(`the PKCS#12 file does not open (wrong passphrase or unsupported format): ${(err as Error).message}`);
  }
  const { oids } = forge.pki;
  const bagsOf = (bagType: string): forge.pkcs12.Bag[] => pfx.getBags({ bagType })[bagType] ?? [];
  const keyBags = [...bagsOf(oids.pkcs8ShroudedKeyBag!), ...bagsOf(oids.keyBag!)];
  if (keyBags.length !== 1) throw keysMissing(`the PKCS#12 file holds ${keyBags.length} private keys, expected exactly one`);
  const keyBag = keyBags[0]!;
  // forge parses RSA keys and certificates (then `asn1` is unset) and leaves anything else as ASN.1.
  const keyDer = keyBag.key ? derOf(forge.pki.wrapRsaPrivateKey(forge.pki.privateKeyToAsn1(keyBag.key))) : derOf(keyBag.asn1);
  const certs = bagsOf(oids.certBag!).map((bag) => new X509Certificate(bag.cert ? derOf(forge.pki.certificateToAsn1(bag.cert)) : derOf(bag.asn1)));
  return toHubKeys(createPrivateKey({ key: keyDer, format: 'der', type: 'pkcs8' }), certs);
}

async function readOrFail(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (err) {
    throw keysMissing(`cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
}

/** Reads the hub's key material from files. Errors name the file, never the passphrase. */
export async function loadHubKeys(source: HubKeySource): Promise<HubKeys> {
  if ('p12Path' in source) return hubKeysFromPkcs12({ p12: await readOrFail(source.p12Path), passphrase: source.passphrase });
  const [certChainPem, keyPem] = await Promise.all([readOrFail(source.certPath), readOrFail(source.keyPath)]);
  return hubKeysFromPem({ certChainPem: certChainPem.toString('utf8'), keyPem: keyPem.toString('utf8'), keyPassphrase: source.keyPassphrase });
}
