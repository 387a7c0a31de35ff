import type { Queryable } from '../store/db.js';
import type { StatsRange } from './stats-range.js';

/** One agency's exchange figures over a range (documents and dossiers created in it). */
export interface AgencyStats {
  code: string;
  /** From the hub's configuration; null for a code it does not configure (any more). */
  name: string | null;
  /** Documents it sent through the hub (messages of kind document). */
  documentsSent: number;
  /** Documents addressed to it, and of those, delivered to it (pushed or fetched from its inbox). */
  documentsAddressed: number;
  documentsReceived: number;
  /** Dossiers it filed (as a one-stop system). */
  dossiersFiled: number;
  /** Filed dossiers that reached 9 (processed) or 10 (result returned). */
  dossiersHandled: number;
  /** Of those with a due date, handled at or before it. */
  dossiersOnTime: number;
  /** Handled after the due date, or still open past it. */
  dossiersLate: number;
  /** Not yet in a final state (1, 2, 4, 5, 6). */
  dossiersOpen: number;
}

export interface AgencyStatsPage {
  from: string;
  to: string;
  agencies: AgencyStats[];
}

const DOCUMENTS_SQL = `
  WITH docs AS MATERIALIZED (
    SELECT d.message_id, d.recipient, d.state, m.sender FROM deliveries d JOIN messages m ON m.id = d.message_id
     WHERE d.created_at >= $1::timestamptz AND d.created_at < $2::timestamptz AND m.kind = 'document')
  SELECT 'sent' AS side, sender AS code, count(DISTINCT message_id)::int AS n, 0 AS delivered FROM docs GROUP BY sender
  UNION ALL
  SELECT 'received', recipient, count(*)::int, (count(*) FILTER (WHERE state = 'delivered'))::int FROM docs GROUP BY recipient`;

// A dossier is handled when it first reached 9 or 10 (its history, dossier_events, by primary key);
// on time when that was no later than the due date it was filed with (data.dueAt). Final states
// other than 9 and 10 (3 refused, 7 withdrawn, 8 stopped) are neither handled nor open.
const DOSSIERS_SQL = `
  SELECT d.agency AS code, count(*)::int AS filed,
         (count(*) FILTER (WHERE h.at IS NOT NULL))::int AS handled,
         (count(*) FILTER (WHERE h.at IS NOT NULL AND x.due IS NOT NULL AND h.at <= x.due))::int AS on_time,
         (count(*) FILTER (WHERE x.due IS NOT NULL AND (h.at > x.due OR (h.at IS NULL AND d.status NOT IN (3, 7, 8) AND x.due < $3::timestamptz))))::int AS late,
         (count(*) FILTER (WHERE d.status NOT IN (3, 7, 8, 9, 10)))::int AS open
    FROM dossiers d
    CROSS JOIN LATERAL (SELECT (d.data ->> 'dueAt')::timestamptz AS due) x
    LEFT JOIN LATERAL (SELECT min(e.at) AS at FROM dossier_events e WHERE e.dossier_id = d.id AND e.status IN (9, 10)) h ON true
   WHERE d.created_at >= $1::timestamptz AND d.created_at < $2::timestamptz
   GROUP BY d.agency`;

const empty = (code: string, name: string | null): AgencyStats => ({
  code, name, documentsSent: 0, documentsAddressed: 0, documentsReceived: 0, dossiersFiled: 0, dossiersHandled: 0, dossiersOnTime: 0, dossiersLate: 0, dossiersOpen: 0,
});

/**
 * Per-agency figures of the range: documents sent and received electronically, and dossiers filed
 * and handled on time. Every configured agency is listed (zeros included), and any other code that
 * exchanged in the range; the busiest first.
 */
export async function readAgencyStats(db: Queryable, range: StatsRange, now: Date): Promise<AgencyStatsPage> {
  const bounds = [range.from.toISOString(), range.to.toISOString()];
  // 1. load
  const [agencies, documents, dossiers] = await Promise.all([
    db.query<{ code: string; name: string }>('SELECT code, name FROM agencies'),
    db.query<{ side: 'sent' | 'received'; code: string; n: number; delivered: number }>(DOCUMENTS_SQL, bounds),
    db.query<{ code: string; filed: number; handled: number; on_time: number; late: number; open: number }>(DOSSIERS_SQL, [...bounds, now.toISOString()]),
  ]);
  // 2. one row per agency
  const rows = new Map<string, AgencyStats>(agencies.rows.map((a) => [a.code, empty(a.code, a.name)]));
  const rowOf = (code: string): AgencyStats => {
    let row = rows.get(code);
    if (!row) rows.set(code, (row = empty(code, null)));
    return row;
  };
  for (const r of documents.rows) {
    const row = rowOf(r.code);
    if (r.side === 'sent') row.documentsSent = r.n;
    else Object.assign(row, { documentsAddressed: r.n, documentsReceived: r.delivered });
  }
  for (const r of dossiers.rows) {
    Object.assign(rowOf(r.code), { dossiersFiled: r.filed, dossiersHandled: r.handled, dossiersOnTime: r.on_time, dossiersLate: r.late, dossiersOpen: r.open });
  }
  // 3. busiest first, then by code
  const activity = (a: AgencyStats): number => a.documentsSent + a.documentsAddressed + a.dossiersFiled;
  const list = [...rows.values()].sort((a, b) => activity(b) - activity(a) || a.code.localeCompare(b.code));
  return { from: bounds[0]!, to: bounds[1]!, agencies: list };
}
