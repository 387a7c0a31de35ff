import type { Queryable } from '../store/db.js';
import { BUCKET_ORIGIN, STATS_TIME_ZONE, bucketStarts, type StatsBucket, type StatsRange } from './stats-range.js';

/** Counts of one bucket (or of the whole range). */
export interface VolumeCounts {
  /** Messages accepted. */
  messages: number;
  /** Deliveries (message × recipient) of those messages. */
  deliveries: number;
  /** Of those, delivered now (pushed to the endpoint, or fetched and acknowledged from the inbox). */
  delivered: number;
  /** Of those, given up. */
  failed: number;
}

export interface OverviewStats {
  from: string;
  to: string;
  bucket: StatsBucket;
  timeZone: string;
  totals: VolumeCounts & {
    /** Still on their way: queued, sending or retrying. */
    pending: number;
    /** delivered / deliveries; null when there were none. */
    deliveredShare: number | null;
  };
  /** Acceptance to delivery of push deliveries delivered (an inbox delivery waits on its agency, not the hub), in milliseconds. */
  latency: { count: number; p50Ms: number | null; p90Ms: number | null; p99Ms: number | null; maxMs: number | null };
  /** Every bucket of the range in order, empty ones included; `start` is UTC. */
  series: (VolumeCounts & { start: string })[];
  /** Endpoints with failed or retrying deliveries among the range's, most failures first. */
  failuresByEndpoint: { endpoint: string; adapter: string | null; failed: number; retrying: number }[];
}

interface SeriesRow { start_ms: number; messages: number; deliveries: number; delivered: number; failed: number; pending: number }
interface LatencyRow { n: number; p50: number | null; p90: number | null; p99: number | null; max: number | null }
interface FailureRow { endpoint: string; adapter: string | null; failed: number; retrying: number }

// Every statement reads the deliveries of messages accepted in [$1, $2) through the (created_at, id)
// index of migration 008 (a delivery carries its message's acceptance time): no index of its own.
const IN_RANGE = 'd.created_at >= $1::timestamptz AND d.created_at < $2::timestamptz';

const SERIES_SQL = `
  SELECT (extract(epoch FROM date_bin($3::interval, d.created_at, $4::timestamptz)) * 1000)::float8 AS start_ms,
         count(DISTINCT d.message_id)::int AS messages, count(*)::int AS deliveries,
         count(*) FILTER (WHERE d.state = 'delivered')::int AS delivered,
         count(*) FILTER (WHERE d.state = 'failed')::int AS failed,
         count(*) FILTER (WHERE d.state IN ('queued', 'sending', 'retrying'))::int AS pending
    FROM deliveries d WHERE ${IN_RANGE} GROUP BY 1 ORDER BY 1`;

const LATENCY_SQL = `
  WITH l AS (SELECT (extract(epoch FROM d.delivered_at - d.created_at) * 1000)::float8 AS ms
               FROM deliveries d WHERE ${IN_RANGE} AND d.state = 'delivered' AND d.endpoint_id IS NOT NULL)
  SELECT count(*)::int AS n, percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS p50, percentile_cont(0.9) WITHIN GROUP (ORDER BY ms) AS p90,
         percentile_cont(0.99) WITHIN GROUP (ORDER BY ms) AS p99, max(ms) AS max FROM l`;

const FAILURES_SQL = `
  SELECT d.endpoint_id AS endpoint, ep.adapter, count(*) FILTER (WHERE d.state = 'failed')::int AS failed,
         count(*) FILTER (WHERE d.state = 'retrying')::int AS retrying
    FROM deliveries d LEFT JOIN endpoints ep ON ep.id = d.endpoint_id
   WHERE ${IN_RANGE} AND d.state IN ('failed', 'retrying') AND d.endpoint_id IS NOT NULL
   GROUP BY d.endpoint_id, ep.adapter ORDER BY failed DESC, retrying DESC, d.endpoint_id`;

const rounded = (ms: number | null): number | null => (ms === null ? null : Math.round(ms));

/**
 * The dashboard's overview of messages accepted in the range: volumes per bucket, the share
 * delivered, acceptance-to-delivery latency percentiles and failures by endpoint. Plain `SELECT`s
 * over the delivery state machine, so figures are "as of now" for the messages of the range.
 */
export async function readOverview(db: Queryable, range: StatsRange): Promise<OverviewStats> {
  const bounds = [range.from.toISOString(), range.to.toISOString()];
  // 1. load: three statements over the same index range (concurrent on a pool, in turn on PGlite).
  const [series, latency, failures] = await Promise.all([
    db.query<SeriesRow>(SERIES_SQL, [...bounds, range.bucket === 'hour' ? '1 hour' : '1 day', BUCKET_ORIGIN]),
    db.query<LatencyRow>(LATENCY_SQL, bounds),
    db.query<FailureRow>(FAILURES_SQL, bounds),
  ]);
  // 2. every bucket, empty ones as zeros, and the totals.
  const byStart = new Map(series.rows.map((row) => [Number(row.start_ms), row]));
  const buckets = bucketStarts(range).map((start) => {
    const row = byStart.get(start);
    return { start: new Date(start).toISOString(), messages: row?.messages ?? 0, deliveries: row?.deliveries ?? 0, delivered: row?.delivered ?? 0, failed: row?.failed ?? 0 };
  });
  const sum = (key: keyof SeriesRow): number => series.rows.reduce((total, row) => total + Number(row[key]), 0);
  const totals = { messages: sum('messages'), deliveries: sum('deliveries'), delivered: sum('delivered'), failed: sum('failed'), pending: sum('pending') };
  const l = latency.rows[0];
  return {
    from: bounds[0]!, to: bounds[1]!, bucket: range.bucket, timeZone: STATS_TIME_ZONE,
    totals: { ...totals, deliveredShare: totals.deliveries > 0 ? totals.delivered / totals.deliveries : null },
    latency: { count: l?.n ?? 0, p50Ms: rounded(l?.p50 ?? null), p90Ms: rounded(l?.p90 ?? null), p99Ms: rounded(l?.p99 ?? null), maxMs: rounded(l?.max ?? null) },
    series: buckets,
    failuresByEndpoint: failures.rows.map((r) => ({ endpoint: r.endpoint, adapter: r.adapter, failed: r.failed, retrying: r.retrying })),
  };
}
