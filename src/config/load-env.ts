import { resolve } from 'node:path';
import { alertSettingsFromEnv, type AlertSettings } from '../alerts/alert-settings.js';
import type { HubKeySource } from '../crypto/hub-keys.js';
import { trustSettingsFromEnv, type TrustSettings } from '../crypto/pki/trust-settings.js';
import { hubError } from '../errors.js';
import { outboundAllowanceFromEnv } from '../net/outbound-allowance.js';
import type { OutboundAllowance } from '../net/outbound-guard.js';
import { parseSentinelUrl } from '../queue/redis-connection.js';
import { formatAjvErrors, type SchemaCatalogue } from '../schema-catalogue.js';

/** The validated environment (see `schemas/env.json` for meanings and defaults). */
export interface HubEnv {
  dataDir: string;
  configPath: string;
  /** How often each process looks for a newer configuration revision. */
  configPollMs: number;
  databaseUrl?: string;
  databasePoolSize: number;
  /** At start: apply pending migrations, or only check that none is pending. */
  migrate: 'apply' | 'check';
  redisUrl: string;
  /** The Sentinels' own password (REDIS_SENTINEL_PASSWORD), for a redis+sentinel:// URL. */
  redisSentinelPassword?: string;
  queuePrefix: string;
  host: string;
  port: number;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  bodyLimit: number;
  attachmentLimit: number;
  /** Request bodies one API process holds in memory at once, bytes (more is 503 HUB_ERR_OVERLOADED). */
  bodyMemory: number;
  /** Attachments up to this size are stored in the database with their message. */
  blobInlineMax: number;
  /** The active key, and the retired ones (`retired`, when `LIENTHONG_HUB_KEYS_RETIRED` is set). */
  keys: HubKeySource;
  workerConcurrency: number;
  /** Retry schedules, give-up windows and circuit open times run this many times fast (drills, tests). */
  policyTimeScale: number;
  sweepIntervalMs: number;
  /** How overdue a delivery must be before the sweeper checks its job, ms. */
  sweepGraceMs: number;
  apiKeyCacheMs: number;
  /** `Secure` on the console session cookie (LIENTHONG_COOKIE_SECURE; off only for plain-HTTP development). */
  cookieSecure: boolean;
  /** PEM bundle of the CA certificates incoming XML signatures must chain to; unset: the hub's own CA. */
  xmlTrustPath?: string;
  /** Incoming edXML larger than this is not kept in memory for signature verification (unverifiable: too-large). */
  xmlVerifyMaxBytes: number;
  /** Worker-only processes serve health and metrics here when set. */
  metricsPort?: number;
  /** The tamper-evident audit chain: sealing, checkpoints, fail-closed thresholds (ms and counts). */
  audit: { sealEveryMs: number; checkpointEveryMs: number; checkpointMaxEvents: number; maxUnsealedMs: number; probeEveryMs: number; lateCommitMs: number };
  /** How many audit exports one API process streams at once. */
  auditExportsMax: number;
  /** The RFC 3161 time-stamping authority for audit checkpoints, when one is configured. */
  tsa?: { url: string; caPath: string; timeoutMs: number };
  /** TLS for the API, the trust store for client certificates, revocation checking. */
  trust: TrustSettings;
  /** Alerts: the webhook (its secret not enumerable), de-duplication window, certificate expiry check. */
  alerts: AlertSettings;
  /** What adapters may reach although internal (LIENTHONG_OUTBOUND_ALLOW; unset: nothing). */
  outboundAllow: OutboundAllowance;
}

interface RawEnv {
  LIENTHONG_DATA_DIR: string;
  LIENTHONG_CONFIG: string;
  LIENTHONG_CONFIG_POLL_MS: number;
  DATABASE_URL?: string;
  DATABASE_POOL_SIZE: number;
  LIENTHONG_MIGRATE: 'apply' | 'check';
  REDIS_URL: string;
  REDIS_SENTINEL_PASSWORD?: string;
  LIENTHONG_QUEUE_PREFIX: string;
  HOST: string;
  PORT: number;
  LOG_LEVEL: HubEnv['logLevel'];
  LIENTHONG_BODY_LIMIT: number;
  LIENTHONG_ATTACHMENT_LIMIT: number;
  LIENTHONG_BODY_MEMORY: number;
  LIENTHONG_BLOB_INLINE_MAX: number;
  LIENTHONG_HUB_CERT?: string;
  LIENTHONG_HUB_KEY?: string;
  LIENTHONG_HUB_KEY_PASSPHRASE?: string;
  LIENTHONG_HUB_P12?: string;
  LIENTHONG_HUB_P12_PASSPHRASE?: string;
  LIENTHONG_HUB_KEYS_RETIRED?: string;
  LIENTHONG_HUB_KEYS_RETIRED_PASSPHRASE?: string;
  LIENTHONG_WORKER_CONCURRENCY: number;
  LIENTHONG_POLICY_TIME_SCALE: number;
  LIENTHONG_SWEEP_INTERVAL_MS: number;
  LIENTHONG_SWEEP_GRACE_MS: number;
  LIENTHONG_API_KEY_CACHE_MS: number;
  LIENTHONG_COOKIE_SECURE: boolean;
  LIENTHONG_METRICS_PORT?: number;
  LIENTHONG_XML_TRUST?: string;
  LIENTHONG_XML_VERIFY_MAX_BYTES: number;
  LIENTHONG_AUDIT_SEAL_INTERVAL_MS: number;
  LIENTHONG_AUDIT_CHECKPOINT_INTERVAL_MS: number;
  LIENTHONG_AUDIT_CHECKPOINT_MAX_EVENTS: number;
  LIENTHONG_AUDIT_MAX_UNSEALED_MS: number;
  LIENTHONG_AUDIT_PROBE_INTERVAL_MS: number;
  LIENTHONG_AUDIT_EXPORTS_MAX: number;
  LIENTHONG_AUDIT_LATE_COMMIT_MS: number;
  LIENTHONG_TSA_URL?: string;
  LIENTHONG_TSA_CA?: string;
  LIENTHONG_TSA_TIMEOUT_MS: number;
}

