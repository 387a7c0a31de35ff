import { ZipEntryError } from './zip-entry-error.js';

// Record signatures and fixed sizes (APPNOTE.TXT 6.3: §4.3.7 local header, §4.3.12 central
// directory header, §4.3.14–16 ZIP64 end record and locator, §4.3.16 end of central directory).
const LOCAL_HEADER_SIGNATURE = 0x04034b50;
const CENTRAL_HEADER_SIGNATURE = 0x02014b50;
const END_SIGNATURE = 0x06054b50;
const ZIP64_END_SIGNATURE = 0x06064b50;
const ZIP64_LOCATOR_SIGNATURE = 0x07064b50;
const LOCAL_HEADER_BYTES = 30;
const CENTRAL_HEADER_BYTES = 46;
const END_BYTES = 22;
const ZIP64_END_BYTES = 56;
const ZIP64_LOCATOR_BYTES = 20;
const ZIP64_EXTRA_ID = 0x0001;
const MAX_U16 = 0xffff;
const MAX_U32 = 0xffffffff;
/** General purpose flags: bit 0 encrypted, bit 11 name in UTF-8. */
const FLAG_ENCRYPTED = 0x0001;
const FLAG_UTF8 = 0x0800;

/**
 * How many bytes at the end of an archive always hold its end record and, when it has one entry,
 * that entry's central directory header: the end record with the longest comment, a ZIP64 locator
 * and end record, and a directory header with the longest name, extra field and comment
 * (22 + 65,535 + 20 + 56 + 46 + 3 × 65,535 = 262,284 bytes). A sink that keeps these last bytes of a
 * payload can tell whether it is a single-entry ZIP without reading it again.
 */
export const ZIP_DIRECTORY_TAIL_BYTES = END_BYTES + MAX_U16 + ZIP64_LOCATOR_BYTES + ZIP64_END_BYTES + CENTRAL_HEADER_BYTES + 3 * MAX_U16;

/** The fixed part of a local header, to read before {@link localHeaderLength}. */
export const ZIP_LOCAL_HEADER_BYTES = LOCAL_HEADER_BYTES;

/** What the central directory says about an archive's one entry. */
export interface ZipEntryRecord {
  name: string;
  /** 0 stored, 8 deflated. */
  method: 0 | 8;
  /** General purpose flags (bit 3: a data descriptor follows the data; the sizes here are the real ones). */
  flags: number;
  /** CRC-32 of the entry's bytes, unsigned. */
  crc32: number;
  compressedSize: number;
  /** The entry's size once inflated, in bytes. */
  size: number;
  /** Where the entry's local header starts, from the archive's first byte. */
  localHeaderOffset: number;
  /** Where the central directory starts: the entry's data must end there at the latest. */
  directoryOffset: number;
}

/** The archive's one entry, or why the payload stays raw. */
export type SingleZipEntryLookup = { found: true; entry: ZipEntryRecord } | { found: false; reason: string };

/**
 * Reads an archive's end record and central directory from its last bytes (`tail`, at least
 * {@link ZIP_DIRECTORY_TAIL_BYTES} of them or the whole archive) and returns its entry when it holds
 * exactly one file, stored or deflated, unencrypted, of at most `maxUnzippedBytes` bytes. Anything
 * else — several entries, a directory, another method, a damaged directory — is `found: false`
 * with the reason. Reads no entry data. ZIP64 records are read; split archives are refused.
 *
 * @param archiveSize the whole archive's size in bytes (`tail` is its last `tail.length` bytes).
 */
