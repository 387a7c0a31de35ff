import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Logger } from 'pino';
import type { Metrics } from '../metrics.js';
import type { AlertName, AlertSeverity } from './alert.js';
import type { AlertWebhookSettings } from './alert-settings.js';

/** The JSON body the webhook receives. */
export interface AlertPayload {
  /** Unique per alert: a receiver that sees it twice (a retry after a lost answer) can drop the repeat. */
  id: string;
  alert: AlertName;
  severity: AlertSeverity;
  summary: string;
  /** When the hub raised it (ISO 8601). */
  at: string;
  /** The hub's name and organ id, as in its receipts. */
  hub: string;
  /** Repeats of the same alert suppressed in this process since the last one was sent. */
  suppressed: number;
  data: Record<string, unknown>;
}

/** The header carrying `sha256=<hex HMAC-SHA256 of the body>` when a secret is configured. */
export const SIGNATURE_HEADER = 'x-lienthong-signature';
/** Default waits before the 2nd, 3rd and 4th attempt, ms. */
export const WEBHOOK_BACKOFF_MS = [1_000, 5_000, 30_000] as const;

/** `sha256=<hex>`: HMAC-SHA256 of the exact body bytes with the shared secret. */
export function signAlertBody(secret: string, body: string | Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** What a receiver does: recompute the HMAC over the body it got and compare in constant time. */
export function verifyAlertSignature(secret: string, body: string | Buffer, header: string | undefined): boolean {
  if (header === undefined) return false;
  const expected = Buffer.from(signAlertBody(secret, body));
  const presented = Buffer.from(header);
  return expected.length === presented.length && timingSafeEqual(expected, presented);
}

export interface AlertWebhook {
  /** Queues a payload and returns at once: sending happens in the background. */
  send(payload: AlertPayload): void;
  /** Resolves when nothing is queued or in flight (tests, shutdown). */
  idle(): Promise<void>;
  /** Stops: waits up to `graceMs` for what is in flight, then abandons the rest (logged, counted). */
  close(graceMs?: number): Promise<void>;
}

export interface AlertWebhookOptions {
  settings: AlertWebhookSettings;
  metrics: Pick<Metrics, 'alertWebhook'>;
  log: Logger;
  /** Waits before each retry, ms; its length is the number of retries. */
  backoffMs?: readonly number[];
  /** Payloads waiting beyond this are dropped, oldest first (a dead webhook must not grow memory). */
  maxPending?: number;
  /** Sends in flight at once. */
  concurrency?: number;
}

/**
 * POSTs alerts to the configured webhook without ever holding up the caller: `send` queues, a few
 * background senders drain the queue, each payload is tried up to 1 + `backoffMs.length` times
 * (network errors, timeouts, 408, 429 and 5xx are retried after the next wait; other answers are
 * final). The secret signs; it is never logged, and neither is the URL beyond its origin (a webhook
 * URL often carries a token in its path).
 */
export function createAlertWebhook(opts: AlertWebhookOptions): AlertWebhook {
  const { settings, log } = opts;
  const backoff = opts.backoffMs ?? WEBHOOK_BACKOFF_MS;
  const maxPending = opts.maxPending ?? 1_000;
  const concurrency = opts.concurrency ?? 2;
  const target = new URL(settings.url).origin;
  const stopping = new AbortController();
  const pending: AlertPayload[] = [];
  let active = 0;
  let idleWaiters: (() => void)[] = [];

  const wait = (ms: number): Promise<void> => new Promise((resolve) => {
    if (stopping.signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    timer.unref();
    function done(): void {
      clearTimeout(timer);
      stopping.signal.removeEventListener('abort', done);
      resolve();
    }
    stopping.signal.addEventListener('abort', done, { once: true });
  });

  /** One attempt: `sent`, `retry` (worth another) or `failed` (final). */
  const attempt = async (body: string, payload: AlertPayload): Promise<{ result: 'sent' | 'retry' | 'failed'; detail: string }> => {
    const headers: Record<string, string> = {
      'content-type': 'application/json', 'user-agent': 'lienthong-alerts/1', 'x-lienthong-alert': payload.alert, 'x-lienthong-alert-id': payload.id,
    };
    if (settings.secret !== undefined) headers[SIGNATURE_HEADER] = signAlertBody(settings.secret, body);
    // One controller per attempt, aborted by its timeout or by close (AbortSignal.any over the
    // long-lived stopping signal would keep a dependant per attempt alive in Node 20).
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new Error(`timed out after ${settings.timeoutMs} ms`)), settings.timeoutMs);
    const onStop = (): void => controller.abort(new Error('hub shutting down'));
    stopping.signal.addEventListener('abort', onStop, { once: true });
    try {
      const response = await fetch(settings.url, { method: 'POST', headers, body, redirect: 'manual', signal: controller.signal });
      await response.body?.cancel().catch(() => undefined);
      if (response.ok) return { result: 'sent', detail: `HTTP ${response.status}` };
      const retry = response.status === 408 || response.status === 429 || response.status >= 500;
      return { result: retry ? 'retry' : 'failed', detail: `HTTP ${response.status}` };
    } catch (err) {
      if (controller.signal.aborted) return { result: 'retry', detail: (controller.signal.reason as Error).message };
      // fetch says "fetch failed" and puts the reason (ECONNREFUSED …) in its cause: host and port at most, never the path.
      const code = ((err as Error).cause as { code?: string } | undefined)?.code;
      return { result: 'retry', detail: `${(err as Error).message}${code ? ` (${code})` : ''}` };
    } finally {
      clearTimeout(timer);
      stopping.signal.removeEventListener('abort', onStop);
    }
  };

  const deliver = async (payload: AlertPayload): Promise<void> => {
    const body = JSON.stringify(payload);
    for (let n = 0; ; n += 1) {
      const { result, detail } = await attempt(body, payload);
      if (result === 'sent') {
        opts.metrics.alertWebhook.inc({ result: 'sent' });
        return;
      }
      const last = result === 'failed' || n >= backoff.length || stopping.signal.aborted;
      opts.metrics.alertWebhook.inc({ result: last ? 'failed' : 'retried' });
      log.warn({ alertId: payload.id, alert: payload.alert, attempt: n + 1, detail, webhook: target }, last ? 'alert webhook gave up' : 'alert webhook failed, retrying');
      if (last) return;
      await wait(backoff[n]!);
    }
  };

  const pump = (): void => {
    while (active < concurrency && pending.length > 0 && !stopping.signal.aborted) {
      const payload = pending.shift()!;
      active += 1;
      void deliver(payload).finally(() => {
        active -= 1;
        pump();
      });
    }
    if (active === 0 && (pending.length === 0 || stopping.signal.aborted)) {
      const waiters = idleWaiters;
      idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  };

  const idle = (): Promise<void> => (active === 0 && pending.length === 0 ? Promise.resolve() : new Promise((resolve) => { idleWaiters.push(resolve); }));

  return {
    send(payload) {
      if (stopping.signal.aborted) return;
      pending.push(payload);
      if (pending.length > maxPending) {
        const dropped = pending.shift()!;
        opts.metrics.alertWebhook.inc({ result: 'dropped' });
        log.error({ alertId: dropped.id, alert: dropped.alert, webhook: target }, 'alert webhook backlog full: oldest alert dropped');
      }
      pump();
    },
    idle,
    async close(graceMs = 2_000) {
      const grace = new Promise<void>((resolve) => setTimeout(resolve, graceMs).unref());
      await Promise.race([idle(), grace]);
      const abandoned = pending.length + active;
      stopping.abort();
      if (abandoned > 0) {
        opts.metrics.alertWebhook.inc({ result: 'dropped' }, pending.length);
        log.warn({ abandoned, webhook: target }, 'alert webhook stopped with alerts unsent');
      }
      pending.length = 0;
      await idle();
    },
  };
}
