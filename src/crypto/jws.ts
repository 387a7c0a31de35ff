import { createPublicKey, sign as cryptoSign, verify as cryptoVerify, type KeyObject } from 'node:crypto';

/** JWS algorithms the hub signs with (RFC 7518 §3.1). */
export type JwsAlg = 'ES256' | 'RS256';

/** The hub's signing identity: a private key, its id and its certificate chain. */
export interface JwsSigner {
  alg: JwsAlg;
  /** Names the key in the protected header (RFC 7515 §4.1.4); see `keyIdOf`. */
  kid: string;
  privateKey: KeyObject;
  /** Base64 (not URL-safe) DER certificates, leaf first (RFC 7515 §4.1.6). */
  x5c: readonly string[];
}

export interface DecodedJws {
  header: Record<string, unknown> & { alg: string; kid?: string; x5c?: string[]; typ?: string };
  payload: Record<string, unknown>;
  signingInput: string;
  signature: Buffer;
}

const b64u = (bytes: Buffer | string): string => Buffer.from(bytes).toString('base64url');

// The x5c header is ~1–2 KB; encode it once per signer and typ rather than per signature (signers are frozen).
const headerCache = new WeakMap<JwsSigner, Map<string, string>>();

function encodedHeader(signer: JwsSigner, typ: string): string {
  let byTyp = headerCache.get(signer);
  if (!byTyp) headerCache.set(signer, (byTyp = new Map()));
  let encoded = byTyp.get(typ);
  if (encoded === undefined) {
    encoded = b64u(JSON.stringify({ alg: signer.alg, typ, kid: signer.kid, x5c: signer.x5c }));
    byTyp.set(typ, encoded);
  }
  return encoded;
}

/**
 * Signs `payload` as a JWS compact serialisation. RS256 signs on the libuv thread pool (an RSA-2048
 * signature is ~0.7 ms of CPU here, too long for the event loop); ES256 signs inline, because handing
 * a ~35 µs ECDSA signature to the pool costs the event loop about as much as doing it.
 */
export function signJws(signer: JwsSigner, payload: Record<string, unknown>, typ: string): Promise<string> {
  const signingInput = `${encodedHeader(signer, typ)}.${b64u(JSON.stringify(payload))}`;
  const data = Buffer.from(signingInput);
  if (signer.alg === 'ES256') {
    try {
      // ES256 wants the raw r‖s form (RFC 7518 §3.4), not DER.
      const signature = cryptoSign('sha256', data, { key: signer.privateKey, dsaEncoding: 'ieee-p1363' });
      return Promise.resolve(`${signingInput}.${b64u(signature)}`);
    } catch (err) {
      return Promise.reject(err);
    }
  }
  return new Promise((resolve, reject) => {
    cryptoSign('sha256', data, signer.privateKey, (err, signature) => {
      if (err) reject(err);
      else resolve(`${signingInput}.${b64u(signature)}`);
    });
  });
}

/** Splits and decodes a compact JWS without verifying it. Throws on anything malformed. */
export function decodeJws(jws: string): DecodedJws {
  const parts = jws.split('.');
  if (parts.length !== 3) throw new Error('JWS must have three dot-separated parts');
  const [h, p, s] = parts as [string, string, string];
  const header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8')) as DecodedJws['header'];
  const payload = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as Record<string, unknown>;
  if (typeof header.alg !== 'string') throw new Error('JWS header has no alg');
  return { header, payload, signingInput: `${h}.${p}`, signature: Buffer.from(s, 'base64url') };
}

/**
 * Verifies the signature of a compact JWS with `publicKey` (mirror of `signJws`). Does not look at
 * the x5c chain: callers that trust a chain check it first (see `verify-receipt.ts`).
 */
export function verifyJwsSignature(jws: string, publicKey: KeyObject | string): DecodedJws {
  const decoded = decodeJws(jws);
  const key = typeof publicKey === 'string' ? createPublicKey(publicKey) : publicKey;
  const alg = decoded.header.alg;
  const expectedType = alg === 'ES256' ? 'ec' : alg === 'RS256' ? 'rsa' : undefined;
  if (!expectedType) throw new Error(`Unsupported JWS alg ${alg}`);
  if (key.asymmetricKeyType !== expectedType) throw new Error(`Key type ${key.asymmetricKeyType} does not match alg ${alg}`);
  const verifyKey = alg === 'ES256' ? { key, dsaEncoding: 'ieee-p1363' as const } : key;
  if (!cryptoVerify('sha256', Buffer.from(decoded.signingInput), verifyKey, decoded.signature)) {
    throw new Error('JWS signature does not verify');
  }
  return decoded;
}
