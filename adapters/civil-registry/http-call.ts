import { invalidUrl, type NoAnswer, type UnreadableAnswer } from '../../src/adapters/bounded-call.js';
import type { CallBudget } from '../../src/adapters/call-budget.js';
import { DispatcherPools } from '../../src/adapters/dispatcher-pools.js';
import { jsonCall, type AnswerReader, type JsonCallResult } from '../../src/adapters/json-call.js';

/** What one HTTP call came to, before any judgement. */
export type CallResult =
  /** A 2xx whose body is JSON (of any shape). */
  | { kind: 'answer'; httpStatus: number; body: unknown }
  /** A 2xx whose body is not JSON, broke off, or exceeds the size limit. */
  | UnreadableAnswer
  /** Any other HTTP status; `body` when it was JSON. */
  | { kind: 'http-error'; httpStatus: number; excerpt: string; body?: unknown; retryAfterMs?: number }
  /** No answer: refused, reset, DNS, TLS, an invalid request (`code` from Node or undici), timeout, abort. */
  | NoAnswer;

export interface HttpPost {
  url: string;
  headers: Record<string, string>;
  body: Buffer;
}

export interface CallLimits {
  /** The call's signal and why it fired (the caller's attempt or its own timeout). */
  budget: CallBudget;
  timeoutMs: number;
  maxConnections: number;
  maxResponseBytes: number;
  now(): Date;
}

// Bytes of a non-2xx body read at most: enough for a JSON refusal or to quote an error page.
const ERROR_BODY_BYTES = 8 * 1024;
const ANY_JSON: AnswerReader<unknown> = { read: parseJson, expected: 'JSON' };

// One keep-alive pool per origin (token server, BTP API, LGSP gateway).
const pools = new DispatcherPools();

/** One POST, its answer read within the limits; never throws, never retries. */
export async function postOnce(post: HttpPost, limits: CallLimits): Promise<CallResult> {
  let url: URL;
  try {
    url = new URL(post.url);
  } catch {
    return invalidUrl('not a valid URL');
  }
  const result = await jsonCall(
    pools.poolFor(url.origin, limits.maxConnections),
    { path: `${url.pathname}${url.search}`, headers: { ...post.headers, 'content-length': String(post.body.length) }, body: post.body },
    { budget: limits.budget, timeoutMs: limits.timeoutMs, maxResponseBytes: limits.maxResponseBytes, errorBodyBytes: ERROR_BODY_BYTES, now: () => limits.now() },
    ANY_JSON,
  );
  return withBody(result);
}

/** Closes every connection pool (waits for calls in flight). */
export function closeCivilRegistryPools(): Promise<void> {
  return pools.close();
}

/** The JSON read, under the name the civil registry's classification reads it by: `body`. */
function withBody(result: JsonCallResult<unknown>): CallResult {
  switch (result.kind) {
    case 'answer':
      return { kind: 'answer', httpStatus: result.httpStatus, body: result.answer };
    case 'http-error': {
      const { answer, ...rest } = result;
      return { ...rest, ...(answer !== undefined && { body: answer }) };
    }
    default:
      return result;
  }
}

function parseJson(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
