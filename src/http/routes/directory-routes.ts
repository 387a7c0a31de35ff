import type { FastifyInstance } from 'fastify';
import type { ApiKeyResolver } from '../../auth/api-keys.js';
import { findAgency } from '../../directory/find-agency.js';
import { listAgencies } from '../../directory/list-agencies.js';
import { hubError } from '../../errors.js';
import { SCHEMA_BASE } from '../../schema-catalogue.js';
import type { Queryable } from '../../store/db.js';
import { authenticate } from '../authenticate.js';

export interface DirectoryRoutesDeps {
  db: Queryable;
  apiKeys: ApiKeyResolver;
}

const ref = (name: string) => ({ $ref: `${SCHEMA_BASE}${name}.json#` });
const errorResponses = { 400: ref('error-response'), 401: ref('error-response'), 404: ref('error-response') };

/**
 * The agency directories synchronised from external systems (`src/directory/`), for any
 * authenticated caller: agencies and roles alike need to find whom to address.
 */
export async function directoryRoutes(app: FastifyInstance, deps: DirectoryRoutesDeps): Promise<void> {
  app.addHook('onRequest', authenticate(deps.apiKeys));

  app.get<{ Querystring: { q?: string; limit: number; cursor?: string } }>('/v1/directory/agencies', {
    schema: {
      summary: 'Agency directory, paged in order of name; optional search',
      description: 'q matches agencies whose name has a word starting with each word of q (accents and case ignored), '
        + 'whose code in either form equals q, or whose Decision 20/2020 code lies under q (H41 → H41.15 …). '
        + 'Deleted agencies are not listed.',
      tags: ['directory'],
      querystring: {
        type: 'object', additionalProperties: false,
        properties: {
          q: { type: 'string', minLength: 1, maxLength: 200, description: 'Search text: name words or a code.' },
          limit: { type: 'integer', minimum: 1, maximum: 500, default: 100, description: 'Page size.' },
          cursor: { type: 'string', minLength: 1, maxLength: 2000, pattern: '^[A-Za-z0-9_-]+$', description: 'nextCursor of the previous page.' },
        },
      },
      response: { 200: ref('directory-agency-page'), ...errorResponses },
    },
  }, async (request) => listAgencies(deps.db, {
    limit: request.query.limit,
    ...(request.query.q !== undefined ? { q: request.query.q } : {}),
    ...(request.query.cursor !== undefined ? { cursor: request.query.cursor } : {}),
  }));

  app.get<{ Params: { code: string } }>('/v1/directory/agencies/:code', {
    schema: {
      summary: 'One live agency by its code, QCVN 102 (000.00.00.H41) or Decision 20/2020 (H41)',
      tags: ['directory'],
      params: {
        type: 'object', additionalProperties: false, required: ['code'],
        properties: { code: { type: 'string', minLength: 1, maxLength: 35, pattern: '^[0-9A-Za-z]+(\\.[0-9A-Za-z]+)*$', description: 'Agency code in either form.' } },
      },
      response: { 200: ref('directory-agency'), ...errorResponses },
    },
  }, async (request) => {
    const agency = await findAgency(deps.db, request.params.code);
    if (!agency) throw hubError('HUB_ERR_NOT_FOUND', [`Agency ${request.params.code} in the directory`]);
    return agency;
  });
}
