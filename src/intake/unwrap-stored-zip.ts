import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { findSingleZipEntry } from '../formats/edxml/find-single-zip-entry.js';
import { openZipEntry } from '../formats/edxml/open-zip-entry.js';
import { zipFaultReason } from '../formats/edxml/zip-entry-error.js';
import type { BlobStore, StagedBlob } from '../store/blob-store.js';

/** A ZIP-looking attachment payload the intake has kept, readable again. */
export interface StoredZipPayload {
  /** The payload's size in bytes. */
  size: number;
  /** Its last bytes: at least `ZIP_DIRECTORY_TAIL_BYTES` of them, or all of them. */
  tail: Uint8Array;
  /** A fresh stream of the whole payload from its first byte. */
  open(): Readable;
}

export interface UnwrapStoredZipOptions {
  blobs: BlobStore;
  /** A large entry is staged in the blob folder and added here, for the caller to commit or discard. */
  staged: StagedBlob[];
  /** An entry up to this size is returned in memory (it travels with the message's INSERT). */
  inlineMax: number;
  /** Largest entry unwrapped; a larger one stays wrapped. */
  maxUnzippedBytes: number;
}

/** The single entry, stored (or in memory when small), or why the payload stays raw. */
export type StoredZipUnwrap =
  | { zipped: true; entryName: string; size: number; sha256: string; /** The entry's bytes when it is at most `inlineMax`; else it is staged in the blob folder (`staged`). */ inline?: Buffer }
  | { zipped: false; reason: string };

/**
 * "ZIP single entry, else raw" (docs/domain-vn.md §1.5) for a payload already kept by the intake,
 * streaming: the central directory is read from the payload's tail, then the one entry is inflated
 * from a single pass over the payload straight into the blob folder (hashed, temp file, fsync),
 * its size and CRC-32 checked, and staged there (`opts.staged`) until the caller commits it. Never
 * holds the payload or the entry, unless the entry is small enough to travel inline.
 *
 * A payload that is not a single-entry ZIP of a supported kind, or whose entry turns out damaged,
 * lying about its size, or a bomb, stays raw with the reason; nothing of the entry is left in the
 * store then (the blob store drops its temp file).
 *
 * @throws whatever the blob store throws reading the payload or writing the entry (the hub's fault).
 */
export async function unwrapStoredZip(payload: StoredZipPayload, opts: UnwrapStoredZipOptions): Promise<StoredZipUnwrap> {
  // 1. The directory: one file, stored or deflated, not too large.
  const lookup = findSingleZipEntry(payload.tail, payload.size, opts.maxUnzippedBytes);
  if (!lookup.found) return { zipped: false, reason: lookup.reason };
  const { entry } = lookup;

  // 2. The entry, inflated as it is read, into memory when it is small, else into the blob store.
  const content = openZipEntry(() => payload.open(), entry);
  try {
    if (entry.size <= opts.inlineMax) {
      const bytes = await buffer(content);
      return { zipped: true, entryName: entry.name, size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex'), inline: bytes };
    }
    const staged = await opts.blobs.stage(content, { maxBytes: entry.size });
    opts.staged.push(staged);
    return { zipped: true, entryName: entry.name, size: staged.size, sha256: staged.sha256 };
  } catch (err) {
    const reason = zipFaultReason(err);
    if (reason === undefined) throw err;
    return { zipped: false, reason };
  } finally {
    content.destroy(); // a no-op once it ended; releases the payload stream when it did not
  }
}
