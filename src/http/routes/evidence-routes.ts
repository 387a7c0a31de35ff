import type { FastifyInstance } from 'fastify';
import { buildEvidenceBundle, type EvidenceDeps } from '../../audit/evidence-bundle.js';
import type { ApiKeyResolver } from '../../auth/api-keys.js';
import { authenticate, principalOf } from '../authenticate.js';
import { readScope } from '../message-scope.js';

export interface EvidenceRoutesDeps extends EvidenceDeps {
  apiKeys: ApiKeyResolver;
}

/** `GET /v1/messages/:id/evidence`: the message's evidence bundle, verifiable offline with openssl. */
export async function evidenceRoutes(app: FastifyInstance, deps: EvidenceRoutesDeps): Promise<void> {
  app.addHook('onRequest', authenticate(deps.apiKeys));

  app.get<{ Params: { id: string } }>('/v1/messages/:id/evidence', {
    schema: {
      summary: 'The evidence bundle of a message (ZIP): content digest, receipts, audit events chained to a signed checkpoint, certificates',
      description: 'Verify it offline with openssl alone: unpack it and run `bash verify.sh --ca <hub CA> --hub-keys <hub certificates> --tsa-ca <TSA CA>` with your own copies of those anchors (see README "Evidence bundles"). The sender, auditors and administrators get everything; a recipient gets its own delivery\'s part. Asking for it seals and checkpoints the chain if the message\'s last events are not yet covered.',
      tags: ['messages', 'audit'],
      params: { type: 'object', additionalProperties: false, required: ['id'], properties: { id: { type: 'string', format: 'uuid' } } },
    },
  }, async (request, reply) => {
    const scope = await readScope(deps.db, principalOf(request), request.params.id);
    const bundle = await buildEvidenceBundle(deps, request.params.id, scope);
    return reply
      .header('content-type', 'application/zip')
      .header('content-disposition', `attachment; filename="evidence-${request.params.id}.zip"`)
      .send(bundle);
  });
}
