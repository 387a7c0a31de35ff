import type { Dispatcher } from 'undici';
import { raceAbort, type CallBudget } from '../../src/adapters/call-budget.js';
import { parseRetryAfter } from '../../src/adapters/retry-after.js';
import { poolFor } from './pool-registry.js';

/** What one HTTP call came to, before any judgement of its content. */
export type CallResult =
  /** A 2xx answer, read whole. */
  | { kind: 'answer'; httpStatus: number; text: string }
  /** Any other status; `text` is the start of its body. */
  | { kind: 'http-error'; httpStatus: number; text: string; retryAfterMs?: number }
  /** A 2xx whose body broke off or exceeds the limit. */
  | { kind: 'unreadable'; httpStatus: number; reason: string; tooLarge: boolean }
  /** No answer: refused, reset, DNS, TLS, an invalid request … (`code` from Node or undici). */
  | { kind: 'network-error'; code?: string; reason: string }
  | { kind: 'timeout'; timeoutMs: number }
  | { kind: 'aborted'; reason: string };

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

// Bytes of a non-2xx body read at most: enough to quote an error, never a whole error page.
const ERROR_BODY_LIMIT = 4 * 1024;

/**
 * One POST within `budget` (the attempt's or the poll call's): sends once, reads the answer within
 * `maxResponseBytes`, and reports what happened. Never throws, never retries.
 */
export async function postOnce(request: PostRequest, limits: CallLimits, budget: CallBudget, outer: AbortSignal, now: () => Date): Promise<CallResult> {
  if (budget.signal.aborted) return stopped(budget, limits.timeoutMs, outer) ?? { kind: 'aborted', reason: 'aborted before sending' };
  const body = Buffer.from(request.body, 'utf8');
  let response: Dispatcher.ResponseData;
  try {
    response = await raceAbort(
      poolFor(request.url.origin, limits.maxConnections).request({
        method: 'POST',
        path: `${request.url.pathname}${request.url.search}`,
        headers: { ...request.headers, 'content-length': String(body.length) },
        body,
        signal: budget.signal,
        headersTimeout: limits.timeoutMs,
        bodyTimeout: limits.timeoutMs,
      }),
      budget.signal,
      (late) => late.body.destroy(),
    );
  } catch (err) {
    return stopped(budget, limits.timeoutMs, outer) ?? networkError(err);
  }
  const httpStatus = response.statusCode;
  const success = httpStatus >= 200 && httpStatus <= 299;
  try {
    const read = await readLimited(response.body, success ? limits.maxResponseBytes : ERROR_BODY_LIMIT);
    if (success) {
      return read.tooLarge
        ? { kind: 'unreadable', httpStatus, tooLarge: true, reason: `HTTP ${httpStatus} answer exceeds ${limits.maxResponseBytes} bytes` }
        : { kind: 'answer', httpStatus, text: read.text };
    }
    const retryAfter = response.headers['retry-after'];
    const retryAfterMs = parseRetryAfter(Array.isArray(retryAfter) ? retryAfter[0] : retryAfter, now());
    return { kind: 'http-error', httpStatus, text: read.text, ...(retryAfterMs !== undefined && { retryAfterMs }) };
  } catch (err) {
    const halted = stopped(budget, limits.timeoutMs, outer);
    if (halted) return halted;
    return success
      ? { kind: 'unreadable', httpStatus, tooLarge: false, reason: `HTTP ${httpStatus} answer broke off: ${reasonText(err)}` }
      : { kind: 'http-error', httpStatus, text: '' };
  }
}

/** Reads at most `limit` bytes as UTF-8; stops (dropping the connection) when the body is longer. */
async function readLimited(body: Dispatcher.ResponseData['body'], limit: number): Promise<{ text: string; tooLarge: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += (chunk as Buffer).length;
    if (size > limit) return { text: Buffer.concat(chunks).toString('utf8'), tooLarge: true };
    chunks.push(chunk as Buffer);
  }
  return { text: Buffer.concat(chunks, size).toString('utf8'), tooLarge: false };
}

function stopped(budget: CallBudget, timeoutMs: number, outer: AbortSignal): CallResult | undefined {
  const cause = budget.cause();
  if (cause === 'timeout') return { kind: 'timeout', timeoutMs };
  if (cause === 'aborted') return { kind: 'aborted', reason: reasonText(outer.reason) };
  return undefined;
}

function networkError(err: unknown): CallResult {
  const own = (err as { code?: unknown } | undefined)?.code;
  const cause = ((err as { cause?: { code?: unknown } } | undefined)?.cause as { code?: unknown } | undefined)?.code;
  // Prefer the system error (ECONNREFUSED) over undici's wrapper (UND_ERR_SOCKET).
  const code = typeof cause === 'string' ? cause : typeof own === 'string' ? own : undefined;
  return { kind: 'network-error', ...(code !== undefined && { code }), reason: `network error${code ? ` ${code}` : ''}: ${reasonText(err)}` };
}

export function reasonText(value: unknown): string {
  return value instanceof Error ? value.message : String(value);
}
