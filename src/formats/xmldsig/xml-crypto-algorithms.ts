import { createPrivateKey, createPublicKey, KeyObject, sign, type BinaryLike, type KeyLike } from 'node:crypto';
import { createOptionalCallbackFunction, type SignatureAlgorithm } from 'xml-crypto';
import { keyFitsMethod, keyInputFor, SIGNATURE_METHODS, verifyWithMethod, type SignatureMethod } from './signature-methods.js';

const asKey = (key: KeyLike, make: (k: string | Buffer) => KeyObject): KeyObject => (key instanceof KeyObject ? key : make(key as string | Buffer));

/**
 * An xml-crypto SignatureAlgorithm backed by our node:crypto code. xml-crypto 6 has no ECDSA; this
 * adds ecdsa-sha256 (raw r‖s) and replaces its RSA classes, so every method refuses a key of the
 * wrong type instead of trying it (no RSA key can "verify" an ECDSA SignatureMethod).
 */
function algorithmClass(method: SignatureMethod): new () => SignatureAlgorithm {
  return class implements SignatureAlgorithm {
    getAlgorithmName = (): string => method.uri;

    getSignature = createOptionalCallbackFunction((signedInfo: BinaryLike, privateKey: KeyLike): string => {
      const key = asKey(privateKey, (k) => createPrivateKey(k));
      if (!keyFitsMethod(key, method)) throw new Error(`the key does not fit ${method.name}`);
      return sign(method.hash, Buffer.from(signedInfo as string), keyInputFor(method, key)).toString('base64');
    });

    verifySignature = createOptionalCallbackFunction((material: string, key: KeyLike, signatureValue: string): boolean => {
      const publicKey = asKey(key, (k) => createPublicKey(k));
      return keyFitsMethod(publicKey, method) && verifyWithMethod(method, publicKey, Buffer.from(material, 'utf8'), Buffer.from(signatureValue, 'base64'));
    });
  };
}

/** The only SignatureAlgorithms a SignedXml gets in the hub: one per entry of SIGNATURE_METHODS. */
export function xmlCryptoSignatureAlgorithms(): Record<string, new () => SignatureAlgorithm> {
  return Object.fromEntries([...SIGNATURE_METHODS.values()].map((method) => [method.uri, algorithmClass(method)]));
}
