import { Readable } from 'node:stream';
import {
  edxmlToMessage, parseEdxml, startsWithZipLocalHeader,
  type EdxmlAttachment, type EdxmlMessageFields, type EdxmlPacket, type EdxmlSource, type XmlLimits,
} from '../formats/edxml/index.js';
import { DEFAULT_MAX_UNZIPPED_BYTES } from '../formats/edxml/unwrap-single-entry-zip.js';
import { hubError } from '../errors.js';
import type { BlobStore, StagedBlob } from '../store/blob-store.js';
import type { InlineBlob } from '../store/database-blobs.js';
import { blobAttachmentSink, type StoredPayload } from './blob-attachment-sink.js';
import { unwrapStoredZip, type StoredZipPayload } from './unwrap-stored-zip.js';

export interface ReadEdxmlOptions {
  blobs: BlobStore;
  /** Attachments up to this size travel with the message's INSERT instead of the blob folder. */
  inlineMax: number;
  /** Largest attachment, decoded. */
  maxAttachmentBytes: number;
  /** Largest single ZIP entry unwrapped (default 512 MiB); a larger one stays wrapped. */
  maxUnzippedBytes?: number;
  limits?: Partial<XmlLimits>;
}

/** A packet read from the wire, its attachments stored and described as the hub keeps them. */
export interface ReadEdxml {
  /** Every attachment's `content` settled ("ZIP single entry, else raw"). */
  packet: EdxmlPacket;
  fields: EdxmlMessageFields;
  inlineBlobs: InlineBlob[];
  /** What the parser tolerated (vendor quirks) and ZIP payloads kept raw (with why), for the audit log. */
  warnings: string[];
  /**
   * Stores the large attachments under their keys: call once the packet is accepted, before its
   * message is written. Until then they are only staged in the blob folder.
   */
  commit(): Promise<void>;
  /** Drops the staged attachments: call when the packet is refused after it was read. */
  discard(): Promise<void>;
}

/**
 * Reads an edXML packet the way intake needs it: parsed as it streams in (hardened: no DTDs or
 * entities, size and depth limits), each attachment decoded straight into the blob folder or kept
 * in memory when small, single-entry ZIPs unwrapped by streaming the entry out of the kept payload
 * into the blob folder, and mapped to the hub's message fields. What goes to the blob folder is
 * staged there until `commit()` (the ZIP payload of an unwrapped attachment is not kept at all): a
 * packet refused while or after it is read leaves nothing behind.
 *
 * @throws HUB_ERR_XML_* / HUB_ERR_EDXML_INVALID / HUB_ERR_INVALID_ATTACHMENT (what was staged is
 *   discarded then).
 */
export async function readEdxmlPacket(source: EdxmlSource, opts: ReadEdxmlOptions): Promise<ReadEdxml> {
  const staged: StagedBlob[] = [];
  const discard = async (): Promise<void> => {
    await Promise.all(staged.map((blob) => blob.discard()));
  };
  try {
    return { ...await readStaged(source, opts, staged), commit: () => commitAll(staged), discard };
  } catch (err) {
    await discard();
    throw err;
  }
}

/** Commits one at a time: a failure leaves the rest staged for `discard()` to remove. */
async function commitAll(staged: readonly StagedBlob[]): Promise<void> {
  for (const blob of staged) await blob.commit();
}

async function readStaged(source: EdxmlSource, opts: ReadEdxmlOptions, staged: StagedBlob[]): Promise<Omit<ReadEdxml, 'commit' | 'discard'>> {
  const parsed = await parseEdxml(source, {
    ...(opts.limits ? { limits: opts.limits } : {}),
    attachmentSink: blobAttachmentSink(opts.blobs, opts.inlineMax, opts.maxAttachmentBytes, staged),
  });
  const inlineBlobs: InlineBlob[] = [];
  const warnings = [...parsed.warnings];
  const settle = async (attachment: EdxmlAttachment, stored: StoredPayload, index: number): Promise<EdxmlAttachment> => {
    // 1. A ZIP-looking payload: its single entry becomes the content, streamed into the blob store.
    const zip = zipPayloadOf(attachment, stored);
    if (zip) {
      const unwrapped = await unwrapStoredZip(zip, { blobs: opts.blobs, staged, inlineMax: opts.inlineMax, maxUnzippedBytes: opts.maxUnzippedBytes ?? DEFAULT_MAX_UNZIPPED_BYTES });
      if (unwrapped.zipped) {
        const { entryName, size, sha256, inline } = unwrapped;
        if (inline) inlineBlobs.push({ sha256, size, data: inline });
        // The message keeps the file inside; the ZIP it came in is not referenced: not kept.
        if (stored.kind === 'blob') await stored.staged.discard();
        return { ...attachment, content: { size, sha256, zipped: true, entryName } };
      }
      warnings.push(`attachment ${attachment.contentId ?? index}: ${unwrapped.reason}; kept raw`);
    }
    // 2. Raw: the content is the payload, whose size and SHA-256 the parser computed as it decoded;
    //    a large one is already in the blob store under that digest, a small one travels inline.
    if (stored.kind === 'memory') inlineBlobs.push({ sha256: attachment.payload.sha256, size: stored.bytes.length, data: stored.bytes });
    return { ...attachment, content: { size: attachment.payload.size, sha256: attachment.payload.sha256, zipped: false } };
  };
  const packet: EdxmlPacket = parsed.packet.kind === 'edoc'
    ? { ...parsed.packet, attachments: await Promise.all(parsed.packet.attachments.map((a, i) => settle(a, parsed.attachmentResults[i]!, i))) }
    : parsed.packet;
  return { packet, fields: edxmlToMessage(packet), inlineBlobs, warnings };
}

/** The payload to unwrap when it looks like a ZIP, readable again from where the sink kept it. */
function zipPayloadOf(attachment: EdxmlAttachment, stored: StoredPayload): StoredZipPayload | undefined {
  if (stored.kind === 'memory') {
    if (!startsWithZipLocalHeader(stored.bytes)) return undefined;
    return { size: stored.bytes.length, tail: stored.bytes, open: () => Readable.from([stored.bytes]) };
  }
  if (!startsWithZipLocalHeader(stored.head)) return undefined;
  if (stored.size !== attachment.payload.size || stored.sha256 !== attachment.payload.sha256) {
    throw hubError('HUB_ERR_INVALID_ATTACHMENT', [attachment.contentId ?? attachment.attachmentName ?? '?', 'bytes differ from the parsed payload']);
  }
  return { size: stored.size, tail: stored.tail, open: () => stored.open() };
}
