import { unzipSync, type UnzipFileInfo } from 'fflate';

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
 * "ZIP single entry, else raw" (docs/domain-vn.md §1.5): when `payload` is a ZIP archive holding
 * exactly one file, that file; otherwise `payload` itself. Stored and deflated entries are read;
 * an entry whose declared size exceeds `maxUnzippedBytes`, another compression method, or a
 * damaged archive leaves the payload raw (with the reason), since a sender may legitimately send
 * a ZIP file as the document.
 */
export function unwrapSingleEntryZip(payload: Uint8Array, maxUnzippedBytes = DEFAULT_MAX_UNZIPPED_BYTES): UnwrapResult {
  if (!startsWithZipLocalHeader(payload)) return { zipped: false, bytes: payload };
  const entries: UnzipFileInfo[] = [];
  try {
    unzipSync(payload, { filter: (info) => (entries.push(info), false) });
  } catch (err) {
    return { zipped: false, bytes: payload, reason: `not a readable ZIP archive (${(err as Error).message})` };
  }
  const files = entries.filter((e) => !e.name.endsWith('/'));
  const entry = files[0];
  if (files.length !== 1 || entries.length !== 1 || entry === undefined) {
    return { zipped: false, bytes: payload, reason: `ZIP archive with ${entries.length} entries` };
  }
  if (entry.compression !== 0 && entry.compression !== 8) {
    return { zipped: false, bytes: payload, reason: `ZIP compression method ${entry.compression} is not supported` };
  }
  if (entry.originalSize > maxUnzippedBytes) {
    return { zipped: false, bytes: payload, reason: `ZIP entry of ${entry.originalSize} bytes exceeds ${maxUnzippedBytes}` };
  }
  try {
    // The output buffer is sized from the central directory, so inflation cannot grow past it.
    const bytes = unzipSync(payload, { filter: () => true })[entry.name];
    if (bytes === undefined || bytes.length !== entry.originalSize) {
      return { zipped: false, bytes: payload, reason: 'ZIP entry size differs from its directory record' };
    }
    return { zipped: true, entryName: entry.name, bytes };
  } catch (err) {
    return { zipped: false, bytes: payload, reason: `ZIP entry cannot be inflated (${(err as Error).message})` };
  }
}
