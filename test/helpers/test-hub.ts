import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import type { DestinationStream } from 'pino';
import { adapters } from '../../adapters/index.js';
import { startHttpEndpointSimulator, type HttpEndpointSimulatorHandle } from '../../adapters/http-endpoint/simulator.js';
import { createApiKey } from '../../src/auth/api-keys.js';
import { loadEnv } from '../../src/config/load-env.js';
import { createDevPki, writeDevPki, type DevPki } from '../../src/crypto/dev-pki.js';
import { openHub, type Hub, type OpenHubOptions } from '../../src/hub.js';
import { createLogger } from '../../src/logger.js';
import { LOOPBACK_ALLOWANCE } from '../../src/net/outbound-allowance.js';
import { createSchemaCatalogue } from '../../src/schema-catalogue.js';
import { seedPgliteDataDir } from './pglite-template.js';
import { testDatabaseUrl, type StoreKind } from './test-db.js';

export const TEST_CONFIG = resolve('test/fixtures/config/test-hub.json');

/** API keys of the test agencies and roles. */
export interface TestKeys {
  g22: string; h41: string; h14: string; h30: string; h56: string; g14: string;
  admin: string; operator: string; auditor: string;
}

export interface TestHub {
  hub: Hub;
  /** Base URL of the listening API. */
  url: string;
  sim: HttpEndpointSimulatorHandle;
  pki: DevPki;
  keys: TestKeys;
  queuePrefix: string;
  /** What a second hub needs to run on the same data folder, database, queue and PKI (see `StartTestHubOptions.shared`). */
  shared: SharedHubState;
  /** JSON request against the running server. */
  call(method: string, path: string, opts?: { key?: string; body?: unknown; headers?: Record<string, string>; raw?: string | Buffer }): Promise<{ status: number; json: any; headers: Headers }>;
  /** Polls until `check` holds (or throws after `timeoutMs`). */
  until<T>(check: () => Promise<T | undefined | false>, timeoutMs?: number): Promise<T>;
  /** `keepData`: leave the queue, database schema and data folder for a hub started with `shared`. */
  close(opts?: { keepData?: boolean }): Promise<void>;
}

/** The state two hub instances share: data folder (PGlite, blobs), PostgreSQL schema, queue prefix, PKI. */
export interface SharedHubState {
  dataDir: string;
  databaseUrl?: string;
  schema?: string;
  queuePrefix: string;
  pki: DevPki;
}

export interface StartTestHubOptions {
  roles?: OpenHubOptions['roles'];
  env?: Record<string, string>;
  /** Values for the configuration's `${…}` placeholders besides `SIM_URL` (other simulators' URLs, their secrets). */
  configEnv?: Record<string, string>;
  sweepGraceMs?: number;
  alg?: 'ES256' | 'RS256';
  /**
   * Run on another hub's data folder, database, queue prefix and PKI (that hub closed with
   * `keepData`, or still running on PostgreSQL). This hub then owns them and cleans them up at close.
   */
  shared?: SharedHubState;
  /** Where the hub's log lines go (default: stdout at `TEST_LOG_LEVEL`, silent unless set). */
  log?: { level: string; destination: DestinationStream };
}

/**
 * A real hub (API + worker by default) on the given store, listening on an ephemeral port, with the
 * agency-endpoint simulator, a fresh dev PKI, a unique queue prefix and API keys for the test agencies.
 * PostgreSQL runs in a fresh schema dropped at close; a missing server fails the test.
 */
