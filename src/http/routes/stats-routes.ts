import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ApiKeyResolver } from '../../auth/api-keys.js';
import type { Role } from '../../auth/principal.js';
import { SCHEMA_BASE } from '../../schema-catalogue.js';
import { readAgencyStats } from '../../stats/read-agency-stats.js';
import { readOverview } from '../../stats/read-overview.js';
import { resolveStatsRange, type StatsBucket } from '../../stats/stats-range.js';
import type { Queryable } from '../../store/db.js';
import { authenticate, principalOf, requireRole } from '../authenticate.js';

export interface StatsRoutesDeps {
  db: Queryable;
  apiKeys: ApiKeyResolver;
  now(): Date;
}

/** Every role reads the figures (the console's dashboard); agencies do not: they span every agency. */
const READERS: readonly Role[] = ['admin', 'operator', 'auditor'];

const ref = (name: string) => ({ $ref: `${SCHEMA_BASE}${name}.json#` });
const errorResponses = { 400: ref('error-response'), 401: ref('error-response'), 403: ref('error-response') };

/** Before validation: a caller without the role learns nothing about the query's form. */
const readers = async (request: FastifyRequest): Promise<void> => requireRole(principalOf(request), READERS, 'read statistics');

/** The dashboard's figures (`src/stats/`), computed from the delivery and dossier tables on request. */
export async function statsRoutes(app: FastifyInstance, deps: StatsRoutesDeps): Promise<void> {
  app.addHook('onRequest', authenticate(deps.apiKeys));

  app.get<{ Querystring: { from?: string; to?: string; bucket: StatsBucket } }>('/v1/stats/overview', {
    onRequest: readers,
    schema: {
      summary: 'Volumes per hour or day, delivered share, acceptance-to-delivery latency and failures by endpoint of the messages accepted in a range (admin, operator, auditor)',
      tags: ['stats'], querystring: ref('stats-overview-query'), response: { 200: ref('stats-overview'), ...errorResponses },
    },
  }, async (request) => readOverview(deps.db, resolveStatsRange(request.query, deps.now())));

  app.get<{ Querystring: { from?: string; to?: string } }>('/v1/stats/agencies', {
    onRequest: readers,
    schema: {
      summary: 'Per-agency documents sent and received electronically and dossiers handled on time, over a range (admin, operator, auditor)',
      tags: ['stats'], querystring: ref('stats-agencies-query'), response: { 200: ref('stats-agencies'), ...errorResponses },
    },
  }, async (request) => {
    const now = deps.now();
    return readAgencyStats(deps.db, resolveStatsRange({ ...request.query, bucket: 'day' }, now), now);
  });
}
