import type { AuditFilter } from './audit-query.js';
import type { AuditResource, PageSpec, Statement } from './audit-resource.js';
import { direction, endpointsOfAdapter, equalsC, isoMicros, narrowMessages, notationOnly, timeAndKeyset, whereClause } from './audit-sql.js';
import { SqlParams } from './sql-params.js';

/** One audit event as recorded. */
export interface AuditEvent {
  id: number;
  /** UTC, microseconds: the sort key with the id. */
  at: string;
  /** Agency (`agency:<code>`), key (`admin:<key id>` …), `worker`, `sweeper`, `config`. */
  actor: string;
  kind: string;
  messageId: string | null;
  deliveryId: string | null;
  /** The event's details (never secrets). */
  data: Record<string, unknown>;
  /** Its position in the audit chain, and its chain hash (hex); null until the sealer chained it. */
  seq: number | null;
  hash: string | null;
}

interface EventRow {
  id: number; at: string; actor: string; kind: string; message_id: string | null; delivery_id: string | null; data: Record<string, unknown>;
  seq: string | null; hash: string | null;
}

const BIGINT = /^[1-9]\d{0,17}$/;
// The few candidates drive the plan: an index look-up for each, then a sort. OFFSET 0 keeps each
// subquery a nested loop whatever the estimates; without it PGlite (3 million events) walked the
// whole `(at, id)` index to find the 100 newest of 280 events, 0.5 s a page instead of a few ms.
const EVENTS_OF_CANDIDATE = 'SELECT e.id FROM audit_events e WHERE e.message_id = cand.id OFFSET 0';
const EVENT_OF_HIT = 'SELECT * FROM audit_events e WHERE e.id = hits.id OFFSET 0';
// Explicit columns: the event, and `at` as stored for the outer ordering.
const COLUMNS = `e.id, ${isoMicros('e.at')} AS at, e.at AS at_ts, e.actor, e.kind, e.message_id, e.delivery_id, e.data`;
// Where the chain put each event of the page (verify with GET /v1/audit/verify or an evidence
// bundle): one look-up per row of the page, after the page is cut.
const withChainLinks = (page: string, dir: string): string =>
  `SELECT p.id, p.at, p.actor, p.kind, p.message_id, p.delivery_id, p.data, c.seq, encode(c.hash, 'hex') AS hash
     FROM (${page}) p LEFT JOIN LATERAL (SELECT seq, hash FROM audit_chain WHERE event_id = p.id) c ON true
    ORDER BY p.at_ts ${dir}, p.id ${dir}`;

/**
 * Audit events, in order of `at` then id. A page starts from:
 * - message id, document number or dossier number: those messages' events (`audit_events_message`)
 *   and, for a dossier, its own events without a message (`audit_events_audit_dossier`), sorted;
 * - otherwise the `(kind, at, id)` range when a kind is given (rare kinds only: the partial index
 *   leaves out those every message writes, which the time range meets often enough), else `(at, id)`
 *   (migration 008).
 * Agency, adapter and a notation without a number are checked per event the range yields: each is a
 * look-up of the event's message, delivery or dossier by primary key.
 */
export const eventResource: AuditResource<EventRow, AuditEvent> = {
  name: 'events',
  columns: ['id', 'at', 'actor', 'kind', 'messageId', 'deliveryId', 'data', 'seq', 'hash'],
  isId: (id) => BIGINT.test(id),
  pageQuery: buildEventPage,
  toItem: (r) => ({
    id: r.id, at: r.at, actor: r.actor, kind: r.kind, messageId: r.message_id, deliveryId: r.delivery_id, data: r.data,
    seq: r.seq === null ? null : Number(r.seq), hash: r.hash,
  }),
  sortKey: (r) => ({ at: r.at, id: String(r.id) }),
};

function buildEventPage(filter: AuditFilter, page: PageSpec): Statement {
  const params = new SqlParams();
  const { dir } = direction(page.order);
  const order = `ORDER BY e.at ${dir}, e.id ${dir} LIMIT ${params.add(page.limit, 'int')}`;
  const narrow = narrowMessages(params, filter);
  // A dossier's own events have no message: they belong only when nothing about messages is asked too.
  const dossierEvents = filter.dossier !== undefined && filter.messageId === undefined && filter.number === undefined
    ? `UNION SELECT e.id FROM audit_events e WHERE e.kind LIKE 'dossier.%'
         AND (e.data ->> 'dossierId') COLLATE "C" = (SELECT id::text FROM dossiers WHERE number = ${params.add(filter.dossier, 'text')})`
    : '';
  const where = eventFilters(params, filter, page);
  if (narrow !== undefined) {
    return {
      sql: `WITH cand AS MATERIALIZED (${narrow}),
          hits AS MATERIALIZED (SELECT h.id FROM cand CROSS JOIN LATERAL (${EVENTS_OF_CANDIDATE}) h ${dossierEvents})
        ${withChainLinks(`SELECT ${COLUMNS} FROM hits CROSS JOIN LATERAL (${EVENT_OF_HIT}) e ${whereClause(where)} ${order}`, dir)}`,
      params: params.values,
    };
  }
  return { sql: withChainLinks(`SELECT ${COLUMNS} FROM audit_events e ${whereClause(where)} ${order}`, dir), params: params.values };
}

// Per-event look-ups are scalar subqueries, never EXISTS: PostgreSQL may turn an EXISTS under OR into a
// hashed subplan, which reads the whole messages table once per page.
function eventFilters(params: SqlParams, filter: AuditFilter, page: PageSpec): string[] {
  const where = timeAndKeyset(params, { at: 'e.at', id: 'e.id', idType: 'int8' }, filter, page.order, page.after);
  if (filter.kind !== undefined) where.push(equalsC(params, 'e.kind', filter.kind));
  if (filter.agency !== undefined) {
    const agency = params.add(filter.agency, 'text');
    where.push(`(e.actor = 'agency:' || ${agency}
      OR coalesce((SELECT m.sender = ${agency} OR ${agency} = ANY (m.recipients) FROM messages m WHERE m.id = e.message_id), false)
      OR (e.kind LIKE 'dossier.%' AND coalesce((SELECT ds.agency = ${agency} FROM dossiers ds WHERE ds.id = (e.data ->> 'dossierId')::uuid), false)))`);
  }
  if (filter.adapter !== undefined) {
    where.push(`coalesce((SELECT d.endpoint_id IN (${endpointsOfAdapter(params, filter.adapter)}) FROM deliveries d WHERE d.id = e.delivery_id), false)`);
  }
  const notation = notationOnly(params, filter);
  if (notation !== undefined) where.push(`coalesce((SELECT ${notation} FROM messages m WHERE m.id = e.message_id), false)`);
  return where;
}
