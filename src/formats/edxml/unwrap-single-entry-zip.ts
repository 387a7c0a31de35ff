import { crc32, inflateRawSync } from 'node:zlib';
import { findSingleZipEntry, localHeaderLength, type ZipEntryRecord } from './find-single-zip-entry.js';
import { ZipEntryError, zipFaultReason } from './zip-entry-error.js';

/** `PK\x03\x04`: a ZIP local file header. */
const ZIP_LOCAL_HEADER = [0x50, 0x4b, 0x03, 0x04] as const;

/** Largest entry the unwrapping inflates (a ZIP bomb stays wrapped instead). */
export const DEFAULT_MAX_UNZIPPED_BYTES = 512 * 1024 * 1024;

/** The bytes begin with a ZIP local file header. */
export function startsWithZipLocalHeader(bytes: Uint8Array): boolean {
  return ZIP_LOCAL_HEADER.every((b, i) => bytes[i] === b);
}

export type UnwrapResult =
  | { zipped: true; entryName: string; bytes: Uint8Array }
  | { zipped: false; bytes: Uint8Array; /** Why a ZIP-looking payload stayed raw. */ reason?: string };

/**
 * "ZIP single entry, else raw" (docs/domain-vn.md §1.5), in memory: when `payload` is a ZIP archive
 * holding exactly one file, that file; otherwise `payload` itself. Stored and deflated entries are
 * read; an entry whose declared size exceeds `maxUnzippedBytes`, another compression method, or a
 * damaged archive (including an entry that inflates to other than its declared size or CRC-32)
 * leaves the payload raw (with the reason), since a sender may legitimately send a ZIP file as the
 * document. For payloads in the blob store, `unwrapStoredZip` (src/intake) streams instead.
 */
export function unwrapSingleEntryZip(payload: Uint8Array, maxUnzippedBytes = DEFAULT_MAX_UNZIPPED_BYTES): UnwrapResult {
  if (!startsWithZipLocalHeader(payload)) return { zipped: false, bytes: payload };
  const lookup = findSingleZipEntry(payload, payload.length, maxUnzippedBytes);
  if (!lookup.found) return { zipped: false, bytes: payload, reason: lookup.reason };
  try {
    return { zipped: true, entryName: lookup.entry.name, bytes: inflateEntry(payload, lookup.entry) };
  } catch (err) {
    const reason = zipFaultReason(err);
    if (reason === undefined) throw err;
    return { zipped: false, bytes: payload, reason };
  }
}

function inflateEntry(payload: Uint8Array, entry: ZipEntryRecord): Uint8Array {
  const start = entry.localHeaderOffset + localHeaderLength(payload.subarray(entry.localHeaderOffset), entry);
  const data = payload.subarray(start, start + entry.compressedSize);
  const bytes = entry.method === 8 ? inflateBounded(data, entry.size) : data;
  if (bytes.length !== entry.size) throw new ZipEntryError(`ZIP entry is ${bytes.length} bytes, its directory record says ${entry.size}`);
  if (crc32(bytes) !== entry.crc32) throw new ZipEntryError('ZIP entry CRC-32 differs from its directory record');
  return bytes;
}

// zlib stops with ERR_BUFFER_TOO_LARGE as soon as its output passes `maxOutputLength`: a ZIP bomb
// never inflates further than its declared size.
function inflateBounded(data: Uint8Array, size: number): Buffer {
  try {
    return inflateRawSync(data, { maxOutputLength: Math.max(size, 1) });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw new ZipEntryError(`ZIP entry inflates past its declared ${size} bytes`);
    throw err;
  }
}
