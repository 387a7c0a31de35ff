import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { hubRoutes } from './http/routes/hub-routes.js';
import type { Metrics } from './metrics.js';

/** Health, readiness, metrics and the certificate only: what a worker-only process serves. */
export async function buildOpsApp(deps: { chainPem: string; metrics: Metrics; readiness(): Promise<Record<string, string>>; log: Logger }): Promise<FastifyInstance> {
  const app = Fastify({ loggerInstance: deps.log as FastifyBaseLogger, logController: new LogController({ disableRequestLogging: true }) });
  await app.register(hubRoutes, deps);
  return app;
}
