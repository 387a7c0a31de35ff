import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline, Readable, Transform } from 'node:stream';
import { Zip, ZipDeflate, zipSync } from 'fflate';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findSingleZipEntry, ZIP_DIRECTORY_TAIL_BYTES } from '../../../../src/formats/edxml/find-single-zip-entry.js';
import { buildEdxmlBuffer } from '../../../../src/formats/edxml/build-edxml-buffer.js';
import type { EdocPacket } from '../../../../src/formats/edxml/edxml-packet.js';
import { parseEdxml } from '../../../../src/formats/edxml/parse-edxml.js';
import { unwrapSingleEntryZip } from '../../../../src/formats/edxml/unwrap-single-entry-zip.js';
import { readEdxmlPacket } from '../../../../src/intake/read-edxml-packet.js';
import { unwrapStoredZip, type StoredZipPayload } from '../../../../src/intake/unwrap-stored-zip.js';
import { createFolderBlobStore, type BlobStore, type StagedBlob } from '../../../../src/store/blob-store.js';
import { vendorSample } from './edxml-test-support.js';

const sha256Of = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
const mtime = new Date('2020-01-01T00:00:00Z');
/** Compressible, ~90 kB: deflates well, so a lying size or a bomb is easy to build. */
const FILE = Buffer.from('Công văn số 12/UBND-VP về việc thử nghiệm liên thông văn bản. '.repeat(1_200));

/** A payload as the intake keeps it: its size, its last bytes, and a fresh stream in `chunk`-byte pieces. */
function kept(zip: Uint8Array, chunk = 7_000): StoredZipPayload & { opened: () => number } {
  let opened = 0;
  const bytes = Buffer.from(zip);
  return {
    size: bytes.length,
    tail: bytes.subarray(Math.max(0, bytes.length - ZIP_DIRECTORY_TAIL_BYTES)),
    open: () => {
      opened++;
      return Readable.from((function* () {
        for (let at = 0; at < bytes.length; at += chunk) yield bytes.subarray(at, at + chunk);
      })());
    },
    opened: () => opened,
  };
}

// Fields of an archive fflate wrote (one entry, local header at 0, no archive comment).
const directoryOf = (zip: Buffer): number => zip.readUInt32LE(zip.length - 22 + 16);
function patched(zip: Uint8Array, edit: (zip: Buffer, local: number, central: number) => void): Buffer {
  const copy = Buffer.from(zip);
  edit(copy, 0, directoryOf(copy));
  return copy;
}
const withMethod = (zip: Uint8Array, method: number) => patched(zip, (z, l, c) => (z.writeUInt16LE(method, l + 8), z.writeUInt16LE(method, c + 10)));
const withSize = (zip: Uint8Array, size: number) => patched(zip, (z, l, c) => (z.writeUInt32LE(size, l + 22), z.writeUInt32LE(size, c + 24)));
const withCrc = (zip: Uint8Array, crc: number) => patched(zip, (z, l, c) => (z.writeUInt32LE(crc, l + 14), z.writeUInt32LE(crc, c + 16)));

/** A single-entry ZIP as a streaming writer makes it (Java's ZipOutputStream, `zip -`): sizes and CRC in a data descriptor. */
function zipWithDataDescriptor(name: string, file: Uint8Array): Buffer {
  const out: Uint8Array[] = [];
  const zip = new Zip((err, chunk) => {
    if (err) throw err;
    out.push(chunk);
  });
  const entry = new ZipDeflate(name, { level: 6 });
  entry.mtime = mtime;
  zip.add(entry);
  for (let at = 0; at < file.length; at += 10_000) entry.push(file.subarray(at, at + 10_000), at + 10_000 >= file.length);
  zip.end();
  return Buffer.concat(out);
}

