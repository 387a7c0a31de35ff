import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAlertSignature } from '../../../src/alerts/alert-webhook.js';
import { createDevCa } from '../../../src/crypto/dev-pki.js';
import { send, viewWhen } from '../../helpers/hub-queries.js';
import { STORES } from '../../helpers/test-db.js';
import { documentBody, startTestHub, type TestHub } from '../../helpers/test-hub.js';
import { startWebhookReceiver, type WebhookReceiver } from '../../helpers/webhook-receiver.js';

const CONFIG = resolve('test/fixtures/config/operations-hub.json');
const SECRET = 'alert-webhook-secret-for-tests-0001';
const G22 = '000.00.00.G22';
const H14 = '000.00.00.H14';
const H02 = '000.00.00.H02'; // endpoint `flap`: opens after 1 transient failure, for 300 ms
const H03 = '000.00.00.H03'; // endpoint `held`: opens after 2 transient failures, for 4 s

interface AlertEvent { at: Date; actor: string; kind: string; message_id: string | null; data: Record<string, any> }

describe.each(STORES)('alerts: audit event, metric and signed webhook for each kind (%s store)', (store) => {
  let t: TestHub;
  let hooks: WebhookReceiver;
  let dir: string;
  let anchorFingerprint = '';

  beforeAll(async () => {
    hooks = await startWebhookReceiver();
    // A trust anchor that expires in 12 days: the boot check must announce it.
    dir = await mkdtemp(join(tmpdir(), 'lienthong-alerts-'));
    const ca = await createDevCa({ validDays: 12, commonName: 'Root CA sắp hết hạn' });
    await writeFile(join(dir, 'anchors.pem'), ca.caCertPem);
    anchorFingerprint = new (await import('node:crypto')).X509Certificate(ca.caCertPem).fingerprint256;
    t = await startTestHub(store, {
      env: {
        LIENTHONG_CONFIG: CONFIG, LIENTHONG_TRUST_ANCHORS: join(dir, 'anchors.pem'),
        LIENTHONG_ALERT_WEBHOOK_URL: `${hooks.url}/hooks/lienthong`, LIENTHONG_ALERT_WEBHOOK_SECRET: SECRET,
        LIENTHONG_AUDIT_PROBE_INTERVAL_MS: '100', LIENTHONG_AUDIT_SEAL_INTERVAL_MS: '50',
      },
    });
  });
  afterAll(async () => {
    await t?.close();
    await hooks?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const alertEvents = async (name: string) => (await t.hub.db.query<AlertEvent>(
    'SELECT at, actor, kind, message_id, data FROM audit_events WHERE kind = $1 ORDER BY id', [`alert.${name}`])).rows;
  const metrics = async () => (await t.call('GET', '/metrics')).json as string;
  const counter = (text: string, name: string, alert: string) => Number(new RegExp(`^${name}\\{alert="${alert}"\\} (\\d+)`, 'm').exec(text)?.[1] ?? '0');
  /** Every hook arrived signed with the secret over its exact bytes. */
  const signed = () => hooks.received.every((h) => verifyAlertSignature(SECRET, h.body, h.headers['x-lienthong-signature'] as string));

  it('announces a certificate expiring within 30 days at boot', async () => {
    const [hook] = await t.until(async () => {
      const got = hooks.alerts('certificate-expiring');
      return got.length > 0 ? got : undefined;
    });
    expect(hook!.path).toBe('/hooks/lienthong');
    expect(hook!.json).toMatchObject({
      alert: 'certificate-expiring', severity: 'warning', hub: 'lienthong (operations test) (000.00.00.LT1)',
      data: { source: 'trust-anchors', subject: expect.stringContaining('CN=Root CA sắp hết hạn'), fingerprintSha256: anchorFingerprint, daysLeft: 11 },
    });
    expect(signed()).toBe(true);
    // The hub's own chain (valid a year) is not announced; every certificate's end is on /metrics.
    expect(hooks.alerts('certificate-expiring')).toHaveLength(1);
    await t.hub.alerts.settled();
    expect(await alertEvents('certificate-expiring')).toEqual([{
      at: expect.any(Date), actor: 'alerts', kind: 'alert.certificate-expiring', message_id: null,
      data: expect.objectContaining({ source: 'trust-anchors', fingerprintSha256: anchorFingerprint, summary: expect.stringContaining('expires on') }),
    }]);
    const text = await metrics();
    expect(counter(text, 'lienthong_alerts_total', 'certificate-expiring')).toBe(1);
    expect(text).toMatch(/^lienthong_certificate_expiry_timestamp_seconds\{source="trust-anchors",subject="C=VN, O=lienthong \(development\), CN=Root CA sắp hết hạn",serial="[0-9A-F]+"\} \d+/m);
    expect(text).toMatch(/^lienthong_certificate_expiry_timestamp_seconds\{source="hub-signing",subject="[^"]*CN=lienthong hub"/m);
  });

  it('announces a delivery given up, once per endpoint within the window, counting the others', async () => {
    t.sim.setBehaviour('h14', { mode: 'fail', status: 400 });
    const first = await send(t, t.keys.g22, documentBody(G22, [H14]));
    const second = await send(t, t.keys.g22, documentBody(G22, [H14]));
    for (const id of [first, second]) await viewWhen(t, id, t.keys.g22, (v) => v.deliveries[0].state === 'failed');
    await t.until(async () => counter(await metrics(), 'lienthong_alerts_suppressed_total', 'delivery-failed') === 1);
    await t.hub.alerts.settled();
    const got = hooks.alerts('delivery-failed');
    expect(got).toHaveLength(1);
    expect(got[0]!.json).toMatchObject({
      alert: 'delivery-failed', severity: 'warning', suppressed: 0,
      data: { endpoint: 'h14', recipient: H14, attempts: 1, reason: expect.stringContaining('HTTP 400'), messageId: expect.stringMatching(new RegExp(`^(${first}|${second})$`)) },
    });
    expect(signed()).toBe(true);
    const events = await alertEvents('delivery-failed');
    expect(events).toHaveLength(1);
    // About the hub's operation, not part of the message's evidence: no message id column.
    expect(events[0]).toMatchObject({ actor: 'alerts', message_id: null, data: { endpoint: 'h14', deliveryId: got[0]!.json.data.deliveryId } });
    expect(counter(await metrics(), 'lienthong_alerts_total', 'delivery-failed')).toBe(1);
  });

  it('announces a circuit that opens; its reopening within the window is counted, not sent again', async () => {
    t.sim.setBehaviour('held', { mode: 'down' });
    await send(t, t.keys.g22, documentBody(G22, [H03]));
    await send(t, t.keys.g22, documentBody(G22, [H03]));
    const [opened] = await t.until(async () => {
      const got = hooks.alerts('circuit-open');
      return got.length > 0 ? got : undefined;
    }, 10_000);
    expect(opened!.json).toMatchObject({
      alert: 'circuit-open', severity: 'critical',
      data: { endpoint: 'held', consecutiveFailures: 2, reopened: false, worker: t.hub.oversight!.workerId, openUntil: expect.any(String) },
    });
    expect(opened!.headers['x-lienthong-alert']).toBe('circuit-open');

    // `flap` opens after one failure for 300 ms, then fails its trial and reopens, again and again.
    t.sim.setBehaviour('flap', { mode: 'fail', status: 503 });
    await send(t, t.keys.g22, documentBody(G22, [H02]));
    await t.until(async () => counter(await metrics(), 'lienthong_alerts_suppressed_total', 'circuit-open') >= 2, 10_000);
    await t.hub.alerts.settled();
    const flap = hooks.alerts('circuit-open').filter((h) => h.json.data.endpoint === 'flap');
    expect(flap).toHaveLength(1);
    expect(flap[0]!.json.data).toMatchObject({ reopened: false, consecutiveFailures: 1 });
    expect((await alertEvents('circuit-open')).map((e) => e.data.endpoint).sort()).toEqual(['flap', 'held']);
    expect(counter(await metrics(), 'lienthong_alerts_total', 'circuit-open')).toBe(2);
    expect(signed()).toBe(true);
    t.sim.setBehaviour('held', { mode: 'ok' });
    t.sim.setBehaviour('flap', { mode: 'ok' });
  });

  it('announces an audit log that stops taking rows at once (webhook, metric), and records it when it works again', async () => {
    await t.hub.db.query(`CREATE FUNCTION refuse_audit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'no space left for the audit log (test)'; END $$`);
    await t.hub.db.query('CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_events FOR EACH ROW EXECUTE FUNCTION refuse_audit()');
    const failedAt = Date.now();
    let hook;
    try {
      [hook] = await t.until(async () => {
        const got = hooks.alerts('audit-write-failed');
        return got.length > 0 ? got : undefined;
      }, 10_000);
      expect(hook!.json).toMatchObject({ alert: 'audit-write-failed', severity: 'critical', data: { problem: expect.stringContaining('no space left for the audit log (test)') } });
      expect(await metrics()).toMatch(/^lienthong_audit_log_failing 1$/m);
      expect(counter(await metrics(), 'lienthong_alerts_total', 'audit-write-failed')).toBe(1);
      // Nothing can be recorded meanwhile.
      expect(await alertEvents('audit-write-failed')).toEqual([]);
    } finally {
      await t.hub.db.query('DROP TRIGGER refuse_audit ON audit_events');
    }
    await t.until(async () => (await alertEvents('audit-write-failed')).length === 1, 10_000);
    const [event] = await alertEvents('audit-write-failed');
    expect(event).toMatchObject({ actor: 'alerts', data: { problem: expect.stringContaining('no space left'), since: hook!.json.data.since, recoveredAt: expect.any(String), lastedMs: expect.any(Number) } });
    // Dated when the failure began.
    expect(Math.abs(event!.at.getTime() - failedAt)).toBeLessThan(2_000);
    expect(await metrics()).toMatch(/^lienthong_audit_log_failing 0$/m);
    expect(hooks.alerts('audit-write-failed')).toHaveLength(1);
    expect(signed()).toBe(true);
    // The chain holds the late event like any other.
    const report = await t.call('GET', '/v1/audit/verify', { key: t.keys.auditor });
    expect(report.json).toMatchObject({ ok: true });
  });

  it('the webhook is retried with backoff when it fails, and the hot path never waits for it', async () => {
    hooks.failNext(1, 503);
    const sentAt = Date.now();
    t.sim.setBehaviour('h41', { mode: 'fail', status: 422 });
    const id = await send(t, t.keys.g22, documentBody(G22, ['000.00.00.H41']));
    await viewWhen(t, id, t.keys.g22, (v) => v.deliveries[0].state === 'failed');
    // The delivery's outcome is recorded while the webhook is still failing: nothing waited for it.
    expect(hooks.received.filter((h) => h.json?.alert === 'delivery-failed' && h.json.data.endpoint === 'h41' && h.status < 300)).toHaveLength(0);
    const attempts = await t.until(async () => {
      const got = hooks.received.filter((h) => h.json?.alert === 'delivery-failed' && h.json.data.endpoint === 'h41');
      return got.length === 2 ? got : undefined;
    }, 10_000);
    expect(attempts.map((h) => h.status)).toEqual([503, 204]);
    expect(attempts[0]!.json.id).toBe(attempts[1]!.json.id);
    expect(attempts[1]!.at.getTime() - attempts[0]!.at.getTime()).toBeGreaterThanOrEqual(900);
    expect(attempts[0]!.at.getTime()).toBeGreaterThanOrEqual(sentAt);
    const text = await metrics();
    expect(text).toMatch(/^lienthong_alert_webhook_total\{result="retried"\} [1-9]/m);
    expect(text).toMatch(/^lienthong_alert_webhook_total\{result="sent"\} [1-9]/m);
  });
});
