import type { DeliveryOutcome } from '../../src/adapters/adapter-contract.js';
import type { CallResult } from './http-call.js';

/** The judgement on a call that did not give a usable answer: worth another attempt later, or not. */
export type FailureVerdict =
  | { kind: 'transient'; reason: string; httpStatus?: number; retryAfterMs?: number }
  | { kind: 'permanent'; reason: string; httpStatus?: number };

/** Longest quote of an answer in a reason, in characters. */
export const REASON_CHARS = 200;

// Failures to send that retrying cannot fix: the request itself is malformed.
const PERMANENT_NETWORK_CODES = new Set(['UND_ERR_INVALID_ARG', 'UND_ERR_NOT_SUPPORTED', 'ERR_INVALID_URL', 'ERR_INVALID_HTTP_TOKEN', 'ERR_INVALID_CHAR']);

/**
 * Classifies every call result other than a 2xx answer (README.md, "How answers are classified"):
 * 408, 429, 5xx, timeouts, aborts, network failures and answers that broke off are transient; other
 * HTTP statuses, oversized answers and requests undici refuses are permanent. `what` names the call.
 */
export function failureVerdict(result: Exclude<CallResult, { kind: 'answer' }>, what: string): FailureVerdict {
  switch (result.kind) {
    case 'http-error': {
      const { httpStatus } = result;
      const reason = clip(`${what}: HTTP ${httpStatus}${result.text ? `: ${result.text}` : ''}`);
      if (httpStatus === 408 || httpStatus === 429 || (httpStatus >= 500 && httpStatus <= 599)) {
        return { kind: 'transient', httpStatus, reason, ...(result.retryAfterMs !== undefined && { retryAfterMs: result.retryAfterMs }) };
      }
      return { kind: 'permanent', httpStatus, reason };
    }
    case 'unreadable':
      return { kind: result.tooLarge ? 'permanent' : 'transient', httpStatus: result.httpStatus, reason: clip(`${what}: ${result.reason}`) };
    case 'network-error':
      return { kind: result.code !== undefined && PERMANENT_NETWORK_CODES.has(result.code) ? 'permanent' : 'transient', reason: clip(`${what}: ${result.reason}`) };
    case 'timeout':
      return { kind: 'transient', reason: `${what}: timed out after ${result.timeoutMs} ms` };
    case 'aborted':
      return { kind: 'transient', reason: clip(`${what}: aborted: ${result.reason}`) };
    default: {
      const unknown: never = result;
      throw new Error(`Unknown call result ${JSON.stringify(unknown)}`);
    }
  }
}

/** A failure verdict as the queue's outcome. */
export function failureOutcome(verdict: FailureVerdict): DeliveryOutcome {
  const status = verdict.httpStatus !== undefined ? { httpStatus: verdict.httpStatus } : {};
  if (verdict.kind === 'permanent') return { kind: 'permanent', reason: verdict.reason, ...status };
  return { kind: 'transient', reason: verdict.reason, ...status, ...(verdict.retryAfterMs !== undefined && { retryAfterMs: verdict.retryAfterMs }) };
}

/** One line, control characters and runs of spaces collapsed, at most {@link REASON_CHARS} (+ a margin). */
export function clip(text: string): string {
  const line = text.replace(/[\u0000-\u001f\u007f\s]+/g, ' ').trim();
  return line.length > REASON_CHARS + 40 ? `${line.slice(0, REASON_CHARS + 40)}…` : line;
}

/** A JSON object, or `undefined` when `text` is not one. */
export function parseJsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A field by name in any letter case: the guide writes `STATUS`/`DESCRIPTION`/`ID`, the one-stop
 * code that reads these answers (.NET, case-insensitive) declares `status`/`description`/`id`.
 */
export function fieldOf(object: Record<string, unknown>, name: string): unknown {
  if (name in object) return object[name];
  const lower = name.toLowerCase();
  const key = Object.keys(object).find((k) => k.toLowerCase() === lower);
  return key === undefined ? undefined : object[key];
}

/** A JSON string or finite number as text; anything else (null, objects) is absent. */
export function textOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}
