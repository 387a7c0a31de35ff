import type { IncomingMessage } from 'node:http';

/** Requests refused half-way whose declared length is at most this are read to their end first. */
export const DRAIN_MAX_BYTES = 4 * 1024 * 1024;
const DRAIN_MAX_MS = 2_000;

/**
 * A request refused before its body was read to the end (a blob that could not be written, a
 * multipart or XML limit): when the body is small, read and drop the rest, so that the client — who
 * is still sending — gets the coded answer rather than a connection reset in the middle of its
 * upload, and the connection stays usable. A large or unbounded (chunked) body is not read: the
 * answer goes with `Connection: close`. Resolves with whether the body was read to its end.
 */
export async function drainSmallRemainder(raw: IncomingMessage): Promise<boolean> {
  if (raw.complete) return true;
  const declared = Number(raw.headers['content-length']);
  if (!Number.isSafeInteger(declared) || declared > DRAIN_MAX_BYTES || raw.destroyed) return false;
  return new Promise<boolean>((resolve) => {
    const finish = (complete: boolean): void => {
      clearTimeout(timer);
      raw.off('end', onEnd).off('error', onError).off('data', ignore);
      resolve(complete);
    };
    const onEnd = (): void => finish(true);
    const onError = (): void => finish(false);
    const ignore = (): void => undefined;
    const timer = setTimeout(() => finish(raw.complete), DRAIN_MAX_MS);
    raw.unpipe();
    raw.on('data', ignore).once('end', onEnd).once('error', onError);
    raw.resume();
  });
}
