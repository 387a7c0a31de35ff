import { setMaxListeners } from 'node:events';
import { join } from 'node:path';
import { Queue, type Worker } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { AdapterTable } from './adapters/adapter-contract.js';
import { buildApp } from './app.js';
import { createAuditChain, type AuditChain } from './audit/audit-chain.js';
import { guardedDb } from './audit/guarded-db.js';
import { checkpointSignerOf } from './audit/checkpoint-signer.js';
import { loadCheckpointTsa } from './audit/checkpoint-timestamper.js';
import { buildOpsApp } from './ops-app.js';
import { createApiKeyResolver } from './auth/api-keys.js';
import { createConsoleSessions } from './auth/console-sessions.js';
import { openClientCertificateAuth } from './auth/open-client-certificate-auth.js';
import type { HubConfig } from './config/hub-config.js';
import { loadHubConfig, parseHubConfig, type LoadHubConfigOptions } from './config/load-hub-config.js';
import { createConfigAdmin, type ConfigAdmin } from './config/config-admin.js';
import { openLiveConfig, type LiveConfig } from './config/live-config.js';
import { watchUnavailableEndpoints } from './config/watch-unavailable-endpoints.js';
import type { HubEnv } from './config/load-env.js';
import { certificatesFromPem, loadHubKeys, type HubKeys } from './crypto/hub-keys.js';
import { loadXmlTrustStore } from './crypto/xml-trust.js';
import { createCertificateVerifier, type CertificateVerifier } from './crypto/pki/certificate-verifier.js';
import type { TrustStore } from './formats/xmldsig/index.js';
import { createEdxmlIntake, type EdxmlIntake } from './intake/edxml-intake.js';
import { createRemoteProgress } from './remote/remote-progress.js';
import { createDossierService, type DossierService } from './dossiers/dossier-service.js';
import { createIntakeService, type IntakeService } from './intake/intake-service.js';
import { createMetrics, type Metrics } from './metrics.js';
import { createOutboundGuard } from './net/outbound-guard.js';
import { installOutboundGuard } from './net/outbound-policy.js';
import { createDeliveryEnqueuer, type DeliveryEnqueuer } from './queue/delivery-enqueuer.js';
import { createBacklogRelease } from './queue/backlog-release.js';
import { createDeliveryProcessor } from './queue/delivery-processor.js';
import { DELIVERY_QUEUE, type DeliverJobData } from './queue/job-catalogue.js';
import { openRedis, type RedisTarget } from './queue/redis-connection.js';
import { startDeliveryWorker } from './queue/start-delivery-worker.js';
import { startPollWorker, type PollWorker } from './queue/start-poll-worker.js';
import { createForwardedEdxml } from './forwarding/forwarded-edxml.js';
import { createSweeper, type Sweeper } from './queue/sweeper.js';
import { startDeliveryOversight, type DeliveryOversight } from './queue/delivery-oversight.js';
import { openAlerts } from './alerts/open-alerts.js';
import type { Alerts } from './alerts/alert-service.js';
import { createSchemaCatalogue, type IdentifiedSchema, type SchemaCatalogue } from './schema-catalogue.js';
import { createFolderBlobStore, type BlobStore } from './store/blob-store.js';
import type { Db } from './store/db.js';
import { withDatabaseBlobs } from './store/database-blobs.js';
import { createGroupCommit, type GroupCommit } from './store/group-commit.js';
import { migrate } from './store/migrate.js';
import { openDb } from './store/open-db.js';
import type { NewMessageRecord, NewMessageResult } from './store/records.js';
import { syncConfig } from './store/sync-config.js';
import { claimDeliveries, type ClaimedDelivery } from './store/claim-deliveries.js';
import { writeDeliveryOutcomes, type DeliveryOutcomeRecord, type OutcomeWrite } from './store/write-delivery-outcomes.js';
import { writeNewMessages } from './store/write-new-messages.js';

