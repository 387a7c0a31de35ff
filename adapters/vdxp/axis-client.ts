import { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import { parseAxisAnswer } from './axis-answer.js';
import { classifyAxisCall, VdxpCallError, type AxisCallResult, type AxisVerdict } from './axis-call-result.js';
import { raceAbort, startBudget, type CallBudget } from '../../src/adapters/call-budget.js';
import { VDXP_OPERATIONS, type VdxpOperation } from './operations.js';
import { poolFor } from './pool-registry.js';
import { parseRetryAfter } from '../../src/adapters/retry-after.js';
import { formatSdkTimestamp } from './sdk-timestamp.js';
import type { ResolvedVdxpSettings } from './settings.js';
import { buildSignedHeaders } from './signed-headers.js';

/** One call to the axis. */
export interface AxisCall {
  operation: VdxpOperation;
  /** The operation's signed parameters, in the order the SDK puts them into its header map. */
  params: readonly (readonly [string, string])[];
  /** For `sendEdoc`: the packet, streamed and followed by `\r\n` as the SDK does. */
  packet?: { size: number; open(): Readable };
}

export interface CallOptions {
  /** The caller's signal (delivery attempt, receive run …); the call's own timeout is added to it. */
  signal: AbortSignal;
  now(): Date;
}

const CRLF = Buffer.from('\r\n');
// Bytes of a non-2xx body read at most: enough for an axis answer or to quote an error page.
const ERROR_BODY_LIMIT = 4 * 1024;
const EMPTY_OBJECT = Buffer.from('{}');

/**
 * Makes one signed call and reports what happened (never throws, never retries): builds the SDK's
 * header set with a fresh timestamp, sends the operation's body, reads the answer within
 * `maxResponseBytes`, all within `timeoutMs` and `options.signal`.
 */
export async function callAxis(settings: ResolvedVdxpSettings, call: AxisCall, options: CallOptions): Promise<AxisCallResult> {
  let url: URL;
  try {
    url = new URL(settings.endpoint);
  } catch {
    return { kind: 'network-error', code: 'ERR_INVALID_URL', reason: 'endpoint is not a valid URL' };
  }
  if (options.signal.aborted) return { kind: 'aborted', reason: reasonText(options.signal.reason) };
  const budget = startBudget(options.signal, settings.timeoutMs);
  try {
    // 1. Sign.
    const spec = VDXP_OPERATIONS[call.operation];
    const signed = buildSignedHeaders({
      systemId: settings.systemId,
      secret: settings.secret,
      timestamp: formatSdkTimestamp(options.now(), settings.timestampOffsetMinutes),
      contentType: spec.contentType,
      params: call.params,
      contentTypeFirst: spec.body === 'packet',
    });
    const { body, length } = requestBody(spec.body, call);
    const headers = [...signed.headers.flat(), 'Content-Length', String(length)];

    // 2. Send once.
    let response: Dispatcher.ResponseData;
    try {
      response = await raceAbort(
        poolFor(url.origin, settings.maxConnections).request({
          method: 'POST',
          path: `${url.pathname.replace(/\/+$/, '')}/${call.operation}`,
          headers,
          body,
          signal: budget.signal,
          // The budget signal enforces the whole call; these stop undici's 300 s defaults.
          headersTimeout: settings.timeoutMs,
          bodyTimeout: settings.timeoutMs,
        }),
        budget.signal,
        (late) => late.body.destroy(),
      );
    } catch (err) {
      return stoppedResult(budget, settings.timeoutMs, options.signal) ?? networkError(err);
    }

    // 3. Read the answer.
    return await readAnswer(response, settings, budget, options);
  } finally {
    budget.end();
  }
}

/** {@link callAxis}, then {@link classifyAxisCall}: the answer on success, else a {@link VdxpCallError}. */
export async function callAxisOrThrow(settings: ResolvedVdxpSettings, call: AxisCall, options: CallOptions): Promise<Extract<AxisVerdict, { kind: 'ok' }>> {
  const verdict = classifyAxisCall(await callAxis(settings, call, options), settings.transientErrorCodes);
  if (verdict.kind !== 'ok') throw new VdxpCallError(call.operation, verdict);
  return verdict;
}

function requestBody(kind: 'packet' | 'empty-object' | 'none', call: AxisCall): { body: Readable | Buffer | undefined; length: number } {
  switch (kind) {
    case 'packet': {
      const packet = call.packet;
      if (!packet) throw new Error(`${call.operation} needs a packet`);
      // Streamed: a 50 MB packet is never held in memory here. The generator opens the packet only
      // when undici starts sending, and closes it if the request is torn down part-way.
      async function* packetThenCrlf(source: { open(): Readable }): AsyncGenerator<Buffer> {
        for await (const chunk of source.open()) yield chunk as Buffer;
        yield CRLF;
      }
      return { body: Readable.from(packetThenCrlf(packet), { objectMode: false }), length: packet.size + CRLF.length };
    }
    case 'empty-object':
      return { body: EMPTY_OBJECT, length: EMPTY_OBJECT.length };
    case 'none':
      return { body: undefined, length: 0 };
    default: {
      const unknown: never = kind;
      throw new Error(`Unknown body kind ${String(unknown)}`);
    }
  }
}

async function readAnswer(response: Dispatcher.ResponseData, settings: ResolvedVdxpSettings, budget: CallBudget, options: CallOptions): Promise<AxisCallResult> {
  const httpStatus = response.statusCode;
  const success = httpStatus >= 200 && httpStatus <= 299;
  let text: string;
  try {
    const read = await readLimited(response.body, success ? settings.maxResponseBytes : ERROR_BODY_LIMIT);
    if (read.tooLarge && success) return { kind: 'unreadable', httpStatus, tooLarge: true, reason: `HTTP ${httpStatus} answer exceeds ${settings.maxResponseBytes} bytes` };
    text = read.text;
  } catch (err) {
    const stopped = stoppedResult(budget, settings.timeoutMs, options.signal);
    if (stopped && success) return stopped;
    if (success) return { kind: 'unreadable', httpStatus, tooLarge: false, reason: `HTTP ${httpStatus} answer broke off: ${reasonText(err)}` };
    text = '';
  }
  const answer = parseAxisAnswer(text);
  if (success) {
    return answer
      ? { kind: 'answer', httpStatus, answer }
      : { kind: 'unreadable', httpStatus, tooLarge: false, reason: `HTTP ${httpStatus} answer is not an axis answer: ${text.slice(0, 200)}` };
  }
  const retryAfter = response.headers['retry-after'];
  const retryAfterMs = parseRetryAfter(Array.isArray(retryAfter) ? retryAfter[0] : retryAfter, options.now());
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

function stoppedResult(budget: CallBudget, timeoutMs: number, outer: AbortSignal): AxisCallResult | undefined {
  const cause = budget.cause();
  if (cause === 'timeout') return { kind: 'timeout', timeoutMs };
  if (cause === 'aborted') return { kind: 'aborted', reason: reasonText(outer.reason) };
  return undefined;
}

function networkError(err: unknown): AxisCallResult {
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
