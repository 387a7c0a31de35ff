import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** Options of {@link BlobStore.put}. */
export interface PutOptions {
  /** Largest accepted size in bytes; a larger source fails with {@link BlobTooLargeError}. */
  maxBytes?: number;
}

/** Content-addressed storage for attachments: a blob's key is the SHA-256 of its bytes. */
export interface BlobStore {
  /**
   * Stores the bytes (streamed, never held whole in memory) and returns their key and size. Storing
   * content that is already there keeps the existing file. On failure nothing is left behind and a
   * stream source is destroyed.
   *
   * @throws BlobTooLargeError when the source exceeds `maxBytes`.
   */
  put(source: Readable | Buffer, opts?: PutOptions): Promise<{ sha256: string; size: number }>;
  /**
   * Writes the bytes like `put`, but keeps them aside (a temp file in the store's folder) until
   * `commit()` moves them under their name, or `discard()` removes them: a request that may still be
   * refused after its uploads streamed in (a multipart body whose 101st file or broken end comes
   * later) leaves nothing behind. Nothing is readable under the key before `commit()`.
   *
   * @throws BlobTooLargeError when the source exceeds `maxBytes` (nothing is left then).
   */
  stage(source: Readable, opts?: PutOptions): Promise<StagedBlob>;
  /** Streams a blob; the stream fails with ENOENT when there is none. @throws TypeError for a malformed key. */
  open(sha256: string): Readable;
  /** The blob's size, or undefined when there is none. @throws TypeError for a malformed key. */
  stat(sha256: string): Promise<{ size: number } | undefined>;
  /** @throws TypeError for a malformed key. */
  has(sha256: string): Promise<boolean>;
}

/** Bytes written by {@link BlobStore.stage}, not yet stored under their key. */
export interface StagedBlob {
  sha256: string;
  size: number;
  /** A fresh stream of the bytes (from where they are: aside, or under their key once committed). */
  open(): Readable;
  /** Moves the bytes under their key (content-addressed: identical bytes already there stay). */
  commit(): Promise<void>;
  /** Removes the bytes; harmless when already discarded or committed. */
  discard(): Promise<void>;
}

/** Where the blobs live: `<dir>/<aa>/<bb>/<sha256>`, temp files directly in `<dir>`. */
export interface FolderBlobStoreOptions {
  dir: string;
}

/** A blob exceeded the `maxBytes` given to {@link BlobStore.put}. */
export class BlobTooLargeError extends Error {
  override readonly name = 'BlobTooLargeError';
  readonly code = 'BLOB_TOO_LARGE';

