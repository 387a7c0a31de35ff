import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ApiKeyResolver } from '../../auth/api-keys.js';
import { actorOf } from '../../auth/principal.js';
import type { ConfigAdmin, DryRunInput } from '../../config/config-admin.js';
import type { AuthoredItem, ConfigEntity } from '../../config/config-edits.js';
import { hubError } from '../../errors.js';
import { SCHEMA_BASE } from '../../schema-catalogue.js';
import { authenticate, principalOf, requireRole } from '../authenticate.js';

export interface ConfigRoutesDeps {
  apiKeys: ApiKeyResolver;
  admin: ConfigAdmin;
}

const ref = (name: string) => ({ $ref: `${SCHEMA_BASE}${name}.json#` });
const itemRef = (entity: ConfigEntity) => ({ $ref: `${SCHEMA_BASE}hub-config.json#/$defs/${entity}` });
const errorResponses = { 400: ref('error-response'), 401: ref('error-response'), 403: ref('error-response'), 404: ref('error-response') };
const writeErrors = { ...errorResponses, 409: ref('error-response'), 422: ref('error-response') };

/** Administrators change the configuration; operators and auditors may read it (secrets masked). */
const READERS = ['admin', 'operator', 'auditor'] as const;
const WRITERS = ['admin'] as const;

const COLLECTIONS: readonly { path: string; entity: ConfigEntity; idPattern: string }[] = [
  { path: 'agencies', entity: 'agency', idPattern: '^[0-9A-Za-z._-]{1,64}$' },
  { path: 'endpoints', entity: 'endpoint', idPattern: '^[a-z0-9][a-z0-9_-]{0,63}$' },
  { path: 'routes', entity: 'route', idPattern: '^[a-z0-9][a-z0-9_-]{0,63}$' },
];

const changeResult = {
  type: 'object', additionalProperties: false, required: ['version', 'item', 'changes'],
  properties: {
    version: { type: 'integer', description: 'The configuration version now in effect (unchanged when the edit changed nothing).' },
    item: { type: 'object', additionalProperties: true, description: 'The item as stored, secrets masked.' },
    changes: {
      type: 'array', description: 'What changed, as JSON pointers into the item; secret values appear as "(secret)".',
      items: { type: 'object', additionalProperties: false, required: ['path'], properties: { path: { type: 'string' }, before: {}, after: {} } },
    },
  },
} as const;

const article = (entity: ConfigEntity): string => (entity === 'route' ? 'a route' : `an ${entity}`);

/** `If-Match: 12` (or `"12"`): the change applies only to that version; absent: to whatever is newest. */
function expectedVersion(request: FastifyRequest): number | undefined {
  const header = request.headers['if-match'];
  if (header === undefined) return undefined;
  const match = /^\s*(?:W\/)?"?(\d{1,15})"?\s*$/.exec(String(header));
  if (!match) throw hubError('HUB_ERR_VALIDATION', [], { problems: ['If-Match must be a configuration version, e.g. "12"'] });
  return Number(match[1]);
}

/**
 * The admin API over the hub's configuration (src/config/config-admin.ts): agencies, endpoints
 * (adapter settings checked by the adapter's own schema; secrets write-only and masked) and routes
 * (with their retry policies as part of each endpoint), each change validated, versioned, audited
 * and in effect in every process without a restart; its history; and a routing dry run.
 */
