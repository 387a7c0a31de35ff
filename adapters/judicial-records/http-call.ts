import { callOnce, type BoundedCallResult } from '../../src/adapters/bounded-call.js';
import type { CallBudget } from '../../src/adapters/call-budget.js';
import { DispatcherPools } from '../../src/adapters/dispatcher-pools.js';

/** What one HTTP call came to, before any judgement of its content (a 2xx answer as its text). */
export type CallResult = BoundedCallResult;

export interface PostRequest {
  url: URL;
  headers: Record<string, string>;
  body: string;
}

export interface CallLimits {
  /** The budget's timeout, also given to undici so its own 300 s defaults never apply. */
  timeoutMs: number;
  maxConnections: number;
  maxResponseBytes: number;
}

// One keep-alive pool per origin (LGSP gateway, Ministry system).
const pools = new DispatcherPools();

/**
 * One POST within `budget` (the attempt's or the poll call's): sends once, reads the answer within
 * `maxResponseBytes`, and reports what happened. Never throws, never retries.
 */
export function postOnce(request: PostRequest, limits: CallLimits, budget: CallBudget, now: () => Date): Promise<CallResult> {
  const body = Buffer.from(request.body, 'utf8');
  return callOnce(
    pools.poolFor(request.url.origin, limits.maxConnections),
    { path: `${request.url.pathname}${request.url.search}`, headers: { ...request.headers, 'content-length': String(body.length) }, body },
    { budget, timeoutMs: limits.timeoutMs, maxResponseBytes: limits.maxResponseBytes, now },
  );
}

/** Closes every connection pool (waits for calls in flight). */
export function closeJudicialRecordsPools(): Promise<void> {
  return pools.close();
}
