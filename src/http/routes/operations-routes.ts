import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { OpsState } from '../../admin/delivery-filter.js';
import { pauseEndpoint, resumeEndpoint } from '../../admin/endpoint-pause.js';
import { listDeliveries } from '../../admin/list-deliveries.js';
import type { OperationsPorts } from '../../admin/operations-ports.js';
import { readQueueCounts, readQueueDepth } from '../../admin/queue-depth.js';
import { readCircuits } from '../../admin/read-circuits.js';
import { resendDeliveries, type ResendScope } from '../../admin/resend-deliveries.js';
import type { ApiKeyResolver } from '../../auth/api-keys.js';
import { actorOf, type Role } from '../../auth/principal.js';
import type { Metrics } from '../../metrics.js';
import type { DeliveryEnqueuer } from '../../queue/delivery-enqueuer.js';
import { SCHEMA_BASE } from '../../schema-catalogue.js';
import type { Db } from '../../store/db.js';
import { authenticate, principalOf, requireRole } from '../authenticate.js';

export interface OperationsRoutesDeps {
  db: Db;
  apiKeys: ApiKeyResolver;
  enqueuer: DeliveryEnqueuer;
  ports: OperationsPorts;
  metrics: Metrics;
  log: Logger;
  now(): Date;
}

/** Roles that see the operational state, and those that may change it. */
const READERS: readonly Role[] = ['admin', 'operator', 'auditor'];
const ACTORS: readonly Role[] = ['admin', 'operator'];
/** Deliveries a filtered resend handles per call unless it says otherwise. */
const DEFAULT_RESEND_MAX = 1_000;

// Success responses only: each response schema costs a serializer compiled at boot (~20 ms apiece,
// with the whole catalogue), and errors all share the one shape of schemas/error-response.json.
const ref = (name: string) => ({ $ref: `${SCHEMA_BASE}${name}.json#` });
const endpointParams = {
  type: 'object', additionalProperties: false, required: ['id'],
  properties: { id: { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]{0,63}$', description: 'Endpoint id.' } },
};

/** Before validation: a caller without the role learns nothing about the request's form. */
const only = (roles: readonly Role[], action: string) => async (request: FastifyRequest): Promise<void> => requireRole(principalOf(request), roles, action);

interface DeliveriesQuery { state: OpsState[]; endpoint?: string; recipient?: string; sender?: string; from?: string; to?: string; order: 'asc' | 'desc'; limit: number; cursor?: string }
interface ResendBody {
  ids?: string[];
  filter?: { state?: ('failed' | 'retrying')[]; endpoint?: string; recipient?: string; sender?: string; from?: string; to?: string };
  max?: number;
}

/**
 * The operations API (src/admin/): deliveries that need an operator (list, resend one, some or all
 * matching a filter), endpoint pause and resume, queue depth and circuit breakers per endpoint.
 * Admins and operators act; auditors read; agencies get 403.
 */
export async function operationsRoutes(app: FastifyInstance, deps: OperationsRoutesDeps): Promise<void> {
  app.addHook('onRequest', authenticate(deps.apiKeys));

  app.get<{ Querystring: DeliveriesQuery }>('/v1/admin/deliveries', {
    onRequest: only(READERS, 'list deliveries'),
    schema: {
      summary: 'Deliveries needing an operator: failed, retrying (default), queued or in flight; filtered, keyset-paged (admin, operator, auditor)', tags: ['operations'],
      querystring: ref('ops-deliveries-query'), response: { 200: ref('ops-delivery-page') },
    },
  }, async (request) => {
    const q = request.query;
    return listDeliveries(deps.db, {
      filter: { states: q.state, endpoint: q.endpoint, recipient: q.recipient, sender: q.sender, from: q.from, to: q.to },
      sort: 'created', order: q.order, limit: q.limit, ...(q.cursor !== undefined ? { cursor: q.cursor } : {}),
    });
  });

  app.post<{ Body: ResendBody }>('/v1/admin/deliveries/resend', {
    onRequest: only(ACTORS, 'resend deliveries'),
    schema: {
      summary: 'Resend deliveries by id or by filter, in batches, each audited (admin, operator)', tags: ['operations'],
      description: 'Failed deliveries get a fresh retry cycle (as replay); retrying ones are attempted now. A filter resends at most max (default 1000, at most 10000) per call, oldest first; more says whether others remain.',
      body: ref('ops-resend-request'), response: { 200: ref('ops-resend-result') },
    },
  }, async (request) => {
    const body = request.body;
    const scope: ResendScope = body.ids
      ? { ids: body.ids }
      : {
          filter: { states: body.filter?.state ?? ['failed'], endpoint: body.filter?.endpoint, recipient: body.filter?.recipient, sender: body.filter?.sender, from: body.filter?.from, to: body.filter?.to },
          max: body.max ?? DEFAULT_RESEND_MAX,
        };
    return resendDeliveries({ db: deps.db, enqueuer: deps.enqueuer, queue: deps.ports.queue, metrics: deps.metrics, log: deps.log, now: deps.now }, scope, actorOf(principalOf(request)));
  });

  app.post<{ Params: { id: string }; Body: { reason: string } }>('/v1/admin/endpoints/:id/pause', {
    onRequest: only(ACTORS, 'pause endpoints'),
    schema: {
      summary: 'Pause deliveries to an endpoint: they wait, unattempted, until it is resumed (admin, operator)', tags: ['operations'],
      params: endpointParams, body: ref('ops-pause-request'), response: { 200: ref('ops-pause') },
    },
  }, async (request) => {
    const pause = await pauseEndpoint(deps.db, request.params.id, actorOf(principalOf(request)), request.body.reason, deps.now());
    return { ...pause, paused: true };
  });

  app.post<{ Params: { id: string } }>('/v1/admin/endpoints/:id/resume', {
    onRequest: only(ACTORS, 'resume endpoints'),
    schema: {
      summary: 'Resume a paused endpoint: its waiting deliveries are queued again, oldest first (admin, operator)', tags: ['operations'],
      params: endpointParams, response: { 200: ref('ops-resume') },
    },
  }, async (request) => {
    const result = await resumeEndpoint(deps.db, deps.enqueuer, request.params.id, actorOf(principalOf(request)), deps.now(), deps.log);
    return { ...result, paused: false };
  });

  app.get('/v1/admin/queue', {
    onRequest: only(READERS, 'read the queue depth'),
    schema: {
      summary: 'Queue depth per endpoint from the database (queued, in flight, retrying, paused) and BullMQ counts (admin, operator, auditor)', tags: ['operations'],
      response: { 200: ref('ops-queue-depth') },
    },
  }, async () => {
    const [endpoints, queue] = await Promise.all([readQueueDepth(deps.db), readQueueCounts(deps.ports.queue)]);
    return { endpoints, queue };
  });

  app.get('/v1/admin/circuits', {
    onRequest: only(READERS, 'read circuit breakers'),
    schema: {
      summary: "Circuit breakers per endpoint, as each worker process holds them (admin, operator, auditor)", tags: ['operations'],
      response: { 200: ref('ops-circuits') },
    },
  }, async () => {
    const { rows } = await deps.db.query<{ id: string }>('SELECT id FROM endpoints ORDER BY id');
    return readCircuits(deps.ports.redis, deps.ports.queuePrefix, rows.map((r) => r.id));
  });
}
