import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { addAbortSignal, Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import type { DeliveryContext, DeliveryOutcome } from '../../src/adapters/adapter-contract.js';
import { networkErrorCode } from '../../src/adapters/bounded-call.js';
import { raceAbort, startBudget, type BudgetCause, type CallBudget } from '../../src/adapters/call-budget.js';
import { DispatcherPools } from '../../src/adapters/dispatcher-pools.js';
import { isPermanentNetworkCode, isTransientStatus } from '../../src/adapters/http-failure.js';
import { errorText } from '../../src/adapters/reason-text.js';
import { parseRetryAfter } from '../../src/adapters/retry-after.js';
import type { Message } from '../../src/domain/message.js';
import { AttachmentIntegrityError, createEnvelopeEncoder, type EnvelopeContext } from './delivery-envelope.js';
import { BodyIntegrityError, checkedBodyStream, type StreamedBody } from './checked-body-stream.js';
import { resolveHttpEndpointSettings, type HttpEndpointSettings, type ResolvedHttpEndpointSettings } from './settings.js';
import { streamDeliveryEnvelope } from './streamed-envelope.js';

/** JWS `typ` of the `Lienthong-Signature` header. */
export const DELIVERY_JWS_TYPE = 'lienthong-delivery+jws';

/** Longest response-body excerpt a `reason` carries, in characters. */
export const REASON_BODY_CHARS = 200;

// Bytes of a response body read at most: enough to find `{"id": …}` in a success answer or to quote
// an error, without buffering a 10 MB error page. The rest is discarded with the connection.
const SUCCESS_BODY_LIMIT = 64 * 1024;
const ERROR_BODY_LIMIT = 4 * 1024;

/**
 * JSON envelopes whose attachments add up to at least this many bytes are streamed: read twice from
 * the blob store (once for the digest the hub signs, once to send) instead of held in memory as
 * bytes, base64 and JSON text. Smaller ones, the common case, are built in memory once.
 */
export const STREAMED_ENVELOPE_MIN_BYTES = 1024 * 1024;

/** In-memory envelopes, with the attachments' JSON of the last 32 messages kept for their other recipients. */
const encodeEnvelope = createEnvelopeEncoder({ entries: 32, maxBytes: Math.ceil((STREAMED_ENVELOPE_MIN_BYTES * 4) / 3) + 64 * 1024 });

// One keep-alive pool per endpoint origin; `closeHttpEndpointDispatchers()` ends them at shutdown.
const dispatchers = new DispatcherPools();

/** Closes every cached connection pool (waits for requests in flight). Call once at shutdown. */
export function closeHttpEndpointDispatchers(): Promise<void> {
  return dispatchers.close();
}

/**
 * One delivery attempt to an agency HTTP endpoint: builds the envelope, signs its digest, POSTs it
 * once, and classifies the answer. Always resolves with an outcome, also when the request cannot
 * be prepared: a damaged attachment is permanent (retrying cannot repair the blob), an unreadable
 * blob or a failing signer transient; those are logged at error level since they are the hub's own.
 * Large bodies are streamed, never held whole: an edXML packet with its recorded digest and length,
 * a JSON envelope with large attachments digested in a first pass; the bytes sent are checked
 * against those as they go.
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
  /** In memory (a JSON envelope of small attachments), or opened when the request is sent. */
  body: Buffer | StreamedBody;
}

async function prepareRequest(
  message: Message,
  ctx: DeliveryContext<HttpEndpointSettings>,
  settings: ResolvedHttpEndpointSettings,
  signal: AbortSignal,
): Promise<PreparedRequest> {
  let prepared: PreparedRequest;
  if (settings.format === 'edxml') {
    // The packet exactly as the hub forwards it (also served by GET /v1/messages/:id/edxml). Its
    // SHA-256 and size are known before a byte is read, so the digest is signed up front and the
    // body streams from the blob store.
    const packet = await ctx.edxml();
    const headers = await deliveryHeaders(message, ctx, settings.headers, packet.sha256, 'application/xml; charset=utf-8');
    headers['content-length'] = String(packet.size);
    // Held in memory already (hashed as it was built): sent as one buffer, one write, no second hash.
    prepared = { headers, body: packet.bytes ?? packet };
  } else if (message.attachments.reduce((total, a) => total + a.size, 0) >= STREAMED_ENVELOPE_MIN_BYTES) {
    // The digest is signed into the headers, which go before the body: one pass to digest, one to send.
    const open = (): Readable => Readable.from(streamDeliveryEnvelope(message, envelopeContext(ctx, signal)), { objectMode: false });
    const facts = await digestOf(addAbortSignal(signal, open()));
    const headers = await deliveryHeaders(message, ctx, settings.headers, facts.sha256, 'application/json');
    headers['content-length'] = String(facts.size);
    prepared = { headers, body: { ...facts, open } };
  } else {
    const body = await encodeEnvelope(message, envelopeContext(ctx, signal));
    const sha256 = createHash('sha256').update(body).digest();
    prepared = { headers: await deliveryHeaders(message, ctx, settings.headers, sha256, 'application/json'), body };
  }
  signal.throwIfAborted();
  return prepared;
}

