import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { AuditChain } from '../audit/audit-chain.js';
import type { HubEnv } from '../config/load-env.js';
import type { Metrics } from '../metrics.js';
import type { Queryable } from '../store/db.js';
import { createAlertDedupe } from './alert-dedupe.js';
import { createAlerts, type Alerts } from './alert-service.js';
import { createAlertWebhook } from './alert-webhook.js';
import { certificateSourcesOf } from './certificate-sources.js';
import { startCertificateWatch, type CertificateWatch } from './certificate-watch.js';

export interface OpenAlertsOptions {
  env: Pick<HubEnv, 'alerts' | 'queuePrefix' | 'trust' | 'xmlTrustPath' | 'tsa'>;
  db: Queryable;
  /** For de-duplication across processes (keys under the queue prefix). */
  redis: Redis;
  metrics: Metrics;
  log: Logger;
  now: () => Date;
  /** The hub's name as its receipts give it. */
  issuer: string;
  audit: Pick<AuditChain, 'onHealthChange'>;
  signingChainPem: string;
}

/** The alert service of one process, with the audit-log watch and the certificate check wired in. */
export interface OpenedAlerts {
  alerts: Alerts;
  certificates: CertificateWatch;
  close(): Promise<void>;
}

/**
 * Every process raises alerts: workers for deliveries and circuits, and every process for the audit
 * log it writes to and the certificates it holds. Opened after the store and Redis, closed before them.
 */
export function openAlerts(opts: OpenAlertsOptions): OpenedAlerts {
  const settings = opts.env.alerts;
  const log = opts.log.child({ component: 'alerts' });
  const webhook = settings.webhook ? createAlertWebhook({ settings: settings.webhook, metrics: opts.metrics, log }) : undefined;
  const alerts = createAlerts({
    db: opts.db, metrics: opts.metrics, log, now: opts.now, hub: opts.issuer, dedupeMs: settings.dedupeMs,
    dedupe: createAlertDedupe({ redis: opts.redis, prefix: opts.env.queuePrefix, log }),
    ...(webhook ? { webhook } : {}),
  });
  opts.metrics.auditLogFailing.set(0);
  opts.audit.onHealthChange((problem) => alerts.auditHealth(problem));
  const certificates = startCertificateWatch({
    sources: certificateSourcesOf(opts.env, opts.signingChainPem), withinDays: settings.certificateDays, everyMs: settings.certificateCheckEveryMs,
    alerts, metrics: opts.metrics, log, now: opts.now,
  });
  return {
    alerts,
    certificates,
    async close() {
      await certificates.stop();
      await alerts.close();
    },
  };
}
