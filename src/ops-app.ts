import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { hubRoutes, type HubRoutesDeps } from './http/routes/hub-routes.js';

/** Health, readiness, metrics and the certificates only: what a worker-only process serves. */
export async function buildOpsApp(deps: HubRoutesDeps & { log: Logger }): Promise<FastifyInstance> {
  const app = Fastify({ loggerInstance: deps.log as FastifyBaseLogger, logController: new LogController({ disableRequestLogging: true }) });
  await app.register(hubRoutes, deps);
  return app;
}
