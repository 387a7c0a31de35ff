import type { FastifyInstance, FastifyRequest } from 'fastify';
import { hubError } from '../errors.js';
import { drainSmallRemainder } from './drain-request.js';

/** `12.5 MiB`, or `700 KiB` below a MiB: sizes in the refusal's message. */
const size = (bytes: number): string => (bytes >= 1024 * 1024 ? `${(bytes / (1024 * 1024)).toFixed(1)} MiB` : `${Math.ceil(bytes / 1024)} KiB`);

/**
 * The request bodies one API process holds in memory at once, in bytes. JSON bodies are read whole
 * before they are parsed, and an edXML body is kept while it is read so its signature can be checked;
 * each then lives two or three times over (text, parsed model, decoded attachments) until the answer
 * is out. Without a bound, a burst of large documents — a misbehaving agency system, or many at once —
 * grows the process until the kernel kills it, and everything it was accepting with it. The budget
 * refuses what would go over it, before a byte of the body is read: `503 HUB_ERR_OVERLOADED` with
 * `Retry-After`, nothing stored; clients retry with the same `Idempotency-Key`. One request is always
 * admitted when nothing else is in flight, so a single body up to the body limit always gets through.
 *
 * One caller (an agency, a key) may hold at most half the budget while it has anything in flight:
 * a burst from one system — or one that sends its bodies very slowly, holding its reservation until
 * Node's request timeout — cannot take the whole budget from the others.
 */
export interface BodyBudget {
  /** Reserves `bytes` for `caller`; the release function, or `undefined` when that would go over the budget or the caller's share. */
  reserve(bytes: number, caller: string): (() => void) | undefined;
  /** Bytes `caller` holds now. */
  heldBy(caller: string): number;
  readonly inFlight: number;
  readonly maxBytes: number;
}

export function createBodyBudget(maxBytes: number, onChange: (inFlight: number) => void = () => {}): BodyBudget {
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 1) throw new RangeError(`body budget: ${maxBytes} is not a positive number of bytes`);
  const share = maxBytes / 2;
  let inFlight = 0;
  const held = new Map<string, number>();
  return {
    reserve(bytes, caller) {
      if (inFlight > 0 && inFlight + bytes > maxBytes) return undefined;
      const mine = held.get(caller) ?? 0;
      if (mine > 0 && mine + bytes > share) return undefined;
      inFlight += bytes;
      held.set(caller, mine + bytes);
      onChange(inFlight);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        inFlight -= bytes;
        const left = (held.get(caller) ?? bytes) - bytes;
        if (left > 0) held.set(caller, left);
        else held.delete(caller);
        onChange(inFlight);
      };
    },
    heldBy: (caller) => held.get(caller) ?? 0,
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

/** Whose share a request counts against: the authenticated caller, or its address before login. */
function callerOf(request: FastifyRequest): string {
  const principal = request.principal;
  if (principal) return principal.kind === 'agency' ? `agency:${principal.agency}` : `key:${principal.keyId}`;
  return `ip:${request.ip}`;
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
    const caller = callerOf(request);
    const release = budget.reserve(bytes, caller);
    if (!release) {
      opts.onShed?.();
      const mine = budget.heldBy(caller);
      const refusal = hubError('HUB_ERR_OVERLOADED', [mine > 0 && mine + bytes > budget.maxBytes / 2
        ? `your requests in progress hold ${size(mine)} of request bodies; one caller may hold half of ${size(budget.maxBytes)}`
        : `${size(budget.inFlight)} of ${size(budget.maxBytes)} in use`]);
      // The client is still sending: a small remainder is read and dropped so it gets the answer on a
      // usable connection; a large one is not read, and the answer closes the connection.
      if (!(await drainSmallRemainder(request.raw))) void reply.header('connection', 'close');
      throw refusal;
    }
    reply.raw.once('close', release);
    return payload;
  });
}
