import { createHash } from 'node:crypto';
import { hubError } from '../../errors.js';
import type { EdxmlAttachment } from './edxml-packet.js';
import { DEFAULT_MAX_UNZIPPED_BYTES, unwrapSingleEntryZip } from './unwrap-single-entry-zip.js';

/** An attachment with its `content` settled, and the content's bytes. */
export interface ResolvedAttachment {
  attachment: EdxmlAttachment;
  content: Uint8Array;
  /** Why a ZIP-looking payload stayed raw (a multi-entry or damaged archive …). */
  note?: string;
}

/**
 * The second step of "ZIP single entry, else raw" (docs/domain-vn.md §1.5), for payloads a custom
 * sink stored: given the payload bytes back, sets `attachment.content` to the single ZIP entry or
 * to the raw payload. The bytes must be the payload the parser saw (size and SHA-256 are checked).
 * Holds the payload and the entry in memory: for payloads in the blob store the intake streams the
 * entry instead (`unwrapStoredZip`, src/intake/unwrap-stored-zip.ts).
 */
export function resolveAttachmentContent(
  attachment: EdxmlAttachment,
  payload: Uint8Array,
  maxUnzippedBytes = DEFAULT_MAX_UNZIPPED_BYTES,
): ResolvedAttachment {
  const sha256 = createHash('sha256').update(payload).digest('hex');
  if (payload.length !== attachment.payload.size || sha256 !== attachment.payload.sha256) {
    throw hubError('HUB_ERR_INVALID_ATTACHMENT', [attachment.contentId ?? attachment.attachmentName ?? '?', 'bytes differ from the parsed payload']);
  }
  const unwrapped = unwrapSingleEntryZip(payload, maxUnzippedBytes);
  if (!unwrapped.zipped) {
    const content = { size: payload.length, sha256, zipped: false };
    return { attachment: { ...attachment, content }, content: payload, ...(unwrapped.reason ? { note: unwrapped.reason } : {}) };
  }
  const { bytes, entryName } = unwrapped;
  const content = { size: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex'), zipped: true, entryName };
  return { attachment: { ...attachment, content }, content: bytes };
}
