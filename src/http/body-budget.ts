import type { FastifyInstance, FastifyRequest } from 'fastify';
import { hubError } from '../errors.js';

const MiB = 1024 * 1024;

/**
 * The request bodies one API process holds in memory at once, in bytes. JSON bodies are read whole
 * before they are parsed, and an edXML body is kept while it is read so its signature can be checked;
 * each then lives two or three times over (text, parsed model, decoded attachments) until the answer
 * is out. Without a bound, a burst of large documents — a misbehaving agency system, or many at once —
 * grows the process until the kernel kills it, and everything it was accepting with it. The budget
 * refuses what would go over it, before a byte of the body is read: `503 HUB_ERR_OVERLOADED` with
 * `Retry-After`, nothing stored; clients retry with the same `Idempotency-Key`. One request is always
 * admitted when nothing else is in flight, so a single body up to the body limit always gets through.
 */
export interface BodyBudget {
  /** Reserves `bytes`; the release function, or `undefined` when that would go over the budget. */
  reserve(bytes: number): (() => void) | undefined;
  readonly inFlight: number;
  readonly maxBytes: number;
}

export function createBodyBudget(maxBytes: number, onChange: (inFlight: number) => void = () => {}): BodyBudget {
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 1) throw new RangeError(`body budget: ${maxBytes} is not a positive number of bytes`);
  let inFlight = 0;
  return {
    reserve(bytes) {
      if (inFlight > 0 && inFlight + bytes > maxBytes) return undefined;
      inFlight += bytes;
      onChange(inFlight);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        inFlight -= bytes;
        onChange(inFlight);
      };
    },
    get inFlight() { return inFlight; },
    maxBytes,
  };
}

const JSON_TYPE = /^\s*application\/json\s*(;|$)/i;
const XML_TYPE = /^\s*(application|text)\/xml\s*(;|$)/i;

/**
 * Bytes a request will hold: its `Content-Length`, or the body limit when it is sent chunked (the
 * most it may turn out to be). 0 when nothing is held: no body; multipart (files stream to disk);
 * a type no parser takes (415); a JSON body declared over the body limit (413 before it is read).
 * An edXML body counts up to the body limit: beyond what is kept for its signature check it streams.
 */
export function bodyBytesOf(request: Pick<FastifyRequest, 'headers'>, bodyLimit: number): number {
  const { headers } = request;
  const type = headers['content-type'] ?? '';
  const json = JSON_TYPE.test(type);
  if (!json && !XML_TYPE.test(type)) return 0;
  const declared = headers['content-length'];
  if (declared === undefined) return headers['transfer-encoding'] !== undefined ? bodyLimit : 0;
  const length = Number(declared);
  if (!Number.isSafeInteger(length) || length <= 0) return 0;
  if (json && length > bodyLimit) return 0;
  return Math.min(length, bodyLimit);
}

/**
 * Holds each in-memory body's bytes against `budget` from before its body is read until its response
 * has closed (sent, failed or abandoned by the client). Runs after authentication (onRequest), so an
 * unauthenticated caller is refused with 401 and takes nothing from the budget.
 */
export function installBodyBudget(app: FastifyInstance, budget: BodyBudget, opts: { bodyLimit: number; onShed?: () => void }): void {
  app.addHook('preParsing', async (request, reply, payload) => {
    const bytes = bodyBytesOf(request, opts.bodyLimit);
    if (bytes === 0) return payload;
    const release = budget.reserve(bytes);
    if (!release) {
      opts.onShed?.();
      throw hubError('HUB_ERR_OVERLOADED', [Math.round(budget.inFlight / MiB), Math.round(budget.maxBytes / MiB)]);
    }
    reply.raw.once('close', release);
    return payload;
  });
}