// Made by real writers (`unzip -t` passes each), holding the 1,100 bytes of
// 'Công văn số 12/UBND-VP về việc thử nghiệm. ' × 20:
const REAL_WRITERS = {
  // Java 21 ZipOutputStream (the VNPT SDK is Java): flags 0x0808, data descriptor, UTF-8 name "văn-bản.txt".
  java: 'UEsDBBQACAgIAACshl0AAAAAAAAAAAAAAAAOAAAAdsSDbi1i4bqjbi50eHRzPrwlL12h7EhznkLxw90TFQyN9EOd/Fx0wwIUyh7ublQoy3y4uz1ZoSTj4e61CnnpGSBurp6C86i2UW2j2ka1IWsDAFBLBwiVqDMrRAAAAEwEAABQSwECFAAUAAgICAAArIZdlagzK0QAAABMBAAADgAAAAAAAAAAAAAAAAAAAAAAdsSDbi1i4bqjbi50eHRQSwUGAAAAAAEAAQA8AAAAgAAAAAAA',
  // Info-ZIP 3.0 `… | zip - - | cat`: ZIP64 local extra with unknown sizes, ZIP64 data descriptor, entry "-".
  infoZipPipe: 'UEsDBC0ACAAIAAKshl0AAAAA//////////8BABQALQEAEAAAAAAAAAAAAAAAAAAAAAAAcz68JS9doexIc55C8cPdExUMjfRDnfxcdMMCFMoe7m5UKMt8uLs9WaEk4+HutQp56Rkgbq6egvOotlFto9pGtSFrAwBQSwcIlagzK0QAAAAAAAAATAQAAAAAAABQSwECHgMtAAgACAACrIZdlagzK0QAAABMBAAAAQAAAAAAAAABAAAAgBEAAAAALVBLBQYAAAAAAQABAC8AAACPAAAAAAA=',
  // Info-ZIP 3.0 `zip -fz`: ZIP64 end record and locator, size in the directory's ZIP64 extra, entry "f.txt".
  infoZip64: 'UEsDBC0AAAAIAAGshl2VqDMr//////////8FADAAZi50eHRVVAkAA1HUFWtR1BVrdXgLAAEEAAAAAAQAAAAAAQAQAEwEAAAAAAAARAAAAAAAAABzPrwlL12h7EhznkLxw90TFQyN9EOd/Fx0wwIUyh7ublQoy3y4uz1ZoSTj4e61CnnpGSBurp6C86i2UW2j2ka1IWsDAFBLAQIeAy0AAAAIAAGshl2VqDMrRAAAAP////8FACQAAAAAAAEAAACkgQAAAABmLnR4dFVUBQADUdQVa3V4CwABBAAAAAAEAAAAAAEACABMBAAAAAAAAFBLBgYsAAAAAAAAAB4DLQAAAAAAAAAAAAEAAAAAAAAAAQAAAAAAAABXAAAAAAAAAJcAAAAAAAAAUEsGBwAAAADuAAAAAAAAAAEAAABQSwUGAAAAAAEAAQBXAAAA/////wAA',
};
const REAL_FILE = { size: 1_100, sha256: '41169d784b96dc6f1abf8e022c65ce4c84c1778dd57dffb4cf4b440f106fe004' };

