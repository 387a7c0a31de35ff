import type { Message, StatusCode } from '../domain/message.js';
import type { InlineBlob } from './database-blobs.js';

/** Receipt events (DESIGN: accepted, delivered, status updates from the recipient, failed). */
export type ReceiptEvent = 'accepted' | 'delivered' | 'status' | 'failed';

export interface ReceiptRecord {
  id: string;
  messageId: string;
  deliveryId?: string;
  event: ReceiptEvent;
  statusCode?: StatusCode;
  jws: string;
  createdAt: Date;
}

export interface AuditRecord {
  at: Date;
  actor: string;
  kind: string;
  messageId?: string;
  deliveryId?: string;
  /** Never secrets: ids, codes, digests, counts, reasons. */
  data?: Record<string, unknown>;
}

export type DeliveryState = 'queued' | 'sending' | 'retrying' | 'delivered' | 'failed';

export interface NewDeliveryRecord {
  id: string;
  recipient: string;
  /** `null` = pull mode: the recipient fetches it from its inbox. */
  endpointId: string | null;
}

/** Everything one accepted message writes, in one transaction. */
export interface NewMessageRecord {
  message: Message;
  deliveries: NewDeliveryRecord[];
  receipts: ReceiptRecord[];
  audit: AuditRecord[];
  /** Small attachment bytes stored in the same statement (table `blobs`). */
  inlineBlobs?: InlineBlob[];
  /** For a status message: the original deliveries whose business status it reports (a recall may concern several). */
  businessStatus?: { deliveryIds: string[]; code: StatusCode };
  /** Set when the message arrived as edXML: its header as received, business type and signature check. */
  edxml?: { header: unknown; businessType: 0 | 1 | 2 | 3; signatureCheck?: unknown };
}

/** How the write of one new message ended. */
export type NewMessageResult =
  | { kind: 'inserted' }
  | { kind: 'duplicate'; existingId: string; sameContent: boolean; by: 'idempotency-key' | 'document-id' };
