import type { BenchHub } from './bench-hub.js';
import { heapOf, scrapeMetrics } from './hub-metrics.js';
import { memoryOf } from './process-memory.js';

/** One hub process's memory: the kernel's view (RSS, private anonymous) and V8's (heap, Buffers), bytes. */
export interface HubProcessMemory {
  rss: number;
  anon: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
}

/** Memory of everything a soak watches, at one instant. */
export interface MemorySample {
  /** Seconds since the soak began. */
  t: number;
  processes: Record<string, HubProcessMemory>;
  /** The hub's PostgreSQL backends: how many, and their private memory in all (shared buffers not counted). */
  postgres?: { backends: number; anon: number; databaseBytes: number };
  /** Redis as a whole (other work may share it) and the hub's keys in it. */
  redis?: { usedMemory: number; keys: number };
}

/** The Redis commands a sample needs (an ioredis client). */
export interface RedisProbe {
  info(section: 'memory'): Promise<string>;
  scan(cursor: string, match: 'MATCH', pattern: string, count: 'COUNT', n: number): Promise<[string, string[]]>;
}

export async function sampleMemory(hub: BenchHub, t: number, redis?: { client: RedisProbe; prefix: string }): Promise<MemorySample> {
  const processes: Record<string, HubProcessMemory> = {};
  for (const p of hub.processes) {
    const kernel = memoryOf(p.pid);
    const heap = heapOf(await scrapeMetrics(p.url));
    processes[p.name] = { rss: kernel.rss, anon: kernel.anon, heapUsed: heap.used, heapTotal: heap.total, external: heap.external };
  }
  const sample: MemorySample = { t, processes };
  if (hub.db && hub.pgApplicationName) {
    const { rows } = await hub.db.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE application_name = $1', [hub.pgApplicationName]);
    const size = await hub.db.query<{ bytes: string }>(
      `SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0)::text AS bytes FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'm')`);
    sample.postgres = { backends: rows.length, anon: rows.reduce((sum, r) => sum + (memoryOf(r.pid).anon || 0), 0), databaseBytes: Number(size.rows[0]!.bytes) };
  }
  if (redis) {
    const usedMemory = Number(/^used_memory:(\d+)/m.exec(await redis.client.info('memory'))?.[1] ?? Number.NaN);
    let keys = 0;
    let cursor = '0';
    do {
      const [next, batch] = await redis.client.scan(cursor, 'MATCH', `${redis.prefix}:*`, 'COUNT', 1_000);
      keys += batch.length;
      cursor = next;
    } while (cursor !== '0');
    sample.redis = { usedMemory, keys };
  }
  return sample;
}
