import type { FastifyInstance } from 'fastify';

/**
 * Headers every answer carries unless its route sets its own: `nosniff` (a browser never reads an
 * attachment, an edXML packet or a JSON answer as anything but its declared type) and, for the API,
 * `no-store` (what one caller reads — its messages, receipts, audit pages — stays out of shared and
 * browser caches). Set as the request comes in, so a route's own `cache-control` wins.
 */
export function installSecurityHeaders(app: FastifyInstance): void {
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-content-type-options', 'nosniff');
    if (request.url.startsWith('/v1/')) reply.header('cache-control', 'no-store');
  });
}
