import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { addAbortSignal } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { Pool, type Dispatcher } from 'undici';
import type { DeliveryContext, DeliveryOutcome } from '../../src/adapters/adapter-contract.js';
import { raceAbort, startBudget, type BudgetCause, type CallBudget } from '../../src/adapters/call-budget.js';
import { parseRetryAfter } from '../../src/adapters/retry-after.js';
import type { Message } from '../../src/domain/message.js';
import { AttachmentIntegrityError, buildDeliveryEnvelope, encodeDeliveryEnvelope } from './delivery-envelope.js';
import { resolveHttpEndpointSettings, type HttpEndpointSettings, type ResolvedHttpEndpointSettings } from './settings.js';

/** JWS `typ` of the `Lienthong-Signature` header. */
export const DELIVERY_JWS_TYPE = 'lienthong-delivery+jws';

/** Longest response-body excerpt a `reason` carries, in characters. */
export const REASON_BODY_CHARS = 200;

// Bytes of a response body read at most: enough to find `{"id": …}` in a success answer or to quote
// an error, without buffering a 10 MB error page. The rest is discarded with the connection.
const SUCCESS_BODY_LIMIT = 64 * 1024;
const ERROR_BODY_LIMIT = 4 * 1024;

// One keep-alive pool per endpoint origin, created on first use. Module state on purpose: pools must
// outlive single attempts to reuse connections; `closeHttpEndpointDispatchers()` ends them at shutdown.
// The first endpoint seen for an origin sets the pool size (`maxConnections`): endpoints sharing an
// origin share one server, so they share one connection budget.
const dispatchers = new Map<string, Pool>();

function dispatcherFor(url: URL, maxConnections: number): Pool {
  let pool = dispatchers.get(url.origin);
  if (!pool) {
    pool = new Pool(url.origin, { connections: maxConnections, pipelining: 1 });
    dispatchers.set(url.origin, pool);
  }
  return pool;
}

/** Closes every cached connection pool (waits for requests in flight). Call once at shutdown. */
export async function closeHttpEndpointDispatchers(): Promise<void> {
  const pools = [...dispatchers.values()];
  dispatchers.clear();
  await Promise.all(pools.map((pool) => pool.close()));
}

/**
 * One delivery attempt to an agency HTTP endpoint: builds the envelope, signs its digest, POSTs it
 * once, and classifies the answer. Always resolves with an outcome, also when the request cannot
 * be prepared: a damaged attachment is permanent (retrying cannot repair the blob), an unreadable
 * blob or a failing signer transient; those are logged at error level since they are the hub's own.
 */
export async function deliverToHttpEndpoint(
  message: Message,
  ctx: DeliveryContext<HttpEndpointSettings>,
): Promise<DeliveryOutcome> {
  const settings = resolveHttpEndpointSettings(ctx.endpoint.settings);
  const url = parseEndpointUrl(settings.url);
  if (typeof url === 'string') return { kind: 'permanent', reason: url };

  const attempt = startBudget(ctx.signal, settings.timeoutMs);
  try {
    // 1. Build and sign the request (reads attachments; honours the attempt signal).
    let prepared: PreparedRequest;
    try {
      prepared = await raceAbort(prepareRequest(message, ctx, settings, attempt.signal), attempt.signal);
    } catch (err) {
      const cause = attempt.cause();
      if (cause !== undefined) return abortedOutcome(cause, settings.timeoutMs, ctx.signal.reason);
      return preparationFailed(err, ctx);
    }
    // 2. Send it once and classify the answer.
    return await sendOnce(url, settings, prepared, attempt, ctx);
  } finally {
    attempt.end();
  }
}

interface PreparedRequest {
  headers: Record<string, string>;
  body: Buffer;
}

async function prepareRequest(
  message: Message,
  ctx: DeliveryContext<HttpEndpointSettings>,
  settings: ResolvedHttpEndpointSettings,
  signal: AbortSignal,
): Promise<PreparedRequest> {
  let body: Buffer;
  let contentType: string;
  if (settings.format === 'edxml') {
    // The packet exactly as the hub forwards it (also served by GET /v1/messages/:id/edxml).
    const packet = await ctx.edxml();
    body = await buffer(addAbortSignal(signal, packet.open()));
    contentType = 'application/xml; charset=utf-8';
  } else {
    body = encodeDeliveryEnvelope(await buildDeliveryEnvelope(message, { ...ctx, signal }));
    contentType = 'application/json';
  }
  const headers = await deliveryHeaders(message, ctx, settings.headers, body, contentType);
  signal.throwIfAborted();
  return { headers, body };
}

