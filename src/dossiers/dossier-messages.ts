import { randomUUID } from 'node:crypto';
import type { JwsSigner } from '../crypto/jws.js';
import { contentDigest } from '../domain/content-digest.js';
import type { DossierOperation } from '../domain/dossier.js';
import type { AttachmentMeta, Message } from '../domain/message.js';
import { issueReceipt } from '../receipts/issue-receipt.js';
import type { InlineBlob } from '../store/database-blobs.js';
import type { AuditRecord, NewMessageRecord } from '../store/records.js';

/** One message the hub sends about a dossier: who to, through which endpoint (`null`: the recipient's inbox). */
export interface DossierMessagePlan {
  operation: DossierOperation;
  sender: string;
  recipient: string;
  endpointId: string | null;
  attachments?: AttachmentMeta[];
  inlineBlobs?: InlineBlob[];
}

export interface DossierMessageContext {
  signer: JwsSigner;
  issuer: string;
  /** Who caused it, for the audit log (`agency:…`, `endpoint:…`). */
  actor: string;
  at: Date;
}

/**
 * The records that send `plan`: a message of kind `dossier` carrying the operation, its delivery, the
 * hub's signed `accepted` receipt (the dossier number as `documentId`) and the audit events — what the
 * message intake writes for a document, so delivery, retries, receipts and evidence work the same.
 */
export async function dossierMessageRecord(plan: DossierMessagePlan, ctx: DossierMessageContext): Promise<NewMessageRecord> {
  const content = { kind: 'dossier' as const, sender: plan.sender, recipients: [plan.recipient], dossier: plan.operation, attachments: plan.attachments ?? [] };
  const message: Message = { id: randomUUID(), ...content, contentSha256: contentDigest(content), createdAt: ctx.at };
  const delivery = { id: randomUUID(), recipient: plan.recipient, endpointId: plan.endpointId };
  const accepted = await issueReceipt(ctx.signer, ctx.issuer, {
    event: 'accepted', messageId: message.id, sender: message.sender, recipient: message.recipients,
    contentSha256: message.contentSha256, documentId: plan.operation.number, at: ctx.at,
  });
  const audit: AuditRecord[] = [
    { at: ctx.at, actor: ctx.actor, kind: 'message.accepted', messageId: message.id,
      data: { kind: 'dossier', op: plan.operation.op, dossierId: plan.operation.dossierId, number: plan.operation.number, sender: message.sender, recipients: message.recipients, contentSha256: message.contentSha256, attachments: message.attachments.length } },
    { at: ctx.at, actor: ctx.actor, kind: delivery.endpointId ? 'delivery.queued' : 'delivery.awaiting-pull', messageId: message.id, deliveryId: delivery.id,
      data: { recipient: delivery.recipient, endpoint: delivery.endpointId } },
  ];
  return { message, deliveries: [delivery], receipts: [accepted], audit, ...(plan.inlineBlobs?.length ? { inlineBlobs: plan.inlineBlobs } : {}) };
}
