import type { AuditFilter } from './audit-query.js';
import type { AuditResource, PageSpec, Statement } from './audit-resource.js';
import { direction, endpointsOfAdapter, equalsC, isoMicros, narrowMessages, notationOnly, timeAndKeyset, whereClause } from './audit-sql.js';
import { SqlParams } from './sql-params.js';

/** One delivery (message × recipient) as the auditor sees it: the state machine's row and what it carried. */
export interface AuditDelivery {
  id: string;
  messageId: string;
  /** `document`, `status` or `dossier`. */
  messageKind: string;
  sender: string;
  recipient: string;
  /** Endpoint id; null for pull mode (the recipient's inbox). */
  endpoint: string | null;
  adapter: string | null;
  state: string;
  attempts: number;
  businessStatus: string | null;
  remoteId: string | null;
  lastError: string | null;
  documentNumber: string | null;
  documentNotation: string | null;
  subject: string | null;
  dossierNumber: string | null;
  /** When the message was accepted (UTC, microseconds): the sort key. */
  createdAt: string;
  updatedAt: string;
  deliveredAt: string | null;
  failedAt: string | null;
}

interface DeliveryRow {
  id: string; message_id: string; message_kind: string; sender: string; recipient: string; endpoint_id: string | null; adapter: string | null;
  state: string; attempts: number; business_status: string | null; remote_id: string | null; last_error: string | null;
  document_number: string | null; document_notation: string | null; subject: string | null; dossier_number: string | null;
  created_at: string; updated_at: string; delivered_at: string | null; failed_at: string | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

// Over deliveries d, messages m, endpoints ep (LEFT JOIN: pull-mode deliveries have none).
const COLUMNS = `d.id, d.message_id, m.kind AS message_kind, m.sender, d.recipient, d.endpoint_id, ep.adapter, d.state, d.attempts,
  d.business_status, d.remote_id, d.last_error, m.document ->> 'number' AS document_number, m.document ->> 'notation' AS document_notation,
  m.document ->> 'subject' AS subject, m.dossier ->> 'number' AS dossier_number, ${isoMicros('d.created_at')} AS created_at,
  ${isoMicros('d.updated_at')} AS updated_at, ${isoMicros('d.delivered_at')} AS delivered_at, ${isoMicros('d.failed_at')} AS failed_at`;
const DETAILS = 'JOIN messages m ON m.id = d.message_id LEFT JOIN endpoints ep ON ep.id = d.endpoint_id';
// One index look-up per candidate message, whatever the planner estimates (OFFSET 0 keeps it a nested
// loop; see the same in event-resource.ts).
const DELIVERIES_OF_CANDIDATE = 'SELECT * FROM deliveries d WHERE d.message_id = cand.id OFFSET 0';

/**
 * Deliveries, in order of acceptance time then id. Which index a page starts from depends on the
 * filters (migration 008):
 * - message id, document number or dossier number: those few messages first (their indexes), then
 *   their deliveries, sorted;
 * - agency: two keyset range scans — deliveries to it `(recipient, created_at, id)` and messages
 *   from it `(sender, created_at)` — each cut at the page size, merged;
 * - a recipient: the `(recipient, created_at, id)` range; a sender: its messages' `(sender, created_at)`
 *   range, then their deliveries;
 * - otherwise the `(created_at, id)` range.
 * State, adapter, message kind and a notation without a number are checked on the rows the range yields.
 */
export const deliveryResource: AuditResource<DeliveryRow, AuditDelivery> = {
  name: 'deliveries',
  columns: ['id', 'messageId', 'messageKind', 'sender', 'recipient', 'endpoint', 'adapter', 'state', 'attempts', 'businessStatus', 'remoteId',
    'lastError', 'documentNumber', 'documentNotation', 'subject', 'dossierNumber', 'createdAt', 'updatedAt', 'deliveredAt', 'failedAt'],
  isId: (id) => UUID.test(id),
  pageQuery: buildDeliveryPage,
  toItem: (r) => ({
    id: r.id, messageId: r.message_id, messageKind: r.message_kind, sender: r.sender, recipient: r.recipient, endpoint: r.endpoint_id,
    adapter: r.adapter, state: r.state, attempts: r.attempts, businessStatus: r.business_status, remoteId: r.remote_id, lastError: r.last_error,
    documentNumber: r.document_number, documentNotation: r.document_notation, subject: r.subject, dossierNumber: r.dossier_number,
    createdAt: r.created_at, updatedAt: r.updated_at, deliveredAt: r.delivered_at, failedAt: r.failed_at,
  }),
  sortKey: (r) => ({ at: r.created_at, id: r.id }),
};

function buildDeliveryPage(filter: AuditFilter, page: PageSpec): Statement {
  const params = new SqlParams();
  const { dir } = direction(page.order);
  const limit = params.add(page.limit, 'int');
  const order = `ORDER BY d.created_at ${dir}, d.id ${dir} LIMIT ${limit}`;

  // 1. A few messages named: start from them.
  const narrow = narrowMessages(params, filter);
  if (narrow !== undefined) {
    const where = rowFilters(params, filter, page, 'd.created_at');
    if (filter.agency !== undefined) {
      const agency = params.add(filter.agency, 'text');
      where.push(`(d.recipient = ${agency} OR m.sender = ${agency})`);
    }
    return {
      sql: `WITH cand AS MATERIALIZED (${narrow})
        SELECT ${COLUMNS} FROM cand CROSS JOIN LATERAL (${DELIVERIES_OF_CANDIDATE}) d ${DETAILS} ${whereClause(where)} ${order}`,
      params: params.values,
    };
  }

  // 2. An agency: the page's worth of deliveries to it and of deliveries of messages from it, merged.
  if (filter.agency !== undefined) {
    const needsMessage = (filter.number === undefined && filter.notation !== undefined) || filter.sender !== undefined || filter.messageKind !== undefined;
    const toAgency = [equalsC(params, 'd.recipient', filter.agency), ...rowFilters(params, filter, page, 'd.created_at')];
    // m.created_at = d.created_at (written together); bound by the message's time so the sender index range is cut.
    const fromAgency = [equalsC(params, 'm.sender', filter.agency), ...rowFilters(params, filter, page, 'm.created_at')];
    if (page.after) fromAgency.push(`m.created_at ${direction(page.order).past}= ${params.add(page.after.at, 'timestamptz')}`);
    return {
      // The page's keys first (at most `limit` rows), then their details: a few primary-key look-ups.
      sql: `WITH keys AS MATERIALIZED (SELECT id, created_at FROM (
          (SELECT d.id, d.created_at FROM deliveries d ${needsMessage ? 'JOIN messages m ON m.id = d.message_id' : ''}
            ${whereClause(toAgency)} ORDER BY d.created_at ${dir}, d.id ${dir} LIMIT ${limit})
          UNION
          (SELECT d.id, m.created_at FROM messages m JOIN deliveries d ON d.message_id = m.id
            ${whereClause(fromAgency)} ORDER BY m.created_at ${dir}, d.id ${dir} LIMIT ${limit})) AS both_sides
          ORDER BY created_at ${dir}, id ${dir} LIMIT ${limit})
        SELECT ${COLUMNS} FROM keys JOIN deliveries d ON d.id = keys.id ${DETAILS} ORDER BY d.created_at ${dir}, d.id ${dir}`,
      params: params.values,
    };
  }

  // 3. A recipient: the `(recipient, created_at, id)` range; a sender: the `(sender, created_at)` range of its messages.
  if (filter.recipient !== undefined) {
    const where = [equalsC(params, 'd.recipient', filter.recipient), ...rowFilters(params, filter, page, 'd.created_at')];
    return { sql: `SELECT ${COLUMNS} FROM deliveries d ${DETAILS} ${whereClause(where)} ${order}`, params: params.values };
  }
  if (filter.sender !== undefined) {
    const where = [equalsC(params, 'm.sender', filter.sender), ...rowFilters(params, filter, page, 'm.created_at')];
    if (page.after) where.push(`m.created_at ${direction(page.order).past}= ${params.add(page.after.at, 'timestamptz')}`);
    return {
      sql: `SELECT ${COLUMNS} FROM messages m JOIN deliveries d ON d.message_id = m.id LEFT JOIN endpoints ep ON ep.id = d.endpoint_id
        ${whereClause(where)} ORDER BY m.created_at ${dir}, d.id ${dir} LIMIT ${limit}`,
      params: params.values,
    };
  }

  // 4. Everything in time order, other filters checked on the way.
  return { sql: `SELECT ${COLUMNS} FROM deliveries d ${DETAILS} ${whereClause(rowFilters(params, filter, page, 'd.created_at'))} ${order}`, params: params.values };
}

/** Conditions on one delivery `d` (and its message `m`) with its time as `at`: filters a scan meets rows with. */
function rowFilters(params: SqlParams, filter: AuditFilter, page: PageSpec, at: string): string[] {
  const where = timeAndKeyset(params, { at, id: 'd.id', idType: 'uuid' }, filter, page.order, page.after);
  if (filter.state !== undefined) where.push(`d.state = ${params.add(filter.state, 'text')}`);
  if (filter.sender !== undefined) where.push(equalsC(params, 'm.sender', filter.sender));
  if (filter.recipient !== undefined) where.push(equalsC(params, 'd.recipient', filter.recipient));
  if (filter.messageKind !== undefined) where.push(`m.kind = ${params.add(filter.messageKind, 'text')}`);
  if (filter.adapter !== undefined) where.push(`d.endpoint_id IN (${endpointsOfAdapter(params, filter.adapter)})`);
  const notation = notationOnly(params, filter);
  if (notation !== undefined) where.push(notation);
  return where;
}
