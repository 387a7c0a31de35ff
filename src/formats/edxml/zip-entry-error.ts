/**
 * A ZIP archive's own fault found while reading its one entry: a local header missing where the
 * directory points, data cut short, more (or fewer) bytes than declared, a CRC-32 mismatch. Such a
 * payload is kept raw (a sender may send a ZIP file as the document); other errors (the blob store
 * failing) are the hub's and propagate. The message is the reason recorded.
 */
export class ZipEntryError extends Error {
  override readonly name = 'ZipEntryError';
}

/** zlib's codes for data it cannot inflate (`Z_DATA_ERROR` bad data, `Z_BUF_ERROR` cut short …). */
const ZLIB_DATA_CODES = new Set(['Z_DATA_ERROR', 'Z_BUF_ERROR', 'Z_NEED_DICT', 'Z_STREAM_ERROR']);

/**
 * Why the payload stays raw when `err` is the archive's fault ({@link ZipEntryError}, or zlib
 * refusing the data); undefined for any other error (the hub's, to propagate).
 */
export function zipFaultReason(err: unknown): string | undefined {
  if (err instanceof ZipEntryError) return err.message;
  const { code, message } = (err ?? {}) as NodeJS.ErrnoException;
  return typeof code === 'string' && ZLIB_DATA_CODES.has(code) ? `ZIP entry cannot be inflated (${message})` : undefined;
}
