import { hubError } from '../errors.js';
import type { AttachmentMeta } from '../domain/message.js';
import { createHash } from 'node:crypto';
import type { BlobStore } from '../store/blob-store.js';
import type { InlineBlob } from '../store/database-blobs.js';

export interface InlineAttachment {
  name: string;
  contentType: string;
  description?: string;
  /** base64, possibly wrapped in lines */
  content: string;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Decodes base64 strictly (Buffer.from silently skips garbage) and writes each file to the blob store.
 * Every attachment is decoded before any is written, so a request refused for a bad attachment leaves
 * nothing in the blob store.
 */
export async function storeInlineAttachments(
  blobs: BlobStore,
  attachments: readonly InlineAttachment[] = [],
  inlineMax = 0,
): Promise<{ attachments: AttachmentMeta[]; inlineBlobs: InlineBlob[] }> {
  const decoded = attachments.map((a, index) => {
    const compact = a.content.includes('\n') || a.content.includes('\r') ? a.content.replace(/\r?\n/g, '') : a.content;
    if (compact.length % 4 !== 0 || !BASE64.test(compact)) {
      throw hubError('HUB_ERR_INVALID_ATTACHMENT', [index, 'content is not valid base64'], { index, name: a.name });
    }
    const bytes = Buffer.from(compact, 'base64');
    if (bytes.length === 0) throw hubError('HUB_ERR_INVALID_ATTACHMENT', [index, 'content is empty'], { index, name: a.name });
    return { a, index, bytes };
  });
  const inlineBlobs: InlineBlob[] = [];
  const metas = await Promise.all(
    decoded.map(async ({ a, index, bytes }) => {
      let stored: { sha256: string; size: number };
      if (bytes.length <= inlineMax) {
        // Small: travels with the message's INSERT (see src/store/database-blobs.ts).
        stored = { sha256: createHash('sha256').update(bytes).digest('hex'), size: bytes.length };
        inlineBlobs.push({ ...stored, data: bytes });
      } else {
        stored = await blobs.put(bytes);
      }
      return { index, name: a.name, contentType: a.contentType, ...(a.description ? { description: a.description } : {}), ...stored };
    }),
  );
  return { attachments: metas, inlineBlobs };
}
