/**
 * The hub's canonical message model. Formats (JSON API, edXML) and adapters translate to and from it;
 * the store persists it. Field names follow Decree 30/2020 metadata, mapped to edXML in
 * docs/domain-vn.md §8.3.
 */

import type { DossierOperation } from './dossier.js';

/**
 * What a message carries. `status` is a recipient's business status travelling back to the sender;
 * `dossier` is an operation on an administrative-procedure dossier (src/domain/dossier.ts).
 */
export type MessageKind = 'document' | 'status' | 'dossier';

/** Độ khẩn, in edXML `OtherInfo/Priority` order (0 … 4). */
export const URGENCIES = ['normal', 'urgent', 'very_urgent', 'flash', 'flash_timed'] as const;
export type Urgency = (typeof URGENCIES)[number];

export interface SignerInfo {
  fullName: string;
  position: string;
  /** Quyền hạn ký: TM., KT., TL., TUQ., Q. … */
  competence?: string;
}

export interface DocumentMetadata {
  /** Opaque document id (edXML `DocumentId`); the hub generates the comma form when absent. */
  documentId?: string;
  /** Số (edXML `Code/CodeNumber`). */
  number: string;
  /** Ký hiệu (edXML `Code/CodeNotation`). */
  notation: string;
  promulgation: { place: string; /** YYYY-MM-DD */ date: string };
  documentType: { name: string; code?: number; detail?: number };
  /** Trích yếu. */
  subject: string;
  content?: string;
  signer: SignerInfo;
  urgency: Urgency;
  /** Hạn xử lý, YYYY-MM-DD. */
  dueDate?: string;
  /** Nơi nhận as free text. */
  toPlaces?: string[];
  pageCount?: number;
  copies?: number;
  sphere?: string;
  steeringType?: 0 | 1 | 2;
}

/** Attachment metadata; the bytes live in the blob store under `sha256`. */
export interface AttachmentMeta {
  index: number;
  name: string;
  contentType: string;
  description?: string;
  size: number;
  /** Lowercase hex SHA-256 of the bytes, also the blob-store key. */
  sha256: string;
}

/** A business status reported by a recipient (docs/domain-vn.md §1.7). */
export interface StatusReport {
  code: StatusCode;
  description?: string;
  staff?: { department?: string; name?: string; email?: string; mobile?: string };
  /** ISO-8601 time the status changed at the recipient. */
  at: string;
}

export const STATUS_CODES = ['01', '02', '03', '04', '05', '06', '13', '15', '16'] as const;
export type StatusCode = (typeof STATUS_CODES)[number];

export const STATUS_LABELS: Record<StatusCode, string> = {
  '01': 'arrived',
  '02': 'rejected',
  '03': 'accepted',
  '04': 'assigned',
  '05': 'processing',
  '06': 'completed',
  '13': 'recall-requested',
  '15': 'change-accepted',
  '16': 'change-rejected',
};

/** A message as stored and as handed to adapters. */
export interface Message {
  id: string;
  kind: MessageKind;
  sender: string;
  recipients: string[];
  document?: DocumentMetadata;
  status?: StatusReport;
  /** For `dossier` messages: what to do about which dossier. */
  dossier?: DossierOperation;
  /** For `status` messages: the message whose status this reports. */
  relatedMessageId?: string;
  attachments: AttachmentMeta[];
  /** Lowercase hex SHA-256 of the canonical content (see `src/domain/content-digest.ts`). */
  contentSha256: string;
  idempotencyKey?: string;
  createdAt: Date;
}
