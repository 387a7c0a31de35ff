import { readFile } from 'node:fs/promises';
import type { SecureContextOptions, TlsOptions } from 'node:tls';
import type { Logger } from 'pino';
import type { ConfiguredClientCertificate } from '../config/hub-config.js';
import { loadCertificateTrustStore } from '../crypto/pki/certificate-trust-store.js';
import { createCertificateVerifier } from '../crypto/pki/certificate-verifier.js';
import type { TrustSettings } from '../crypto/pki/trust-settings.js';
import { hubError } from '../errors.js';
import { createClientCertificateResolver, type ClientCertificateResolver } from './client-certificates.js';

/** What the API needs for TLS and client certificates, opened from the trust settings. */
export interface ClientCertificateAuth {
  /** TLS options of the API server (absent: plain HTTP). */
  https?: TlsOptions & SecureContextOptions;
  /** Present when the API listens with TLS and a trust store is configured. */
  clientCertificates?: ClientCertificateResolver;
  /** Settings that do not fit together, for the boot log. */
  warnings: string[];
}

async function readPem(path: string, variable: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw hubError('HUB_ERR_CONFIG_INVALID', [`cannot read ${variable} ${path}: ${(err as Error).message}`]);
  }
}

/**
 * Reads the TLS certificate and key, loads the trust store and builds the verifier and the
 * client-certificate resolver. With TLS and a trust store the server asks every client for a
 * certificate but lets the handshake succeed without one or with a bad one (`rejectUnauthorized:
 * false`): API keys still work, and the hub answers a refused certificate with its coded error.
 */
export async function openClientCertificateAuth(settings: TrustSettings, mappings: readonly ConfiguredClientCertificate[], log: Logger, now: () => Date): Promise<ClientCertificateAuth> {
  const warnings: string[] = [];
  const tls = settings.tls && { cert: await readPem(settings.tls.certPath, 'LIENTHONG_TLS_CERT'), key: await readPem(settings.tls.keyPath, 'LIENTHONG_TLS_KEY') };
  if (settings.anchorPaths.length === 0) {
    if (mappings.length > 0) warnings.push('clientCertificates are configured but LIENTHONG_TRUST_ANCHORS is not set: no client certificate is accepted');
    return { ...(tls ? { https: tls } : {}), warnings };
  }
  if (!tls) {
    warnings.push('LIENTHONG_TRUST_ANCHORS is set but the API does not listen with TLS (LIENTHONG_TLS_CERT/KEY): no client certificate can be presented');
    return { warnings };
  }
  const store = await loadCertificateTrustStore(settings.anchorPaths, settings.intermediatePaths);
  const verifier = createCertificateVerifier({ store, revocation: settings.revocation, now });
  const clientCertificates = createClientCertificateResolver({ verifier, mappings, cacheMs: settings.clientCertificateCacheMs, log, now: () => now().getTime() });
  const ca = [...store.anchors, ...store.intermediates].map((cert) => cert.toString());
  return { https: { ...tls, ca, requestCert: true, rejectUnauthorized: false }, clientCertificates, warnings };
}
