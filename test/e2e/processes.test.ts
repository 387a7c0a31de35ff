import { createHash, randomBytes, X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { compactVerify } from 'jose';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpEndpointSimulator, type HttpEndpointSimulatorHandle } from '../../adapters/http-endpoint/simulator.js';
import { verifyReceipt } from '../../src/crypto/verify-receipt.js';
import { testDatabaseUrl } from '../helpers/test-db.js';
import { documentBody } from '../helpers/test-hub.js';
import { connectRedis, keysWithPrefix, killAll, runCli, startCli, stopCli, wipePrefix, type CliProcess } from './cli-process.js';

// `serve` and `worker` as two real processes over one PostgreSQL schema and one Redis prefix, with
// the agency-endpoint simulator in this process: the scale-out shape of docs/DESIGN.md.

const SENDER = '000.00.00.G22';
// Push recipients of config/default.json and their simulator mailboxes.
const MAILBOX: Record<string, string> = { '000.00.00.H41': 'h41', '000.00.00.H14': 'h14', '000.00.04.G14': 'g14' };
const SHUTDOWN_MS = 5_000;

interface Delivery { id: string; recipient: string; state: string; attempts: number }
interface MessageView { id: string; deliveries: Delivery[]; timeline: { kind: string; actor: string; deliveryId: string | null }[] }

