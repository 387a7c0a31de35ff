import { createHash, randomBytes } from 'node:crypto';
import { request, type Dispatcher } from 'undici';
import { TimestampError } from './timestamp-error.js';
import { encodeTimestampRequest } from './timestamp-request.js';
import { verifyTimestampResponse, type VerifiedTimestamp } from './verify-timestamp-response.js';

/** How to ask a TSA for a time-stamp. Give the data, or its SHA-256. */
export type TimestampRequestOptions = {
  /** The TSA's RFC 3161 HTTP endpoint (http or https). */
  url: string;
  /** Budget for the whole exchange (connect, send, answer), ms. */
  timeoutMs: number;
  /** The nonce the TSA must echo. Default: 64 random bits. */
  nonce?: bigint;
  /** Largest answer read, bytes. Default 256 KiB (a token with a certificate chain is a few KiB). */
  maxResponseBytes?: number;
  /** PEM CA certificates the TSA certificate must chain to (see {@link verifyTimestampResponse}). Unset: not checked. */
  trustAnchorsPem?: string;
} & ({ data: Buffer; sha256?: never } | { sha256: Buffer; data?: never });

const DEFAULT_MAX_RESPONSE_BYTES = 256 * 1024;
// undici's own header/body timers stay past the budget, so the budget's signal is what stops a slow TSA.
const UNDICI_TIMER_MARGIN_MS = 1000;

function randomNonce(): bigint {
  const bytes = randomBytes(8);
  bytes[0] = (bytes[0]! & 0x7f) | 0x01; // positive and non-zero: an INTEGER of 8 bytes
  return bytes.readBigUInt64BE();
}

/**
 * Time-stamps data with an RFC 3161 TSA: posts a DER TimeStampReq (`application/timestamp-query`:
 * SHA-256 imprint, nonce, certReq) over HTTP, reads at most `maxResponseBytes` of the
 * `application/timestamp-reply` within `timeoutMs`, and verifies it with {@link verifyTimestampResponse}.
 * Makes one attempt; throws a {@link TimestampError} whose `reason` says what failed.
 */
export async function requestTimestamp(options: TimestampRequestOptions): Promise<VerifiedTimestamp> {
  const sha256 = options.sha256 ?? createHash('sha256').update(options.data!).digest();
  const nonce = options.nonce ?? randomNonce();
  const body = await exchange(options, encodeTimestampRequest({ sha256, nonce }));
  return verifyTimestampResponse(body, { sha256, nonce, ...(options.trustAnchorsPem !== undefined ? { trustAnchorsPem: options.trustAnchorsPem } : {}) });
}

/** One POST; the answer's body when it is a 200 `application/timestamp-reply` within the limits. */
async function exchange(options: TimestampRequestOptions, query: Buffer): Promise<Buffer> {
  const signal = AbortSignal.timeout(options.timeoutMs);
  const stopped = (err: unknown): TimestampError =>
    signal.aborted
      ? new TimestampError('timeout', `no answer from the TSA within ${options.timeoutMs} ms`)
      : new TimestampError('network-error', `the TSA at ${new URL(options.url).origin} cannot be reached: ${(err as Error).message}`, { cause: err });
  let response: Dispatcher.ResponseData;
  try {
    response = await request(options.url, {
      method: 'POST',
      headers: { 'content-type': 'application/timestamp-query', accept: 'application/timestamp-reply' },
      body: query,
      signal,
      headersTimeout: options.timeoutMs + UNDICI_TIMER_MARGIN_MS,
      bodyTimeout: options.timeoutMs + UNDICI_TIMER_MARGIN_MS,
    });
  } catch (err) {
    throw stopped(err);
  }
  const contentType = String(response.headers['content-type'] ?? '');
  // An unread body is dropped with its connection; undici then reports an abort nobody needs to hear.
  const drop = (): void => void response.body.on('error', () => undefined).destroy();
  if (response.statusCode !== 200) {
    drop();
    throw new TimestampError('http-error', `the TSA answered HTTP ${response.statusCode}`);
  }
  if (contentType.split(';')[0]!.trim().toLowerCase() !== 'application/timestamp-reply') {
    drop();
    throw new TimestampError('malformed', `the TSA answered content type "${contentType}", not application/timestamp-reply`);
  }
  try {
    return await readLimited(response.body, options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES);
  } catch (err) {
    if (err instanceof TimestampError) throw err;
    throw stopped(err);
  }
}

async function readLimited(body: Dispatcher.ResponseData['body'], limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  // Leaving the loop early destroys the body and its connection.
  for await (const chunk of body) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new TimestampError('too-large', `the TSA's answer exceeds ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks, size);
}
