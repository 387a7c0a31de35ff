import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

const CRLF = Buffer.from('\r\n');

/**
 * A request body as the simulated axis reads it, streaming: hashed as it arrives, held only when the
 * simulator keeps bodies (it must, to relay packets through `getEdoc`). `sendEdoc`'s checks need no
 * more than what is here, so a 70 MB packet is never held twice, nor at all with `recordBodies: false`.
 */
export interface SimBody {
  /** The whole body, when kept. */
  bytes?: Buffer;
  size: number;
  /** The body ends with CRLF, as the SDK's upload does. */
  endsWithCrlf: boolean;
  /** SHA-256 of the body without its final CRLF (the SDK's file, what `hash-file` covers); of the whole body when there is none. */
  fileSha256: Buffer;
}

/**
 * Reads `req`'s body: `undefined` past `maxBytes` (the rest is drained, not kept). A kept body is
 * written into one buffer of the announced `Content-Length` when there is one (no second copy from
 * joining chunks).
 */
export async function readSimBody(req: IncomingMessage, opts: { maxBytes: number; keep: boolean }): Promise<SimBody | undefined> {
  const announced = Number(req.headers['content-length'] ?? Number.NaN);
  let into = opts.keep && Number.isSafeInteger(announced) && announced <= opts.maxBytes ? Buffer.allocUnsafe(announced) : undefined;
  let chunks: Buffer[] | undefined = opts.keep && !into ? [] : undefined;
  const hash = createHash('sha256');
  // The last two bytes are hashed only once it is known they are not the final CRLF.
  let tail = Buffer.alloc(0);
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    const offset = size;
    size += chunk.length;
    if (size > opts.maxBytes) {
      into = undefined;
      chunks = undefined;
      continue;
    }
    if (into && size <= into.length) chunk.copy(into, offset);
    else if (into) into = undefined; // longer than announced: the server's parser fails the request anyway
    chunks?.push(chunk);
    if (chunk.length >= CRLF.length) {
      hash.update(tail);
      hash.update(chunk.subarray(0, chunk.length - CRLF.length));
      tail = Buffer.from(chunk.subarray(chunk.length - CRLF.length));
    } else {
      const pending = Buffer.concat([tail, chunk]);
      const hashable = Math.max(0, pending.length - CRLF.length);
      hash.update(pending.subarray(0, hashable));
      tail = pending.subarray(hashable);
    }
  }
  if (size > opts.maxBytes) return undefined;
  const endsWithCrlf = tail.equals(CRLF);
  if (!endsWithCrlf) hash.update(tail);
  const bytes = into && size === into.length ? into : chunks ? Buffer.concat(chunks, size) : undefined;
  return { ...(bytes && { bytes }), size, endsWithCrlf, fileSha256: hash.digest() };
}
