/**
 * Large edXML packets for the large-document benchmark and its end-to-end test: one attachment of
 * pseudo-random bytes (optionally inside a single-entry ZIP, as the VNPT SDK sends every file),
 * generated as the packet is read, never held whole; and a reader that digests a packet as it streams.
 */
import { createCipheriv, createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { Zip, ZipDeflate, ZipPassThrough } from 'fflate';
import { buildEdxml, parseEdxml, type AttachmentSink, type ByteFacts, type EdocPacket } from '../src/formats/edxml/index.js';

const CHUNK_BYTES = 64 * 1024;

/** `size` deterministic pseudo-random bytes (the AES-256-CTR keystream of `seed`), a fresh stream per call. */
export function pseudoRandomBytes(seed: string, size: number): Readable {
  const key = createHash('sha256').update(seed).digest();
  return Readable.from((function* () {
    const cipher = createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
    const zeros = Buffer.alloc(CHUNK_BYTES);
    for (let left = size; left > 0; left -= CHUNK_BYTES) yield cipher.update(zeros.subarray(0, Math.min(CHUNK_BYTES, left)));
  })());
}

/**
 * A ZIP archive holding `source` as its one entry, written as it streams (so with a data descriptor,
 * like Java's ZipOutputStream): stored, or deflated at level 1 (pseudo-random bytes do not shrink,
 * but the hub then inflates them).
 */
async function* zipSingleEntry(name: string, source: AsyncIterable<Uint8Array>, deflate = false): AsyncGenerator<Uint8Array> {
  const out: Uint8Array[] = [];
  let failure: Error | null = null;
  const zip = new Zip((err, chunk) => {
    if (err) failure = err;
    else out.push(chunk);
  });
  const entry = deflate ? new ZipDeflate(name, { level: 1 }) : new ZipPassThrough(name);
  entry.mtime = new Date('2026-11-20T00:00:00Z'); // the same bytes on every pass
  zip.add(entry);
  for await (const chunk of source) {
    entry.push(chunk);
    if (failure) throw failure;
    yield* out.splice(0);
  }
  entry.push(new Uint8Array(0), true);
  zip.end();
  if (failure) throw failure;
  yield* out.splice(0);
}

/** Size and SHA-256 of a stream, read once. */
export async function byteFacts(source: AsyncIterable<Uint8Array>): Promise<ByteFacts> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of source) {
    hash.update(chunk);
    size += chunk.length;
  }
  return { size, sha256: hash.digest('hex') };
}

export interface LargePacketOptions {
  from: string;
  to: readonly string[];
  /** Bytes of the one attachment (pseudo-random: it neither compresses nor looks like a ZIP). */
  attachmentBytes: number;
  /** Seeds the attachment bytes and numbers the document. */
  seed: string;
  /** Carry the attachment as a single-entry ZIP (stored, not deflated), as the VNPT SDK sends every file. */
  zip?: boolean;
  /** With `zip`: deflate the entry (level 1) instead of storing it. */
  deflate?: boolean;
}

export interface LargePacket {
  documentId: string;
  /** The attachment itself (the file; inside the ZIP with `zip`). */
  attachment: ByteFacts;
  /** What the packet carries in base64: the file, or the ZIP holding it. */
  payload: ByteFacts;
  /** A fresh stream of the whole packet (unsigned, as an agency's system sends it), built as it is read. */
  open(): Readable;
}

/** An edXML document packet from `from` to `to` with one large attachment, generated as it streams. */
export async function largeEdxmlPacket(opts: LargePacketOptions): Promise<LargePacket> {
  const number = String(parseInt(createHash('sha256').update(opts.seed).digest('hex').slice(0, 8), 16) % 1_000_000);
  const documentId = `${opts.from},2026/11/20,${number}/BENCH-LARGE`;
  const name = `tai-lieu-${number}.pdf`;
  const openFile = (): Readable => pseudoRandomBytes(opts.seed, opts.attachmentBytes);
  const openPayload = (): Readable => (opts.zip ? Readable.from(zipSingleEntry(name, openFile(), opts.deflate === true)) : openFile());
  const attachment = await byteFacts(openFile());
  const payload = opts.zip ? await byteFacts(openPayload()) : attachment;
  const packet: EdocPacket = {
    kind: 'edoc',
    header: {
      from: { organId: opts.from, organName: opts.from },
      to: opts.to.map((organId) => ({ organId, organName: organId })),
      documentId,
      code: { codeNumber: number, codeNotation: 'BENCH-LARGE' },
      promulgationInfo: { place: 'Hà Nội', promulgationDate: '2026/11/20' },
      documentType: { type: '1', typeDetail: '0', typeName: 'Công văn' },
      subject: `Văn bản kèm tệp lớn (${opts.attachmentBytes} byte)`,
      responseFor: [],
    },
    traceHeaderList: { traceHeaders: [], bussiness: { bussinessDocType: '0', staffInfo: [] } },
    manifest: { version: '1.0', references: [{ contentId: 'cid:large.0', contentType: 'application/pdf', attachmentName: name }] },
    attachments: [{
      contentId: 'cid:large.0', attachmentName: name, contentType: opts.zip ? 'application/zip' : 'application/pdf',
      payload, content: { ...attachment, zipped: opts.zip === true, ...(opts.zip && { entryName: name }) },
    }],
  };
  const built = buildEdxml(packet, { openAttachment: openPayload });
  return {
    documentId,
    attachment,
    payload,
    open: () => Readable.from((async function* () {
      yield Buffer.from(built.xmlDeclaration + built.beforeSignature, 'utf8');
      yield* built.afterSignature();
    })()),
  };
}

/**
 * Reads an edXML packet as it streams and returns its size and SHA-256 and, for each attachment,
 * the size and SHA-256 of its payload (never holding a payload: the sink only hashes).
 */
export async function digestEdxmlStream(source: AsyncIterable<Uint8Array>): Promise<{ packet: ByteFacts; attachments: ByteFacts[] }> {
  const hash = createHash('sha256');
  let size = 0;
  async function* counted(): AsyncGenerator<Uint8Array> {
    for await (const chunk of source) {
      hash.update(chunk);
      size += chunk.length;
      yield chunk;
    }
  }
  const hashingSink = (): AttachmentSink<ByteFacts> => {
    const payload = createHash('sha256');
    let bytes = 0;
    return {
      write(chunk) {
        payload.update(chunk);
        bytes += chunk.length;
      },
      end: () => ({ size: bytes, sha256: payload.digest('hex') }),
    };
  };
  const parsed = await parseEdxml(counted(), { attachmentSink: hashingSink, limits: { maxBytes: Number.MAX_SAFE_INTEGER } });
  return { packet: { size, sha256: hash.digest('hex') }, attachments: parsed.attachmentResults };
}