export async function startTestHub(store: StoreKind, opts: StartTestHubOptions = {}): Promise<TestHub> {
  const dataDir = opts.shared?.dataDir ?? await mkdtemp(join(tmpdir(), 'lienthong-test-'));
  const pki = opts.shared?.pki ?? await createDevPki({ alg: opts.alg ?? 'ES256' });
  const paths = await writeDevPki(join(dataDir, 'keys'), pki, { force: true });
  const sim = await startHttpEndpointSimulator({ hubCertificatePem: pki.chainPem });
  const queuePrefix = opts.shared?.queuePrefix ?? `lt-test-${randomBytes(4).toString('hex')}`;

  let databaseUrl: string | undefined = opts.shared?.databaseUrl;
  let schema: string | undefined = opts.shared?.schema;
  if (store === 'postgres' && !schema) {
    schema = `lt_test_${randomBytes(6).toString('hex')}`;
    const admin = new pg.Client({ connectionString: testDatabaseUrl() });
    try {
      await admin.connect();
    } catch (err) {
      throw new Error(`PostgreSQL is required for the integration suite: ${(err as Error).message}`);
    }
    await admin.query(`CREATE SCHEMA ${schema}`);
    await admin.end();
    const parsed = new URL(testDatabaseUrl());
    parsed.searchParams.set('options', `-c search_path=${schema}`);
    databaseUrl = parsed.toString();
  }
  const dropSchema = async (): Promise<void> => {
    if (!schema) return;
    const client = new pg.Client({ connectionString: testDatabaseUrl() });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await client.end();
  };

  if (store === 'pglite' && !opts.shared) await seedPgliteDataDir(join(dataDir, 'pgdata'));
  const catalogue = createSchemaCatalogue();
  const env = loadEnv({
    LIENTHONG_DATA_DIR: dataDir, LIENTHONG_CONFIG: TEST_CONFIG, PORT: '0', LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    REDIS_URL: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379', LIENTHONG_QUEUE_PREFIX: queuePrefix,
    LIENTHONG_HUB_CERT: paths.chainPath, LIENTHONG_HUB_KEY: paths.hubKeyPath, LIENTHONG_SWEEP_INTERVAL_MS: '1000',
    LIENTHONG_API_KEY_CACHE_MS: '0',
    // The simulators listen on loopback, which the outbound guard refuses unless allowed.
    LIENTHONG_OUTBOUND_ALLOW: LOOPBACK_ALLOWANCE,
    ...(databaseUrl ? { DATABASE_URL: databaseUrl, DATABASE_POOL_SIZE: '4' } : {}),
    ...opts.env,
  }, catalogue);
  const hub = await openHub({
    env, adapters, log: opts.log ? createLogger(opts.log.level, { destination: opts.log.destination }) : createLogger(env.logLevel), roles: opts.roles ?? { api: true, worker: true },
    configEnv: { SIM_URL: sim.url, ...opts.configEnv }, sweepGraceMs: opts.sweepGraceMs ?? 60_000,
  });
  const url = (await hub.listen()) ?? '';
  const key = async (owner: { agency: string } | { role: 'admin' | 'operator' | 'auditor' }) => (await createApiKey(hub.db, owner, 'test')).key;
  const keys: TestKeys = {
    g22: await key({ agency: '000.00.00.G22' }), h41: await key({ agency: '000.00.00.H41' }), h14: await key({ agency: '000.00.00.H14' }),
    h30: await key({ agency: '000.00.00.H30' }), h56: await key({ agency: '000.00.00.H56' }), g14: await key({ agency: '000.00.04.G14' }),
    admin: await key({ role: 'admin' }), operator: await key({ role: 'operator' }), auditor: await key({ role: 'auditor' }),
  };

  return {
    hub, url, sim, pki, keys, queuePrefix,
    shared: { dataDir, queuePrefix, pki, ...(databaseUrl ? { databaseUrl } : {}), ...(schema ? { schema } : {}) },
    async call(method, path, o = {}) {
      const headers: Record<string, string> = { ...(o.key ? { authorization: `Bearer ${o.key}` } : {}), ...o.headers };
      let body: string | Buffer | undefined = o.raw;
      if (o.body !== undefined) {
        body = JSON.stringify(o.body);
        headers['content-type'] ??= 'application/json';
      }
      // A copy as a plain Uint8Array: fetch's typings (DOM's BodyInit, pulled in by @xmldom/xmldom's
      // types) refuse a Buffer over an ArrayBufferLike.
      const payload = typeof body === 'string' || body === undefined ? body : new Uint8Array(body);
      const response = await fetch(`${url}${path}`, { method, headers, ...(payload !== undefined ? { body: payload } : {}) });
      const text = await response.text();
      let json: unknown;
      try {
        json = text ? JSON.parse(text) : undefined;
      } catch {
        json = text;
      }
      return { status: response.status, json, headers: response.headers };
    },
    async until(check, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const value = await check();
        if (value) return value as never;
        if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async close(closeOpts = {}) {
      if (!closeOpts.keepData) {
        // Leave nothing in Redis: deliveries, and the poll schedulers with their jobs.
        await hub.queue.obliterate({ force: true }).catch(() => undefined);
        await hub.polls?.queue.obliterate({ force: true }).catch(() => undefined);
      }
      await hub.close();
      await sim.close();
      if (closeOpts.keepData) return;
      await dropSchema();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** A valid document request body from `sender` to `recipients`, unique per call. */
// Document numbers count up from a random start: a random number each (1 in 1e9) made two of a fault
// suite's 3,000 documents the same document ~0.5 % of the time, and the hub rightly refused the second.
let nextDocumentNumber = 1e9 + Math.floor(Math.random() * 8e9);

export function documentBody(sender: string, recipients: string[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  const number = String(nextDocumentNumber++);
  return {
    sender, recipients,
    document: {
      number, notation: 'VPCP-TEST', promulgation: { place: 'Hà Nội', date: '2026-11-20' },
      documentType: { name: 'Công văn' }, subject: `Văn bản thử nghiệm ${number}`, urgency: 'normal',
      signer: { fullName: 'Nguyễn Văn A', position: 'Chánh Văn phòng' },
    },
    attachments: [{ name: `${number}.pdf`, contentType: 'application/pdf', content: Buffer.from(`%PDF-1.4 test ${number}`).toString('base64') }],
    ...extra,
  };
}
