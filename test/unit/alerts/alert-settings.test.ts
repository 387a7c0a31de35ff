import { describe, expect, it } from 'vitest';
import { createAlertDedupe } from '../../../src/alerts/alert-dedupe.js';
import { loadEnv } from '../../../src/config/load-env.js';
import { createSchemaCatalogue } from '../../../src/schema-catalogue.js';
import { pino } from 'pino';
import type { Redis } from 'ioredis';

const catalogue = createSchemaCatalogue();
const SECRET = 'a-webhook-secret-of-32-characters';

describe('alert settings', () => {
  it('defaults: no webhook, 5-minute de-duplication, certificates 30 days ahead, checked hourly', () => {
    expect(loadEnv({}, catalogue).alerts).toEqual({ dedupeMs: 300_000, certificateDays: 30, certificateCheckEveryMs: 3_600_000 });
  });

  it('reads the webhook; its secret is usable but never serialised with the environment', () => {
    const env = loadEnv({ LIENTHONG_ALERT_WEBHOOK_URL: 'https://alerts.example.gov.vn/hooks/T0KEN', LIENTHONG_ALERT_WEBHOOK_SECRET: SECRET, LIENTHONG_ALERT_WEBHOOK_TIMEOUT_MS: '1500', LIENTHONG_ALERT_DEDUPE_MS: '0' }, catalogue);
    expect(env.alerts.webhook).toEqual({ url: 'https://alerts.example.gov.vn/hooks/T0KEN', timeoutMs: 1500 });
    expect(env.alerts.webhook?.secret).toBe(SECRET);
    expect(env.alerts.dedupeMs).toBe(0);
    expect(JSON.stringify(env)).not.toContain(SECRET);
    expect(Object.isFrozen(env.alerts.webhook)).toBe(true);
  });

  it.each([
    [{ LIENTHONG_ALERT_WEBHOOK_SECRET: SECRET }, /LIENTHONG_ALERT_WEBHOOK_SECRET is set without LIENTHONG_ALERT_WEBHOOK_URL/],
    [{ LIENTHONG_ALERT_WEBHOOK_URL: 'ftp://alerts.example/hook' }, /LIENTHONG_ALERT_WEBHOOK_URL must match pattern/],
    [{ LIENTHONG_ALERT_WEBHOOK_URL: 'https://alerts.example/hook', LIENTHONG_ALERT_WEBHOOK_SECRET: 'short' }, /LIENTHONG_ALERT_WEBHOOK_SECRET must NOT have fewer than 16 characters/],
    [{ LIENTHONG_ALERT_CERT_DAYS: '0' }, /LIENTHONG_ALERT_CERT_DAYS must be >= 1/],
    [{ LIENTHONG_ALERT_WEBHOOK_URL: '' }, /LIENTHONG_ALERT_WEBHOOK_URL is set but empty/],
  ])('refuses %o', (source, message) => {
    expect(() => loadEnv(source, catalogue)).toThrow(message);
  });
});

describe('alert de-duplication', () => {
  const log = pino({ level: 'silent' });

  it('claims a key once per window in this process', async () => {
    let now = 0;
    const dedupe = createAlertDedupe({ prefix: 'p', log, now: () => now });
    expect(await dedupe.claim('circuit-open:h41', 1_000)).toBe(true);
    expect(await dedupe.claim('circuit-open:h41', 1_000)).toBe(false);
    expect(await dedupe.claim('circuit-open:h14', 1_000)).toBe(true);
    now = 1_000;
    expect(await dedupe.claim('circuit-open:h41', 1_000)).toBe(true);
  });

  it('across processes: only the first SET NX wins; a Redis that fails lets the alert through', async () => {
    const taken = new Set<string>();
    const calls: unknown[][] = [];
    const redis = { set: async (...args: unknown[]) => { calls.push(args); const key = args[0] as string; if (taken.has(key)) return null; taken.add(key); return 'OK'; } } as unknown as Redis;
    const a = createAlertDedupe({ prefix: 'lt', log, redis });
    const b = createAlertDedupe({ prefix: 'lt', log, redis });
    expect(await a.claim('circuit-open:h41', 5_000)).toBe(true);
    expect(await b.claim('circuit-open:h41', 5_000)).toBe(false);
    expect(calls[0]).toEqual(['lt:alerts:circuit-open:h41', String(process.pid), 'PX', 5_000, 'NX']);
    const broken = createAlertDedupe({ prefix: 'lt', log, redis: { set: async () => { throw new Error('connection refused'); } } as unknown as Redis });
    expect(await broken.claim('circuit-open:h41', 5_000)).toBe(true);
  });
});
