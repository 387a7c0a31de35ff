import type { FastifyInstance } from 'fastify';
import type { Metrics } from '../../metrics.js';

export interface HubRoutesDeps {
  chainPem: string;
  metrics: Metrics;
  /** Each dependency's readiness: `ok` or what is wrong. */
  readiness(): Promise<Record<string, string>>;
}

/** Unauthenticated: the certificate chain (to verify receipts), health, readiness, metrics. */
export async function hubRoutes(app: FastifyInstance, deps: HubRoutesDeps): Promise<void> {
  app.get('/v1/hub/certificate', {
    schema: { summary: "The hub's signing certificate chain (PEM, leaf first)", tags: ['hub'] },
  }, async (_request, reply) => reply.header('content-type', 'application/x-pem-file').send(deps.chainPem));

  app.get('/healthz', { schema: { summary: 'Liveness', tags: ['hub'] } }, async () => ({ status: 'ok' }));

  app.get('/readyz', { schema: { summary: 'Readiness: database, queue', tags: ['hub'] } }, async (_request, reply) => {
    const checks = await deps.readiness();
    const ready = Object.values(checks).every((v) => v === 'ok');
    return reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', checks });
  });

  app.get('/metrics', { schema: { summary: 'Prometheus metrics', tags: ['hub'] } }, async (_request, reply) =>
    reply.header('content-type', deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics()));
}