describe('serve and worker as separate processes on PostgreSQL', () => {
  const schema = `lt_e2e_${randomBytes(6).toString('hex')}`;
  const queuePrefix = `lt-e2e-${randomBytes(4).toString('hex')}`;
  let dataDir: string;
  let sim: HttpEndpointSimulatorHandle;
  let redis: Redis;
  let schemaCreated = false;
  let vars: Record<string, string>;
  let apiKey: string;
  let caPem: string;
  let leafCert: X509Certificate;
  let serve: CliProcess;
  let worker: CliProcess;
  let url: string;
  /** Every message accepted so far, with its recipients. */
  const sent: { id: string; recipients: string[] }[] = [];

  const call = async (method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> => {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: { authorization: `Bearer ${apiKey}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    return { status: response.status, json: text ? JSON.parse(text) : undefined };
  };
  const view = async (id: string): Promise<MessageView> => {
    const r = await call('GET', `/v1/messages/${id}`);
    expect(r.status).toBe(200);
    return r.json as MessageView;
  };
  const until = async <T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await check();
      if (value !== undefined) return value;
      if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const sendDocuments = async (recipientSets: string[][]): Promise<{ id: string; recipients: string[] }[]> => {
    const accepted = [];
    for (const recipients of recipientSets) {
      const r = await call('POST', '/v1/messages', documentBody(SENDER, recipients));
      expect(r.status, JSON.stringify(r.json)).toBe(202);
      accepted.push({ id: r.json.id as string, recipients });
    }
    sent.push(...accepted);
    return accepted;
  };
  const startServe = async (): Promise<void> => {
    serve = startCli(['serve'], vars);
    url = String((await serve.waitForLog((l) => l.msg === 'lienthong started', 30_000)).url);
  };
  /** Starts a worker; returns the URL of its health/metrics port (LIENTHONG_METRICS_PORT=0: any free port). */
  const startWorker = async (extra: Record<string, string> = {}): Promise<string> => {
    worker = startCli(['worker'], { ...vars, LIENTHONG_METRICS_PORT: '0', ...extra });
    return String((await worker.waitForLog((l) => l.msg === 'lienthong started', 30_000)).url);
  };
  /** Requests the simulator answered for one delivery (by the hub's Lienthong-Delivery-Id header). */
  const requestsFor = (deliveryId: string) => sim.requests().filter((r) => r.headers['lienthong-delivery-id'] === deliveryId);

  beforeAll(async () => {
    redis = await connectRedis();
    const admin = new pg.Client({ connectionString: testDatabaseUrl() });
    try {
      await admin.connect();
    } catch (err) {
      throw new Error(`PostgreSQL is required for the e2e suite at ${testDatabaseUrl()}: ${(err as Error).message}`);
    }
    try {
      await admin.query(`CREATE SCHEMA ${schema}`);
      schemaCreated = true;
    } finally {
      await admin.end();
    }
    const databaseUrl = new URL(testDatabaseUrl());
    databaseUrl.searchParams.set('options', `-c search_path=${schema}`);

    dataDir = await mkdtemp(join(tmpdir(), 'lienthong-e2e-proc-'));
    const base = { LIENTHONG_DATA_DIR: dataDir, DATABASE_URL: databaseUrl.toString(), LOG_LEVEL: 'silent' };
    const keys = await runCli(['keys', 'init'], base);
    expect(keys.code, keys.stderr).toBe(0);
    caPem = await readFile(join(dataDir, 'keys', 'ca.pem'), 'utf8');
    const chainPem = await readFile(join(dataDir, 'keys', 'hub-chain.pem'), 'utf8');
    leafCert = new X509Certificate(chainPem);
    // The simulator rejects (401) any delivery whose signature does not verify against this chain.
    sim = await startHttpEndpointSimulator({ hubCertificatePem: chainPem });

    const migrated = await runCli(['migrate'], base);
    expect(migrated.code, migrated.stderr).toBe(0);
    expect(migrated.stdout).toMatch(/^applied: 001_/);
    const created = await runCli(['apikey', 'create', '--agency', SENDER], base);
    expect(created.code, created.stderr).toBe(0);
    apiKey = /^lt_\S+$/m.exec(created.stdout)![0];

    vars = {
      ...base, LOG_LEVEL: 'info', PORT: '0', HOST: '127.0.0.1', DATABASE_POOL_SIZE: '4',
      REDIS_URL: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379', LIENTHONG_QUEUE_PREFIX: queuePrefix,
      LIENTHONG_SIM_URL: sim.url, LIENTHONG_API_KEY_CACHE_MS: '0',
    };
  });

  afterAll(async () => {
    await killAll();
    await sim?.close();
    if (redis) {
      await wipePrefix(redis, queuePrefix).catch(() => undefined);
      redis.disconnect();
    }
    if (schemaCreated) {
      const admin = new pg.Client({ connectionString: testDatabaseUrl() });
      await admin.connect();
      await admin.query(`DROP SCHEMA ${schema} CASCADE`);
      await admin.end();
    }
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('delivers documents sent to the API process through the worker process, signed by the hub', async () => {
    await startServe();
    const workerUrl = await startWorker();

    const ready = await call('GET', '/readyz');
    expect(ready).toEqual({ status: 200, json: { status: 'ready', checks: { database: 'ok', redis: 'ok', audit: 'ok' } } });
    expect((await call('GET', '/healthz')).status).toBe(200);
    // The worker serves health and readiness only, never the API.
    expect(workerUrl).not.toBe(url);
    const workerReady = await fetch(`${workerUrl}/readyz`);
    expect({ status: workerReady.status, json: await workerReady.json() }).toEqual({ status: 200, json: { status: 'ready', checks: { database: 'ok', redis: 'ok', audit: 'ok' } } });
    expect((await fetch(`${workerUrl}/v1/messages`, { method: 'POST', headers: { authorization: `Bearer ${apiKey}` } })).status).toBe(404);

    const accepted = await sendDocuments([
      ['000.00.00.H41', '000.00.04.G14'], ['000.00.00.H14'], ['000.00.00.H41'], ['000.00.04.G14', '000.00.00.H14'], ['000.00.00.H41'],
    ]);
    const expected = accepted.reduce((n, m) => n + m.recipients.length, 0);
    const views = await until('every delivery delivered', async () => {
      const all = await Promise.all(accepted.map((m) => view(m.id)));
      return all.every((v) => v.deliveries.every((d) => d.state === 'delivered')) ? all : undefined;
    });

    // The simulator accepted each delivery once, at the recipient's own mailbox.
    expect(sim.uniqueDeliveries()).toBe(expected);
    for (const v of views) {
      for (const d of v.deliveries) {
        expect(d.attempts).toBe(1);
        const requests = requestsFor(d.id);
        expect(requests.map((r) => [r.mailbox, r.status])).toEqual([[MAILBOX[d.recipient], 200]]);
      }
    }

    // Checked again here with an independent JOSE library: each request carries a JWS by the hub's
    // certificate (from `keys init`) over the exact body bytes and the delivery's identifiers.
    for (const request of sim.requests()) {
      const { payload } = await compactVerify(request.headers['lienthong-signature']!, leafCert.publicKey);
      const claims = JSON.parse(new TextDecoder().decode(payload)) as Record<string, unknown>;
      expect(claims.contentDigest).toBe(`sha-256=:${createHash('sha256').update(request.body).digest('base64')}:`);
      expect(claims.deliveryId).toBe(request.headers['lienthong-delivery-id']);
      expect(claims.messageId).toBe(request.headers['lienthong-message-id']);
    }

    // Receipts from both processes (accepted by serve, delivered by worker) chain to the CLI's CA.
    for (const v of views) {
      const receipts = await call('GET', `/v1/messages/${v.id}/receipts`);
      const events = (receipts.json.receipts as { event: string; jws: string }[]);
      expect(events.map((r) => r.event).sort()).toEqual(['accepted', ...v.deliveries.map(() => 'delivered')].sort());
      for (const r of events) verifyReceipt(r.jws, { trustAnchorsPem: caPem, now: new Date() });
    }
  });

  it('both processes exit 0 within a few seconds of SIGTERM', async () => {
    const [s, w] = await Promise.all([stopCli(serve, SHUTDOWN_MS), stopCli(worker, SHUTDOWN_MS)]);
    expect({ code: s.code, signal: s.signal }).toEqual({ code: 0, signal: null });
    expect({ code: w.code, signal: w.signal }).toEqual({ code: 0, signal: null });
    for (const p of [serve, worker]) {
      expect(p.logs().some((l) => l.msg === 'shutting down' && l.signal === 'SIGTERM')).toBe(true);
      expect(p.logs().filter((l) => Number(l.level) >= 50)).toEqual([]);
    }
  });

  it('after Redis loses the queue, the sweeper of a restarted worker delivers every lost message exactly once', async () => {
    // 1. The API alone accepts messages; nothing consumes the queue.
    await startServe();
    const deliveredBefore = sim.uniqueDeliveries();
    const requestsBefore = sim.requests().length;
    const lost = await sendDocuments([['000.00.00.H41'], ['000.00.04.G14', '000.00.00.H14'], ['000.00.00.H14'], ['000.00.00.H41', '000.00.04.G14']]);
    const lostDeliveries = (await Promise.all(lost.map((m) => view(m.id)))).flatMap((v) => v.deliveries);
    expect(lostDeliveries).toHaveLength(6);
    expect(lostDeliveries.every((d) => d.state === 'queued')).toBe(true);
    const jobKeys = await keysWithPrefix(redis, queuePrefix);
    for (const d of lostDeliveries) expect(jobKeys.some((k) => k.includes(d.id))).toBe(true);

    // 2. Redis loses everything under the prefix (like `redis-cli --scan --pattern … | xargs redis-cli del`).
    expect(await wipePrefix(redis, queuePrefix)).toBeGreaterThan(0);
    expect(await keysWithPrefix(redis, queuePrefix)).toEqual([]);

    // 3. A worker starts with a short sweep: the database still knows the deliveries.
    await startWorker({ LIENTHONG_SWEEP_INTERVAL_MS: '1000', LIENTHONG_SWEEP_GRACE_MS: '1000' });
    await until('every lost delivery delivered', async () => {
      const all = await Promise.all(lost.map((m) => view(m.id)));
      return all.every((v) => v.deliveries.every((d) => d.state === 'delivered')) ? all : undefined;
    });
    // Several more sweeps run; none may deliver again.
    await new Promise((r) => setTimeout(r, 3_500));

    expect(sim.uniqueDeliveries() - deliveredBefore).toBe(lostDeliveries.length);
    expect(sim.requests().length - requestsBefore).toBe(lostDeliveries.length);
    for (const d of lostDeliveries) {
      expect(requestsFor(d.id).map((r) => [r.mailbox, r.status])).toEqual([[MAILBOX[d.recipient], 200]]);
    }
    const after = await Promise.all(lost.map((m) => view(m.id)));
    for (const v of after) {
      for (const d of v.deliveries) {
        expect(d).toMatchObject({ state: 'delivered', attempts: 1 });
        // The sweeper brought it back, once, and said so in the audit trail.
        expect(v.timeline.filter((t) => t.kind === 'delivery.requeued' && t.deliveryId === d.id).map((t) => t.actor)).toEqual(['sweeper']);
      }
    }
    const requeued = worker.logs().filter((l) => l.msg === 'sweeper re-enqueued deliveries whose job had vanished');
    expect(requeued.reduce((n, l) => n + Number(l.count), 0)).toBe(lostDeliveries.length);

    // 4. Everything sent in this file was delivered exactly once, and both processes still stop cleanly.
    const total = sent.reduce((n, m) => n + m.recipients.length, 0);
    expect(sim.uniqueDeliveries()).toBe(total);
    expect(sim.requests().length).toBe(total);
    const [s, w] = await Promise.all([stopCli(serve, SHUTDOWN_MS), stopCli(worker, SHUTDOWN_MS)]);
    expect([s.code, w.code]).toEqual([0, 0]);
  });
});
