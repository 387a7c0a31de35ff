import { createHash } from 'node:crypto';
import type { SqlParams } from '../auditor/sql-params.js';
import { canonicalJson } from '../domain/canonical-json.js';

/** The states an operator looks at: waiting, in flight, retrying, given up (delivered ones need nothing). */
export const OPS_STATES = ['queued', 'sending', 'retrying', 'failed'] as const;
export type OpsState = (typeof OPS_STATES)[number];

/** Which push deliveries an operator means: every field narrows (AND); absent fields do not filter. */
export interface DeliveryFilter {
  /** At least one. */
  states: readonly OpsState[];
  endpoint?: string;
  recipient?: string;
  sender?: string;
  /** Inclusive lower bound of the filter's time column (RFC 3339). */
  from?: string;
  /** Exclusive upper bound, likewise. */
  to?: string;
}

/** The time a filter's range and a page's order are on: acceptance (`d.created_at`) or failure (`d.failed_at`). */
export type DeliveryTimeColumn = 'd.created_at' | 'd.failed_at';

/**
 * The filter as conditions over `deliveries d JOIN messages m`. A failed delivery is found through
 * `failed_at` (set exactly while it is failed: the partial indexes of migrations 001 and 011) and a
 * waiting one through `next_attempt_at` (set exactly while it is queued, sending or retrying:
 * `deliveries_pending`), so neither scans delivered rows.
 */
export function filterConditions(params: SqlParams, filter: DeliveryFilter, time: DeliveryTimeColumn = 'd.created_at'): string[] {
  const byState: string[] = [];
  if (filter.states.includes('failed')) byState.push(`(d.failed_at IS NOT NULL AND d.state = 'failed')`);
  const waiting = filter.states.filter((s) => s !== 'failed');
  if (waiting.length > 0) byState.push(`(d.next_attempt_at IS NOT NULL AND d.state = ANY(${params.add(waiting, 'text[]')}))`);
  const where = [byState.length > 0 ? `(${byState.join(' OR ')})` : 'false', 'd.endpoint_id IS NOT NULL'];
  if (filter.endpoint !== undefined) where.push(`d.endpoint_id = ${params.add(filter.endpoint, 'text')}`);
  if (filter.recipient !== undefined) where.push(`d.recipient = ${params.add(filter.recipient, 'text')}`);
  if (filter.sender !== undefined) where.push(`m.sender = ${params.add(filter.sender, 'text')}`);
  if (filter.from !== undefined) where.push(`${time} >= ${params.add(filter.from, 'timestamptz')}`);
  if (filter.to !== undefined) where.push(`${time} < ${params.add(filter.to, 'timestamptz')}`);
  return where;
}

/** A short digest of what a page cursor was issued for, so that it cannot be replayed against another query. */
export function filterDigest(resource: string, filter: DeliveryFilter, order: 'asc' | 'desc'): string {
  const canonical = canonicalJson({ resource, order, filter: { ...filter, states: [...filter.states].sort() } });
  return createHash('sha256').update(canonical, 'utf8').digest('base64url').slice(0, 22);
}
