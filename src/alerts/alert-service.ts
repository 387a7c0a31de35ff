import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Metrics } from '../metrics.js';
import type { Queryable } from '../store/db.js';
import type { AuditRecord } from '../store/records.js';
import { writeAudit } from '../store/write-new-messages.js';
import type { Alert, AlertSink } from './alert.js';
import { auditWriteFailedAlert } from './alert-catalogue.js';
import type { AlertDedupe } from './alert-dedupe.js';
import type { AlertPayload, AlertWebhook } from './alert-webhook.js';

export interface AlertsOptions {
  db: Queryable;
  metrics: Pick<Metrics, 'alertsRaised' | 'alertsSuppressed' | 'auditLogFailing'>;
  log: Logger;
  now: () => Date;
  /** The hub's name as its receipts give it (`lienthong (000.00.00.G22)`). */
  hub: string;
  dedupe: AlertDedupe;
  /** Absent: alerts go to the audit log and `/metrics` only. */
  webhook?: AlertWebhook;
  /** De-duplication window of the audit-log alert, ms. */
  dedupeMs: number;
}

/** The hub's alerts in one process: raised by components, recorded, counted and sent. */
export interface Alerts extends AlertSink {
  /** The audit chain's health (`undefined`: ok), on every change: the audit-log alert. */
  auditHealth(problem: string | undefined): void;
  /** Resolves once every alert raised so far is recorded and the webhook has nothing left to send (tests). */
  settled(): Promise<void>;
  close(): Promise<void>;
}

// Alert events that could not be written (the audit log was failing) wait for it to work again; beyond
// this many the oldest are only logged.
const MAX_DEFERRED = 1_000;

/**
 * Each alert, unless a repeat within its window: (a) an audit event `alert.<name>` (actor `alerts`;
 * ids in its data, not in its message or delivery columns: an alert is about the hub's operation,
 * not part of a message's evidence), (b) `lienthong_alerts_total{alert}`, (c) the webhook. Raising
 * never waits and never throws: the work happens in the background.
 *
 * The audit-log alert cannot go to the broken log: it is sent and counted when this process sees the
 * log fail (`lienthong_audit_log_failing` 1) and its event is written once the log takes rows again,
 * dated when the failure began, with when it ended. Other alert events that failed meanwhile are
 * written then too.
 */
export function createAlerts(opts: AlertsOptions): Alerts {
  const { log, metrics } = opts;
  const inFlight = new Set<Promise<void>>();
  const suppressedSince = new Map<string, number>();
  let deferred: AuditRecord[] = [];
  let outage: { problem: string; since: Date; announced: Promise<boolean> } | undefined;

  const track = (work: () => Promise<void>): void => {
    const p = work().catch((err: unknown) => log.error({ err }, 'alert handling failed'));
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
  };

  const eventOf = (alert: Alert, at: Date, suppressed: number, extra: Record<string, unknown> = {}): AuditRecord => ({
    at, actor: 'alerts', kind: `alert.${alert.name}`,
    data: { severity: alert.severity, summary: alert.summary, ...alert.data, ...(suppressed > 0 ? { suppressed } : {}), ...extra },
  });

  /** Writes `events`, after any that failed before (in the order raised); a failure keeps them all for the next write. */
  const record = async (events: AuditRecord[]): Promise<void> => {
    const batch = [...deferred, ...events];
    deferred = [];
    if (batch.length === 0) return;
    try {
      await writeAudit(opts.db, batch);
    } catch (err) {
      log.warn({ err: (err as Error).message, kinds: events.map((e) => e.kind) }, 'alert not recorded in the audit log yet: kept until it takes rows');
      deferred = [...batch, ...deferred];
      if (deferred.length > MAX_DEFERRED) {
        const lost = deferred.splice(0, deferred.length - MAX_DEFERRED);
        log.error({ lost: lost.map((e) => ({ kind: e.kind, at: e.at, data: e.data })) }, 'alert events dropped: the audit log was unwritable too long');
      }
    }
  };

  const send = (alert: Alert, at: Date, suppressed: number): void => {
    const payload: AlertPayload = {
      id: randomUUID(), alert: alert.name, severity: alert.severity, summary: alert.summary, at: at.toISOString(), hub: opts.hub, suppressed, data: alert.data,
    };
    opts.webhook?.send(payload);
  };

  /** First of its key within its window? Counts the repeats, and hands back how many were suppressed before this one. */
  const claim = async (alert: Alert): Promise<number | undefined> => {
    // The repeats counted before this alert, taken now: a repeat suppressed while this claim awaits
    // Redis comes after it, and belongs to the next alert sent.
    const suppressed = suppressedSince.get(alert.key) ?? 0;
    suppressedSince.delete(alert.key);
    if (!(await opts.dedupe.claim(alert.key, alert.dedupeMs))) {
      suppressedSince.set(alert.key, (suppressedSince.get(alert.key) ?? 0) + suppressed + 1);
      metrics.alertsSuppressed.inc({ alert: alert.name });
      return undefined;
    }
    metrics.alertsRaised.inc({ alert: alert.name });
    log.warn({ alert: alert.name, key: alert.key, severity: alert.severity, suppressed }, alert.summary);
    return suppressed;
  };

  return {
    raise(alert) {
      const at = opts.now();
      track(async () => {
        const suppressed = await claim(alert);
        if (suppressed === undefined) return;
        send(alert, at, suppressed);
        await record([eventOf(alert, at, suppressed)]);
      });
    },

    auditHealth(problem) {
      if (problem !== undefined && !outage) {
        metrics.auditLogFailing.set(1);
        const since = opts.now();
        const alert = auditWriteFailedAlert(problem, since, opts.dedupeMs);
        const announced = claim(alert).then((suppressed) => {
          if (suppressed === undefined) return false;
          send(alert, since, suppressed);
          return true;
        });
        outage = { problem, since, announced };
        track(async () => { await announced; });
      } else if (problem === undefined && outage) {
        metrics.auditLogFailing.set(0);
        const ended = outage;
        outage = undefined;
        const recoveredAt = opts.now();
        track(async () => {
          // Only the process that announced the outage records it (every process's probe saw it).
          const announced = await ended.announced;
          const alert = auditWriteFailedAlert(ended.problem, ended.since, opts.dedupeMs);
          await record(announced ? [eventOf(alert, ended.since, 0, { recoveredAt: recoveredAt.toISOString(), lastedMs: recoveredAt.getTime() - ended.since.getTime() })] : []);
        });
      }
    },

    async settled() {
      while (inFlight.size > 0) await Promise.all([...inFlight]);
      await opts.webhook?.idle();
    },

    async close() {
      while (inFlight.size > 0) await Promise.all([...inFlight]);
      await opts.webhook?.close();
    },
  };
}
