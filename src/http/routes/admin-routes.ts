import type { FastifyInstance } from 'fastify';
import { replayDelivery } from '../../admin/replay-delivery.js';
import type { ApiKeyResolver } from '../../auth/api-keys.js';
import { actorOf } from '../../auth/principal.js';
import type { DeliveryEnqueuer } from '../../queue/delivery-enqueuer.js';
import type { Db } from '../../store/db.js';
import { authenticate, principalOf, requireRole } from '../authenticate.js';

export interface AdminRoutesDeps {
  db: Db;
  apiKeys: ApiKeyResolver;
  enqueuer: DeliveryEnqueuer;
}

export async function adminRoutes(app: FastifyInstance, deps: AdminRoutesDeps): Promise<void> {
  app.addHook('onRequest', authenticate(deps.apiKeys));

  app.post<{ Params: { id: string } }>('/v1/admin/deliveries/:id/replay', {
    schema: {
      summary: 'Give a failed delivery a fresh retry cycle (admin, operator)', tags: ['admin'],
      params: { type: 'object', additionalProperties: false, required: ['id'], properties: { id: { type: 'string', format: 'uuid', description: 'Delivery id.' } } },
    },
  }, async (request, reply) => {
    const principal = principalOf(request);
    requireRole(principal, ['admin', 'operator'], 'replay deliveries');
    const { generation } = await replayDelivery(deps.db, deps.enqueuer, request.params.id, actorOf(principal));
    return reply.status(202).send({ deliveryId: request.params.id, state: 'queued', generation });
  });

  app.get<{ Querystring: { limit: number } }>('/v1/admin/deliveries/failed', {
    schema: {
      summary: 'Failed deliveries, newest first (admin, operator, auditor)', tags: ['admin'],
      querystring: { type: 'object', additionalProperties: false, properties: { limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100, description: 'Page size.' } } },
    },
  }, async (request) => {
    requireRole(principalOf(request), ['admin', 'operator', 'auditor'], 'list failed deliveries');
    const { rows } = await deps.db.query<{ id: string; message_id: string; recipient: string; endpoint_id: string; attempts: number; last_error: string | null; updated_at: Date }>(
      `SELECT id, message_id, recipient, endpoint_id, attempts, last_error, failed_at AS updated_at FROM deliveries WHERE failed_at IS NOT NULL ORDER BY failed_at DESC LIMIT $1`, [request.query.limit]);
    return { items: rows.map((r) => ({ id: r.id, messageId: r.message_id, recipient: r.recipient, endpoint: r.endpoint_id, attempts: r.attempts, lastError: r.last_error, failedAt: r.updated_at.toISOString() })) };
  });
}