export async function configRoutes(app: FastifyInstance, deps: ConfigRoutesDeps): Promise<void> {
  app.addHook('onRequest', authenticate(deps.apiKeys));
  // Before validation: a caller who may not read or change the configuration learns nothing about its form.
  app.addHook('onRequest', async (request) => {
    const reads = request.method === 'GET' || request.method === 'HEAD' || request.routeOptions.url === '/v1/admin/routing/dry-run';
    if (reads) requireRole(principalOf(request), READERS, 'read the configuration');
    else requireRole(principalOf(request), WRITERS, 'change the configuration');
  });
  const writer = (request: FastifyRequest): string => actorOf(principalOf(request));

  app.get<{ Querystring: { version?: number } }>('/v1/admin/config', {
    schema: {
      summary: 'The configuration document, newest or a given version, secrets masked (admin, operator, auditor)', tags: ['configuration'],
      querystring: { type: 'object', additionalProperties: false, properties: { version: { type: 'integer', minimum: 1, description: 'An earlier version.' } } },
    },
  }, async (request) => {
    const revision = await deps.admin.document(request.query.version);
    return { version: revision.version, at: revision.at.toISOString(), actor: revision.actor, document: revision.document };
  });

  app.get<{ Querystring: { entity?: ConfigEntity; id?: string; before?: number; limit: number } }>('/v1/admin/config/history', {
    schema: {
      summary: 'Who changed what in the configuration, and when, newest first (admin, operator, auditor)', tags: ['configuration'],
      querystring: {
        type: 'object', additionalProperties: false,
        properties: {
          entity: { type: 'string', enum: ['agency', 'endpoint', 'route'], description: 'Only changes of this kind of item.' },
          id: { type: 'string', minLength: 1, maxLength: 64, description: 'Only changes of this agency code, endpoint id or route id.' },
          before: { type: 'integer', minimum: 1, description: 'Only versions older than this (the next page).' },
          limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
        },
      },
    },
  }, async (request) => {
    const { entity, id, before, limit } = request.query;
    const entries = await deps.admin.history({ ...(entity ? { entity } : {}), ...(id ? { entityId: id } : {}), ...(before ? { before } : {}), limit });
    return { items: entries.map((e) => ({ ...e, at: e.at.toISOString() })) };
  });

  app.get('/v1/admin/config/status', {
    schema: {
      summary: 'The configuration version in effect in this process, and the endpoints it cannot use (admin, operator, auditor)', tags: ['configuration'],
      response: {
        200: {
          type: 'object', additionalProperties: false, required: ['version', 'unavailableEndpoints'],
          properties: {
            version: { type: 'integer', description: 'The version in effect in this process.' },
            unavailableEndpoints: {
              type: 'array', description: 'Endpoints in effect whose settings need environment variables this process does not have: deliveries to them wait for a process that has them.',
              items: {
                type: 'object', additionalProperties: false, required: ['endpoint', 'variables', 'reason'],
                properties: {
                  endpoint: { type: 'string', description: 'Endpoint id.' },
                  variables: { type: 'array', items: { type: 'string' }, description: 'The unset variables (names only).' },
                  reason: { type: 'string', description: 'One line for the operator.' },
                },
              },
            },
          },
        },
      },
    },
  }, async () => deps.admin.status());

  app.post<{ Body: DryRunInput }>('/v1/admin/routing/dry-run', {
    schema: {
      summary: 'Which endpoint each recipient of such a message would be delivered through, now (admin, operator, auditor)', tags: ['configuration'],
      body: {
        type: 'object', additionalProperties: false, required: ['sender', 'recipients'],
        properties: {
          sender: ref('agency-code'),
          recipients: { type: 'array', minItems: 1, maxItems: 1000, items: ref('agency-code') },
          // No `default`: request bodies are validated without applying defaults (the strict Ajv); dryRun fills it in.
          kind: { type: 'string', enum: ['document', 'status'], description: 'The message kind (default: document).' },
          documentType: { type: 'string', minLength: 1, maxLength: 100 },
        },
      },
    },
  }, async (request) => {
    return deps.admin.dryRun(request.body);
  });

  for (const { path, entity, idPattern } of COLLECTIONS) {
    const idParams = { type: 'object', additionalProperties: false, required: ['id'], properties: { id: { type: 'string', pattern: idPattern } } } as const;
    const positionQuery = {
      type: 'object', additionalProperties: false,
      properties: { position: { type: 'integer', minimum: 0, description: 'Where in the list (routes: the order they are matched in); default: the end, or where it was.' } },
    } as const;
    const ifMatch = { type: 'object', properties: { 'if-match': { type: 'string', description: 'The version this change is based on: refused with 409 if another change came first.' } } } as const;

    app.get(`/v1/admin/${path}`, { schema: { summary: `All ${path} as authored, disabled ones included (admin, operator, auditor)`, tags: ['configuration'] } }, async (request) => {
      return deps.admin.list(entity);
    });

    app.get<{ Params: { id: string } }>(`/v1/admin/${path}/:id`, { schema: { summary: `One ${entity} (admin, operator, auditor)`, tags: ['configuration'], params: idParams, response: errorResponses } }, async (request) => {
      return deps.admin.get(entity, request.params.id);
    });

    app.post<{ Body: AuthoredItem; Querystring: { position?: number } }>(`/v1/admin/${path}`, {
      schema: { summary: `Create ${article(entity)} (admin)`, tags: ['configuration'], body: itemRef(entity), querystring: positionQuery, headers: ifMatch, response: { 201: changeResult, ...writeErrors } },
    }, async (request, reply) => {
      const actor = writer(request);
      const result = await deps.admin.change(actor, { entity, action: 'created', item: request.body, ...(request.query.position !== undefined ? { position: request.query.position } : {}) }, expectedVersion(request));
      return reply.status(201).send(result);
    });

    app.put<{ Params: { id: string }; Body: AuthoredItem; Querystring: { position?: number } }>(`/v1/admin/${path}/:id`, {
      schema: {
        summary: `Replace ${article(entity)} (admin)`, tags: ['configuration'], params: idParams, body: itemRef(entity), querystring: positionQuery, headers: ifMatch,
        ...(entity === 'endpoint' ? { description: 'Secret settings left out, or sent as "********", keep their stored values.' } : {}),
        response: { 200: changeResult, ...writeErrors },
      },
    }, async (request) => {
      const actor = writer(request);
      return deps.admin.change(actor, { entity, action: 'updated', id: request.params.id, item: request.body, ...(request.query.position !== undefined ? { position: request.query.position } : {}) }, expectedVersion(request));
    });

    for (const action of ['disable', 'enable'] as const) {
      app.post<{ Params: { id: string } }>(`/v1/admin/${path}/:id/${action}`, {
        schema: { summary: `${action === 'disable' ? 'Disable' : 'Enable'} ${article(entity)} (admin)`, tags: ['configuration'], params: idParams, headers: ifMatch, response: { 200: changeResult, ...writeErrors } },
      }, async (request) => {
        const actor = writer(request);
        return deps.admin.change(actor, { entity, action: action === 'disable' ? 'disabled' : 'enabled', id: request.params.id }, expectedVersion(request));
      });
    }
  }
}
