import { createHash } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { text } from 'node:stream/consumers';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BlobTooLargeError, createFolderBlobStore, type BlobStore } from '../../../src/store/blob-store.js';

const sha256Of = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');

/** Every file under `dir`, relative, sorted. */
async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .sort();
}

/** The V8 collector as a function, without starting node with --expose-gc. */
function exposeGc(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

/** Size of the biggest `.tmp-*` file in `dir` (synchronous: called from inside a stream's read()). */
function largestTempFile(dir: string): number {
  const temps = readdirSync(dir).filter((name) => name.startsWith('.tmp-'));
  return Math.max(0, ...temps.map((name) => statSync(join(dir, name)).size));
}

/** A deterministic stream of `total` bytes in `chunkSize` chunks, produced on demand. */
function generatedStream(total: number, chunkSize: number, onChunk: (chunk: Buffer, produced: number) => void = () => {}): Readable {
  let produced = 0;
  return new Readable({
    read() {
      if (produced >= total) {
        this.push(null);
        return;
      }
      const size = Math.min(chunkSize, total - produced);
      const chunk = Buffer.allocUnsafe(size);
      // Cheap varying content: the offset's low bytes, so chunks differ.
      for (let i = 0; i < size; i += 4) chunk.writeUInt32LE((produced + i) >>> 0, i);
      produced += size;
      onChunk(chunk, produced);
      this.push(chunk);
    },
  });
}

describe('folder blob store', () => {
  let dir: string;
  let store: BlobStore;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lt-blobs-'));
    store = createFolderBlobStore({ dir: join(dir, 'blobs') });
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('stores a buffer under <aa>/<bb>/<sha256> and reads it back', async () => {
    const content = Buffer.from('Công văn số 123/UBND-VP\n');
    const { sha256, size } = await store.put(content);

    expect(sha256).toBe(sha256Of(content));
    expect(size).toBe(content.length);
    expect(await listFiles(join(dir, 'blobs'))).toEqual([join(sha256.slice(0, 2), sha256.slice(2, 4), sha256)]);
    expect(await store.has(sha256)).toBe(true);
    expect(await store.stat(sha256)).toEqual({ size: content.length });
    expect(await text(store.open(sha256))).toBe(content.toString());
  });

  it('deduplicates identical content, from a buffer and from a stream', async () => {
    const content = Buffer.from('the same bytes twice');
    const first = await store.put(content);
    const second = await store.put(Readable.from([content.subarray(0, 5), content.subarray(5)]));

    expect(second).toEqual(first);
    expect(await listFiles(join(dir, 'blobs'))).toHaveLength(1);
  });

  it('reports missing blobs as absent, and opening one fails with ENOENT', async () => {
    const missing = sha256Of('never stored');
    expect(await store.has(missing)).toBe(false);
    expect(await store.stat(missing)).toBeUndefined();
    await expect(text(store.open(missing))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('streams a 50 MB source with bounded memory', async () => {
    const total = 50 * 1024 * 1024;
    const expected = createHash('sha256');
    const gc = exposeGc();
    gc();
    const baseline = process.memoryUsage().arrayBuffers;
    let peakBuffers = 0;
    let tempSizeAt40Mb = 0;
    const source = generatedStream(total, 64 * 1024, (chunk, produced) => {
      expected.update(chunk);
      // Collect first, so the figure is what is still referenced, not garbage awaiting collection.
      if (produced % (4 * 1024 * 1024) === 0) {
        gc();
        peakBuffers = Math.max(peakBuffers, process.memoryUsage().arrayBuffers - baseline);
      }
      if (produced === 40 * 1024 * 1024) tempSizeAt40Mb = largestTempFile(join(dir, 'blobs'));
    });

    const result = await store.put(source);

    expect(result).toEqual({ sha256: expected.digest('hex'), size: total });
    expect(await store.stat(result.sha256)).toEqual({ size: total });
    // Written as it arrives: the temp file held most of the bytes before the source ended.
    expect(tempSizeAt40Mb).toBeGreaterThan(30 * 1024 * 1024);
    // Buffering the whole source would hold 40-50 MB of Buffers by the end.
    expect(peakBuffers).toBeGreaterThan(0);
    expect(peakBuffers).toBeLessThan(8 * 1024 * 1024);
  });

  it('fails with BlobTooLargeError beyond maxBytes and leaves nothing behind', async () => {
    const source = generatedStream(5 * 1024 * 1024, 64 * 1024);
    const failure = store.put(source, { maxBytes: 1024 * 1024 });

    await expect(failure).rejects.toBeInstanceOf(BlobTooLargeError);
    await expect(failure).rejects.toMatchObject({ maxBytes: 1024 * 1024, code: 'BLOB_TOO_LARGE' });
    expect(source.destroyed).toBe(true);
    expect(await listFiles(join(dir, 'blobs'))).toEqual([]);
  });

  it('accepts exactly maxBytes and refuses one byte more, from a buffer', async () => {
    const content = Buffer.alloc(100, 7);
    await expect(store.put(content, { maxBytes: 100 })).resolves.toEqual({ sha256: sha256Of(content), size: 100 });
    await expect(store.put(Buffer.alloc(101, 7), { maxBytes: 100 })).rejects.toBeInstanceOf(BlobTooLargeError);
    expect(await listFiles(join(dir, 'blobs'))).toHaveLength(1);
  });

  it('removes the temp file when the source fails', async () => {
    const source = new Readable({
      read() {
        this.push(Buffer.alloc(1024));
        this.destroy(new Error('client went away'));
      },
    });
    await expect(store.put(source)).rejects.toThrow('client went away');
    expect(await listFiles(join(dir, 'blobs'))).toEqual([]);
  });

  it.each([
    ['uppercase', sha256Of('x').toUpperCase()],
    ['too short', sha256Of('x').slice(1)],
    ['path traversal', `../../${'a'.repeat(58)}`],
    ['path separators', `aa/bb/${'c'.repeat(58)}`],
    ['empty', ''],
  ])('rejects a malformed key (%s)', async (_label, key) => {
    expect(() => store.open(key)).toThrow(TypeError);
    await expect(store.stat(key)).rejects.toThrow(TypeError);
    await expect(store.has(key)).rejects.toThrow(TypeError);
  });

  it('keeps one intact copy when the same content is put concurrently', async () => {
    const content = Buffer.alloc(2 * 1024 * 1024, 'lienthong');
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        // Alternate buffers and chunked streams so the writes really overlap.
        i % 2 === 0 ? store.put(content) : store.put(Readable.from([content.subarray(0, 1000), content.subarray(1000)])),
      ),
    );

    const sha256 = sha256Of(content);
    expect(new Set(results.map((r) => r.sha256))).toEqual(new Set([sha256]));
    expect(await listFiles(join(dir, 'blobs'))).toEqual([join(sha256.slice(0, 2), sha256.slice(2, 4), sha256)]);
    expect(sha256Of(await readFile(join(dir, 'blobs', sha256.slice(0, 2), sha256.slice(2, 4), sha256)))).toBe(sha256);
  });
});
