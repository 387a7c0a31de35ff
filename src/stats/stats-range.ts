import { hubError } from '../errors.js';

/** How the overview's time series is cut: hours or days, both on Vietnam's clock. */
export type StatsBucket = 'hour' | 'day';

/** The range a statistic covers: acceptance times in [from, to), cut into buckets. */
export interface StatsRange {
  from: Date;
  to: Date;
  bucket: StatsBucket;
}

/** Buckets start at Asia/Ho_Chi_Minh midnights and hours (UTC+7 all year: Vietnam has no daylight saving). */
export const BUCKET_ORIGIN = '2000-01-01T00:00:00+07:00';
export const STATS_TIME_ZONE = 'Asia/Ho_Chi_Minh';
const BUCKET_MS: Record<StatsBucket, number> = { hour: 3_600_000, day: 86_400_000 };
/** Default span when `from` is not given: a day of hours, or thirty days. */
const DEFAULT_SPAN_MS: Record<StatsBucket, number> = { hour: 24 * 3_600_000, day: 30 * 86_400_000 };
/** Most buckets one answer holds: bounds the work of a query and the size of the chart (41 days of hours, 2.7 years of days). */
export const MAX_BUCKETS = 1_000;

export const bucketMs = (bucket: StatsBucket): number => BUCKET_MS[bucket];

/**
 * The range a stats request asks for: `to` defaults to now, `from` to a span before `to` that suits
 * the bucket. An empty or inverted range, or one cut into more than {@link MAX_BUCKETS} buckets, is
 * `HUB_ERR_VALIDATION` (400), like any other malformed query.
 */
export function resolveStatsRange(query: { from?: string; to?: string; bucket?: StatsBucket }, now: Date): StatsRange {
  const bucket = query.bucket ?? 'hour';
  const to = query.to !== undefined ? new Date(query.to) : now;
  const from = query.from !== undefined ? new Date(query.from) : new Date(to.getTime() - DEFAULT_SPAN_MS[bucket]);
  if (!(from.getTime() < to.getTime())) {
    throw hubError('HUB_ERR_VALIDATION', [], [{ path: 'querystring/from', message: 'must be before to' }]);
  }
  if (bucketStarts({ from, to, bucket }).length > MAX_BUCKETS) {
    throw hubError('HUB_ERR_VALIDATION', [], [{ path: 'querystring/from', message: `the range holds more than ${MAX_BUCKETS} ${bucket}s: narrow it or use a larger bucket` }]);
  }
  return { from, to, bucket };
}

/** Start of every bucket the range touches, in order (the first may start before `from`). */
export function bucketStarts(range: StatsRange): number[] {
  const size = BUCKET_MS[range.bucket];
  const origin = Date.parse(BUCKET_ORIGIN);
  const first = origin + Math.floor((range.from.getTime() - origin) / size) * size;
  const starts: number[] = [];
  for (let at = first; at < range.to.getTime() && starts.length <= MAX_BUCKETS; at += size) starts.push(at);
  return starts;
}
