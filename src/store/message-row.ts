import type { DossierOperation } from '../domain/dossier.js';
import type { AttachmentMeta, DocumentMetadata, Message, MessageKind, StatusReport } from '../domain/message.js';

/** The columns of `messages` (plus aggregated attachments) as the drivers return them. */
export interface MessageRow {
  id: string;
  kind: MessageKind;
  sender: string;
  recipients: string[];
  document: DocumentMetadata | null;
  status: StatusReport | null;
  dossier: DossierOperation | null;
  related_message_id: string | null;
  content_sha256: string;
  idempotency_key: string | null;
  created_at: Date;
  attachments: AttachmentMeta[] | null;
}

/** SQL that selects a `MessageRow` from `messages m`, attachments aggregated in index order. */
export const MESSAGE_COLUMNS = `m.id, m.kind, m.sender, m.recipients, m.document, m.status, m.dossier, m.related_message_id,
  m.content_sha256, m.idempotency_key, m.created_at,
  (SELECT json_agg(json_build_object('index', a.idx, 'name', a.name, 'contentType', a.content_type,
     'description', a.description, 'size', a.size, 'sha256', a.sha256) ORDER BY a.idx)
     FROM attachments a WHERE a.message_id = m.id) AS attachments`;

export function rowToMessage(row: MessageRow): Message {
  return {
    id: row.id,
    kind: row.kind,
    sender: row.sender,
    recipients: row.recipients,
    ...(row.document ? { document: row.document } : {}),
    ...(row.status ? { status: row.status } : {}),
    ...(row.dossier ? { dossier: row.dossier } : {}),
    ...(row.related_message_id ? { relatedMessageId: row.related_message_id } : {}),
    attachments: (row.attachments ?? []).map((a) => {
      const { description, ...rest } = a;
      return description ? { ...rest, description } : rest;
    }),
    contentSha256: row.content_sha256,
    ...(row.idempotency_key ? { idempotencyKey: row.idempotency_key } : {}),
    createdAt: row.created_at,
  };
}
