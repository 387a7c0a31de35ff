import { webcrypto, type KeyObject } from 'node:crypto';

/**
 * A WebCrypto signing key (what pkijs signs with) for an RSA or EC P-256/P-384 private key, with
 * SHA-256: RSASSA-PKCS1-v1_5 or ECDSA.
 */
export async function signingCryptoKey(key: KeyObject): Promise<webcrypto.CryptoKey> {
  const pkcs8 = key.export({ type: 'pkcs8', format: 'der' });
  const algorithm = key.asymmetricKeyType === 'ec'
    ? { name: 'ECDSA', namedCurve: key.asymmetricKeyDetails?.namedCurve === 'secp384r1' ? 'P-384' : 'P-256' }
    : { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
  return webcrypto.subtle.importKey('pkcs8', pkcs8, algorithm, false, ['sign']);
}
