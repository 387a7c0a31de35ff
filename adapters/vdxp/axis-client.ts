import { Readable } from 'node:stream';
import { invalidUrl } from '../../src/adapters/bounded-call.js';
import { startBudget } from '../../src/adapters/call-budget.js';
import { DispatcherPools } from '../../src/adapters/dispatcher-pools.js';
import { jsonCall, type AnswerReader } from '../../src/adapters/json-call.js';
import { errorText } from '../../src/adapters/reason-text.js';
import { parseAxisAnswer, type AxisAnswer } from './axis-answer.js';
import { classifyAxisCall, VdxpCallError, type AxisCallResult, type AxisVerdict } from './axis-call-result.js';
import { VDXP_OPERATIONS, type VdxpOperation } from './operations.js';
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
const EMPTY_OBJECT = Buffer.from('{}');
const AXIS_ANSWER: AnswerReader<AxisAnswer> = { read: parseAxisAnswer, expected: 'an axis answer' };

// One keep-alive pool per axis origin: endpoints on one axis share its connection budget.
const pools = new DispatcherPools();

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
    return invalidUrl('endpoint is not a valid URL');
  }
  if (options.signal.aborted) return { kind: 'aborted', reason: errorText(options.signal.reason) };
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

    // 2. Send once and read the answer. A non-2xx status stands even when its body is cut short.
    return await jsonCall(
      pools.poolFor(url.origin, settings.maxConnections),
      { path: `${url.pathname.replace(/\/+$/, '')}/${call.operation}`, headers, body },
      { budget, timeoutMs: settings.timeoutMs, maxResponseBytes: settings.maxResponseBytes, keepStatusWhenStopped: true, now: () => options.now() },
      AXIS_ANSWER,
    );
  } finally {
    budget.end();
  }
}

/** Closes every axis connection pool (waits for calls in flight). Call once at shutdown. */
export function closeVdxpPools(): Promise<void> {
  return pools.close();
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
