import { PassThrough } from 'node:stream';
import { once } from 'node:events';
import type { AttachmentSink, AttachmentSinkFactory } from '../formats/edxml/index.js';
import { ZIP_DIRECTORY_TAIL_BYTES } from '../formats/edxml/find-single-zip-entry.js';
import type { Readable } from 'node:stream';
import type { BlobStore, StagedBlob } from '../store/blob-store.js';

/** Where one attachment payload of a parsed packet ended up. */
export type StoredPayload =
  /** Small: kept in memory (it travels with the message's INSERT). */
  | { kind: 'memory'; bytes: Buffer }
  /**
   * Large: streamed into the blob folder as it was decoded, staged there (see `BlobStore.stage`)
   * until the packet is accepted. `head` = its first bytes (ZIP detection), `tail` = its last
   * `ZIP_DIRECTORY_TAIL_BYTES` (a ZIP's central directory, read without reading the blob again).
   */
  | { kind: 'blob'; sha256: string; size: number; head: Buffer; tail: Buffer; staged: StagedBlob; open(): Readable };

const HEAD_BYTES = 4;

/**
 * An attachment sink for the edXML parser: payloads up to `inlineMax` bytes stay in memory, larger
 * ones are streamed into the blob folder while the packet is still being read, with back-pressure,
 * so a 50 MB attachment is never held whole (only its last 256 KiB). They are only staged there:
 * each finished one is added to `staged`, for the caller to commit once the packet is accepted or
 * discard when it is refused. A parse that fails mid-attachment destroys that upload and waits until
 * nothing of it is left.
 */
export function blobAttachmentSink(blobs: BlobStore, inlineMax: number, maxBytes: number, staged: StagedBlob[]): AttachmentSinkFactory<StoredPayload> {
  return () => {
    const buffered: Buffer[] = [];
    let bufferedBytes = 0;
    let upload: { stream: PassThrough; done: Promise<StagedBlob> } | undefined;
    let head = Buffer.alloc(0);
    const tail = new TailKeeper(ZIP_DIRECTORY_TAIL_BYTES);

    const write = async (stream: PassThrough, chunk: Buffer): Promise<void> => {
      if (!stream.write(chunk)) await once(stream, 'drain');
    };

    const sink: AttachmentSink<StoredPayload> = {
      async write(chunk) {
        const bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
        if (head.length < HEAD_BYTES) head = Buffer.concat([head, bytes.subarray(0, HEAD_BYTES - head.length)]);
        if (!upload) {
          buffered.push(Buffer.from(bytes)); // the parser may reuse its chunk
          bufferedBytes += bytes.length;
          if (bufferedBytes <= inlineMax) return;
          const stream = new PassThrough({ highWaterMark: 256 * 1024 });
          upload = { stream, done: blobs.stage(stream, { maxBytes }) };
          upload.done.catch(() => undefined); // observed in end()/abort()
          for (const piece of buffered.splice(0)) {
            tail.push(piece);
            await write(stream, piece);
          }
          return;
        }
        const copy = Buffer.from(bytes);
        tail.push(copy);
        await write(upload.stream, copy);
      },
      async end() {
        if (!upload) return { kind: 'memory', bytes: Buffer.concat(buffered) };
        upload.stream.end();
        const blob = await upload.done;
        staged.push(blob);
        return { kind: 'blob', sha256: blob.sha256, size: blob.size, head, tail: tail.bytes(), staged: blob, open: () => blob.open() };
      },
      async abort(reason) {
        if (!upload) return;
        upload.stream.destroy(reason);
        // Wait for the write to settle: its temp file is removed before the refusal is answered.
        const blob = await upload.done.catch(() => undefined);
        await blob?.discard();
      },
    };
    return sink;
  };
}

/** Keeps the last `limit` bytes of what passes, holding the chunks themselves (never copied until asked). */
class TailKeeper {
  readonly #chunks: Buffer[] = [];
  #bytes = 0;

  constructor(private readonly limit: number) {}

  push(chunk: Buffer): void {
    this.#chunks.push(chunk);
    this.#bytes += chunk.length;
    // Drop whole chunks from the front while what remains still covers `limit` bytes.
    while (this.#chunks.length > 1 && this.#bytes - this.#chunks[0]!.length >= this.limit) this.#bytes -= this.#chunks.shift()!.length;
  }

  bytes(): Buffer {
    const all = Buffer.concat(this.#chunks);
    return all.subarray(Math.max(0, all.length - this.limit));
  }
}