export interface OpenHubOptions {
  env: HubEnv;
  adapters: AdapterTable;
  log: Logger;
  /** What this process runs: the HTTP API, the delivery worker (with the sweeper), or both. */
  roles: { api: boolean; worker: boolean };
  /** Variables for `${ENV}` placeholders in the config (default: process.env). */
  configEnv?: NodeJS.ProcessEnv;
  /** Sweeper grace (default 60 s): how overdue a delivery must be before its job is checked. */
  sweepGraceMs?: number;
  now?: () => Date;
}

/** A running hub process: the opened resources, and the parts this process runs. */
export interface Hub {
  env: HubEnv;
  /** The configuration in effect: reads through to the newest revision (see `live`). */
  config: HubConfig;
  live: LiveConfig;
  configAdmin: ConfigAdmin;
  catalogue: SchemaCatalogue;
  db: Db;
  blobs: BlobStore;
  keys: HubKeys;
  metrics: Metrics;
  queue: Queue<DeliverJobData>;
  enqueuer: DeliveryEnqueuer;
  intake: IntakeService;
  /** edXML intake (API bodies and polled packets): read, signature policy, acceptance. */
  edxmlIntake: EdxmlIntake;
  dossiers: DossierService;
  /** The tamper-evident audit chain: sealing, checkpoints, fail-closed health. */
  audit: AuditChain;
  app?: FastifyInstance;
  worker?: Worker<DeliverJobData>;
  sweeper?: Sweeper;
  /** Clocked receive loops and directory syncs of polled endpoints (worker role). */
  polls?: PollWorker;
  /** Alerts of this process (delivery given up, circuit opened, certificate expiring, audit log failing). */
  alerts: Alerts;
  /** Endpoint pauses this worker obeys and the circuit breakers it publishes (worker role). */
  oversight?: DeliveryOversight;
  /** Listens (when the API runs) and returns the bound URL. */
  listen(): Promise<string | undefined>;
  /** Clean shutdown: HTTP, then workers, then queues, then Redis and the store. */
  close(): Promise<void>;
}

/**
 * A verifier for XML signers over the XML-signature anchors, when revocation is on and has somewhere
 * to look (CRLs, an OCSP responder, or the certificates' own pointers): otherwise signers are checked
 * for path, validity and usage only.
 */
function signerRevocation(env: HubEnv, store: TrustStore, now: () => Date): { signerVerifier?: CertificateVerifier } {
  const r = env.trust.revocation;
  const hasSources = r.crlSources.length > 0 || r.ocspResponder !== undefined || r.crlFromCertificates || r.ocspFromCertificates;
  if (r.policy === 'off' || !hasSources || store.anchors.length === 0) return {};
  return { signerVerifier: createCertificateVerifier({ store: { anchors: store.anchors, intermediates: [] }, revocation: r, now }) };
}

/**
 * Opens everything in dependency order — config → keys → store (migrated, config mirrored) → blobs →
 * queue → services → app/worker — and fails fast at the first thing that is wrong.
 */
