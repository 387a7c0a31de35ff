import { resolve } from 'node:path';
import { hubError } from '../../errors.js';
import type { RevocationSettings } from './certificate-verifier.js';

/** TLS, trust store and revocation settings from the environment (see `schemas/env.json`). */
export interface TrustSettings {
  /** The API listens with TLS when set: its certificate chain and key, PEM files. */
  tls?: { certPath: string; keyPath: string };
  /** Root CA bundles (LIENTHONG_TRUST_ANCHORS); empty: no client-certificate authentication. */
  anchorPaths: readonly string[];
  /** Intermediate CA bundles (LIENTHONG_TRUST_INTERMEDIATES). */
  intermediatePaths: readonly string[];
  revocation: RevocationSettings;
  /** How long a client certificate's verification is reused, ms. */
  clientCertificateCacheMs: number;
}

/** The variables this module reads, as the env schema validated and defaulted them. */
interface TrustEnv {
  LIENTHONG_TLS_CERT?: string;
  LIENTHONG_TLS_KEY?: string;
  LIENTHONG_TRUST_ANCHORS?: string;
  LIENTHONG_TRUST_INTERMEDIATES?: string;
  LIENTHONG_REVOCATION: RevocationSettings['policy'];
  LIENTHONG_CRL_SOURCES?: string;
  LIENTHONG_CRL_FROM_CERTIFICATES: boolean;
  LIENTHONG_OCSP_RESPONDER?: string;
  LIENTHONG_OCSP_FROM_CERTIFICATES: boolean;
  LIENTHONG_REVOCATION_REFRESH_MS: number;
  LIENTHONG_REVOCATION_RETRY_MS: number;
  LIENTHONG_REVOCATION_TIMEOUT_MS: number;
  LIENTHONG_CLIENT_CERT_CACHE_MS: number;
}

/** Largest CRL read, bytes (national CAs' CRLs run to a few MiB). */
const MAX_CRL_BYTES = 64 * 1024 * 1024;

/** A comma-separated list; an empty entry is an error naming the variable. */
function list(value: string | undefined, variable: string): string[] {
  if (value === undefined) return [];
  const items = value.split(',').map((item) => item.trim());
  if (items.some((item) => item === '')) throw hubError('HUB_ERR_ENV_INVALID', [`${variable} lists an empty entry (comma-separated, no empty entries)`]);
  return items;
}

/**
 * Reads the trust settings from the validated environment. Paths are resolved; CRL sources stay as
 * written when they are URLs. Throws HUB_ERR_ENV_INVALID for combinations the schema cannot express.
 */
export function trustSettingsFromEnv(validated: Record<string, unknown>): TrustSettings {
  const env = validated as unknown as TrustEnv;
  if (Boolean(env.LIENTHONG_TLS_CERT) !== Boolean(env.LIENTHONG_TLS_KEY)) {
    throw hubError('HUB_ERR_ENV_INVALID', ['LIENTHONG_TLS_CERT and LIENTHONG_TLS_KEY go together']);
  }
  const anchorPaths = list(env.LIENTHONG_TRUST_ANCHORS, 'LIENTHONG_TRUST_ANCHORS').map((p) => resolve(p));
  const intermediatePaths = list(env.LIENTHONG_TRUST_INTERMEDIATES, 'LIENTHONG_TRUST_INTERMEDIATES').map((p) => resolve(p));
  if (intermediatePaths.length > 0 && anchorPaths.length === 0) {
    throw hubError('HUB_ERR_ENV_INVALID', ['LIENTHONG_TRUST_INTERMEDIATES needs LIENTHONG_TRUST_ANCHORS']);
  }
  const crlSources = list(env.LIENTHONG_CRL_SOURCES, 'LIENTHONG_CRL_SOURCES').map((s) => (/^https?:\/\//i.test(s) ? s : resolve(s)));
  return {
    ...(env.LIENTHONG_TLS_CERT && env.LIENTHONG_TLS_KEY ? { tls: { certPath: resolve(env.LIENTHONG_TLS_CERT), keyPath: resolve(env.LIENTHONG_TLS_KEY) } } : {}),
    anchorPaths,
    intermediatePaths,
    revocation: {
      policy: env.LIENTHONG_REVOCATION,
      crlSources,
      crlFromCertificates: env.LIENTHONG_CRL_FROM_CERTIFICATES,
      ...(env.LIENTHONG_OCSP_RESPONDER ? { ocspResponder: env.LIENTHONG_OCSP_RESPONDER } : {}),
      ocspFromCertificates: env.LIENTHONG_OCSP_FROM_CERTIFICATES,
      refreshMs: env.LIENTHONG_REVOCATION_REFRESH_MS,
      retryMs: env.LIENTHONG_REVOCATION_RETRY_MS,
      timeoutMs: env.LIENTHONG_REVOCATION_TIMEOUT_MS,
      maxCrlBytes: MAX_CRL_BYTES,
    },
    clientCertificateCacheMs: env.LIENTHONG_CLIENT_CERT_CACHE_MS,
  };
}
