import multipart from '@fastify/multipart';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { AuditChain } from './audit/audit-chain.js';
import { checkpointTrust } from './audit/verify-audit-chain.js';
import type { ApiKeyResolver } from './auth/api-keys.js';
import type { ClientCertificateAuth } from './auth/open-client-certificate-auth.js';
import { createConsoleLogin } from './auth/console-login.js';
import type { ConsoleSessions } from './auth/console-sessions.js';
import type { HubEnv } from './config/load-env.js';
import type { HubKeys } from './crypto/hub-keys.js';
import { withCanonicalUuids } from './http/canonical-uuids.js';
import { installSecurityHeaders } from './http/security-headers.js';
import { frameworkErrors, installErrorHandler, refuseNulInUrl } from './http/error-handler.js';
import { clientErrorHandler } from './http/client-error-handler.js';
import { installJsonBodyParser } from './http/json-body-parser.js';
import type { DossierService } from './dossiers/dossier-service.js';
import { adminRoutes } from './http/routes/admin-routes.js';
import { operationsRoutes } from './http/routes/operations-routes.js';
import type { OperationsPorts } from './admin/operations-ports.js';
import { configRoutes } from './http/routes/config-routes.js';
import type { ConfigAdmin } from './config/config-admin.js';
import { auditChainRoutes } from './http/routes/audit-chain-routes.js';
import { evidenceRoutes } from './http/routes/evidence-routes.js';
import { auditorRoutes } from './http/routes/auditor-routes.js';
import { createExportSlots } from './auditor/export-slots.js';
import { createBodyBudget, installBodyBudget } from './http/body-budget.js';
import { directoryRoutes } from './http/routes/directory-routes.js';
import { dossierRoutes } from './http/routes/dossier-routes.js';
import { hubRoutes } from './http/routes/hub-routes.js';
import { inboxRoutes } from './http/routes/inbox-routes.js';
import type { ForwardedEdxml } from './forwarding/forwarded-edxml.js';
import { messageRoutes } from './http/routes/message-routes.js';
import { sessionRoutes } from './http/routes/session-routes.js';
import { statsRoutes } from './http/routes/stats-routes.js';
import { consoleRoutes } from './http/routes/console-routes.js';
import { loadConsoleAssets } from './console/console-assets.js';
import type { IntakeService } from './intake/intake-service.js';
import type { Metrics } from './metrics.js';
import type { DeliveryEnqueuer } from './queue/delivery-enqueuer.js';
import type { SchemaCatalogue } from './schema-catalogue.js';
import type { BlobStore } from './store/blob-store.js';
import type { Db } from './store/db.js';
import type { EdxmlIntake } from './intake/edxml-intake.js';
import type { RemoteProgressReader } from './remote/remote-progress.js';

/** Everything the HTTP layer needs, opened by the caller (see `hub.ts`). */
export interface AppDeps {
  env: Pick<HubEnv, 'bodyLimit' | 'bodyMemory' | 'attachmentLimit' | 'blobInlineMax' | 'cookieSecure' | 'auditExportsMax'>;
  catalogue: SchemaCatalogue;
  configAdmin: ConfigAdmin;
  db: Db;
  blobs: BlobStore;
  keys: HubKeys;
  issuer: string;
  intake: IntakeService;
  enqueuer: DeliveryEnqueuer;
  apiKeys: ApiKeyResolver;
  /** Console sessions (the same ones `apiKeys.sessions` resolves cookies with). */
  sessions: ConsoleSessions;
  metrics: Metrics;
  log: Logger;
  readiness(): Promise<Record<string, string>>;
  /** The signed edXML the hub forwards for a message (`GET /v1/messages/:id/edxml`). */
  forwardedEdxml: ForwardedEdxml;
  edxmlIntake: EdxmlIntake;
  remoteProgress: RemoteProgressReader;
  /** The delivery queue and Redis, for the operations API (queue counts, resends, circuit states). */
  operations: OperationsPorts;
  /** Administrative-procedure dossiers. */
  dossiers: DossierService;
  /** The tamper-evident audit chain (verification, checkpoints, evidence). */
  audit: AuditChain;
  /** The CA of the time-stamping authority, when checkpoints are time-stamped (evidence bundles carry it). */
  tsaCaPem?: string;
  /** TLS options when the API serves HTTPS (LIENTHONG_TLS_*), client-certificate request included. */
  https?: ClientCertificateAuth['https'];
  now(): Date;
}

