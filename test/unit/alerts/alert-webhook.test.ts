import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAlertWebhook, SIGNATURE_HEADER, signAlertBody, verifyAlertSignature, type AlertPayload } from '../../../src/alerts/alert-webhook.js';
import { createMetrics, type Metrics } from '../../../src/metrics.js';
import { startWebhookReceiver, type WebhookReceiver } from '../../helpers/webhook-receiver.js';

const SECRET = 'whsec-test-0123456789abcdef';
const TOKEN = 'path-token-7c1e';

const payload = (n = 1): AlertPayload => ({
  id: `00000000-0000-4000-8000-00000000000${n}`, alert: 'circuit-open', severity: 'critical', summary: `Circuit of endpoint h41 opened (${n})`,
  at: '2026-12-07T03:15:42.123Z', hub: 'lienthong (test)', suppressed: 0, data: { endpoint: 'h41', consecutiveFailures: 5 },
});

/** A logger writing into a string, to check what reaches the log. */
function memoryLog(): { log: pino.Logger; text: () => string } {
  let out = '';
  const sink = new Writable({ write(chunk, _encoding, done) { out += String(chunk); done(); } });
  return { log: pino({ level: 'debug' }, sink), text: () => out };
}

const counts = async (metrics: Metrics): Promise<Record<string, number>> =>
  Object.fromEntries((await metrics.alertWebhook.get()).values.map((v) => [String(v.labels.result), v.value]));

describe('alert webhook', () => {
  let receiver: WebhookReceiver;
  let metrics: Metrics;
  beforeEach(async () => {
    receiver = await startWebhookReceiver();
    metrics = createMetrics({ defaultMetrics: false });
  });
  afterEach(async () => {
    await receiver.close();
  });

  const webhook = (opts: { secret?: string; backoffMs?: number[]; log?: pino.Logger; maxPending?: number; concurrency?: number; timeoutMs?: number } = {}) => createAlertWebhook({
    settings: { url: `${receiver.url}/hooks/${TOKEN}`, timeoutMs: opts.timeoutMs ?? 2_000, ...(opts.secret ? { secret: opts.secret } : {}) },
    metrics, log: opts.log ?? memoryLog().log, backoffMs: opts.backoffMs ?? [20, 40, 80],
    ...(opts.maxPending !== undefined ? { maxPending: opts.maxPending } : {}), ...(opts.concurrency !== undefined ? { concurrency: opts.concurrency } : {}),
  });

  it('POSTs the payload as JSON with an HMAC-SHA256 signature of the exact body that a receiver can verify', async () => {
    const hook = webhook({ secret: SECRET });
    hook.send(payload());
    await hook.idle();
    expect(receiver.received).toHaveLength(1);
    const [got] = receiver.received;
    expect(got!.path).toBe(`/hooks/${TOKEN}`);
    expect(got!.headers['content-type']).toBe('application/json');
    expect(got!.headers['x-lienthong-alert']).toBe('circuit-open');
    expect(got!.headers['x-lienthong-alert-id']).toBe(payload().id);
    expect(got!.json).toEqual(payload());
    expect(got!.headers[SIGNATURE_HEADER]).toBe(signAlertBody(SECRET, got!.body));
    expect(verifyAlertSignature(SECRET, got!.body, got!.headers[SIGNATURE_HEADER] as string)).toBe(true);
    // The signature covers the bytes: one changed byte, or another secret, does not verify.
    expect(verifyAlertSignature(SECRET, Buffer.from(got!.body.toString().replace('h41', 'h42')), got!.headers[SIGNATURE_HEADER] as string)).toBe(false);
    expect(verifyAlertSignature('another-secret-0123456789', got!.body, got!.headers[SIGNATURE_HEADER] as string)).toBe(false);
    expect(await counts(metrics)).toEqual({ sent: 1 });
    await hook.close();
  });

  it('sends no signature header without a secret', async () => {
    const hook = webhook();
    hook.send(payload());
    await hook.idle();
    expect(receiver.received[0]!.headers[SIGNATURE_HEADER]).toBeUndefined();
    await hook.close();
  });

  it('retries a 503 and a 429 with growing waits, then delivers once', async () => {
    receiver.failNext(2, 503);
    const hook = webhook({ backoffMs: [50, 150, 400] });
    hook.send(payload());
    await hook.idle();
    expect(receiver.received.map((r) => r.status)).toEqual([503, 503, 204]);
    const [a, b, c] = receiver.received.map((r) => r.at.getTime());
    expect(b! - a!).toBeGreaterThanOrEqual(45);
    expect(c! - b!).toBeGreaterThanOrEqual(140);
    expect(new Set(receiver.received.map((r) => r.json.id)).size).toBe(1);
    expect(await counts(metrics)).toEqual({ retried: 2, sent: 1 });

    receiver.failNext(1, 429);
    hook.send(payload(2));
    await hook.idle();
    expect(receiver.received.slice(3).map((r) => r.status)).toEqual([429, 204]);
    await hook.close();
  });

  it('gives up at once on a 4xx other than 408/429, and after the last retry on 5xx', async () => {
    receiver.failNext(1, 400);
    const hook = webhook({ backoffMs: [10, 10] });
    hook.send(payload());
    await hook.idle();
    expect(receiver.received.map((r) => r.status)).toEqual([400]);
    receiver.failNext(10, 500);
    hook.send(payload(2));
    await hook.idle();
    expect(receiver.received.slice(1).map((r) => r.status)).toEqual([500, 500, 500]);
    expect(await counts(metrics)).toEqual({ failed: 2, retried: 2 });
    await hook.close();
  });

  it('retries a webhook that is down (connection refused) and one that does not answer in time', async () => {
    const { log } = memoryLog();
    const down = createAlertWebhook({ settings: { url: 'http://127.0.0.1:9/hooks', timeoutMs: 500 }, metrics, log, backoffMs: [10] });
    down.send(payload());
    await down.idle();
    expect(await counts(metrics)).toEqual({ retried: 1, failed: 1 });
    await down.close();
  });

  it('never blocks the caller: send returns before anything is sent', async () => {
    const hook = webhook();
    const started = performance.now();
    for (let i = 0; i < 50; i += 1) hook.send(payload(i % 10));
    expect(performance.now() - started).toBeLessThan(50);
    expect(receiver.received).toHaveLength(0);
    await hook.idle();
    expect(receiver.received).toHaveLength(50);
    await hook.close();
  });

  it('drops the oldest alerts beyond its backlog (a dead webhook does not grow memory)', async () => {
    receiver.failNext(1_000, 503);
    const hook = webhook({ maxPending: 2, concurrency: 1, backoffMs: [200] });
    for (let i = 0; i < 6; i += 1) hook.send(payload(i));
    // One in flight, two waiting: three of the six were dropped.
    expect((await counts(metrics)).dropped).toBe(3);
    await hook.close(100);
  });

  it('logs neither the secret nor the webhook path, only its origin', async () => {
    const memory = memoryLog();
    receiver.failNext(3, 503);
    const hook = webhook({ secret: SECRET, log: memory.log, backoffMs: [10, 10] });
    hook.send(payload());
    await hook.idle();
    const text = memory.text();
    expect(text).toContain('alert webhook gave up');
    expect(text).toContain(receiver.url);
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(TOKEN);
    await hook.close();
  });
});
