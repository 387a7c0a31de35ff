import { X509Certificate } from 'node:crypto';

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * Parses the KeyInfo X509Certificate values (base64 DER). Returns the first one that is not a
 * certificate, e.g. the vendor samples' 11-character stub, instead of throwing.
 */
export function parseKeyInfoCertificates(values: readonly string[]): { ok: true; certs: X509Certificate[] } | { ok: false; index: number; length: number } {
  const certs: X509Certificate[] = [];
  for (const [index, value] of values.entries()) {
    try {
      if (!BASE64.test(value)) throw new Error('not base64');
      certs.push(new X509Certificate(Buffer.from(value, 'base64')));
    } catch {
      return { ok: false, index, length: value.length };
    }
  }
  return { ok: true, certs };
}
