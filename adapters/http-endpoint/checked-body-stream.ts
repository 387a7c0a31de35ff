import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';

/** A request body sent as a stream, whose length and SHA-256 were known (and signed) beforehand. */
export interface StreamedBody {
  /** Length in bytes (the request's `Content-Length`). */
  size: number;
  /** SHA-256 of the bytes (the request's `Content-Digest`). */
  sha256: Buffer;
  /** A fresh stream of the bytes on every call. */
  open(): Readable;
}

/** The bytes read differ from the body's recorded SHA-256 or size: the signed digest would lie. */
export class BodyIntegrityError extends Error {
  override readonly name = 'BodyIntegrityError';
}

/**
 * A fresh stream of `body`'s bytes, hashed and counted as they pass. The last chunk is held back
 * until everything has been hashed: bytes that turn out different fail the stream (with
 * {@link BodyIntegrityError}) before the receiver has a complete body. Every error of the stream —
 * that one, or a read error (a missing blob, a damaged attachment) — is also passed to `onFailure`,
 * so the caller can tell the hub's own failure from the network's.
 */
export function checkedBodyStream(body: StreamedBody, onFailure: (err: Error) => void): Readable {
  async function* checked(): AsyncGenerator<Buffer> {
    const hash = createHash('sha256');
    let size = 0;
    let held: Buffer | undefined;
    try {
      for await (const chunk of body.open()) {
        const bytes = chunk as Buffer;
        hash.update(bytes);
        size += bytes.length;
        if (held) yield held;
        held = bytes;
      }
      const sha256 = hash.digest();
      if (size !== body.size || !sha256.equals(body.sha256)) {
        throw new BodyIntegrityError(
          `the body read ${size} bytes with sha256 ${sha256.toString('hex')}, expected ${body.size} bytes with ${body.sha256.toString('hex')}`,
        );
      }
      if (held) yield held;
    } catch (err) {
      onFailure(err as Error);
      throw err;
    }
  }
  return Readable.from(checked(), { objectMode: false });
}
