import type { Dispatcher } from 'undici';
import { raceAbort, type CallBudget } from '../../src/adapters/call-budget.js';
import { parseRetryAfter } from '../../src/adapters/retry-after.js';
import { portalAddress, type PortalAddress, type PortalCallKind } from './portal-address.js';
import { parsePortalAnswer, type PortalAnswer } from './portal-answer.js';
import { poolFor } from './pool-registry.js';
import type { ResolvedDvcqgSettings } from './settings.js';

/** What one call to the portal came to, before any judgement. */
export type PortalCallResult =
  /** A 2xx with a JSON answer carrying `error_code` (which may still be a refusal). */
  | { kind: 'answer'; httpStatus: number; answer: PortalAnswer }
  /** Any other HTTP status; `answer` when its body was a portal answer too. */
  | { kind: 'http-error'; httpStatus: number; excerpt: string; answer?: PortalAnswer; retryAfterMs?: number }
  /** A 2xx that is not JSON, has no `error_code`, broke off, or exceeds `maxResponseBytes`. */
  | { kind: 'unreadable'; httpStatus: number; reason: string; tooLarge: boolean }
  /** No answer: refused, reset, DNS, TLS, an invalid request … (`code` from Node or undici). */
  | { kind: 'network-error'; code?: string; reason: string }
  | { kind: 'timeout'; timeoutMs: number }
  | { kind: 'aborted'; reason: string };

// Bytes of a non-2xx body read at most: enough for a portal answer or to quote an error page.
const ERROR_BODY_LIMIT = 4 * 1024;

/**
 * Makes one call and reports what happened (never throws, never retries): POSTs `body` as JSON to
 * the login or data path, reads the answer within `maxResponseBytes`, all within `budget` (the
 * attempt's time and the caller's signal). The body holds the password or the session: it is never
 * logged, and no result quotes it.
 */
export async function callPortal(
  settings: ResolvedDvcqgSettings,
  kind: PortalCallKind,
  body: Record<string, unknown>,
  budget: CallBudget,
  now: () => Date,
): Promise<PortalCallResult> {
  if (budget.signal.aborted) return stopped(budget, settings.timeoutMs);
  let address: PortalAddress;
  try {
    address = portalAddress(settings, kind);
  } catch {
    return { kind: 'network-error', code: 'ERR_INVALID_URL', reason: 'baseUrl is not a valid URL' };
  }
  const payload = Buffer.from(JSON.stringify(body), 'utf8');

  // 1. Send once.
  let response: Dispatcher.ResponseData;
  try {
    response = await raceAbort(
      poolFor(address.origin, settings.maxConnections).request({
        method: 'POST',
        path: address.path,
        headers: { ...address.headers, 'Content-Length': String(payload.length) },
        body: payload,
        signal: budget.signal,
        // The budget enforces the whole attempt; these stop undici's 300 s defaults.
        headersTimeout: settings.timeoutMs,
        bodyTimeout: settings.timeoutMs,
      }),
      budget.signal,
      (late) => late.body.destroy(),
    );
  } catch (err) {
    return budget.cause() ? stopped(budget, settings.timeoutMs) : networkError(err);
  }

  // 2. Read the answer.
  const httpStatus = response.statusCode;
  const success = httpStatus >= 200 && httpStatus <= 299;
  let text: string;
  try {
    const read = await readLimited(response.body, success ? settings.maxResponseBytes : ERROR_BODY_LIMIT);
    if (read.tooLarge && success) return { kind: 'unreadable', httpStatus, tooLarge: true, reason: `HTTP ${httpStatus} answer exceeds ${settings.maxResponseBytes} bytes` };
    text = read.text;
  } catch (err) {
    if (budget.cause()) return stopped(budget, settings.timeoutMs);
    if (success) return { kind: 'unreadable', httpStatus, tooLarge: false, reason: `HTTP ${httpStatus} answer broke off: ${reasonText(err)}` };
    text = '';
  }
  const answer = parsePortalAnswer(text);
  if (success) {
    return answer
      ? { kind: 'answer', httpStatus, answer }
      : { kind: 'unreadable', httpStatus, tooLarge: false, reason: `HTTP ${httpStatus} answer is not a portal answer (JSON with error_code): ${text.slice(0, 200)}` };
  }
  const retryAfter = response.headers['retry-after'];
  const retryAfterMs = parseRetryAfter(Array.isArray(retryAfter) ? retryAfter[0] : retryAfter, now());
  return {
    kind: 'http-error',
    httpStatus,
    excerpt: text.slice(0, 400),
    ...(answer && { answer }),
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

function stopped(budget: CallBudget, timeoutMs: number): PortalCallResult {
  return budget.cause() === 'timeout' ? { kind: 'timeout', timeoutMs } : { kind: 'aborted', reason: reasonText(budget.signal.reason) };
}

function networkError(err: unknown): PortalCallResult {
  const code = errorCode(err);
  return { kind: 'network-error', ...(code !== undefined && { code }), reason: `network error${code ? ` ${code}` : ''}: ${reasonText(err)}` };
}

function errorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | undefined)?.code;
  const causeCode = ((err as { cause?: { code?: unknown } } | undefined)?.cause as { code?: unknown } | undefined)?.code;
  // Prefer the system error (ECONNRESET) over undici's wrapper (UND_ERR_SOCKET).
  return typeof causeCode === 'string' ? causeCode : typeof code === 'string' ? code : undefined;
}

function reasonText(value: unknown): string {
  return value instanceof Error ? value.message : String(value);
}