/**
 * Builds the Fastify app and never listens: entry points (`serve`, `all`, tests) do. Plugins go in
 * dependency order: errors and validation → OpenAPI → body parsers → routes.
 */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    // pino's Logger is a FastifyBaseLogger; the cast keeps the instance type the routes expect.
    loggerInstance: deps.log as FastifyBaseLogger,
    bodyLimit: deps.env.bodyLimit,
    // Per-request access logs at 1,000+ requests/s cost more than they tell; errors are still logged.
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: () => crypto.randomUUID(),
    // Requests Node's parser refuses (bad header bytes, oversized headers) get a coded answer too.
    clientErrorHandler: clientErrorHandler(deps.log),
    // …and so do URLs Fastify's router refuses (bad percent-encoding).
    frameworkErrors,
    // An HTTPS server is the same Fastify instance to the routes; only the listener differs.
    ...(deps.https ? { https: deps.https } : {}),
  });

  // 1. errors and validation: one strict Ajv for bodies, a coercing one for query strings and params.
  installErrorHandler(app, deps.env);
  refuseNulInUrl(app);
  installSecurityHeaders(app);
  app.setValidatorCompiler(({ schema, httpPart }) => {
    const validate = (httpPart === 'body' ? deps.catalogue.strict : deps.catalogue.coercing).compile(schema as object);
    return httpPart === 'params' || httpPart === 'querystring' ? withCanonicalUuids(schema, validate) : validate;
  });
  for (const schema of deps.catalogue.schemas) app.addSchema(schema);

  // 2. OpenAPI at /docs (UI) and /docs/json.
  await app.register(swagger, {
    openapi: {
      info: { title: 'lienthong', version: '1', description: 'Interoperability hub for Vietnamese government agencies: documents, statuses, receipts.' },
      components: { securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'lt_… API key' } } },
      security: [{ apiKey: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  // 3. body parsers: JSON (strict UTF-8, bounded depth, on Fastify's own) and multipart. Fastify also
  // parses text/plain by default, which would hand routes a string body their content-typed schemas
  // never check: drop it, so it gets 415.
  app.removeContentTypeParser('text/plain');
  installJsonBodyParser(app);
  await app.register(multipart, { limits: { fileSize: deps.env.attachmentLimit, files: 100, fields: 1 } });
  // Bodies held in memory (JSON, XML) are bounded together: over the budget is 503, before reading.
  installBodyBudget(app, createBodyBudget(deps.env.bodyMemory, (bytes) => deps.metrics.bodyBytesInFlight.set(bytes)), {
    bodyLimit: deps.env.bodyLimit, onShed: () => deps.metrics.requestsShed.inc(),
  });

  // 4. routes.
  await app.register(hubRoutes, { keys: deps.keys, metrics: deps.metrics, readiness: deps.readiness });
  await app.register(messageRoutes, {
    db: deps.db, blobs: deps.blobs, intake: deps.intake, apiKeys: deps.apiKeys, catalogue: deps.catalogue,
    metrics: deps.metrics, attachmentLimit: deps.env.attachmentLimit, blobInlineMax: deps.env.blobInlineMax, forwardedEdxml: deps.forwardedEdxml, edxmlIntake: deps.edxmlIntake, remoteProgress: deps.remoteProgress, now: deps.now,
  });
  await app.register(inboxRoutes, { db: deps.db, blobs: deps.blobs, apiKeys: deps.apiKeys, signer: deps.keys.signer, issuer: deps.issuer, metrics: deps.metrics, log: deps.log, now: deps.now });
  await app.register(adminRoutes, { db: deps.db, apiKeys: deps.apiKeys, enqueuer: deps.enqueuer });
  await app.register(operationsRoutes, { db: deps.db, apiKeys: deps.apiKeys, enqueuer: deps.enqueuer, ports: deps.operations, metrics: deps.metrics, log: deps.log, now: deps.now });
  await app.register(configRoutes, { apiKeys: deps.apiKeys, admin: deps.configAdmin });
  await app.register(directoryRoutes, { db: deps.db, apiKeys: deps.apiKeys });
  await app.register(dossierRoutes, { apiKeys: deps.apiKeys, dossiers: deps.dossiers });
  await app.register(auditorRoutes, {
    db: deps.db, apiKeys: deps.apiKeys, audit: deps.audit, now: deps.now,
    exportSlots: createExportSlots(deps.env.auditExportsMax, (inUse) => deps.metrics.auditExports.set(inUse)),
  });
  // The CAs of the hub's own chain: what checkpoint signers must chain to, and the CA an evidence bundle carries.
  const hubCas = checkpointTrust(deps.keys.chainPem);
  const caPem = hubCas.anchors.map((cert) => cert.toString()).join('');
  await app.register(evidenceRoutes, { db: deps.db, apiKeys: deps.apiKeys, audit: deps.audit, caPem, forwardedEdxml: deps.forwardedEdxml, ...(deps.tsaCaPem ? { tsaCaPem: deps.tsaCaPem } : {}), now: deps.now });
  await app.register(sessionRoutes, { apiKeys: deps.apiKeys, login: createConsoleLogin({ db: deps.db, now: deps.now }), sessions: deps.sessions, cookieSecure: deps.env.cookieSecure });
  await app.register(auditChainRoutes, { db: deps.db, apiKeys: deps.apiKeys, audit: deps.audit, checkpointTrust: hubCas, hubKeys: deps.keys.all });
  await app.register(statsRoutes, { db: deps.db, apiKeys: deps.apiKeys, now: deps.now });
  // The web console: its page and files, read once here (src/console/web/ and the front-end packages).
  await app.register(consoleRoutes, { assets: loadConsoleAssets() });
  return app;
}
