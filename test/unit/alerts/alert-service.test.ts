import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { certificateExpiringAlert, circuitOpenAlert, deliveryFailedAlert } from '../../../src/alerts/alert-catalogue.js';
import { createAlertDedupe } from '../../../src/alerts/alert-dedupe.js';
import { createAlerts } from '../../../src/alerts/alert-service.js';
import type { AlertPayload, AlertWebhook } from '../../../src/alerts/alert-webhook.js';
import { createMetrics } from '../../../src/metrics.js';
import type { Queryable } from '../../../src/store/db.js';

const log = pino({ level: 'silent' });

interface WrittenEvent { at: Date; actor: string; kind: string; messageId: string | null; deliveryId: string | null; data: Record<string, any> }

/** A database that records audit inserts (7 values a row) and can be made to refuse them. */
function fakeDb(): Queryable & { events: WrittenEvent[]; failing: boolean } {
  const db = {
    events: [] as WrittenEvent[],
    failing: false,
    async query(sql: string, params: readonly unknown[] = []) {
      if (!sql.includes('INSERT INTO audit_events')) throw new Error(`unexpected SQL ${sql}`);
      if (db.failing) throw new Error('no space left for the audit log (test)');
      for (let i = 0; i < params.length; i += 7) {
        const [at, actor, kind, messageId, deliveryId, data] = params.slice(i, i + 7) as [Date, string, string, string | null, string | null, string];
        db.events.push({ at, actor, kind, messageId, deliveryId, data: JSON.parse(data) });
      }
      return { rows: [], rowCount: params.length / 7 };
    },
  };
  return db as never;
}

function fakeWebhook(): AlertWebhook & { sent: AlertPayload[] } {
  const sent: AlertPayload[] = [];
  return { sent, send: (p) => { sent.push(p); }, idle: async () => undefined, close: async () => undefined };
}

function setup() {
  let now = Date.parse('2026-12-07T03:00:00Z');
  const db = fakeDb();
  const webhook = fakeWebhook();
  const metrics = createMetrics({ defaultMetrics: false });
  const alerts = createAlerts({
    db, metrics, log, hub: 'lienthong (test)', webhook, dedupeMs: 60_000, now: () => new Date(now),
    dedupe: createAlertDedupe({ prefix: 'unit', log, now: () => now }),
  });
  const value = async (name: 'alertsRaised' | 'alertsSuppressed', alert: string) =>
    (await metrics[name].get()).values.find((v) => v.labels.alert === alert)?.value ?? 0;
  return { db, webhook, metrics, alerts, value, advance: (ms: number) => { now += ms; } };
}

const failed = (n: number) => deliveryFailedAlert({ endpoint: 'h41', deliveryId: `d-${n}`, messageId: `m-${n}`, recipient: '000.00.00.H41', attempts: 4, reason: 'HTTP 503; giving up: all 4 attempts used' }, 60_000);

