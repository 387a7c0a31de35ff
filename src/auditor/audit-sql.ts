import type { AuditFilter, AuditOrder, SortKey } from './audit-query.js';
import type { SqlParams } from './sql-params.js';

/** SQL rendering a timestamptz as UTC ISO 8601 with microseconds (the sort key's form). */
export function isoMicros(expr: string): string {
  return `to_char(${expr} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
}

/** `DESC` or `ASC`, and the comparison that moves past a sort key in that order. */
export function direction(order: AuditOrder): { dir: 'ASC' | 'DESC'; past: '<' | '>' } {
  return order === 'desc' ? { dir: 'DESC', past: '<' } : { dir: 'ASC', past: '>' };
}

/**
 * Conditions on a row's time and id: the half-open range [from, to) and, after a cursor, the rows
 * past its sort key. `(at, id) < (…)` is a row comparison a B-tree on `(…, at, id)` answers as a range.
 */
export function timeAndKeyset(
  params: SqlParams, cols: { at: string; id: string; idType: string }, filter: AuditFilter, order: AuditOrder, after: SortKey | undefined,
): string[] {
  const where: string[] = [];
  if (filter.from !== undefined) where.push(`${cols.at} >= ${params.add(filter.from, 'timestamptz')}`);
  if (filter.to !== undefined) where.push(`${cols.at} < ${params.add(filter.to, 'timestamptz')}`);
  if (after) {
    where.push(`(${cols.at}, ${cols.id}) ${direction(order).past} (${params.add(after.at, 'timestamptz')}, ${params.add(after.id, cols.idType)})`);
  }
  return where;
}

/** `expr COLLATE "C" = value`: answerable from the "C"-collated indexes of migration 008. */
export function equalsC(params: SqlParams, expr: string, value: string): string {
  return `${expr} COLLATE "C" = ${params.add(value, 'text')}`;
}

/**
 * The filters that pick out a few messages through an index — message id, document number (and
 * notation), dossier number — as a query of message ids over `messages m`, or `undefined` when
 * none is given. Materialised, so the plan always starts from these few rows whatever the estimates.
 */
export function narrowMessages(params: SqlParams, filter: AuditFilter): string | undefined {
  const where: string[] = [];
  if (filter.messageId !== undefined) where.push(`m.id = ${params.add(filter.messageId, 'uuid')}`);
  if (filter.number !== undefined) {
    where.push(`m.document IS NOT NULL AND ${equalsC(params, "(m.document ->> 'number')", filter.number)}`);
    if (filter.notation !== undefined) where.push(equalsC(params, "(m.document ->> 'notation')", filter.notation));
  }
  if (filter.dossier !== undefined) {
    where.push(`m.dossier IS NOT NULL AND ((m.dossier ->> 'dossierId')::uuid) = (SELECT id FROM dossiers WHERE number = ${params.add(filter.dossier, 'text')})`);
  }
  return where.length > 0 ? `SELECT m.id FROM messages m WHERE ${where.join(' AND ')}` : undefined;
}

/**
 * The notation filter when no number narrows the messages, as a condition on `m`: checked on each
 * message the scan meets. Written as containment so that the planner never answers it from the
 * second column of the number index — a scan of the whole index and a sort of every match (an
 * eighth of all messages for a common notation) on every page.
 */
export function notationOnly(params: SqlParams, filter: AuditFilter): string | undefined {
  if (filter.number !== undefined || filter.notation === undefined) return undefined;
  return `m.document @> jsonb_build_object('notation', ${params.add(filter.notation, 'text')})`;
}

/** SQL for `adapter`: the ids of the endpoints of that adapter (a handful of rows). */
export function endpointsOfAdapter(params: SqlParams, adapter: string): string {
  return `SELECT ep.id FROM endpoints ep WHERE ep.adapter = ${params.add(adapter, 'text')}`;
}

/** `WHERE a AND b …`, or nothing. */
export function whereClause(conditions: readonly string[]): string {
  return conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '';
}
