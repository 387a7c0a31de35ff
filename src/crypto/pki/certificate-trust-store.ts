import type { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { hubError } from '../../errors.js';
import { certificatesFromPem } from '../hub-keys.js';
import { certificateFacts } from './certificate-facts.js';

/**
 * Trust anchors (root CAs: Vietnam's National Root CA for public CAs, the Government specialised root,
 * or a test root) and intermediate CAs that help build paths but are trusted only through an anchor.
 */
export interface CertificateTrustStore {
  readonly anchors: readonly X509Certificate[];
  readonly intermediates: readonly X509Certificate[];
}

/** PEM texts (each may hold several certificates), and a name for each to put in errors. */
export interface TrustStorePems {
  anchors: readonly { name: string; pem: string }[];
  intermediates?: readonly { name: string; pem: string }[];
}

function parseCas(bundles: readonly { name: string; pem: string }[], role: string): X509Certificate[] {
  return bundles.flatMap(({ name, pem }) => {
    let certs: X509Certificate[];
    try {
      certs = certificatesFromPem(pem);
    } catch (err) {
      throw hubError('HUB_ERR_CONFIG_INVALID', [`${role} bundle ${name} does not parse: ${(err as Error).message}`]);
    }
    if (certs.length === 0) throw hubError('HUB_ERR_CONFIG_INVALID', [`${role} bundle ${name} holds no certificate`]);
    const notCa = certs.find((cert) => !certificateFacts(cert).basicConstraints?.ca);
    if (notCa) throw hubError('HUB_ERR_CONFIG_INVALID', [`${role} "${certificateFacts(notCa).subject}" in ${name} is not a CA certificate`]);
    return certs;
  });
}

/**
 * Builds a store from PEM texts. Every certificate must be a CA (basicConstraints cA=TRUE); at least
 * one anchor is needed. Throws HUB_ERR_CONFIG_INVALID naming the bundle at fault.
 */
export function createCertificateTrustStore(pems: TrustStorePems): CertificateTrustStore {
  const anchors = parseCas(pems.anchors, 'trust anchor');
  if (anchors.length === 0) throw hubError('HUB_ERR_CONFIG_INVALID', ['the trust store holds no anchor']);
  const intermediates = parseCas(pems.intermediates ?? [], 'intermediate CA');
  return Object.freeze({ anchors: Object.freeze(anchors), intermediates: Object.freeze(intermediates) });
}

/** Reads the bundles in parallel; any unreadable fails the lot, naming each such file in the order given. */
async function readBundles(paths: readonly string[], variable: string): Promise<{ name: string; pem: string }[]> {
  const results = await Promise.allSettled(paths.map((path) => readFile(path, 'utf8')));
  const unreadable = results.flatMap((result, i) => (result.status === 'rejected' ? [`cannot read ${variable} ${paths[i]}: ${(result.reason as Error).message}`] : []));
  if (unreadable.length > 0) throw hubError('HUB_ERR_CONFIG_INVALID', [unreadable.join('; ')]);
  return results.map((result, i) => ({ name: paths[i]!, pem: (result as PromiseFulfilledResult<string>).value }));
}

/** Reads the PEM bundles at `anchorPaths` (LIENTHONG_TRUST_ANCHORS) and `intermediatePaths` (LIENTHONG_TRUST_INTERMEDIATES). */
export async function loadCertificateTrustStore(anchorPaths: readonly string[], intermediatePaths: readonly string[]): Promise<CertificateTrustStore> {
  return createCertificateTrustStore({
    anchors: await readBundles(anchorPaths, 'LIENTHONG_TRUST_ANCHORS'),
    intermediates: await readBundles(intermediatePaths, 'LIENTHONG_TRUST_INTERMEDIATES'),
  });
}
