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
