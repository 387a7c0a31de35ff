import { Readable, Transform, pipeline, type TransformCallback } from 'node:stream';
import { createInflateRaw, crc32 } from 'node:zlib';
import { localHeaderLength, ZIP_LOCAL_HEADER_BYTES, type ZipEntryRecord } from './find-single-zip-entry.js';
import { ZipEntryError } from './zip-entry-error.js';

/**
 * The bytes of an archive's entry, streamed. The archive (`openArchive()`, called when the stream is
 * first read: the whole archive from its first byte, read once, in order, never held) is skipped to
 * the entry's local header, which is checked, then exactly `entry.compressedSize` bytes are inflated
 * (method 8, zlib) or passed on as they are (method 0); a data descriptor after them is not read.
 * What comes out is checked as it flows — never a byte past `entry.size`, so a ZIP bomb stops there
 * — and at its end: exactly `entry.size` bytes with the directory's CRC-32.
 *
 * The stream fails with a {@link ZipEntryError} (or zlib's `Z_*` error) when the archive is at
 * fault, with the archive's own error when reading it fails; the archive is released once the
 * entry's data is read, on failure, or when the consumer destroys the stream.
 */
export function openZipEntry(openArchive: () => AsyncIterable<Uint8Array>, entry: ZipEntryRecord): Readable {
  // Opened lazily, and iterated at once: a stream failing to open (a missing blob) always has a
  // listener for its error then, whenever the consumer starts reading.
  const data = Readable.from(entryData(openArchive, entry), { objectMode: false });
  const check = new EntryCheck(entry);
  // pipeline() hands every stage's error to the last stage (`check`), which the consumer reads.
  return entry.method === 8 ? pipeline(data, createInflateRaw(), check, noop) : pipeline(data, check, noop);
}

const noop = (): void => undefined;

/** The entry's compressed bytes, out of the archive. */
async function* entryData(openArchive: () => AsyncIterable<Uint8Array>, entry: ZipEntryRecord): AsyncGenerator<Buffer> {
  const reader = new ChunkReader(openArchive());
  try {
    await reader.skip(entry.localHeaderOffset);
    const fixed = await reader.read(ZIP_LOCAL_HEADER_BYTES);
    await reader.skip(localHeaderLength(fixed, entry) - ZIP_LOCAL_HEADER_BYTES);
    yield* reader.take(entry.compressedSize);
  } finally {
    await reader.close();
  }
}

/** Counts and CRCs the entry's bytes as they pass; fails past `entry.size` and on a mismatch at the end. */
class EntryCheck extends Transform {
  #size = 0;
  #crc = 0;

  constructor(private readonly entry: ZipEntryRecord) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#size += chunk.length;
    if (this.#size > this.entry.size) {
      callback(new ZipEntryError(`ZIP entry inflates past its declared ${this.entry.size} bytes`));
      return;
    }
    this.#crc = crc32(chunk, this.#crc);
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    if (this.#size !== this.entry.size) callback(new ZipEntryError(`ZIP entry is ${this.#size} bytes, its directory record says ${this.entry.size}`));
    else if (this.#crc !== this.entry.crc32) callback(new ZipEntryError('ZIP entry CRC-32 differs from its directory record'));
    else callback();
  }
}

/** Reads an async iterable of chunks by byte counts, without concatenating more than asked for. */
class ChunkReader {
  readonly #iterator: AsyncIterator<Uint8Array>;
  #pending: Buffer = Buffer.alloc(0);

  constructor(source: AsyncIterable<Uint8Array>) {
    this.#iterator = source[Symbol.asyncIterator]();
  }

  /** Up to `max` bytes (at least 1), or undefined at the end of the source. */
  async #next(max: number): Promise<Buffer | undefined> {
    while (this.#pending.length === 0) {
      const result = await this.#iterator.next();
      if (result.done) return undefined;
      const chunk = result.value;
      this.#pending = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    }
    const piece = this.#pending.subarray(0, max);
    this.#pending = this.#pending.subarray(piece.length);
    return piece;
  }

  async *take(count: number): AsyncGenerator<Buffer> {
    for (let left = count; left > 0;) {
      const piece = await this.#next(left);
      if (!piece) throw new ZipEntryError(`ZIP archive ends ${left} bytes before the end of its entry`);
      left -= piece.length;
      yield piece;
    }
  }

  async skip(count: number): Promise<void> {
    for await (const _ of this.take(count));
  }

  async read(count: number): Promise<Buffer> {
    const pieces: Buffer[] = [];
    for await (const piece of this.take(count)) pieces.push(piece);
    return Buffer.concat(pieces);
  }

  async close(): Promise<void> {
    await this.#iterator.return?.();
  }
}
