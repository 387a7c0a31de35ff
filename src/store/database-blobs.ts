import { Readable } from 'node:stream';
import type { BlobStore } from './blob-store.js';
import type { Queryable } from './db.js';

const SHA256_HEX = /^[0-9a-f]{64}$/;

/** Attachment bytes small enough to travel with their message's INSERT (table `blobs`). */
export interface InlineBlob {
  sha256: string;
  size: number;
  data: Buffer;
}

/** Drivers return bytea as Buffer (pg) or Uint8Array (PGlite): always a Buffer, without copying. */
export function asBuffer(value: Uint8Array): Buffer {
  return Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
}

/**
 * A blob store that answers from the `blobs` table first and the folder otherwise. Why two places:
 * creating one file per attachment costs ~0.5 ms of kernel CPU here plus two fsyncs (file and
 * folder), more than everything else the hub does for a document; a small attachment written in the
 * message's own statement costs neither, and cannot be orphaned by a refused request. Large files
 * and every streamed upload still go to the folder, written as they arrive.
 */
export function withDatabaseBlobs(folder: BlobStore, db: Queryable): BlobStore {
  const fromDatabase = async (sha256: string): Promise<Buffer | undefined> => {
    const { rows } = await db.query<{ data: Uint8Array }>('SELECT data FROM blobs WHERE sha256 = $1', [sha256]);
    return rows[0] ? asBuffer(rows[0].data) : undefined;
  };
  return {
    put: (source, opts) => folder.put(source, opts),
    stage: (source, opts) => folder.stage(source, opts),
    open(sha256) {
      if (!SHA256_HEX.test(sha256)) throw new TypeError('A blob key must be 64 lowercase hexadecimal characters');
      return Readable.from((async function* () {
        const inline = await fromDatabase(sha256);
        if (inline) yield inline;
        else yield* folder.open(sha256);
      })());
    },
    async stat(sha256) {
      const { rows } = await db.query<{ size: number }>('SELECT size FROM blobs WHERE sha256 = $1', [sha256]);
      return rows[0] ? { size: rows[0].size } : folder.stat(sha256);
    },
    async has(sha256) {
      return (await this.stat(sha256)) !== undefined;
    },
  };
}

/** The bytes of the inline blobs among `sha256s`, in one query. */
export async function readInlineBlobs(db: Queryable, sha256s: readonly string[]): Promise<Map<string, Buffer>> {
  if (sha256s.length === 0) return new Map();
  const { rows } = await db.query<{ sha256: string; data: Uint8Array }>('SELECT sha256, data FROM blobs WHERE sha256 = ANY($1::text[])', [sha256s], { prepare: 'lienthong_read_inline_blobs' });
  return new Map(rows.map((r) => [r.sha256, asBuffer(r.data)]));
}
