import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildEdxmlBuffer, parseEdxml, type EdocPacket } from '../../../src/formats/edxml/index.js';
import { readEdxmlPacket } from '../../../src/intake/read-edxml-packet.js';
import { BlobTooLargeError, createFolderBlobStore, type BlobStore } from '../../../src/store/blob-store.js';

const sha256Of = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');

describe('staged blobs: kept aside until committed, gone when discarded', () => {
  let dir: string;
  let store: BlobStore;
  const files = async (): Promise<string[]> => (await readdir(dir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).map((e) => e.name).sort();

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lt-stage-'));
    store = createFolderBlobStore({ dir });
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('is readable aside, not under its key, until committed; then under its key only', async () => {
    const bytes = Buffer.from('Tờ trình số 45/TTr-UBND\n'.repeat(1000));
    const staged = await store.stage(Readable.from([bytes.subarray(0, 100), bytes.subarray(100)]));
    expect(staged).toMatchObject({ sha256: sha256Of(bytes), size: bytes.length });
    expect(await store.has(staged.sha256)).toBe(false);
    expect(await text(staged.open())).toBe(bytes.toString('utf8'));
    expect((await files()).every((name) => name.startsWith('.tmp-'))).toBe(true);
    await staged.commit();
    await staged.commit(); // once is enough
    expect(await store.has(staged.sha256)).toBe(true);
    expect(await files()).toEqual([staged.sha256]);
    expect(await text(staged.open())).toBe(bytes.toString('utf8'));
    await staged.discard(); // after a commit: nothing to drop, the blob stays
    expect(await files()).toEqual([staged.sha256]);
  });

  it('leaves nothing when discarded, when too large, or when its source fails', async () => {
    const staged = await store.stage(Readable.from([Buffer.from('bỏ đi')]));
    await staged.discard();
    await staged.commit(); // a discarded blob is not committed later
    expect(await files()).toEqual([]);
    await expect(store.stage(Readable.from([Buffer.alloc(2_000)]), { maxBytes: 1_000 })).rejects.toBeInstanceOf(BlobTooLargeError);
    const failing = new Readable({ read() { this.destroy(new Error('the upload broke off')); } });
    await expect(store.stage(failing)).rejects.toThrow('the upload broke off');
    expect(await files()).toEqual([]);
  });

  it('readEdxmlPacket stages a large attachment: a refused packet (discard, or a parse failure after it) leaves nothing', async () => {
    const { packet: base } = await parseEdxml(await readFile('test/fixtures/edxml/built/edoc-new.edxml'));
    const big = Buffer.alloc(200_000, 0x41);
    const attachments = [{ contentId: 'cid:0', attachmentName: 'lon.pdf', contentType: 'application/pdf', payload: { size: big.length, sha256: sha256Of(big) } }];
    const wire = await buildEdxmlBuffer({ ...(base as EdocPacket), manifest: { version: '1.0', references: [{ contentId: 'cid:0', attachmentName: 'lon.pdf' }] }, attachments }, [big]);

    const read = await readEdxmlPacket(Readable.from([wire]), { blobs: store, inlineMax: 65_536, maxAttachmentBytes: 10_000_000 });
    expect(await store.has(sha256Of(big))).toBe(false);
    await read.discard();
    expect(await files()).toEqual([]);

    // The attachment is read whole, then the packet breaks (an unclosed element after it).
    const broken = Buffer.from(wire.toString('utf8').replace('</edXML:edXMLBody>', '<edXML:X></edXML:edXMLBody>'));
    await expect(readEdxmlPacket(Readable.from([broken]), { blobs: store, inlineMax: 65_536, maxAttachmentBytes: 10_000_000 })).rejects.toMatchObject({ code: 'HUB_ERR_XML_MALFORMED' });
    expect(await files()).toEqual([]);

    const accepted = await readEdxmlPacket(Readable.from([wire]), { blobs: store, inlineMax: 65_536, maxAttachmentBytes: 10_000_000 });
    await accepted.commit();
    expect(await files()).toEqual([sha256Of(big)]);
  });
});
