import type { FastifyInstance } from 'fastify';
import type { ApiKeyResolver } from '../../auth/api-keys.js';
import type { DossierRequest, DossierService, ProgressRequest } from '../../dossiers/dossier-service.js';
import { SCHEMA_BASE } from '../../schema-catalogue.js';
import { authenticate, principalOf } from '../authenticate.js';
import { idempotencyKeyOf } from '../idempotency-key.js';

export interface DossierRoutesDeps {
  apiKeys: ApiKeyResolver;
  dossiers: DossierService;
}

const ref = (name: string) => ({ $ref: `${SCHEMA_BASE}${name}.json#` });
const errorResponses = { 400: ref('error-response'), 401: ref('error-response'), 403: ref('error-response'), 404: ref('error-response'), 409: ref('error-response'), 422: ref('error-response') };
const idParams = { type: 'object', additionalProperties: false, required: ['id'], properties: { id: { type: 'string', format: 'uuid', description: 'Dossier id.' } } };

/**
 * Administrative-procedure dossiers: a one-stop system files them and records its officers' steps;
 * the hub submits them to their target system, polls it for the result and keeps the National Public
 * Service Portal in sync (src/dossiers/).
 */
export async function dossierRoutes(app: FastifyInstance, deps: DossierRoutesDeps): Promise<void> {
  app.addHook('onRequest', authenticate(deps.apiKeys));

  app.post<{ Body: DossierRequest }>('/v1/dossiers', {
    schema: {
      summary: 'File a dossier: submitted to its target system (civil registry, judicial records) and synced to the portal',
      description: 'The payload is validated against schemas/dossier-payload-<payloadType>.json. Optional `Idempotency-Key`: a retry answers 409 with the dossier id.',
      tags: ['dossiers'], body: ref('dossier-request'), response: { ...errorResponses },
    },
  }, async (request, reply) => {
    const idempotencyKey = idempotencyKeyOf(request);
    const filed = await deps.dossiers.file(principalOf(request), request.body, idempotencyKey ? { idempotencyKey } : {});
    return reply.status(202).header('location', `/v1/dossiers/${filed.id}`).send(filed);
  });

  app.get<{ Params: { id: string } }>('/v1/dossiers/:id', {
    schema: {
      summary: 'A dossier: its state, history (every step, from the one-stop or the target system) and what the hub sent about it',
      tags: ['dossiers'], params: idParams, response: { ...errorResponses },
    },
  }, async (request) => deps.dossiers.view(principalOf(request), request.params.id));

  app.post<{ Params: { id: string }; Body: ProgressRequest }>('/v1/dossiers/:id/progress', {
    schema: {
      summary: 'Record a processing step of the one-stop system (the new state is synced to the portal)',
      tags: ['dossiers'], params: idParams, body: ref('dossier-progress-request'), response: { ...errorResponses },
    },
  }, async (request, reply) => reply.status(202).send(await deps.dossiers.recordProgress(principalOf(request), request.params.id, request.body)));
}
