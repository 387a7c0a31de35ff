import { buffer } from 'node:stream/consumers';
import {
  edxmlToMessage, parseEdxml, resolveAttachmentContent, startsWithZipLocalHeader,
  type EdxmlAttachment, type EdxmlMessageFields, type EdxmlPacket, type EdxmlSource, type XmlLimits,
} from '../formats/edxml/index.js';
import type { BlobStore } from '../store/blob-store.js';
import type { InlineBlob } from '../store/database-blobs.js';
import { blobAttachmentSink, type StoredPayload } from './blob-attachment-sink.js';

export interface ReadEdxmlOptions {
  blobs: BlobStore;
  /** Attachments up to this size travel with the message's INSERT instead of the blob folder. */
  inlineMax: number;
  /** Largest attachment, decoded. */
  maxAttachmentBytes: number;
  limits?: Partial<XmlLimits>;
}

/** A packet read from the wire, its attachments stored and described as the hub keeps them. */
export interface ReadEdxml {
  /** Every attachment's `content` settled ("ZIP single entry, else raw"). */
  packet: EdxmlPacket;
  fields: EdxmlMessageFields;
  inlineBlobs: InlineBlob[];
  /** What the parser tolerated (vendor quirks), for the audit log. */
  warnings: string[];
}

/**
 * Reads an edXML packet the way intake needs it: parsed as it streams in (hardened: no DTDs or
 * entities, size and depth limits), each attachment decoded straight into the blob store or kept
 * in memory when small, single-entry ZIPs unwrapped, and mapped to the hub's message fields.
 *
 * @throws HUB_ERR_XML_* / HUB_ERR_EDXML_INVALID / HUB_ERR_INVALID_ATTACHMENT (nothing is referenced
 *   by the store then; a large payload already streamed stays as an unreferenced, content-addressed blob).
 */
export async function readEdxmlPacket(source: EdxmlSource, opts: ReadEdxmlOptions): Promise<ReadEdxml> {
  const parsed = await parseEdxml(source, {
    ...(opts.limits ? { limits: opts.limits } : {}),
    attachmentSink: blobAttachmentSink(opts.blobs, opts.inlineMax, opts.maxAttachmentBytes),
  });
  const inlineBlobs: InlineBlob[] = [];
  const settle = async (attachment: EdxmlAttachment, stored: StoredPayload): Promise<EdxmlAttachment> => {
    if (stored.kind === 'blob' && !startsWithZipLocalHeader(stored.head)) {
      // Raw and already in the blob store under its own digest.
      return { ...attachment, content: { size: stored.size, sha256: stored.sha256, zipped: false } };
    }
    if (stored.kind === 'memory' && !startsWithZipLocalHeader(stored.bytes) && stored.bytes.length <= opts.inlineMax) {
      // Raw and small: the content is the payload, whose size and SHA-256 the parser computed as it decoded.
      inlineBlobs.push({ sha256: attachment.payload.sha256, size: stored.bytes.length, data: stored.bytes });
      return { ...attachment, content: { size: attachment.payload.size, sha256: attachment.payload.sha256, zipped: false } };
    }
    const payload = stored.kind === 'memory' ? stored.bytes : await buffer(opts.blobs.open(stored.sha256));
    const resolved = resolveAttachmentContent(attachment, payload);
    const content = Buffer.from(resolved.content.buffer, resolved.content.byteOffset, resolved.content.byteLength);
    const facts = resolved.attachment.content!;
    if (content.length <= opts.inlineMax) inlineBlobs.push({ sha256: facts.sha256, size: facts.size, data: content });
    else if (stored.kind === 'memory' || facts.zipped) await opts.blobs.put(content);
    return resolved.attachment;
  };
  const packet: EdxmlPacket = parsed.packet.kind === 'edoc'
    ? { ...parsed.packet, attachments: await Promise.all(parsed.packet.attachments.map((a, i) => settle(a, parsed.attachmentResults[i]!))) }
    : parsed.packet;
  return { packet, fields: edxmlToMessage(packet), inlineBlobs, warnings: parsed.warnings };
}