/** What the envelope is built from, with the attempt's signal (not a spread of `ctx`: its `log` is made on first use). */
function envelopeContext(ctx: DeliveryContext<HttpEndpointSettings>, signal: AbortSignal): EnvelopeContext {
  return { recipient: ctx.recipient, openAttachment: ctx.openAttachment, signal };
}

function preparationFailed(err: unknown, ctx: DeliveryContext<HttpEndpointSettings>): DeliveryOutcome {
  ctx.log.error({ err, adapter: 'http-endpoint', deliveryId: ctx.deliveryId }, 'could not prepare the delivery request');
  const reason = truncate(`hub could not prepare the request: ${errorText(err)}`, REASON_BODY_CHARS + 40);
  return isIntegrityError(err) ? { kind: 'permanent', reason } : { kind: 'transient', reason };
}

/** Bytes that differ from what was recorded (a damaged blob, a packet that no longer builds the same): retrying cannot help. */
function isIntegrityError(err: unknown): boolean {
  if (err instanceof AttachmentIntegrityError || err instanceof BodyIntegrityError) return true;
  // The edXML builder's own check of each attachment's bytes (HUB_ERR_INVALID_ATTACHMENT).
  return (err as { code?: unknown } | undefined)?.code === 'HUB_ERR_INVALID_ATTACHMENT';
}

async function sendOnce(
  url: URL,
  settings: ResolvedHttpEndpointSettings,
  prepared: PreparedRequest,
  attempt: CallBudget,
  ctx: DeliveryContext<HttpEndpointSettings>,
): Promise<DeliveryOutcome> {
  // A streamed body records its own failure: the hub's bytes, not the network, broke the request.
  let bodyFailure: Error | undefined;
  const requestBody: Buffer | Readable = Buffer.isBuffer(prepared.body)
    ? prepared.body
    : checkedBodyStream(prepared.body, (err) => (bodyFailure = err));
  let response: Dispatcher.ResponseData;
  try {
    response = await raceAbort(
      dispatchers.poolFor(url.origin, settings.maxConnections).request({
        method: 'POST',
        path: `${url.pathname}${url.search}`,
        headers: prepared.headers,
        body: requestBody,
        signal: attempt.signal,
        // Our attempt signal enforces the whole-attempt budget; these stop undici's 300 s defaults.
        headersTimeout: settings.timeoutMs,
        bodyTimeout: settings.timeoutMs,
      }),
      attempt.signal,
      (late) => late.body.destroy(),
    );
  } catch (err) {
    // A body never read (refused connection) or read part-way: release the blob file now.
    if (!Buffer.isBuffer(requestBody)) requestBody.destroy();
    const cause = attempt.cause();
    if (cause !== undefined) return abortedOutcome(cause, settings.timeoutMs, ctx.signal.reason);
    if (bodyFailure !== undefined) return preparationFailed(bodyFailure, ctx);
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
  bodySha256: Buffer,
  contentType: string,
): Promise<Record<string, string>> {
  const contentDigest = `sha-256=:${bodySha256.toString('base64')}:`;
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
  if (isTransientStatus(status)) {
    const retryAfterMs = parseRetryAfter(headerValue(response.headers, 'retry-after'), now);
    return { kind: 'transient', httpStatus: status, reason, ...(retryAfterMs !== undefined && { retryAfterMs }) };
  }
  return { kind: 'permanent', httpStatus: status, reason };
}

/**
 * Classifies a failure to get any answer: refused, reset, DNS, TLS … are transient; a request that
 * is malformed (bad URL or header in the settings) permanent, as retrying it cannot help.
 */
export function classifyRequestError(err: unknown): DeliveryOutcome {
  const code = networkErrorCode(err);
  const reason = truncate(`network error${code ? ` ${code}` : ''}: ${errorText(err)}`, REASON_BODY_CHARS + 40);
  return isPermanentNetworkCode(code) ? { kind: 'permanent', reason } : { kind: 'transient', reason };
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

/** Size and SHA-256 of a stream, read once. */
async function digestOf(stream: Readable): Promise<{ size: number; sha256: Buffer }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of stream) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { size, sha256: hash.digest() };
}

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

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
