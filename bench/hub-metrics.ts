/** A hub process's Prometheus text (`/metrics`; a worker serves it on its metrics port). */
export async function scrapeMetrics(base: string): Promise<string> {
  const res = await fetch(`${base}/metrics`);
  if (!res.ok) throw new Error(`GET ${base}/metrics answered ${res.status}`);
  return res.text();
}

/** The value of an unlabelled metric (NaN when absent). */
export function metricValue(text: string, name: string): number {
  const match = new RegExp(`^${name} ([0-9.e+-]+)$`, 'm').exec(text);
  return match ? Number(match[1]) : Number.NaN;
}

/** Items and batches written so far by each group-commit writer (`intake`, `claims`, `outcomes`). */
export type BatchTotals = Record<string, { items: number; batches: number }>;

export function batchTotals(text: string): BatchTotals {
  const totals: BatchTotals = {};
  for (const m of text.matchAll(/^lienthong_group_commit_batch_size_(sum|count)\{writer="([a-z]+)"\} ([0-9.e+]+)$/gm)) {
    const t = (totals[m[2]!] ??= { items: 0, batches: 0 });
    if (m[1] === 'sum') t.items = Number(m[3]);
    else t.batches = Number(m[3]);
  }
  return totals;
}

/** Mean items per batch, by writer, between two readings (`before` omitted: since the process started). */
export function meanBatchSizes(after: BatchTotals, before: BatchTotals = {}): Record<string, number> {
  return Object.fromEntries(Object.entries(after).map(([writer, t]) => {
    const b = before[writer] ?? { items: 0, batches: 0 };
    return [writer, (t.items - b.items) / ((t.batches - b.batches) || 1)];
  }));
}

/** The batch totals of every process of a hub, merged (each writer lives in one kind of process). */
export async function hubBatchTotals(urls: readonly string[]): Promise<BatchTotals> {
  const merged: BatchTotals = {};
  for (const url of urls) {
    for (const [writer, t] of Object.entries(batchTotals(await scrapeMetrics(url)))) {
      const m = (merged[writer] ??= { items: 0, batches: 0 });
      m.items += t.items;
      m.batches += t.batches;
    }
  }
  return merged;
}

/** V8's heap as the process reports it (prom-client's default metrics), bytes. */
export function heapOf(text: string): { used: number; total: number; external: number } {
  return {
    used: metricValue(text, 'lienthong_nodejs_heap_size_used_bytes'),
    total: metricValue(text, 'lienthong_nodejs_heap_size_total_bytes'),
    external: metricValue(text, 'lienthong_nodejs_external_memory_bytes'),
  };
}

/** Cumulative counts of a histogram's buckets (`le` in seconds → count), summed over its label sets. */
export function histogramBuckets(text: string, name: string): Map<number, number> {
  const buckets = new Map<number, number>();
  for (const m of text.matchAll(new RegExp(`^${name}_bucket\\{(?:[^}]*,)?le="([^"]+)"[^}]*\\} ([0-9.e+]+)$`, 'gm'))) {
    const le = m[1] === '+Inf' ? Number.POSITIVE_INFINITY : Number(m[1]);
    buckets.set(le, (buckets.get(le) ?? 0) + Number(m[2]));
  }
  return buckets;
}

/** The hub's own accept time (`lienthong_accept_seconds`) of every API process, summed. */
export async function hubAcceptBuckets(apiUrls: readonly string[]): Promise<Map<number, number>> {
  const total = new Map<number, number>();
  for (const url of apiUrls) {
    for (const [le, n] of histogramBuckets(await scrapeMetrics(url), 'lienthong_accept_seconds')) total.set(le, (total.get(le) ?? 0) + n);
  }
  return total;
}

/** Share of the observations between two readings that fell within each bucket bound. */
export function shareWithin(after: Map<number, number>, before: Map<number, number>): { le: number; share: number }[] {
  const count = (after.get(Number.POSITIVE_INFINITY) ?? 0) - (before.get(Number.POSITIVE_INFINITY) ?? 0);
  return [...after.keys()].filter((le) => Number.isFinite(le)).sort((a, b) => a - b)
    .map((le) => ({ le, share: count > 0 ? ((after.get(le) ?? 0) - (before.get(le) ?? 0)) / count : Number.NaN }));
}

/** Seconds each process has spent in garbage collection (prom-client's `nodejs_gc_duration_seconds`), by kind. */
export type GcTotals = Record<string, Record<string, number>>;

export async function hubGcTotals(processes: readonly { name: string; url: string }[]): Promise<GcTotals> {
  const totals: GcTotals = {};
  for (const p of processes) {
    const kinds: Record<string, number> = {};
    for (const m of (await scrapeMetrics(p.url)).matchAll(/^lienthong_nodejs_gc_duration_seconds_sum\{kind="([a-z]+)"\} ([0-9.e+-]+)$/gm)) {
      kinds[m[1]!] = Number(m[2]);
    }
    totals[p.name] = kinds;
  }
  return totals;
}

/**
 * Milliseconds of garbage collection per unit between two readings, by process: `total` (every kind:
 * scavenges, incremental marking steps, full collections) and `major` (full collections alone).
 */
export function gcPerUnitMs(after: GcTotals, before: GcTotals, units: number): Record<string, { total: number; major: number }> {
  const delta = (name: string, kind?: string): number => {
    const a = after[name] ?? {};
    const b = before[name] ?? {};
    const kinds = kind ? [kind] : Object.keys(a);
    return kinds.reduce((sum, k) => sum + (a[k] ?? 0) - (b[k] ?? 0), 0);
  };
  return Object.fromEntries(Object.keys(after).map((name) => [name, { total: (delta(name) * 1000) / units, major: (delta(name, 'major') * 1000) / units }]));
}

/** `serve-1 0.05 (full 0.01), worker-1 0.09 (full 0.04) ms`. */
export function formatGc(perUnit: Record<string, { total: number; major: number }>): string {
  return `${Object.entries(perUnit).map(([name, v]) => `${name} ${v.total.toFixed(3)} (full ${v.major.toFixed(3)})`).join(', ')} ms`;
}