describe('unwrapStoredZip: the single entry streamed from a kept payload into the blob store', () => {
  let dir: string;
  let blobs: BlobStore;
  /** Bytes the store received through put() streams, per call. */
  let received: number[];

  /** Every file in the blob folder (blobs and `.tmp-*`), relative. */
  const files = async (): Promise<string[]> => (await readdir(dir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).map((e) => e.name).sort();
  /** Unwraps, then commits what was staged (as the intake does once a packet is accepted). */
  const unwrap = async (payload: StoredZipPayload, o: { inlineMax?: number; max?: number } = {}) => {
    const staged: StagedBlob[] = [];
    const result = await unwrapStoredZip(payload, { blobs, staged, inlineMax: o.inlineMax ?? 0, maxUnzippedBytes: o.max ?? 10_000_000 });
    for (const blob of staged) await blob.commit();
    return result;
  };

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lt-zip-unwrap-'));
    const folder = createFolderBlobStore({ dir });
    received = [];
    const counting = (source: Readable): Readable => {
      const index = received.push(0) - 1;
      const counted = new Transform({ transform: (chunk: Buffer, _e, done) => ((received[index]! += chunk.length), done(null, chunk)) });
      return pipeline(source, counted, () => undefined);
    };
    blobs = {
      ...folder,
      put(source, opts) {
        if (Buffer.isBuffer(source)) return folder.put(source, opts);
        return folder.put(counting(source), opts);
      },
      stage: (source, opts) => folder.stage(counting(source), opts),
    };
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('unwraps a stored or deflated entry into the blob store, with its size and SHA-256', async () => {
    for (const level of [0, 6] as const) {
      const result = await unwrap(kept(zipSync({ 'van-ban.pdf': [FILE, { level, mtime }] })));
      expect(result).toEqual({ zipped: true, entryName: 'van-ban.pdf', size: FILE.length, sha256: sha256Of(FILE) });
      expect(await readFile(join(dir, sha256Of(FILE).slice(0, 2), sha256Of(FILE).slice(2, 4), sha256Of(FILE)))).toEqual(FILE);
    }
    expect(await files()).toEqual([sha256Of(FILE)]);
  });

  it('returns a small entry in memory, for the message INSERT, and stores nothing', async () => {
    const result = await unwrap(kept(zipSync({ 'nho.txt': [FILE.subarray(0, 500), { mtime }] })), { inlineMax: 500 });
    expect(result).toMatchObject({ zipped: true, entryName: 'nho.txt', size: 500, sha256: sha256Of(FILE.subarray(0, 500)) });
    expect(result.zipped && result.inline).toEqual(FILE.subarray(0, 500));
    expect(await files()).toEqual([]);
  });

  it('reads a payload that is itself in the blob store, as the intake does, in one pass', async () => {
    const zip = Buffer.from(zipSync({ 'van-ban.pdf': [FILE, { mtime }] }));
    const stored = await blobs.put(zip);
    let opened = 0;
    const result = await unwrap({ size: zip.length, tail: zip.subarray(-ZIP_DIRECTORY_TAIL_BYTES), open: () => (opened++, blobs.open(stored.sha256)) });
    expect(result).toMatchObject({ zipped: true, size: FILE.length, sha256: sha256Of(FILE) });
    expect(opened).toBe(1);
    expect(await files()).toEqual([sha256Of(FILE), stored.sha256].sort());
  });

  it('unwraps entries with a data descriptor (flag bit 3), as Java and `zip -` write them, and ZIP64 records', async () => {
    const streamed = zipWithDataDescriptor('tờ-trình.docx', FILE);
    expect(streamed.readUInt16LE(6) & 0x0008).toBe(0x0008);
    expect(await unwrap(kept(streamed, 4_096))).toMatchObject({ zipped: true, entryName: 'tờ-trình.docx', size: FILE.length, sha256: sha256Of(FILE) });
    const names = { java: 'văn-bản.txt', infoZipPipe: '-', infoZip64: 'f.txt' };
    for (const [writer, base64] of Object.entries(REAL_WRITERS)) {
      const zip = Buffer.from(base64, 'base64');
      expect(await unwrap(kept(zip, 50)), writer).toMatchObject({ zipped: true, entryName: names[writer as keyof typeof names], ...REAL_FILE });
      expect(unwrapSingleEntryZip(zip), writer).toMatchObject({ zipped: true, entryName: names[writer as keyof typeof names] });
    }
  });

  it('unwraps the VNPT SDK samples\' attachment like the in-memory path does', async () => {
    const parsed = await parseEdxml(vendorSample('edoc_update.edxml'));
    const [{ payload, content }] = parsed.attachmentResults as [{ payload: Buffer; content: Uint8Array }];
    const result = await unwrap(kept(payload));
    expect(result).toEqual({ zipped: true, entryName: '3ed3cc90-1dcb-4382-9725-1de9cd899790.edxml', size: 388_347, sha256: sha256Of(content) });
  });

  it('keeps raw, reading nothing past the directory: two entries, a directory, methods 12 and 14, an entry over the cap, encrypted', async () => {
    const one = zipSync({ 'a.txt': [FILE, { mtime }] });
    const cases: [Uint8Array, string | RegExp][] = [
      [zipSync({ 'a.txt': [FILE, { mtime }], 'b.txt': [FILE, { mtime }] }), 'ZIP archive with 2 entries'],
      [zipSync({ 'thu-muc': {} }, { mtime }), 'ZIP archive holding only a directory'],
      [zipSync({ 'thu-muc': { 'a.txt': [FILE, { mtime }] } }), 'ZIP archive with 2 entries'],
      [withMethod(one, 12), 'ZIP compression method 12 is not supported'],
      [withMethod(one, 14), 'ZIP compression method 14 is not supported'],
      [patched(one, (z, l, c) => (z.writeUInt16LE(1, l + 6), z.writeUInt16LE(1, c + 8))), 'ZIP entry is encrypted'],
    ];
    for (const [zip, reason] of cases) {
      const payload = kept(zip);
      expect(await unwrap(payload), String(reason)).toEqual({ zipped: false, reason });
      expect(payload.opened()).toBe(0);
      expect(unwrapSingleEntryZip(zip)).toMatchObject({ zipped: false, reason });
    }
    const bomb = zipSync({ 'bom.txt': [Buffer.alloc(3_000_000), { mtime }] }); // 3 MB of zeros in ~3 kB
    expect(await unwrap(kept(bomb), { max: 2_999_999 })).toEqual({ zipped: false, reason: 'ZIP entry of 3000000 bytes exceeds 2999999' });
    expect(await files()).toEqual([]);
  });

  it('keeps raw a damaged archive: truncated, its directory gone, or its data cut short', async () => {
    const zip = Buffer.from(zipSync({ 'a.txt': [FILE, { mtime }] }));
    expect(await unwrap(kept(zip.subarray(0, zip.length - 30)))).toEqual({ zipped: false, reason: 'not a readable ZIP archive (no end of central directory record)' });
    expect(await unwrap(kept(zip.subarray(0, zip.length - 1)))).toMatchObject({ zipped: false, reason: expect.stringMatching(/^not a readable ZIP archive/) });
    // The directory is intact but the stream of the payload ends early (a blob cut short on disk).
    const short = { ...kept(zip), open: () => Readable.from([zip.subarray(0, 100)]) };
    expect(await unwrap(short)).toEqual({ zipped: false, reason: expect.stringMatching(/^ZIP (archive ends \d+ bytes before the end of its entry|entry cannot be inflated)/) });
    // Garbage instead of deflate data.
    const garbled = patched(zip, (z) => z.fill(0xff, 40, 200));
    expect(await unwrap(kept(garbled))).toEqual({ zipped: false, reason: expect.stringMatching(/^ZIP entry cannot be inflated \(.+\)$/) });
    expect(unwrapSingleEntryZip(garbled)).toMatchObject({ zipped: false, reason: expect.stringMatching(/^ZIP entry cannot be inflated/) });
    // A directory pointing at no local header.
    const misplaced = patched(zip, (z, _l, c) => z.writeUInt32LE(5, c + 42));
    expect(await unwrap(kept(misplaced))).toEqual({ zipped: false, reason: 'no ZIP local header where the central directory points' });
    // Failing at the first bytes races the temp file's open in the blob store: it must still go.
    for (let i = 0; i < 20; i++) await unwrap(kept(misplaced));
    expect(await files()).toEqual([]);
  });

  it('stops an entry that inflates past its declared size (a lying size, a bomb) before storing it', async () => {
    const bomb = zipSync({ 'bom.txt': [Buffer.alloc(20_000_000), { mtime }] }); // 20 MB of zeros in ~20 kB
    for (const [zip, declared] of [[withSize(zipSync({ 'a.txt': [FILE, { mtime }] }), 50_000), 50_000], [withSize(bomb, 1_000_000), 1_000_000]] as const) {
      received = [];
      expect(await unwrap(kept(zip))).toEqual({ zipped: false, reason: `ZIP entry inflates past its declared ${declared} bytes` });
      expect(received[0]).toBeLessThanOrEqual(declared); // what reached the store: never past the declared size
      expect(unwrapSingleEntryZip(zip)).toMatchObject({ zipped: false, reason: `ZIP entry inflates past its declared ${declared} bytes` });
    }
    expect(await files()).toEqual([]); // the temp files are gone
  });

  it('keeps raw an entry shorter than declared or with another CRC-32, storing nothing', async () => {
    const zip = zipSync({ 'a.txt': [FILE, { mtime }] });
    const longer = withSize(zip, FILE.length + 1);
    expect(await unwrap(kept(longer))).toEqual({ zipped: false, reason: `ZIP entry is ${FILE.length} bytes, its directory record says ${FILE.length + 1}` });
    expect(unwrapSingleEntryZip(longer)).toMatchObject({ zipped: false, reason: `ZIP entry is ${FILE.length} bytes, its directory record says ${FILE.length + 1}` });
    const stored = withCrc(zipSync({ 'a.txt': [FILE, { level: 0, mtime }] }), 0x12345678);
    expect(await unwrap(kept(stored))).toEqual({ zipped: false, reason: 'ZIP entry CRC-32 differs from its directory record' });
    expect(unwrapSingleEntryZip(stored)).toMatchObject({ zipped: false, reason: 'ZIP entry CRC-32 differs from its directory record' });
    expect(await files()).toEqual([]);
  });

  it('fails (does not keep raw) when reading the payload fails: that is the hub\'s fault', async () => {
    const zip = zipSync({ 'a.txt': [FILE, { mtime }] });
    const missing = { ...kept(zip), open: () => blobs.open('0'.repeat(64)) };
    await expect(unwrap(missing)).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await files()).toEqual([]);
  });
});

