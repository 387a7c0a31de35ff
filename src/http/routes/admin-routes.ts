import type { FastifyInstance } from 'fastify';
import { listDeliveries } from '../../admin/list-deliveries.js';
import { replayDelivery } from '../../admin/replay-delivery.js';
import type { ApiKeyResolver } from '../../auth/api-keys.js';
import { actorOf } from '../../auth/principal.js';
import type { DeliveryEnqueuer } from '../../queue/delivery-enqueuer.js';
import { SCHEMA_BASE } from '../../schema-catalogue.js';
import type { Db } from '../../store/db.js';
import { authenticate, principalOf, requireRole } from '../authenticate.js';

export interface AdminRoutesDeps {
  db: Db;
  apiKeys: ApiKeyResolver;
  enqueuer: DeliveryEnqueuer;
}

/** Filters and paging of the failed-delivery list (schemas/ops-failed-deliveries-query.json). */
interface FailedQuery { endpoint?: string; recipient?: string; sender?: string; from?: string; to?: string; order: 'asc' | 'desc'; limit: number; cursor?: string }

/** The failed-delivery list and the replay of one (the rest of the operations API: operations-routes.ts). */
export async function adminRoutes(app: FastifyInstance, deps: AdminRoutesDeps): Promise<void> {
  app.addHook('onRequest', authenticate(deps.apiKeys));

  app.post<{ Params: { id: string } }>('/v1/admin/deliveries/:id/replay', {
    // Before validation: a caller without the role learns nothing about the request's form.
    onRequest: async (request) => requireRole(principalOf(request), ['admin', 'operator'], 'replay deliveries'),
    schema: {
      summary: 'Give a failed delivery a fresh retry cycle (admin, operator)', tags: ['admin'],
      params: { type: 'object', additionalProperties: false, required: ['id'], properties: { id: { type: 'string', format: 'uuid', description: 'Delivery id.' } } },
    },
  }, async (request, reply) => {
    const { generation } = await replayDelivery(deps.db, deps.enqueuer, request.params.id, actorOf(principalOf(request)));
    return reply.status(202).send({ deliveryId: request.params.id, state: 'queued', generation });
  });

  app.get<{ Querystring: FailedQuery }>('/v1/admin/deliveries/failed', {
    // Before validation: a caller without the role learns nothing about the query's form.
    onRequest: async (request) => requireRole(principalOf(request), ['admin', 'operator', 'auditor'], 'list failed deliveries'),
    schema: {
      summary: 'Failed deliveries, most recently failed first; filtered, keyset-paged (admin, operator, auditor)', tags: ['admin'],
      querystring: { $ref: `${SCHEMA_BASE}ops-failed-deliveries-query.json#` },
      response: { 200: { $ref: `${SCHEMA_BASE}ops-delivery-page.json#` } },
    },
  }, async (request) => {
    const q = request.query;
    return listDeliveries(deps.db, {
      filter: { states: ['failed'], endpoint: q.endpoint, recipient: q.recipient, sender: q.sender, from: q.from, to: q.to },
      sort: 'failed', order: q.order, limit: q.limit, ...(q.cursor !== undefined ? { cursor: q.cursor } : {}),
    });
  });
}
