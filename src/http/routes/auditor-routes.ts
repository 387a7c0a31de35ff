import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AuditChain } from '../../audit/audit-chain.js';
import type { ApiKeyResolver } from '../../auth/api-keys.js';
import { actorOf } from '../../auth/principal.js';
import type { AuditFilter, AuditOrder, DeliveryState } from '../../auditor/audit-query.js';
import type { AuditResource } from '../../auditor/audit-resource.js';
import { deliveryResource } from '../../auditor/delivery-resource.js';
import { eventResource } from '../../auditor/event-resource.js';
import { exportAudit, type ExportFormat } from '../../auditor/export-audit.js';
import type { ExportSlots } from '../../auditor/export-slots.js';
import { readAuditPage } from '../../auditor/read-audit-page.js';
import { hubError } from '../../errors.js';
import { SCHEMA_BASE } from '../../schema-catalogue.js';
import type { Queryable } from '../../store/db.js';
import { writeAudit } from '../../store/write-new-messages.js';
import { authenticate, principalOf, requireRole } from '../authenticate.js';

export interface AuditorRoutesDeps {
  db: Queryable;
  apiKeys: ApiKeyResolver;
  /** Exports are audit events, written through the chain's guard (the hub fails closed). */
  audit: Pick<AuditChain, 'guard'>;
  exportSlots: ExportSlots;
  now(): Date;
}

/** The query string of both routes (schemas/audit-deliveries-query.json, audit-events-query.json). */
interface AuditQuerystring {
  agency?: string; sender?: string; recipient?: string; messageKind?: string; messageId?: string; number?: string; notation?: string; dossier?: string; adapter?: string;
  state?: DeliveryState; kind?: string; from?: string; to?: string;
  order: AuditOrder; limit: number; cursor?: string; format?: 'json' | ExportFormat;
}

const ref = (name: string) => ({ $ref: `${SCHEMA_BASE}${name}.json#` });
const errorResponses = { 400: ref('error-response'), 401: ref('error-response'), 403: ref('error-response'), 429: ref('error-response') };

/**
 * Who may read the audit trail: auditors, and admins (who can do everything else already). Not
 * operators: they act on deliveries (replays) and the trail is the check on those acts; their own
 * work needs only `GET /v1/admin/deliveries/failed`. Not agencies: the trail spans every agency.
 */
const AUDIT_READERS = ['auditor', 'admin'] as const;

const EXPORT_TYPES: Record<ExportFormat, string> = {
  csv: 'text/csv; charset=utf-8; header=present',
  jsonl: 'application/x-ndjson; charset=utf-8',
};

/**
 * The auditor API (read-only): deliveries and audit events by agency, message, document
 * number/notation, dossier number, state or kind, adapter and time range — keyset pages, or the whole
 * result streamed as CSV or JSON Lines (`src/auditor/`). An export is itself an audit event
 * (`audit.exported`: who, what, which filter), written before its first byte, and takes one of the
 * process's export slots until its response closes (finished or abandoned).
 */
export async function auditorRoutes(app: FastifyInstance, deps: AuditorRoutesDeps): Promise<void> {
  app.addHook('onRequest', authenticate(deps.apiKeys));
  // Before validation: a caller who may not read the trail learns nothing about its query's form.
  app.addHook('onRequest', async (request) => requireRole(principalOf(request), AUDIT_READERS, 'read the audit trail'));

  const route = <Row, Item extends object>(path: string, resource: AuditResource<Row, Item>, summary: string, query: string, page: string): void => {
    app.get<{ Querystring: AuditQuerystring }>(path, {
      schema: {
        summary, tags: ['audit'],
        description: 'Keyset pages ({ items, nextCursor }), newest first unless order=asc. format=csv or format=jsonl '
          + '(or Accept: text/csv / application/x-ndjson) streams the whole filtered result as an attachment instead.',
        querystring: ref(query),
        response: { 200: ref(page), ...errorResponses },
      },
    }, async (request, reply) => {
      const filter = toFilter(request.query);
      const format = exportFormat(request);
      if (format === undefined) {
        return readAuditPage(deps.db, resource, {
          filter, order: request.query.order, limit: request.query.limit,
          ...(request.query.cursor !== undefined ? { cursor: request.query.cursor } : {}),
        });
      }
      const cursor = request.query.cursor;
      const chunks = exportAudit(deps.db, resource, { filter, order: request.query.order, ...(cursor !== undefined ? { cursor } : {}) }, format);
      const release = deps.exportSlots.take();
      if (!release) throw hubError('HUB_ERR_EXPORTS_BUSY', [deps.exportSlots.max]);
      try {
        const at = deps.now();
        await deps.audit.guard(() => writeAudit(deps.db, [{
          at, actor: actorOf(principalOf(request)), kind: 'audit.exported',
          data: { resource: resource.name, format, order: request.query.order, filter, ...(cursor !== undefined ? { afterCursor: true } : {}) },
        }]));
        reply.raw.once('close', release);
        return sendExport(reply, Readable.from(chunks, { objectMode: false }), `${resource.name}-${stamp(at)}.${format}`, format);
      } catch (err) {
        release();
        throw err;
      }
    });
  };
  route('/v1/audit/deliveries', deliveryResource, 'Deliveries for auditors (auditor, admin): filter, page, export', 'audit-deliveries-query', 'audit-delivery-page');
  route('/v1/audit/events', eventResource, 'Audit events for auditors (auditor, admin): filter, page, export', 'audit-events-query', 'audit-event-page');
}

function toFilter(q: AuditQuerystring): AuditFilter {
  const filter: AuditFilter = {
    agency: q.agency, sender: q.sender, recipient: q.recipient, messageKind: q.messageKind, messageId: q.messageId?.toLowerCase(), number: q.number, notation: q.notation, dossier: q.dossier,
    adapter: q.adapter, state: q.state, kind: q.kind, from: q.from, to: q.to,
  };
  // Absent fields are left out, so the cursor digest does not depend on how a field was left out.
  return Object.fromEntries(Object.entries(filter).filter(([, value]) => value !== undefined)) as AuditFilter;
}

/** `format` wins; without it, an Accept header naming CSV or JSON Lines asks for the export. */
function exportFormat(request: FastifyRequest<{ Querystring: AuditQuerystring }>): ExportFormat | undefined {
  const format = request.query.format;
  if (format !== undefined) return format === 'json' ? undefined : format;
  const accept = request.headers.accept ?? '';
  if (/\btext\/csv\b/i.test(accept)) return 'csv';
  if (/\bapplication\/(x-ndjson|jsonl|x-jsonlines)\b/i.test(accept)) return 'jsonl';
  return undefined;
}

function sendExport(reply: FastifyReply, body: Readable, fileName: string, format: ExportFormat): FastifyReply {
  return reply
    .header('content-type', EXPORT_TYPES[format])
    .header('content-disposition', `attachment; filename="lienthong-audit-${fileName}"`)
    .header('cache-control', 'no-store')
    .send(body);
}

/** `20261207T031542Z`: the export's time in its file name. */
function stamp(now: Date): string {
  return now.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}
