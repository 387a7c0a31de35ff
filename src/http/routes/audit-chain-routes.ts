import type { FastifyInstance } from 'fastify';
import type { AuditChain } from '../../audit/audit-chain.js';
import { readCheckpoints } from '../../audit/audit-checkpoints.js';
import { verifyAuditChain } from '../../audit/verify-audit-chain.js';
import type { ApiKeyResolver } from '../../auth/api-keys.js';
import type { PublishedHubKey } from '../../crypto/verify-receipt.js';
import type { TrustStore } from '../../formats/xmldsig/trust-store.js';
import type { Db } from '../../store/db.js';
import { authenticate, principalOf, requireRole } from '../authenticate.js';

export interface AuditChainRoutesDeps {
  db: Db;
  apiKeys: ApiKeyResolver;
  audit: AuditChain;
  /** The CAs checkpoint signers must chain to. */
  checkpointTrust: TrustStore;
  /** The hub's own keys (active and retired): the only ones a checkpoint may be signed with. */
  hubKeys: readonly PublishedHubKey[];
}

const AUDIT_READERS = ['auditor', 'admin'] as const;

/** The audit chain for auditors: verification of the whole chain, and the signed checkpoints. */
export async function auditChainRoutes(app: FastifyInstance, deps: AuditChainRoutesDeps): Promise<void> {
  app.addHook('onRequest', authenticate(deps.apiKeys));
  // Before validation: a caller who may not read the trail learns nothing about its query's form.
  app.addHook('onRequest', async (request) => requireRole(principalOf(request), AUDIT_READERS, 'read the audit chain'));

  app.get('/v1/audit/verify', {
    schema: {
      summary: 'Walk the audit chain and its checkpoints; name the first altered, removed, inserted or reordered event (auditor, admin)', tags: ['audit'],
      response: { 200: { $ref: 'https://lienthong.vn/schemas/audit-chain-report.json' } },
    },
  }, async (request) => {
    return verifyAuditChain(deps.db, { trust: deps.checkpointTrust, hubKeys: deps.hubKeys });
  });

  app.get<{ Querystring: { after: number; limit: number } }>('/v1/audit/checkpoints', {
    schema: {
      summary: 'Signed checkpoints of the audit chain, oldest first (auditor, admin)', tags: ['audit'],
      querystring: {
        type: 'object', additionalProperties: false, properties: {
          after: { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER, default: 0, description: 'Only checkpoints with a higher seq (keyset).' },
          limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100, description: 'Page size.' },
        },
      },
    },
  }, async (request) => {
    const items = await readCheckpoints(deps.db, { after: request.query.after, limit: request.query.limit });
    return {
      items: items.map((cp) => ({
        seq: cp.seq, hash: cp.hash.toString('hex'), at: cp.at.toISOString(), kid: cp.kid,
        statement: cp.statement.toString('utf8'), signature: cp.signature.toString('base64'),
        ...(cp.tsaToken ? { timestamp: { token: cp.tsaToken.toString('base64'), at: cp.tsaAt?.toISOString() } } : {}),
      })),
      ...(items.length === request.query.limit ? { nextAfter: items[items.length - 1]!.seq } : {}),
    };
  });
}