function preparationFailed(err: unknown, ctx: DeliveryContext<HttpEndpointSettings>): DeliveryOutcome {
  ctx.log.error({ err, adapter: 'http-endpoint', deliveryId: ctx.deliveryId }, 'could not prepare the delivery request');
  const reason = truncate(`hub could not prepare the request: ${errorText(err)}`, REASON_BODY_CHARS + 40);
  return err instanceof AttachmentIntegrityError ? { kind: 'permanent', reason } : { kind: 'transient', reason };
}

async function sendOnce(
  url: URL,
  settings: ResolvedHttpEndpointSettings,
  prepared: PreparedRequest,
  attempt: CallBudget,
  ctx: DeliveryContext<HttpEndpointSettings>,
): Promise<DeliveryOutcome> {
  let response: Dispatcher.ResponseData;
  try {
    response = await raceAbort(
      dispatcherFor(url, settings.maxConnections).request({
        method: 'POST',
        path: `${url.pathname}${url.search}`,
        headers: prepared.headers,
        body: prepared.body,
        signal: attempt.signal,
        // Our attempt signal enforces the whole-attempt budget; these stop undici's 300 s defaults.
        headersTimeout: settings.timeoutMs,
        bodyTimeout: settings.timeoutMs,
      }),
      attempt.signal,
      (late) => late.body.destroy(),
    );
  } catch (err) {
    const cause = attempt.cause();
    if (cause !== undefined) return abortedOutcome(cause, settings.timeoutMs, ctx.signal.reason);
    ctx.log.debug({ err, adapter: 'http-endpoint', deliveryId: ctx.deliveryId }, 'delivery request failed');
    return classifyRequestError(err);
  }
  const limit = isSuccess(response.statusCode) ? SUCCESS_BODY_LIMIT : ERROR_BODY_LIMIT;
  let body = '';
  let bodyError: unknown;
  try {
    body = await readBodyPrefix(response.body, limit);
  } catch (err) {
    bodyError = err;
    // A timeout or abort while the body streams in: the receiver's answer is incomplete.
    const cause = attempt.cause();
    if (cause !== undefined && isSuccess(response.statusCode)) return abortedOutcome(cause, settings.timeoutMs, ctx.signal.reason);
  }
  return classifyHttpResponse({ status: response.statusCode, headers: response.headers, body, bodyError }, ctx.now());
}

async function deliveryHeaders(
  message: Message,
  ctx: DeliveryContext<HttpEndpointSettings>,
  extra: Record<string, string> | undefined,
  body: Buffer,
  contentType: string,
): Promise<Record<string, string>> {
  const contentDigest = `sha-256=:${createHash('sha256').update(body).digest('base64')}:`;
  const signature = await ctx.signJws(
    {
      messageId: message.id,
      deliveryId: ctx.deliveryId,
      recipient: ctx.recipient,
      idempotencyKey: ctx.idempotencyKey,
      contentDigest,
      iat: Math.floor(ctx.now().getTime() / 1000),
    },
    DELIVERY_JWS_TYPE,
  );
  const headers: Record<string, string> = {};
  // Static headers first, lower-cased, so that the hub's own headers below replace any clash.
  for (const [name, value] of Object.entries(extra ?? {})) headers[name.toLowerCase()] = value;
  headers['content-type'] = contentType;
  headers['lienthong-message-id'] = message.id;
  headers['lienthong-delivery-id'] = ctx.deliveryId;
  headers['idempotency-key'] = ctx.idempotencyKey;
  headers['content-digest'] = contentDigest;
  headers['lienthong-signature'] = signature;
  return headers;
}

// ── Classification ──────────────────────────────────────────────────────────────────────────────

/** What {@link classifyHttpResponse} looks at. `body` is at most a prefix of the response body. */
export interface HttpResponseSummary {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  /** Set when reading the body failed part-way. */
  bodyError?: unknown;
}

/**
 * Classifies an HTTP answer: 2xx delivered (remote id from a JSON `id`, else `Location`); 408, 429
 * and 5xx transient (with `Retry-After`); other 4xx, 3xx and 1xx permanent. A 2xx whose body could
 * not be read is transient: the receiver may not have committed, and it de-duplicates the retry.
 */