export async function openHub(opts: OpenHubOptions): Promise<Hub> {
  const { env, log } = opts;
  const now = opts.now ?? (() => new Date());
  // Adapters' own resources (connection pools) close last, after the workers that use them.
  const closers: (() => Promise<unknown>)[] = [async () => { for (const adapter of Object.values(opts.adapters)) await adapter.close?.(); }];
  const close = async (): Promise<void> => {
    for (const closer of closers.splice(0).reverse()) {
      await closer().catch((err: unknown) => log.error({ err }, 'error during shutdown'));
    }
  };
  try {
    // 1. outbound guard, configuration and keys: endpoint URLs are checked against the guard, and
    //    every adapter connection of the process obeys it from now on.
    const outbound = createOutboundGuard(env.outboundAllow);
    installOutboundGuard(outbound);
    if (outbound.allowed.length > 0) log.info({ outboundAllow: outbound.allowed }, 'internal addresses the adapters may reach (LIENTHONG_OUTBOUND_ALLOW)');
    const catalogue = createSchemaCatalogue(Object.values(opts.adapters).map((a) => a.settingsSchema as IdentifiedSchema));
    const parse = (document: unknown, mode?: Pick<LoadHubConfigOptions, 'unsetVariables'>): HubConfig => parseHubConfig(document, { catalogue, adapters: opts.adapters, env: opts.configEnv ?? process.env, outbound, ...mode });
    // The file alone, checked before anything opens; the sections only the file sets (keys, client
    // certificates, the hub's name) come from it. Agencies, endpoints and routes come from the live
    // configuration below: the file plus the changes made through the admin API.
    const fileConfig = await loadHubConfig(env.configPath, { catalogue, adapters: opts.adapters, env: opts.configEnv ?? process.env, outbound });
    const keys = await loadHubKeys(env.keys);
    const trust = await loadXmlTrustStore(env.xmlTrustPath, keys.chainPem);
    if (trust.warning) log.warn(trust.warning);
    const certificateAuth = await openClientCertificateAuth(env.trust, fileConfig.clientCertificates, log, now);
    for (const warning of certificateAuth.warnings) log.warn({ warning }, 'client certificates');
    const issuer = fileConfig.hub.organId ? `${fileConfig.hub.name} (${fileConfig.hub.organId})` : fileConfig.hub.name;

    // 2. store
    const db = await openDb({ ...(env.databaseUrl ? { databaseUrl: env.databaseUrl } : {}), dataDir: env.dataDir, poolSize: env.databasePoolSize, log });
    closers.push(() => db.close());
    await migrate(db, { log, mode: env.migrate });
    const live = await openLiveConfig({ db, filePath: env.configPath, parse, log: log.child({ component: 'config' }), now, pollMs: env.configPollMs });
    for (const warning of live.current().warnings) log.warn({ warning, version: live.version() }, 'hub configuration');
    await syncConfig(db, live.current());
    live.start();
    closers.push(async () => live.stop());
    // Every part reads the configuration through this view: a new revision is in effect on its next read.
    const config = live.view;
    const configAdmin = createConfigAdmin({
      db, live, parse, now,
      secretKeysOf: (adapter) => (opts.adapters as Record<string, { secretSettings: readonly string[] } | undefined>)[String(adapter)]?.secretSettings ?? [],
    });
    const blobs = withDatabaseBlobs(createFolderBlobStore({ dir: join(env.dataDir, 'blobs') }), db);
    // Every process seals (one at a time, under the chain lock) and watches that the log takes rows.
    const tsa = env.tsa ? await loadCheckpointTsa(env.tsa) : undefined;
    const audit = createAuditChain({
      db, signer: checkpointSignerOf(keys, issuer), log: log.child({ component: 'audit' }), now, sealBatch: 5_000, ...env.audit,
      ...(tsa ? { timestamper: tsa.timestamper } : {}),
    });
    audit.start();
    closers.push(() => audit.stop());

    // 3. queue (Redis carries work only)
    const redisTarget: RedisTarget = { url: env.redisUrl, ...(env.redisSentinelPassword ? { sentinelPassword: env.redisSentinelPassword } : {}) };
    const queueRedis = openRedis(redisTarget, { maxRetriesPerRequest: 2, connectTimeout: 5_000, lazyConnect: false });
    queueRedis.on('error', (err) => log.warn({ err: err.message }, 'redis (queue) connection error'));
    closers.push(() => queueRedis.quit().catch(() => queueRedis.disconnect()));
    const queue = new Queue<DeliverJobData>(DELIVERY_QUEUE, { connection: queueRedis, prefix: env.queuePrefix });
    // Without a listener BullMQ prints connection errors with console.error, outside the structured log.
    queue.on('error', (err) => log.warn({ err: err.message }, 'queue error'));
    closers.push(() => queue.close());
    const enqueuer = createDeliveryEnqueuer(queue);

    // 4. services
    const metrics = createMetrics();
    const alerting = openAlerts({ env, db, redis: queueRedis, metrics, log, now, issuer, audit, signingChainPem: keys.chainPem });
    closers.push(() => alerting.close());
    const maxInFlight = db.kind === 'pglite' ? 1 : Math.max(1, Math.floor(env.databasePoolSize / 2));
    const commits: GroupCommit<NewMessageRecord, NewMessageResult> = createGroupCommit({
      maxBatch: 200,
      maxInFlight,
      run: async (items) => {
        metrics.groupCommitBatch.observe({ writer: 'intake' }, items.length);
        return audit.guard(() => writeNewMessages(db, items));
      },
    });
    closers.push(() => commits.drain());
    const intake = createIntakeService({ config, db, signer: keys.signer, issuer, commits, enqueuer, metrics, log, now });
    const edxmlIntake = createEdxmlIntake({
      intake, blobs, config, trustStore: trust.store, inlineMax: env.blobInlineMax, attachmentLimit: env.attachmentLimit,
      verifyMaxBytes: env.xmlVerifyMaxBytes, log, now, ...signerRevocation(env, trust.store, now),
    });
    const forwardedEdxml = createForwardedEdxml({ db, blobs, config, signingKey: { privateKey: keys.signer.privateKey, chain: certificatesFromPem(keys.chainPem) } });
    const sessions = createConsoleSessions({ db, now });
    const apiKeys = {
      ...createApiKeyResolver({ db, configured: config.apiKeys, cacheMs: env.apiKeyCacheMs }),
      ...(certificateAuth.clientCertificates ? { clientCertificates: certificateAuth.clientCertificates } : {}),
      sessions,
    };
    // Keys and certificate mappings of the file follow the live configuration: a revision that
    // removes one takes it out of service in every process, without a restart.
    live.onChange((next) => {
      apiKeys.useConfigured(next.apiKeys);
      certificateAuth.clientCertificates?.useMappings(next.clientCertificates);
    });
    const dossiers = createDossierService({ db: guardedDb(db, audit), config, catalogue, blobs, blobInlineMax: env.blobInlineMax, signer: keys.signer, issuer, enqueuer, log: log.child({ component: 'dossiers' }), now });

    const readiness = async (): Promise<Record<string, string>> => {
      const check = async (probe: () => Promise<unknown>): Promise<string> => {
        try {
          await Promise.race([probe(), new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 2_000).unref())]);
          return 'ok';
        } catch (err) {
          return (err as Error).message;
        }
      };
      return { database: await check(() => db.ping()), redis: await check(() => queueRedis.ping()), audit: audit.health() };
    };

    // Endpoints this process cannot use (settings need variables it lacks): a metric, kept current.
    watchUnavailableEndpoints(live, metrics);

    // 5. worker and sweeper
    let worker: Worker<DeliverJobData> | undefined;
    let sweeper: Sweeper | undefined;
    let polls: PollWorker | undefined;
    let oversight: DeliveryOversight | undefined;
    if (opts.roles.worker) {
      const shutdown = new AbortController();
      // Every attempt in flight listens for shutdown (up to the worker's concurrency): not a leak.
      setMaxListeners(env.workerConcurrency + 64, shutdown.signal);
      const claims: GroupCommit<string, ClaimedDelivery | undefined> = createGroupCommit({
        maxBatch: 200,
        maxInFlight,
        run: async (ids) => {
          metrics.groupCommitBatch.observe({ writer: 'claims' }, ids.length);
          const found = await claimDeliveries(db, ids, now());
          return ids.map((id) => found.get(id));
        },
      });
      const outcomes: GroupCommit<DeliveryOutcomeRecord, OutcomeWrite> = createGroupCommit({
        maxBatch: 200,
        maxInFlight,
        run: async (items) => {
          metrics.groupCommitBatch.observe({ writer: 'outcomes' }, items.length);
          return writeDeliveryOutcomes(db, items);
        },
      });
      closers.push(() => outcomes.drain());
      // Pauses, circuit states and alerts operators see: closed after the worker (closers run in reverse).
      oversight = startDeliveryOversight({ db, redis: queueRedis, queuePrefix: env.queuePrefix, metrics, alerts: alerting.alerts, alertDedupeMs: env.alerts.dedupeMs, log: log.child({ component: 'oversight' }) });
      const o = oversight;
      closers.push(() => o.close());
      const processor = createDeliveryProcessor({
        config, adapters: opts.adapters, blobs, signer: keys.signer, issuer, claims, outcomes, metrics, log: log.child({ component: 'worker' }), now, shutdown: shutdown.signal, forwardedEdxml,
        readDossier: (id) => dossiers.read(id), pauses: o.pauses, circuits: o.circuits, givenUp: o.givenUp,
        backlog: createBacklogRelease({ db, queue, redis: queueRedis, prefix: env.queuePrefix, log: log.child({ component: 'worker' }) }),
        policyTimeScale: env.policyTimeScale, live,
      });
      const workerRedis = openRedis(redisTarget, { maxRetriesPerRequest: null });
      workerRedis.on('error', (err) => log.warn({ err: err.message }, 'redis (worker) connection error'));
      closers.push(() => workerRedis.quit().catch(() => workerRedis.disconnect()));
      worker = startDeliveryWorker({ connection: workerRedis, prefix: env.queuePrefix, concurrency: env.workerConcurrency, processor, log: log.child({ component: 'worker' }) });
      const w = worker;
      closers.push(async () => {
        shutdown.abort();
        await w.close();
      });
      sweeper = createSweeper({ db, queue, enqueuer, metrics, log: log.child({ component: 'sweeper' }), graceMs: opts.sweepGraceMs ?? 60_000, batchSize: 1_000 });
      sweeper.start(env.sweepIntervalMs);
      const s = sweeper;
      closers.push(() => s.stop());
      // Receive loops and directory syncs (endpoints' `poll`): closed before the sweeper and deliveries.
      polls = startPollWorker({
        config, adapters: opts.adapters, queueConnection: queueRedis, redis: redisTarget, prefix: env.queuePrefix, edxmlIntake, dossiers, db, metrics, log, now,
      });
      const p = polls;
      closers.push(() => p.close());
      live.onChange((next) => void p.reschedule(next));
    }

    // 6. HTTP API (or, for a worker-only process with LIENTHONG_METRICS_PORT, just health and metrics)
    let app: FastifyInstance | undefined;
    if (opts.roles.api) {
      app = await buildApp({ env, catalogue, db, blobs, keys, issuer, intake, enqueuer, apiKeys, sessions, metrics, configAdmin, log, readiness, forwardedEdxml, edxmlIntake, remoteProgress: createRemoteProgress({ db, config, adapters: opts.adapters, log, now }), dossiers, audit, operations: { queue, redis: queueRedis, queuePrefix: env.queuePrefix }, ...(tsa ? { tsaCaPem: tsa.caPem } : {}), ...(certificateAuth.https ? { https: certificateAuth.https } : {}), now });
    } else if (env.metricsPort !== undefined) {
      app = await buildOpsApp({ keys, metrics, readiness, log });
    }
    if (app) {
      const a = app;
      closers.push(() => a.close());
    }

    return {
      env, config, live, configAdmin, catalogue, db, blobs, keys, metrics, queue, enqueuer, intake, edxmlIntake, dossiers, audit,
      ...(app ? { app } : {}), ...(worker ? { worker } : {}), ...(sweeper ? { sweeper } : {}), ...(polls ? { polls } : {}),
      alerts: alerting.alerts, ...(oversight ? { oversight } : {}),
      async listen() {
        if (!app) return undefined;
        return app.listen({ host: env.host, port: opts.roles.api ? env.port : env.metricsPort ?? 0 });
      },
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
