import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json.js';
import type { DossierOperation } from './dossier.js';
import type { AttachmentMeta, DocumentMetadata, MessageKind, StatusReport } from './message.js';

export interface DigestableContent {
  kind: MessageKind;
  sender: string;
  recipients: readonly string[];
  document?: DocumentMetadata;
  status?: StatusReport;
  dossier?: DossierOperation;
  relatedMessageId?: string;
  attachments: readonly AttachmentMeta[];
}

/**
 * SHA-256 (hex) of what a message says, independent of how it arrived (JSON, multipart, edXML):
 * the canonical JSON (RFC 8785 style) of kind, sender, recipients, metadata, status and each
 * attachment's name, type, size and SHA-256. Receipts carry it, so anyone holding the message can
 * recompute it and see that the receipt is about exactly that content.
 */
export function contentDigest(content: DigestableContent): string {
  return createHash('sha256').update(canonicalContent(content)).digest('hex');
}

/** The exact text `contentDigest` hashes (an evidence bundle carries it as `message/content.json`). */
export function canonicalContent(content: DigestableContent): string {
  return canonicalJson({
    kind: content.kind,
    sender: content.sender,
    recipients: content.recipients,
    document: content.document,
    status: content.status,
    dossier: content.dossier,
    relatedMessageId: content.relatedMessageId,
    attachments: content.attachments.map((a) => ({ name: a.name, contentType: a.contentType, size: a.size, sha256: a.sha256 })),
  });
}