describe('alerts', () => {
  it('a repeat suppressed while the first alert still awaits the cross-process claim counts for the next alert, not this one', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const webhook = fakeWebhook();
    // Redis answers the first claim late; the repeat is refused at once by this process's memory.
    let release: () => void = () => undefined;
    const slowFirst = new Promise<void>((r) => { release = r; });
    const local = createAlertDedupe({ prefix: 'unit', log });
    const dedupe = { claim: async (key: string, ms: number) => { const first = await local.claim(key, ms); if (first) await slowFirst; return first; } };
    const alerts = createAlerts({ db: fakeDb(), metrics, log, hub: 'lienthong (test)', webhook, dedupeMs: 60_000, now: () => new Date(), dedupe });
    alerts.raise(failed(1));
    alerts.raise(failed(2));
    await new Promise((r) => setTimeout(r, 10));
    release();
    await alerts.settled();
    expect(webhook.sent.map((p) => [p.data.deliveryId, p.suppressed])).toEqual([['d-1', 0]]);
  });

  it('records each alert as an audit event alert.<name> (ids in data), counts it and sends it', async () => {
    const { db, webhook, alerts, value } = setup();
    alerts.raise(failed(1));
    await alerts.settled();
    expect(db.events).toEqual([{
      at: expect.any(Date), actor: 'alerts', kind: 'alert.delivery-failed', messageId: null, deliveryId: null,
      data: expect.objectContaining({ severity: 'warning', endpoint: 'h41', deliveryId: 'd-1', messageId: 'm-1', attempts: 4, summary: expect.stringContaining('given up after 4 attempt(s)') }),
    }]);
    expect(webhook.sent).toEqual([expect.objectContaining({ alert: 'delivery-failed', severity: 'warning', hub: 'lienthong (test)', suppressed: 0, data: expect.objectContaining({ deliveryId: 'd-1' }) })]);
    expect(await value('alertsRaised', 'delivery-failed')).toBe(1);
  });

  it('suppresses repeats of the same key within the window, and says how many in the next one', async () => {
    const { db, webhook, alerts, value, advance } = setup();
    alerts.raise(failed(1));
    alerts.raise(failed(2));
    alerts.raise(failed(3));
    // Another endpoint, another key: not a repeat.
    alerts.raise(circuitOpenAlert({ endpoint: 'h41', consecutiveFailures: 5, reopened: false, worker: 'w1' }, 60_000));
    await alerts.settled();
    expect(webhook.sent.map((p) => p.alert)).toEqual(['delivery-failed', 'circuit-open']);
    expect(await value('alertsSuppressed', 'delivery-failed')).toBe(2);
    advance(61_000);
    alerts.raise(failed(4));
    await alerts.settled();
    expect(webhook.sent[2]).toMatchObject({ alert: 'delivery-failed', suppressed: 2, data: { deliveryId: 'd-4' } });
    expect(db.events.filter((e) => e.kind === 'alert.delivery-failed').map((e) => [e.data.deliveryId, e.data.suppressed])).toEqual([['d-1', undefined], ['d-4', 2]]);
    expect(await value('alertsRaised', 'delivery-failed')).toBe(2);
  });

  it('an audit-log failure is sent and counted at once, and recorded once the log takes rows again, with what failed meanwhile', async () => {
    const { db, webhook, metrics, alerts, value, advance } = setup();
    db.failing = true;
    alerts.auditHealth('audit_events does not take rows: no space left');
    await alerts.settled();
    expect(webhook.sent).toEqual([expect.objectContaining({ alert: 'audit-write-failed', severity: 'critical', data: expect.objectContaining({ problem: 'audit_events does not take rows: no space left' }) })]);
    expect((await metrics.auditLogFailing.get()).values[0]?.value).toBe(1);
    expect(await value('alertsRaised', 'audit-write-failed')).toBe(1);
    // Another alert meanwhile: sent, its event waits.
    alerts.raise(certificateExpiringAlert({ source: 'tls', subject: 'CN=api', serial: '01', fingerprintSha256: 'AA:BB', notAfter: new Date('2026-12-20T00:00:00Z'), daysLeft: 12.9 }));
    // The same outage seen again (another probe) is not a new alert.
    alerts.auditHealth('audit_events does not take rows: no space left');
    await alerts.settled();
    expect(webhook.sent.map((p) => p.alert)).toEqual(['audit-write-failed', 'certificate-expiring']);
    expect(db.events).toEqual([]);

    advance(5_000);
    db.failing = false;
    alerts.auditHealth(undefined);
    await alerts.settled();
    expect((await metrics.auditLogFailing.get()).values[0]?.value).toBe(0);
    expect(db.events.map((e) => e.kind)).toEqual(['alert.certificate-expiring', 'alert.audit-write-failed']);
    const outage = db.events[1]!;
    expect(outage.at.toISOString()).toBe('2026-12-07T03:00:00.000Z');
    expect(outage.data).toMatchObject({ problem: 'audit_events does not take rows: no space left', since: '2026-12-07T03:00:00.000Z', recoveredAt: '2026-12-07T03:00:05.000Z', lastedMs: 5_000 });
  });

  it('of two processes that see the same outage, only the one that announced it records it', async () => {
    let now = Date.parse('2026-12-07T03:00:00Z');
    // One claim for both, as Redis SET NX gives processes sharing it.
    const dedupe = createAlertDedupe({ prefix: 'unit', log, now: () => now });
    const open = () => {
      const db = fakeDb();
      const webhook = fakeWebhook();
      const alerts = createAlerts({ db, metrics: createMetrics({ defaultMetrics: false }), log, hub: 'lienthong (test)', webhook, dedupeMs: 60_000, now: () => new Date(now), dedupe });
      return { db, webhook, alerts };
    };
    const a = open();
    const b = open();
    a.alerts.auditHealth('no audit event sealed for 31 s');
    await a.alerts.settled();
    b.alerts.auditHealth('no audit event sealed for 31 s');
    await b.alerts.settled();
    expect([a.webhook.sent.length, b.webhook.sent.length]).toEqual([1, 0]);
    now += 2_000;
    a.alerts.auditHealth(undefined);
    b.alerts.auditHealth(undefined);
    await Promise.all([a.alerts.settled(), b.alerts.settled()]);
    expect(a.db.events.map((e) => e.kind)).toEqual(['alert.audit-write-failed']);
    expect(b.db.events).toEqual([]);
  });
});
