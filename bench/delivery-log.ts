import type { Db } from '../src/store/db.js';
import { percentile } from './load.js';

/** When a delivery's message was accepted and when the delivery was delivered (ms since the epoch; null: not delivered). */
export interface DeliveryTime {
  acceptedAt: number;
  deliveredAt: number | null;
}

/**
 * What the benchmark reads from the hub's delivery log, from the hub's own timestamps: whether work
 * is still waiting, and the acceptance and delivery times of given messages' deliveries. Read from
 * the hub's PostgreSQL schema when the benchmark can reach it ({@link sqlDeliveryLog}), else through
 * the hub's API as an auditor would ({@link apiDeliveryLog}: the only way into an embedded PGlite).
 */
export interface DeliveryLog {
  /** Deliveries queued, in flight or retrying, in the whole hub. */
  waiting(): Promise<number>;
  /** The deliveries of `messageIds`, accepted at or after `since`. */
  times(messageIds: readonly string[], since: Date): Promise<DeliveryTime[]>;
}

export function sqlDeliveryLog(db: Db): DeliveryLog {
  return {
    async waiting() {
      const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM deliveries WHERE state IN ('queued', 'sending', 'retrying')`);
      return rows[0]!.n;
    },
    async times(messageIds) {
      const { rows } = await db.query<{ a: number; d: number | null }>(
        `SELECT extract(epoch FROM m.created_at) * 1000 AS a, extract(epoch FROM d.delivered_at) * 1000 AS d
           FROM deliveries d JOIN messages m ON m.id = d.message_id
          WHERE d.message_id = ANY($1::uuid[])`, [messageIds]);
      return rows.map((r) => ({ acceptedAt: Number(r.a), deliveredAt: r.d === null ? null : Number(r.d) }));
    },
  };
}

/** Through `GET /v1/admin/queue` and the auditor's JSON Lines export of `GET /v1/audit/deliveries`. */
export function apiDeliveryLog(base: string, auditorKey: string): DeliveryLog {
  const headers = { authorization: `Bearer ${auditorKey}` };
  return {
    async waiting() {
      const res = await fetch(`${base}/v1/admin/queue`, { headers });
      if (!res.ok) throw new Error(`GET /v1/admin/queue answered ${res.status}`);
      const body = (await res.json()) as { endpoints: { queued: number; inFlight: number; retrying: number }[] };
      return body.endpoints.reduce((n, e) => n + e.queued + e.inFlight + e.retrying, 0);
    },
    async times(messageIds, since) {
      const wanted = new Set(messageIds);
      const from = new Date(since.getTime() - 1_000).toISOString();
      const res = await fetch(`${base}/v1/audit/deliveries?format=jsonl&order=asc&from=${encodeURIComponent(from)}`, { headers });
      if (!res.ok) throw new Error(`GET /v1/audit/deliveries answered ${res.status}`);
      const out: DeliveryTime[] = [];
      for (const line of (await res.text()).split('\n')) {
        if (!line) continue;
        const d = JSON.parse(line) as { messageId: string; createdAt: string; deliveredAt: string | null };
        if (wanted.has(d.messageId)) out.push({ acceptedAt: Date.parse(d.createdAt), deliveredAt: d.deliveredAt === null ? null : Date.parse(d.deliveredAt) });
      }
      return out;
    },
  };
}

/** Waits until nothing waits in the hub (or `timeoutMs` passes); returns how many still wait. */
export async function waitDrained(log: DeliveryLog, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const waiting = await log.waiting();
    if (waiting === 0 || Date.now() > deadline) return waiting;
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Accept → delivered, from the hub's own timestamps. */
export interface DeliveryStats {
  deliveries: number;
  delivered: number;
  /** Delivered per second from the first acceptance to the last delivery of the set. */
  deliveredPerSecond: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
}

export function deliveryStats(times: readonly DeliveryTime[]): DeliveryStats {
  const done = times.filter((t): t is { acceptedAt: number; deliveredAt: number } => t.deliveredAt !== null);
  const latencies = done.map((t) => t.deliveredAt - t.acceptedAt);
  // (a loop, not Math.min(...): a fan-out run has more deliveries than a call may have arguments)
  let first = Infinity;
  let last = -Infinity;
  for (const t of done) {
    first = Math.min(first, t.acceptedAt);
    last = Math.max(last, t.deliveredAt);
  }
  return {
    deliveries: times.length, delivered: done.length,
    deliveredPerSecond: done.length > 0 ? done.length / ((last - first) / 1000) : 0,
    p50Ms: percentile(latencies, 50), p95Ms: percentile(latencies, 95), p99Ms: percentile(latencies, 99),
    maxMs: percentile(latencies, 100),
  };
}