export function findSingleZipEntry(tail: Uint8Array, archiveSize: number, maxUnzippedBytes: number): SingleZipEntryLookup {
  const view = Buffer.from(tail.buffer, tail.byteOffset, tail.byteLength);
  const base = archiveSize - view.length; // archive offset of view[0]
  if (base < 0) throw new RangeError(`the tail (${view.length} bytes) is longer than the archive (${archiveSize} bytes)`);
  const raw = (reason: string): SingleZipEntryLookup => ({ found: false, reason });
  const damaged = (why: string): SingleZipEntryLookup => raw(`not a readable ZIP archive (${why})`);

  // 1. The end record, and the ZIP64 one when a locator precedes it.
  const end = findEndRecord(view);
  if (end < 0) return damaged('no end of central directory record');
  if (view.readUInt16LE(end + 4) !== 0 || view.readUInt16LE(end + 6) !== 0) return damaged('split across several disks');
  let directory = { count: view.readUInt16LE(end + 10), size: view.readUInt32LE(end + 12), offset: view.readUInt32LE(end + 16), end: base + end };
  if (end >= ZIP64_LOCATOR_BYTES && view.readUInt32LE(end - ZIP64_LOCATOR_BYTES) === ZIP64_LOCATOR_SIGNATURE) {
    const zip64 = readZip64End(view, base, end - ZIP64_LOCATOR_BYTES);
    if (typeof zip64 === 'string') return damaged(zip64);
    directory = zip64;
  }

  // 2. One entry, whose directory header lies in the tail, before the end record.
  if (directory.count !== 1) return raw(`ZIP archive with ${directory.count} entries`);
  const at = directory.offset - base;
  if (at < 0 || directory.offset + directory.size > directory.end || directory.size < CENTRAL_HEADER_BYTES) {
    return damaged('central directory out of place');
  }
  if (view.readUInt32LE(at) !== CENTRAL_HEADER_SIGNATURE) return damaged('no central directory header');
  const nameLength = view.readUInt16LE(at + 28);
  const extraLength = view.readUInt16LE(at + 30);
  const commentLength = view.readUInt16LE(at + 32);
  if (CENTRAL_HEADER_BYTES + nameLength + extraLength + commentLength > directory.size) return damaged('central directory header longer than the directory');
  const flags = view.readUInt16LE(at + 8);
  const method = view.readUInt16LE(at + 10);
  const nameBytes = view.subarray(at + CENTRAL_HEADER_BYTES, at + CENTRAL_HEADER_BYTES + nameLength);
  const extra = view.subarray(at + CENTRAL_HEADER_BYTES + nameLength, at + CENTRAL_HEADER_BYTES + nameLength + extraLength);
  const sizes = withZip64Sizes(extra, {
    size: view.readUInt32LE(at + 24), compressedSize: view.readUInt32LE(at + 20), localHeaderOffset: view.readUInt32LE(at + 42),
  });
  if (typeof sizes === 'string') return damaged(sizes);
  const name = decodeEntryName(nameBytes, flags);

  // 3. A file this hub can inflate, not too large, whose data fits before the directory.
  if (name.endsWith('/') || name.endsWith('\\')) return raw('ZIP archive holding only a directory');
  if (flags & FLAG_ENCRYPTED) return raw('ZIP entry is encrypted');
  if (method !== 0 && method !== 8) return raw(`ZIP compression method ${method} is not supported`);
  if (sizes.size > maxUnzippedBytes) return raw(`ZIP entry of ${sizes.size} bytes exceeds ${maxUnzippedBytes}`);
  if (method === 0 && sizes.compressedSize !== sizes.size) return damaged('stored entry with two different sizes');
  if (sizes.localHeaderOffset + LOCAL_HEADER_BYTES + sizes.compressedSize > directory.offset) return damaged('entry data runs into the central directory');
  return {
    found: true,
    entry: { name, method, flags, crc32: view.readUInt32LE(at + 16), ...sizes, directoryOffset: directory.offset },
  };
}

/**
 * How many bytes the local header at the start of `header` takes, name and extra field included
 * (they may differ from the directory's): the entry's data starts that far from the header.
 * `header` holds at least its first {@link LOCAL_HEADER_BYTES} bytes.
 *
 * @throws ZipEntryError when no local header is there, or the data would overrun the directory.
 */
