import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { blobAttachmentSink } from '../../../src/intake/blob-attachment-sink.js';
import { createFolderBlobStore } from '../../../src/store/blob-store.js';
import type { StagedBlob } from '../../../src/store/blob-store.js';

const META = { index: 0, contentId: 'cid:1', attachmentName: 'a.pdf', contentType: 'application/pdf' };
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

async function folder(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'lienthong-sink-'));
  dirs.push(dir);
  return dir;
}

describe('the blob attachment sink', () => {
  it('keeps a payload up to the inline limit in memory and stages a larger one', async () => {
    const dir = await folder();
    const staged: StagedBlob[] = [];
    const factory = blobAttachmentSink(createFolderBlobStore({ dir }), 8, 1024, staged);
    const small = factory(META);
    await small.write(Buffer.from('tiny'));
    expect(await small.end()).toEqual({ kind: 'memory', bytes: Buffer.from('tiny') });
    const large = factory(META);
    for (let i = 0; i < 10; i++) await large.write(Buffer.from('0123456789'));
    const result = await large.end();
    expect(result).toMatchObject({ kind: 'blob', size: 100, head: Buffer.from('0123') });
    expect(staged).toHaveLength(1);
    await staged[0]!.discard();
    expect(await readdir(dir)).toEqual([]);
  });

  it('aborted mid-payload: once abort() resolves, nothing of the upload is left in the folder', async () => {
    const dir = await folder();
    const staged: StagedBlob[] = [];
    const sink = blobAttachmentSink(createFolderBlobStore({ dir }), 16, 10 * 1024 * 1024, staged)(META);
    for (let i = 0; i < 64; i++) await sink.write(Buffer.alloc(64 * 1024, i));
    expect((await readdir(dir)).some((name) => name.startsWith('.tmp-'))).toBe(true);
    await sink.abort!(new Error('the packet went over its size limit'));
    expect(await readdir(dir)).toEqual([]);
    expect(staged).toEqual([]);
  });
});
