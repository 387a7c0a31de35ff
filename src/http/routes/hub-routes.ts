import type { FastifyInstance } from 'fastify';
import type { HubKey, HubKeys } from '../../crypto/hub-keys.js';
import type { Metrics } from '../../metrics.js';

export interface HubRoutesDeps {
  /** The hub's keys: certificates only are served, never a private key. */
  keys: Pick<HubKeys, 'chainPem' | 'all'>;
  metrics: Metrics;
  /** Each dependency's readiness: `ok` or what is wrong. */
  readiness(): Promise<Record<string, string>>;
}

/** What `GET /v1/hub/keys` lists of one key (the response schema below describes each field). */
function publishedKey(key: HubKey): Record<string, string> {
  return {
    kid: key.kid, status: key.status, alg: key.alg, subject: key.leaf.subject.split('\n').join(', '),
    notBefore: new Date(key.leaf.validFrom).toISOString(), notAfter: new Date(key.leaf.validTo).toISOString(),
    fingerprintSha256: key.fingerprintSha256, chainPem: key.chainPem,
  };
}

const keysResponse = {
  type: 'object', additionalProperties: false, required: ['keys'],
  description: "The hub's signing keys: the active one first, then the retired ones whose receipts must stay verifiable.",
  properties: {
    keys: {
      type: 'array', description: 'Active key first, then retired keys in the order configured.',
      items: {
        type: 'object', additionalProperties: false,
        required: ['kid', 'status', 'alg', 'subject', 'notBefore', 'notAfter', 'fingerprintSha256', 'chainPem'],
        properties: {
          kid: { type: 'string', description: 'Key id, as in the receipts\' JWS header: base64url SHA-256 of the leaf certificate DER (x5t#S256).' },
          status: { type: 'string', enum: ['active', 'retired'], description: 'active: signs new receipts; retired: signed earlier ones only.' },
          alg: { type: 'string', enum: ['ES256', 'RS256'], description: 'JWS algorithm of the key.' },
          subject: { type: 'string', description: 'Subject of the leaf certificate, one line.' },
          notBefore: { type: 'string', format: 'date-time', description: 'Start of the leaf certificate\'s validity.' },
          notAfter: { type: 'string', format: 'date-time', description: 'End of the leaf certificate\'s validity.' },
          fingerprintSha256: { type: 'string', description: 'SHA-256 of the leaf DER, colon-separated hex, as openssl x509 -fingerprint -sha256 prints it.' },
          chainPem: { type: 'string', description: 'PEM certificates, leaf first (what to give scripts/verify-receipt.sh).' },
        },
      },
    },
  },
};

/** Unauthenticated: the certificate chain and keys (to verify receipts), health, readiness, metrics. */
export async function hubRoutes(app: FastifyInstance, deps: HubRoutesDeps): Promise<void> {
  const keys = { keys: deps.keys.all.map(publishedKey) };

  app.get('/v1/hub/certificate', {
    schema: { summary: "The hub's active signing certificate chain (PEM, leaf first)", tags: ['hub'] },
  }, async (_request, reply) => reply.header('content-type', 'application/x-pem-file').send(deps.keys.chainPem));

  app.get('/v1/hub/keys', {
    schema: { summary: "The hub's signing keys, active and retired, by kid (certificates only)", tags: ['hub'], response: { 200: keysResponse } },
  }, async () => keys);

  app.get('/healthz', { schema: { summary: 'Liveness', tags: ['hub'] } }, async () => ({ status: 'ok' }));

  app.get('/readyz', { schema: { summary: 'Readiness: database, queue', tags: ['hub'] } }, async (_request, reply) => {
    const checks = await deps.readiness();
    const ready = Object.values(checks).every((v) => v === 'ok');
    return reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', checks });
  });

  app.get('/metrics', { schema: { summary: 'Prometheus metrics', tags: ['hub'] } }, async (_request, reply) =>
    reply.header('content-type', deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics()));
}