/**
 * Validates the environment against `schemas/env.json`. Unset variables take their documented
 * defaults; a variable that is set but empty or invalid stops the boot with every problem listed.
 */
export function loadEnv(source: NodeJS.ProcessEnv, catalogue: SchemaCatalogue): HubEnv {
  const known = catalogue.coercing.getSchema('https://lienthong.vn/schemas/env.json');
  if (!known) throw new Error('env schema missing from the catalogue');
  const properties = Object.keys((known.schema as { properties: Record<string, unknown> }).properties);
  const raw: Record<string, unknown> = {};
  const empty: string[] = [];
  for (const name of properties) {
    const value = source[name];
    if (value === '') empty.push(`env/${name} is set but empty`);
    else if (value !== undefined) raw[name] = value;
  }
  if (empty.length > 0) throw hubError('HUB_ERR_ENV_INVALID', [empty.join('; ')]);
  if (!known(raw)) throw hubError('HUB_ERR_ENV_INVALID', [formatAjvErrors(known.errors, 'env').join('; ')]);
  const env = raw as unknown as RawEnv;

  if (env.LIENTHONG_HUB_P12 && (env.LIENTHONG_HUB_CERT || env.LIENTHONG_HUB_KEY)) {
    throw hubError('HUB_ERR_ENV_INVALID', ['set either LIENTHONG_HUB_P12 or LIENTHONG_HUB_CERT/LIENTHONG_HUB_KEY, not both']);
  }
  if (env.LIENTHONG_HUB_P12 && env.LIENTHONG_HUB_P12_PASSPHRASE === undefined) {
    throw hubError('HUB_ERR_ENV_INVALID', ['LIENTHONG_HUB_P12 needs LIENTHONG_HUB_P12_PASSPHRASE']);
  }
  if (Boolean(env.LIENTHONG_HUB_CERT) !== Boolean(env.LIENTHONG_HUB_KEY)) {
    throw hubError('HUB_ERR_ENV_INVALID', ['LIENTHONG_HUB_CERT and LIENTHONG_HUB_KEY go together']);
  }

  const retiredPaths = (env.LIENTHONG_HUB_KEYS_RETIRED ?? '').split(',').map((path) => path.trim());
  if (env.LIENTHONG_HUB_KEYS_RETIRED !== undefined && retiredPaths.some((path) => path === '')) {
    throw hubError('HUB_ERR_ENV_INVALID', ['LIENTHONG_HUB_KEYS_RETIRED lists an empty path (comma-separated files, no empty entries)']);
  }
  if (env.LIENTHONG_HUB_KEYS_RETIRED_PASSPHRASE !== undefined && env.LIENTHONG_HUB_KEYS_RETIRED === undefined) {
    throw hubError('HUB_ERR_ENV_INVALID', ['LIENTHONG_HUB_KEYS_RETIRED_PASSPHRASE is set without LIENTHONG_HUB_KEYS_RETIRED']);
  }

  let sentinel: ReturnType<typeof parseSentinelUrl>;
  try {
    sentinel = parseSentinelUrl(env.REDIS_URL);
  } catch (err) {
    // The message names the URL's shape, never its password.
    throw hubError('HUB_ERR_ENV_INVALID', [`REDIS_URL: ${(err as Error).message}`]);
  }
  if (!sentinel && env.REDIS_SENTINEL_PASSWORD !== undefined) {
    throw hubError('HUB_ERR_ENV_INVALID', ['REDIS_SENTINEL_PASSWORD is set but REDIS_URL is not a redis+sentinel:// URL']);
  }

  if (Boolean(env.LIENTHONG_TSA_URL) !== Boolean(env.LIENTHONG_TSA_CA)) {
    throw hubError('HUB_ERR_ENV_INVALID', ['LIENTHONG_TSA_URL and LIENTHONG_TSA_CA go together (the TSA and the CA its tokens must chain to)']);
  }

  const dataDir = resolve(env.LIENTHONG_DATA_DIR);
  const active = env.LIENTHONG_HUB_P12
    ? { p12Path: resolve(env.LIENTHONG_HUB_P12), passphrase: env.LIENTHONG_HUB_P12_PASSPHRASE ?? '' }
    : {
        certPath: resolve(env.LIENTHONG_HUB_CERT ?? `${dataDir}/keys/hub-chain.pem`),
        keyPath: resolve(env.LIENTHONG_HUB_KEY ?? `${dataDir}/keys/hub-key.pem`),
        ...(env.LIENTHONG_HUB_KEY_PASSPHRASE !== undefined ? { keyPassphrase: env.LIENTHONG_HUB_KEY_PASSPHRASE } : {}),
      };
  const keys: HubKeySource = env.LIENTHONG_HUB_KEYS_RETIRED === undefined ? active : {
    ...active,
    retired: Object.freeze({
      paths: Object.freeze(retiredPaths.map((path) => resolve(path))),
      ...(env.LIENTHONG_HUB_KEYS_RETIRED_PASSPHRASE !== undefined ? { p12Passphrase: env.LIENTHONG_HUB_KEYS_RETIRED_PASSPHRASE } : {}),
    }),
  };

  return Object.freeze({
    dataDir,
    configPath: resolve(env.LIENTHONG_CONFIG),
    configPollMs: env.LIENTHONG_CONFIG_POLL_MS,
    ...(env.DATABASE_URL ? { databaseUrl: env.DATABASE_URL } : {}),
    databasePoolSize: env.DATABASE_POOL_SIZE,
    migrate: env.LIENTHONG_MIGRATE,
    redisUrl: env.REDIS_URL,
    ...(env.REDIS_SENTINEL_PASSWORD !== undefined ? { redisSentinelPassword: env.REDIS_SENTINEL_PASSWORD } : {}),
    queuePrefix: env.LIENTHONG_QUEUE_PREFIX,
    host: env.HOST,
    port: env.PORT,
    logLevel: env.LOG_LEVEL,
    bodyLimit: env.LIENTHONG_BODY_LIMIT,
    attachmentLimit: env.LIENTHONG_ATTACHMENT_LIMIT,
    bodyMemory: env.LIENTHONG_BODY_MEMORY,
    blobInlineMax: env.LIENTHONG_BLOB_INLINE_MAX,
    keys: Object.freeze(keys),
    workerConcurrency: env.LIENTHONG_WORKER_CONCURRENCY,
    policyTimeScale: env.LIENTHONG_POLICY_TIME_SCALE,
    sweepIntervalMs: env.LIENTHONG_SWEEP_INTERVAL_MS,
    sweepGraceMs: env.LIENTHONG_SWEEP_GRACE_MS,
    apiKeyCacheMs: env.LIENTHONG_API_KEY_CACHE_MS,
    cookieSecure: env.LIENTHONG_COOKIE_SECURE,
    ...(env.LIENTHONG_XML_TRUST ? { xmlTrustPath: resolve(env.LIENTHONG_XML_TRUST) } : {}),
    xmlVerifyMaxBytes: env.LIENTHONG_XML_VERIFY_MAX_BYTES,
    ...(env.LIENTHONG_METRICS_PORT !== undefined ? { metricsPort: env.LIENTHONG_METRICS_PORT } : {}),
    trust: Object.freeze(trustSettingsFromEnv(raw)),
    alerts: alertSettingsFromEnv(raw),
    outboundAllow: outboundAllowanceFromEnv(raw),
    auditExportsMax: env.LIENTHONG_AUDIT_EXPORTS_MAX,
    audit: Object.freeze({
      sealEveryMs: env.LIENTHONG_AUDIT_SEAL_INTERVAL_MS,
      checkpointEveryMs: env.LIENTHONG_AUDIT_CHECKPOINT_INTERVAL_MS,
      checkpointMaxEvents: env.LIENTHONG_AUDIT_CHECKPOINT_MAX_EVENTS,
      maxUnsealedMs: env.LIENTHONG_AUDIT_MAX_UNSEALED_MS,
      probeEveryMs: env.LIENTHONG_AUDIT_PROBE_INTERVAL_MS,
      lateCommitMs: env.LIENTHONG_AUDIT_LATE_COMMIT_MS,
    }),
    ...(env.LIENTHONG_TSA_URL && env.LIENTHONG_TSA_CA
      ? { tsa: Object.freeze({ url: env.LIENTHONG_TSA_URL, caPath: resolve(env.LIENTHONG_TSA_CA), timeoutMs: env.LIENTHONG_TSA_TIMEOUT_MS }) }
      : {}),
  });
}