describe('findSingleZipEntry', () => {
  it('finds the directory within the tail the intake keeps, with the longest comments and extra field', () => {
    const file = Buffer.alloc(600_000, 0x2a);
    const zip = Buffer.from(zipSync({ 'a.txt': [file, { level: 0, mtime, comment: 'c'.repeat(65_535), extra: { 0x6666: Buffer.alloc(65_531) } }] }));
    const commented = Buffer.concat([zip, Buffer.alloc(65_535, 0x20)]); // the archive comment, by hand (fflate writes none)
    commented.writeUInt16LE(65_535, zip.length - 2);
    const tail = commented.subarray(-ZIP_DIRECTORY_TAIL_BYTES);
    expect(tail.length).toBeLessThan(commented.length);
    expect(findSingleZipEntry(tail, commented.length, 1e9)).toMatchObject({ found: true, entry: { name: 'a.txt', method: 0, size: file.length, localHeaderOffset: 0 } });
    expect(unwrapSingleEntryZip(commented)).toMatchObject({ zipped: true, entryName: 'a.txt' });
    expect(() => findSingleZipEntry(zip, zip.length - 1, 1e9)).toThrow(RangeError);
  });
});

describe('readEdxmlPacket: ZIP payloads unwrapped at intake, whether the sink kept them in memory or in the blob store', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lt-zip-intake-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('streams each single entry into the store (or inline when small) and keeps a multi-entry ZIP raw, with a warning', async () => {
    const INLINE_MAX = 65_536;
    const noise = randomBytes(400_000); // does not deflate
    const files = { large: noise, expands: FILE.subarray(0, 90_000), small: FILE.subarray(0, 1_000) };
    const payloads = [
      zipWithDataDescriptor('lon.pdf', files.large), // > inlineMax: the sink streams it to the store
      Buffer.from(zipSync({ 'gian-ra.txt': [files.expands, { mtime }] })), // kept in memory, its entry > inlineMax
      Buffer.from(zipSync({ 'nho.txt': [files.small, { mtime }] })), // in memory, entry inline
      Buffer.from(zipSync({ 'a.bin': [noise, { level: 0, mtime }], 'b.bin': [noise.subarray(1), { level: 0, mtime }] })), // stays raw
    ];
    expect(payloads.map((p) => p.length > INLINE_MAX)).toEqual([true, false, false, true]);
    const { packet: base } = await parseEdxml(await readFile('test/fixtures/edxml/built/edoc-new.edxml'));
    const attachments = payloads.map((p, i) => ({ contentId: `cid:${i}`, attachmentName: `tep-${i}.zip`, contentType: 'application/zip', payload: { size: p.length, sha256: sha256Of(p) } }));
    const wire = await buildEdxmlBuffer({ ...(base as EdocPacket), manifest: { version: '1.0', references: attachments.map(({ contentId, attachmentName }) => ({ contentId, attachmentName })) }, attachments }, payloads);

    const blobs = createFolderBlobStore({ dir });
    const read = await readEdxmlPacket(Readable.from([wire]), { blobs, inlineMax: INLINE_MAX, maxAttachmentBytes: 10_000_000 });
    await read.commit();
    const contents = (read.packet as EdocPacket).attachments.map((a) => a.content);
    expect(contents).toEqual([
      { zipped: true, entryName: 'lon.pdf', size: files.large.length, sha256: sha256Of(files.large) },
      { zipped: true, entryName: 'gian-ra.txt', size: files.expands.length, sha256: sha256Of(files.expands) },
      { zipped: true, entryName: 'nho.txt', size: files.small.length, sha256: sha256Of(files.small) },
      { zipped: false, size: payloads[3]!.length, sha256: sha256Of(payloads[3]!) },
    ]);
    expect(read.inlineBlobs.map((b) => [b.sha256, b.data.length])).toEqual([[sha256Of(files.small), files.small.length]]);
    expect(read.warnings).toContain('attachment cid:3: ZIP archive with 2 entries; kept raw');
    // In the folder: the two large entries and the multi-entry ZIP kept raw; nothing else (the large
    // single-entry ZIP the sink streamed is not kept once its entry is out).
    const stored = (await readdir(dir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).map((e) => e.name).sort();
    expect(stored).toEqual([sha256Of(files.large), sha256Of(files.expands), sha256Of(payloads[3]!)].sort());
  });
});
