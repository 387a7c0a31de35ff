import { readFile } from 'node:fs/promises';
import { hubError } from '../errors.js';
import { createTrustStore, type TrustStore } from '../formats/xmldsig/index.js';
import { certificatesFromPem } from './hub-keys.js';

/**
 * The CA certificates incoming XML signatures must chain to: the PEM bundle at `path`
 * (LIENTHONG_XML_TRUST), or else the CA certificates of the hub's own chain — so packets signed by
 * another lienthong of the same PKI verify out of the box. Without either, no signer is trusted
 * (`report` records `untrusted-signer`, `require` refuses): `warning` says so for the boot log.
 */
export async function loadXmlTrustStore(path: string | undefined, hubChainPem: string): Promise<{ store: TrustStore; warning?: string }> {
  if (path !== undefined) {
    let pem: string;
    try {
      pem = await readFile(path, 'utf8');
    } catch (err) {
      throw hubError('HUB_ERR_CONFIG_INVALID', [`cannot read LIENTHONG_XML_TRUST ${path}: ${(err as Error).message}`]);
    }
    return { store: createTrustStore([pem]) };
  }
  const cas = certificatesFromPem(hubChainPem).filter((cert) => cert.ca);
  if (cas.length === 0) {
    return { store: Object.freeze({ anchors: Object.freeze([]) }), warning: 'no XML-signature trust anchors: set LIENTHONG_XML_TRUST; every incoming signature is untrusted' };
  }
  return { store: createTrustStore(cas.map((cert) => cert.toString())) };
}