  constructor(readonly maxBytes: number) {
    super(`The blob exceeds the limit of ${maxBytes} bytes`);
  }
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

/**
 * A {@link BlobStore} in a folder. Writes go to a temp file in the same folder (so the final rename
 * is atomic), are hashed on the way, fsynced, then renamed to `<dir>/<aa>/<bb>/<sha256>`.
 */
export function createFolderBlobStore(opts: FolderBlobStoreOptions): BlobStore {
  const { dir } = opts;
  const pathOf = (sha256: string): string => {
    if (typeof sha256 !== 'string' || !SHA256_HEX.test(sha256)) {
      throw new TypeError('A blob key must be 64 lowercase hexadecimal characters');
    }
    return join(dir, sha256.slice(0, 2), sha256.slice(2, 4), sha256);
  };
  const statOf = async (sha256: string): Promise<{ size: number } | undefined> => {
    const path = pathOf(sha256);
    try {
      return { size: (await stat(path)).size };
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return undefined;
      throw err;
    }
  };

  // Shard folders known to exist: saves a mkdir per write on the intake hot path.
  const shards = new Set<string>();
  const ensureShard = async (path: string): Promise<void> => {
    if (shards.has(path)) return;
    await mkdir(path, { recursive: true });
    shards.add(path);
  };

  /** Writes the source to a temp file, hashed and fsynced; on failure nothing is left. */
  const writeTemp = async (source: Readable | Buffer, maxBytes: number): Promise<{ temp: string; sha256: string; size: number }> => {
    if (!(maxBytes >= 0)) throw new RangeError(`maxBytes must be a non-negative number, got ${String(maxBytes)}`);
    await ensureShard(dir);
    const temp = join(dir, `.tmp-${randomUUID()}`);
    let file: WriteStream | undefined;
    try {
      const digest = new DigestAndLimit(maxBytes);
      const input = Buffer.isBuffer(source) ? Readable.from([source]) : source;
      // `flush` fsyncs the file before the stream closes; `wx` refuses to reuse a name.
      file = createWriteStream(temp, { flags: 'wx', flush: true });
      await pipeline(input, digest, file);
      return { temp, sha256: digest.hex(), size: digest.size };
    } catch (err) {
      // A source failing at once beats the file's (asynchronous) open: removing the temp file
      // before the stream has closed would leave it behind once the open completes.
      if (file && !file.closed) await closeOf(file);
      await rm(temp, { force: true });
      throw err;
    }
  };

  return {
    async put(source, putOpts = {}) {
      const maxBytes = putOpts.maxBytes ?? Number.POSITIVE_INFINITY;
      if (!(maxBytes >= 0)) throw new RangeError(`maxBytes must be a non-negative number, got ${String(putOpts.maxBytes)}`);
      // Bytes already in memory (inline base64 attachments): hash first, and skip the write entirely
      // when the store already has them.
      if (Buffer.isBuffer(source)) {
        if (source.length > maxBytes) throw new BlobTooLargeError(maxBytes);
        const sha256 = createHash('sha256').update(source).digest('hex');
        if (await exists(pathOf(sha256))) return { sha256, size: source.length };
      }
      const written = await writeTemp(source, maxBytes);
      try {
        await moveIntoPlace(written.temp, pathOf(written.sha256), ensureShard);
      } catch (err) {
        await rm(written.temp, { force: true });
        throw err;
      }
      return { sha256: written.sha256, size: written.size };
    },
    async stage(source, stageOpts = {}) {
      const { temp, sha256, size } = await writeTemp(source, stageOpts.maxBytes ?? Number.POSITIVE_INFINITY);
      let settled = false;
      let committed = false;
      return {
        sha256,
        size,
        open: () => createReadStream(committed ? pathOf(sha256) : temp),
        async commit() {
          if (settled) return;
          settled = true;
          await moveIntoPlace(temp, pathOf(sha256), ensureShard);
          committed = true;
        },
        async discard() {
          settled = true;
          await rm(temp, { force: true });
        },
      };
    },
    open(sha256) {
      return createReadStream(pathOf(sha256));
    },
    stat: statOf,
    async has(sha256) {
      return (await statOf(sha256)) !== undefined;
    },
  };
}

/** Hashes and counts the bytes passing through; fails once they exceed `maxBytes`. */
class DigestAndLimit extends Transform {
  size = 0;
  readonly #hash = createHash('sha256');

  constructor(private readonly maxBytes: number) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.size += chunk.length;
    if (this.size > this.maxBytes) {
      callback(new BlobTooLargeError(this.maxBytes));
      return;
    }
    this.#hash.update(chunk);
    callback(null, chunk);
  }

  hex(): string {
    return this.#hash.digest('hex');
  }
}

// Same content, same name: when the blob exists already (dedup, or a concurrent put of the same
// bytes won the race) the temp file is simply dropped.
async function moveIntoPlace(temp: string, final: string, ensureShard: (path: string) => Promise<void>): Promise<void> {
  const shard = join(final, '..');
  await ensureShard(shard);
  // On POSIX, rename atomically replaces an existing file: when the same bytes are already there
  // (dedup, or a concurrent put of the same content), replacing them with identical bytes is harmless.
  try {
    await rename(temp, final);
  } catch (err) {
    // Windows refuses to rename onto an existing file: that is the same-content case above.
    if (!(await exists(final))) throw err;
    await rm(temp, { force: true });
    return;
  }
  await fsyncDir(shard);
}

/** Resolves once the stream has closed, whatever error it ends with (`events.once` rejects on 'error'). */
function closeOf(stream: WriteStream): Promise<void> {
  return new Promise((resolve) => stream.once('close', () => resolve()));
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return false;
    throw err;
  }
}

// Makes the rename itself durable. Not every platform can open a directory (Windows): best effort.
async function fsyncDir(path: string): Promise<void> {
  let handle;
  try {
    handle = await open(path, 'r');
    await handle.sync();
  } catch {
    // Durability of the directory entry is best effort; the data itself was fsynced.
  } finally {
    await handle?.close();
  }
}

function isErrno(err: unknown, code: string): boolean {
  return (err as NodeJS.ErrnoException | null)?.code === code;
}
