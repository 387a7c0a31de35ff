import { hubError } from '../errors.js';

/** Where alerts go besides the audit log and `/metrics`, and how often they may repeat. */
export interface AlertSettings {
  /** The webhook alerts are POSTed to (absent: none). Its `secret` is not enumerable: JSON and logs leave it out. */
  webhook?: AlertWebhookSettings;
  /** A repeat of the same alert (same circuit, same endpoint's failures …) within this is counted, not sent, ms. */
  dedupeMs: number;
  /** Certificates expiring within this many days are announced. */
  certificateDays: number;
  /** How often the certificates are checked (also once at boot), ms. */
  certificateCheckEveryMs: number;
}

export interface AlertWebhookSettings {
  url: string;
  /** HMAC-SHA256 key of the `X-Lienthong-Signature` header (absent: unsigned). */
  readonly secret?: string;
  timeoutMs: number;
}

/** The variables this module reads, as the env schema validated and defaulted them. */
interface AlertEnv {
  LIENTHONG_ALERT_WEBHOOK_URL?: string;
  LIENTHONG_ALERT_WEBHOOK_SECRET?: string;
  LIENTHONG_ALERT_WEBHOOK_TIMEOUT_MS: number;
  LIENTHONG_ALERT_DEDUPE_MS: number;
  LIENTHONG_ALERT_CERT_DAYS: number;
  LIENTHONG_ALERT_CERT_CHECK_INTERVAL_MS: number;
}

/** Reads the alert settings from the validated environment; a secret without a webhook is an error. */
export function alertSettingsFromEnv(validated: Record<string, unknown>): AlertSettings {
  const env = validated as unknown as AlertEnv;
  if (env.LIENTHONG_ALERT_WEBHOOK_SECRET !== undefined && env.LIENTHONG_ALERT_WEBHOOK_URL === undefined) {
    throw hubError('HUB_ERR_ENV_INVALID', ['LIENTHONG_ALERT_WEBHOOK_SECRET is set without LIENTHONG_ALERT_WEBHOOK_URL']);
  }
  let webhook: AlertWebhookSettings | undefined;
  if (env.LIENTHONG_ALERT_WEBHOOK_URL !== undefined) {
    webhook = { url: env.LIENTHONG_ALERT_WEBHOOK_URL, timeoutMs: env.LIENTHONG_ALERT_WEBHOOK_TIMEOUT_MS };
    // Not enumerable, like the hub's private key: an environment object logged or serialised never shows it.
    if (env.LIENTHONG_ALERT_WEBHOOK_SECRET !== undefined) Object.defineProperty(webhook, 'secret', { value: env.LIENTHONG_ALERT_WEBHOOK_SECRET, enumerable: false });
    Object.freeze(webhook);
  }
  return Object.freeze({
    ...(webhook ? { webhook } : {}),
    dedupeMs: env.LIENTHONG_ALERT_DEDUPE_MS,
    certificateDays: env.LIENTHONG_ALERT_CERT_DAYS,
    certificateCheckEveryMs: env.LIENTHONG_ALERT_CERT_CHECK_INTERVAL_MS,
  });
}
