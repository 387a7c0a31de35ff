import { PassThrough } from 'node:stream';
import { once } from 'node:events';
import type { AttachmentSink, AttachmentSinkFactory } from '../formats/edxml/index.js';
import { ZIP_DIRECTORY_TAIL_BYTES } from '../formats/edxml/find-single-zip-entry.js';
import type { BlobStore } from '../store/blob-store.js';

/** Where one attachment payload of a parsed packet ended up. */
export type StoredPayload =
  /** Small: kept in memory (it travels with the message's INSERT). */
  | { kind: 'memory'; bytes: Buffer }
  /**
   * Large: streamed to the blob store as it was decoded. `head` = its first bytes (ZIP detection),
   * `tail` = its last `ZIP_DIRECTORY_TAIL_BYTES` (a ZIP's central directory, read without reading
   * the blob again).
   */
  | { kind: 'blob'; sha256: string; size: number; head: Buffer; tail: Buffer };

const HEAD_BYTES = 4;

/**
 * An attachment sink for the edXML parser: payloads up to `inlineMax` bytes stay in memory, larger
 * ones are streamed into the blob store while the packet is still being read, with back-pressure, so
 * a 50 MB attachment is never held whole (only its last 256 KiB). A parse that fails later destroys
 * the upload (the blob store leaves nothing behind for a failed put).
 */
export function blobAttachmentSink(blobs: BlobStore, inlineMax: number, maxBytes: number): AttachmentSinkFactory<StoredPayload> {
  return () => {
    const buffered: Buffer[] = [];
    let bufferedBytes = 0;
    let upload: { stream: PassThrough; done: Promise<{ sha256: string; size: number }> } | undefined;
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
          upload = { stream, done: blobs.put(stream, { maxBytes }) };
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
        const stored = await upload.done;
        return { kind: 'blob', ...stored, head, tail: tail.bytes() };
      },
      abort(reason) {
        upload?.stream.destroy(reason);
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