export function localHeaderLength(header: Uint8Array, entry: ZipEntryRecord): number {
  const view = Buffer.from(header.buffer, header.byteOffset, header.byteLength);
  if (view.length < LOCAL_HEADER_BYTES || view.readUInt32LE(0) !== LOCAL_HEADER_SIGNATURE) {
    throw new ZipEntryError('no ZIP local header where the central directory points');
  }
  const length = LOCAL_HEADER_BYTES + view.readUInt16LE(26) + view.readUInt16LE(28);
  if (entry.localHeaderOffset + length + entry.compressedSize > entry.directoryOffset) {
    throw new ZipEntryError('ZIP entry data runs into the central directory');
  }
  return length;
}

// The last end-record signature whose comment fits in what follows it (the comment may itself hold
// anything, so scanning from the end finds the real record first in every archive but a forged one).
function findEndRecord(view: Buffer): number {
  const lowest = Math.max(0, view.length - END_BYTES - MAX_U16);
  for (let i = view.length - END_BYTES; i >= lowest; i--) {
    if (view[i] === 0x50 && view.readUInt32LE(i) === END_SIGNATURE && i + END_BYTES + view.readUInt16LE(i + 20) <= view.length) return i;
  }
  return -1;
}

function readZip64End(view: Buffer, base: number, locator: number): { count: number; size: number; offset: number; end: number } | string {
  const record = safeNumber(view.readBigUInt64LE(locator + 8)) - base;
  if (!(record >= 0) || record + ZIP64_END_BYTES > locator || view.readUInt32LE(record) !== ZIP64_END_SIGNATURE) return 'no ZIP64 end record where its locator points';
  if (view.readUInt32LE(record + 16) !== 0 || view.readUInt32LE(record + 20) !== 0) return 'split across several disks';
  const count = safeNumber(view.readBigUInt64LE(record + 32));
  const size = safeNumber(view.readBigUInt64LE(record + 40));
  const offset = safeNumber(view.readBigUInt64LE(record + 48));
  if (Number.isNaN(count + size + offset)) return 'ZIP64 end record out of range';
  return { count, size, offset, end: base + record };
}

interface EntrySizes {
  size: number;
  compressedSize: number;
  localHeaderOffset: number;
}

// A 32-bit field at its maximum means "in the ZIP64 extra field" (§4.5.3), whose values come in
// this order, each present only when its field is at the maximum.
function withZip64Sizes(extra: Buffer, sizes: EntrySizes): EntrySizes | string {
  const wanted = (['size', 'compressedSize', 'localHeaderOffset'] as const).filter((key) => sizes[key] === MAX_U32);
  if (wanted.length === 0) return sizes;
  for (let i = 0; i + 4 <= extra.length; i += 4 + extra.readUInt16LE(i + 2)) {
    if (extra.readUInt16LE(i) !== ZIP64_EXTRA_ID) continue;
    const dataLength = extra.readUInt16LE(i + 2);
    if (dataLength < 8 * wanted.length || i + 4 + dataLength > extra.length) return 'ZIP64 extra field too short';
    const found = { ...sizes };
    wanted.forEach((key, k) => (found[key] = safeNumber(extra.readBigUInt64LE(i + 4 + 8 * k))));
    return wanted.some((key) => Number.isNaN(found[key])) ? 'ZIP64 sizes out of range' : found;
  }
  return 'ZIP64 sizes without their extra field';
}

function safeNumber(value: bigint): number {
  return value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : Number.NaN;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

// Flag bit 11 says UTF-8 (Java's ZipOutputStream, the SDK). Without it the standard says CP437,
// but most tools write the system's encoding, today UTF-8: take UTF-8 when the bytes are valid
// UTF-8, else Latin-1 (every byte a character, as before).
function decodeEntryName(bytes: Buffer, flags: number): string {
  if (flags & FLAG_UTF8) return bytes.toString('utf8');
  try {
    return utf8.decode(bytes);
  } catch {
    return bytes.toString('latin1');
  }
}
