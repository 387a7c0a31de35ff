import type { Dispatcher } from 'undici';
import { raceAbort, type CallBudget } from './call-budget.js';
import { errorText } from './reason-text.js';
import { parseRetryAfter } from './retry-after.js';

/** A call that brought no answer: the request failed, or its budget stopped it. */
export type NoAnswer =
  /** Refused, reset, DNS, TLS, an invalid request … (`code` from Node or undici). */
  | { kind: 'network-error'; code?: string; reason: string }
  | { kind: 'timeout'; timeoutMs: number }
  | { kind: 'aborted'; reason: string };

/** A 2xx whose body broke off, exceeds the size limit, or is not what the caller reads. */
export type UnreadableAnswer = { kind: 'unreadable'; httpStatus: number; reason: string; tooLarge: boolean };

/** What one call came to, before any judgement of its content. */
export type BoundedCallResult =
  /** A 2xx answer, read whole. */
  | { kind: 'answer'; httpStatus: number; text: string }
  /** Any other status; `text` is the start of its body (empty when the body broke off). */
  | { kind: 'http-error'; httpStatus: number; text: string; retryAfterMs?: number }
  | UnreadableAnswer
  | NoAnswer;

/** One POST to the origin of the dispatcher it is sent with. */
export interface BoundedRequest {
  /** Path and query. */
  path: string;
  /** Sent as given (object or flat name/value list, in the caller's order): the caller sets the length. */
  headers: Dispatcher.RequestOptions['headers'];
  body?: Dispatcher.RequestOptions['body'];
}

export interface BoundedCallLimits {
  /** The call's signal and why it fired (the caller's signal, or the time budget). */
  budget: CallBudget;
  /** The budget's time in ms: reported on a timeout; undici's own timeouts are set just past it. */
  timeoutMs: number;
  /** Bytes of a 2xx answer read at most; a longer one is `unreadable` and `tooLarge`. */
  maxResponseBytes: number;
  /** Bytes of a non-2xx body read at most (the rest is dropped with the connection). Default 4 KiB. */
  errorBodyBytes?: number;
  /**
   * When the budget stops the reading of a non-2xx body: `true` keeps the status the answer had
   * (an `http-error` without text); by default the stop is reported (`timeout` / `aborted`).
   */
  keepStatusWhenStopped?: boolean;
  /** The clock `Retry-After` dates are read against. */
  now(): Date;
}

// Enough for a system's refusal or to quote an error page, never a whole one.
const ERROR_BODY_BYTES = 4 * 1024;
// undici's own header and body timeouts only stop its 300 s defaults: the budget bounds the call.
// Its timers tick about every 0.5 s and may fire up to that much early, so they get this margin and
// never fire before the budget does (a call stopped by time reads `timeout`, not a network error).
const UNDICI_TIMER_MARGIN_MS = 1000;

/**
 * One POST and what it came to: sends once with `limits.budget`'s signal, reads the answer within
 * `maxResponseBytes` (a non-2xx one within `errorBodyBytes`), reports it. Never throws, never
 * retries: judging the result is the caller's (see `http-failure.ts`).
 */
export async function callOnce(dispatcher: Dispatcher, request: BoundedRequest, limits: BoundedCallLimits): Promise<BoundedCallResult> {
  const { budget } = limits;
  if (budget.signal.aborted) return stoppedResult(budget, limits.timeoutMs) ?? { kind: 'aborted', reason: 'aborted before sending' };
  let response: Dispatcher.ResponseData;
  try {
    response = await raceAbort(
      dispatcher.request({
        method: 'POST',
        path: request.path,
        headers: request.headers,
        body: request.body,
        signal: budget.signal,
        headersTimeout: limits.timeoutMs + UNDICI_TIMER_MARGIN_MS,
        bodyTimeout: limits.timeoutMs + UNDICI_TIMER_MARGIN_MS,
      }),
      budget.signal,
      (late) => late.body.destroy(),
    );
  } catch (err) {
    return stoppedResult(budget, limits.timeoutMs) ?? networkError(err);
  }
  return readAnswer(response, limits);
}

async function readAnswer(response: Dispatcher.ResponseData, limits: BoundedCallLimits): Promise<BoundedCallResult> {
  const httpStatus = response.statusCode;
  const success = httpStatus >= 200 && httpStatus <= 299;
  let text = '';
  try {
    const read = await raceAbort(readLimited(response.body, success ? limits.maxResponseBytes : (limits.errorBodyBytes ?? ERROR_BODY_BYTES)), limits.budget.signal);
    if (read.tooLarge && success) return { kind: 'unreadable', httpStatus, tooLarge: true, reason: `HTTP ${httpStatus} answer exceeds ${limits.maxResponseBytes} bytes` };
    text = read.text;
  } catch (err) {
    response.body.destroy();
    const stopped = stoppedResult(limits.budget, limits.timeoutMs);
    if (stopped && (success || !limits.keepStatusWhenStopped)) return stopped;
    if (success) return { kind: 'unreadable', httpStatus, tooLarge: false, reason: `HTTP ${httpStatus} answer broke off: ${errorText(err)}` };
  }
  if (success) return { kind: 'answer', httpStatus, text };
  const retryAfter = response.headers['retry-after'];
  const retryAfterMs = parseRetryAfter(Array.isArray(retryAfter) ? retryAfter[0] : retryAfter, limits.now());
  return { kind: 'http-error', httpStatus, text, ...(retryAfterMs !== undefined && { retryAfterMs }) };
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

/** The result of a call its budget stopped, if it did. */
export function stoppedResult(budget: CallBudget, timeoutMs: number): Extract<NoAnswer, { kind: 'timeout' | 'aborted' }> | undefined {
  const cause = budget.cause();
  if (cause === 'timeout') return { kind: 'timeout', timeoutMs };
  // The budget's signal carries the caller's reason when the caller aborted.
  if (cause === 'aborted') return { kind: 'aborted', reason: errorText(budget.signal.reason) };
  return undefined;
}

/** A request that could not be sent because its URL does not parse. */
export function invalidUrl(reason: string): Extract<NoAnswer, { kind: 'network-error' }> {
  return { kind: 'network-error', code: 'ERR_INVALID_URL', reason };
}

export function networkError(err: unknown): Extract<NoAnswer, { kind: 'network-error' }> {
  const code = networkErrorCode(err);
  return { kind: 'network-error', ...(code !== undefined && { code }), reason: `network error${code ? ` ${code}` : ''}: ${errorText(err)}` };
}

/** The code of a failed request: the system error (ECONNRESET) rather than undici's wrapper (UND_ERR_SOCKET). */
export function networkErrorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | undefined)?.code;
  const causeCode = ((err as { cause?: { code?: unknown } } | undefined)?.cause as { code?: unknown } | undefined)?.code;
  return typeof causeCode === 'string' ? causeCode : typeof code === 'string' ? code : undefined;
}
