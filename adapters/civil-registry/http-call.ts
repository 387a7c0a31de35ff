import type { Dispatcher } from 'undici';
import { raceAbort, type CallBudget } from '../../src/adapters/call-budget.js';
import { parseRetryAfter } from '../../src/adapters/retry-after.js';
import { poolFor } from './pool-registry.js';

/** What one HTTP call came to, before any judgement. */
export type CallResult =
  /** A 2xx whose body is JSON (of any shape). */
  | { kind: 'answer'; httpStatus: number; body: unknown }
  /** A 2xx whose body is not JSON, broke off, or exceeds the size limit. */
  | { kind: 'unreadable'; httpStatus: number; reason: string; tooLarge: boolean }
  /** Any other HTTP status; `body` when it was JSON. */
  | { kind: 'http-error'; httpStatus: number; excerpt: string; body?: unknown; retryAfterMs?: number }
  /** No answer: refused, reset, DNS, TLS, an invalid request (`code` from Node or undici). */
  | { kind: 'network-error'; code?: string; reason: string }
  | { kind: 'timeout'; timeoutMs: number }
  | { kind: 'aborted'; reason: string };

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
const ERROR_BODY_LIMIT = 8 * 1024;

/** One POST, its answer read within the limits; never throws, never retries. */
export async function postOnce(post: HttpPost, limits: CallLimits): Promise<CallResult> {
  let url: URL;
  try {
    url = new URL(post.url);
  } catch {
    return { kind: 'network-error', code: 'ERR_INVALID_URL', reason: 'not a valid URL' };
  }
  const { budget } = limits;
  if (budget.signal.aborted) return stoppedResult(budget, limits.timeoutMs) ?? { kind: 'aborted', reason: 'aborted before sending' };
  let response: Dispatcher.ResponseData;
  try {
    response = await raceAbort(
      poolFor(url.origin, limits.maxConnections).request({
        method: 'POST',
        path: `${url.pathname}${url.search}`,
        headers: { ...post.headers, 'content-length': String(post.body.length) },
        body: post.body,
        signal: budget.signal,
        // The budget signal bounds the whole call; these stop undici's 300 s defaults.
        headersTimeout: limits.timeoutMs,
        bodyTimeout: limits.timeoutMs,
      }),
      budget.signal,
      (late) => late.body.destroy(),
    );
  } catch (err) {
    return stoppedResult(budget, limits.timeoutMs) ?? networkError(err);
  }
  return readAnswer(response, limits);
}

async function readAnswer(response: Dispatcher.ResponseData, limits: CallLimits): Promise<CallResult> {
  const httpStatus = response.statusCode;
  const success = httpStatus >= 200 && httpStatus <= 299;
  let text = '';
  try {
    const read = await raceAbort(readLimited(response.body, success ? limits.maxResponseBytes : ERROR_BODY_LIMIT), limits.budget.signal);
    if (read.tooLarge && success) return { kind: 'unreadable', httpStatus, tooLarge: true, reason: `HTTP ${httpStatus} answer exceeds ${limits.maxResponseBytes} bytes` };
    text = read.text;
  } catch (err) {
    response.body.destroy();
    const stopped = stoppedResult(limits.budget, limits.timeoutMs);
    if (stopped) return stopped;
    if (success) return { kind: 'unreadable', httpStatus, tooLarge: false, reason: `HTTP ${httpStatus} answer broke off: ${reasonText(err)}` };
  }
  const body = parseJson(text);
  if (success) {
    return body !== undefined ? { kind: 'answer', httpStatus, body } : { kind: 'unreadable', httpStatus, tooLarge: false, reason: `HTTP ${httpStatus} answer is not JSON: ${text.slice(0, 200)}` };
  }
  const retryAfter = response.headers['retry-after'];
  const retryAfterMs = parseRetryAfter(Array.isArray(retryAfter) ? retryAfter[0] : retryAfter, limits.now());
  return {
    kind: 'http-error',
    httpStatus,
    excerpt: text.slice(0, 400),
    ...(body !== undefined && { body }),
    ...(retryAfterMs !== undefined && { retryAfterMs }),
  };
}

/** Reads at most `limit` bytes as UTF-8; reports (and stops) when the body is longer. */
async function readLimited(body: Dispatcher.ResponseData['body'], limit: number): Promise<{ text: string; tooLarge: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  // Leaving the loop early destroys the body and its connection: cheaper than draining it.
  for await (const chunk of body) {
    size += (chunk as Buffer).length;
    if (size > limit) return { text: Buffer.concat(chunks).toString('utf8'), tooLarge: true };
    chunks.push(chunk as Buffer);
  }
  return { text: Buffer.concat(chunks, size).toString('utf8'), tooLarge: false };
}

function parseJson(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** The result of a call stopped by its budget, if it was. */
export function stoppedResult(budget: CallBudget, timeoutMs: number): CallResult | undefined {
  const cause = budget.cause();
  if (cause === 'timeout') return { kind: 'timeout', timeoutMs };
  if (cause === 'aborted') return { kind: 'aborted', reason: reasonText(budget.signal.reason) };
  return undefined;
}

function networkError(err: unknown): CallResult {
  const code = errorCode(err);
  return { kind: 'network-error', ...(code !== undefined && { code }), reason: `network error${code ? ` ${code}` : ''}: ${reasonText(err)}` };
}

function errorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | undefined)?.code;
  const causeCode = ((err as { cause?: { code?: unknown } } | undefined)?.cause as { code?: unknown } | undefined)?.code;
  // Prefer the system error (ECONNRESET) over undici's wrapper (UND_ERR_SOCKET).
  return typeof causeCode === 'string' ? causeCode : typeof code === 'string' ? code : undefined;
}

export function reasonText(value: unknown): string {
  return value instanceof Error ? value.message : String(value);
}