export function classifyHttpResponse(response: HttpResponseSummary, now: Date): DeliveryOutcome {
  const { status } = response;
  if (isSuccess(status)) {
    if (response.bodyError !== undefined) {
      return { kind: 'transient', httpStatus: status, reason: truncate(`HTTP ${status} but the body could not be read: ${errorText(response.bodyError)}`, REASON_BODY_CHARS + 40) };
    }
    const remoteId = remoteIdFrom(response.body) ?? headerValue(response.headers, 'location');
    return { kind: 'delivered', httpStatus: status, ...(remoteId !== undefined && { remoteId }) };
  }
  // The status is authoritative even when its body broke off: it only feeds the reason.
  const reason = responseReason(status, response.body, response.bodyError);
  if (status === 408 || status === 429 || (status >= 500 && status <= 599)) {
    const retryAfterMs = parseRetryAfter(headerValue(response.headers, 'retry-after'), now);
    return { kind: 'transient', httpStatus: status, reason, ...(retryAfterMs !== undefined && { retryAfterMs }) };
  }
  return { kind: 'permanent', httpStatus: status, reason };
}


// Errors that mean the request itself is malformed (bad URL or header in the settings): retrying
// the same request cannot help. Everything else from the network is worth another attempt.
const PERMANENT_ERROR_CODES = new Set([
  'UND_ERR_INVALID_ARG',
  'UND_ERR_NOT_SUPPORTED',
  'ERR_INVALID_URL',
  'ERR_INVALID_HTTP_TOKEN',
  'ERR_INVALID_CHAR',
]);

/** Classifies a failure to get any answer: refused, reset, DNS, TLS … are transient. */
export function classifyRequestError(err: unknown): DeliveryOutcome {
  const code = errorCode(err);
  const reason = truncate(`network error${code ? ` ${code}` : ''}: ${errorText(err)}`, REASON_BODY_CHARS + 40);
  return code !== undefined && PERMANENT_ERROR_CODES.has(code) ? { kind: 'permanent', reason } : { kind: 'transient', reason };
}

function abortedOutcome(cause: BudgetCause | undefined, timeoutMs: number, reason?: unknown): DeliveryOutcome {
  return cause === 'timeout'
    ? { kind: 'transient', reason: `timed out after ${timeoutMs} ms` }
    : { kind: 'transient', reason: `attempt aborted${reason !== undefined ? `: ${truncate(errorText(reason), 100)}` : ''}` };
}

function responseReason(status: number, body: string, bodyError: unknown): string {
  const excerpt = truncate(body.replace(/[\u0000-\u001f\u007f\s]+/g, ' ').trim(), REASON_BODY_CHARS);
  const unreadable = bodyError !== undefined ? ' (body broke off)' : '';
  return excerpt ? `HTTP ${status}: ${excerpt}${unreadable}` : `HTTP ${status}${unreadable}`;
}

function remoteIdFrom(body: string): string | undefined {
  if (!body.trimStart().startsWith('{')) return undefined;
  try {
    const parsed: unknown = JSON.parse(body);
    const id = (parsed as { id?: unknown }).id;
    return typeof id === 'string' && id !== '' ? id : typeof id === 'number' ? String(id) : undefined;
  } catch {
    return undefined;
  }
}

// ── Plumbing ────────────────────────────────────────────────────────────────────────────────────

/** Reads at most about `limit` bytes of `body` as UTF-8; destroys the stream past that. */
async function readBodyPrefix(body: Dispatcher.ResponseData['body'], limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  // Leaving the loop early (break) destroys the body and its connection: cheaper than draining 10 MB.
  for await (const chunk of body) {
    chunks.push(chunk as Buffer);
    size += (chunk as Buffer).length;
    if (size >= limit) break;
  }
  return Buffer.concat(chunks).subarray(0, limit).toString('utf8');
}

function parseEndpointUrl(raw: string): URL | string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'endpoint url is not a valid URL';
  }
  return url.protocol === 'http:' || url.protocol === 'https:' ? url : `endpoint url scheme ${url.protocol} is not http(s)`;
}

const isSuccess = (status: number): boolean => status >= 200 && status <= 299;

function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function errorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | undefined)?.code;
  const causeCode = ((err as { cause?: { code?: unknown } } | undefined)?.cause as { code?: unknown } | undefined)?.code;
  // Prefer the system error (ECONNRESET) over undici's wrapper (UND_ERR_SOCKET).
  return typeof causeCode === 'string' ? causeCode : typeof code === 'string' ? code : undefined;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
