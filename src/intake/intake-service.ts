import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { actorOf, type Principal } from '../auth/principal.js';
import type { HubConfig } from '../config/hub-config.js';
import type { JwsSigner } from '../crypto/jws.js';
import { contentDigest } from '../domain/content-digest.js';
import type { AttachmentMeta, DocumentMetadata, Message, StatusReport } from '../domain/message.js';
import { hubError } from '../errors.js';
import type { Metrics } from '../metrics.js';
import type { DeliveryEnqueuer } from '../queue/delivery-enqueuer.js';
import { issueReceipt } from '../receipts/issue-receipt.js';
import { resolveEndpoint } from '../routing/resolve-endpoint.js';
import type { InlineBlob } from '../store/database-blobs.js';
import type { GroupCommit } from '../store/group-commit.js';
import type { Queryable } from '../store/db.js';
import type { AuditRecord, NewDeliveryRecord, NewMessageRecord, NewMessageResult } from '../store/records.js';
import { defaultDocumentId } from './document-id.js';

export interface IntakeDeps {
  config: HubConfig;
  db: Queryable;
  signer: JwsSigner;
  /** Receipt issuer name (`iss`). */
  issuer: string;
  commits: GroupCommit<NewMessageRecord, NewMessageResult>;
  enqueuer: DeliveryEnqueuer;
  metrics: Metrics;
  log: Logger;
  now(): Date;
}

export interface DocumentSubmission {
  sender: string;
  recipients: string[];
  document: DocumentMetadata;
  attachments: AttachmentMeta[];
  /** Bytes of the small attachments, stored with the message (see storeInlineAttachments). */
  inlineBlobs?: InlineBlob[];
  idempotencyKey?: string;
}

export interface Accepted {
  id: string;
  receipt: string;
}

/** Where an edXML packet came from: an agency calling the API, or an endpoint the hub polls (the axis). */
export type EdxmlSubmitter =
  | { kind: 'api'; principal: Principal }
  | { kind: 'endpoint'; endpointId: string };

/** edXML provenance kept with the message (migration 003). */
export interface EdxmlProvenance {
  /** The packet's header as received, without attachment payloads. */
  header: unknown;
  /** What verifying its XML signature found (per the route policy), if it was checked. */
  signatureCheck?: unknown;
  /** What the parser tolerated. */
  warnings: string[];
  /** A polled document's `To` agencies the hub does not deliver to (see `polledRecipients`). */
  notDelivered?: readonly NotDeliveredRecipient[];
}

/**
 * A `To` agency of a packet an endpoint's system served that gets no delivery from the hub: not a
 * configured agency, or one the hub would route back to that endpoint (its system reached it itself).
 */
export interface NotDeliveredRecipient {
  agency: string;
  reason: 'unknown-agency' | 'reached-by-source';
}

/** An edXML document packet, read and mapped. */
export interface EdxmlDocumentSubmission extends DocumentSubmission {
  business: { type: BusinessType; relatedDocumentIds: readonly string[]; reason?: string };
  provenance: EdxmlProvenance;
}

/** BussinessDocType: 0 new, 1 revoke, 2 update, 3 replace. */
export type BusinessType = 0 | 1 | 2 | 3;

export interface IntakeService {
  /** The checks that need no storage: run them before streaming attachments anywhere. */
  checkParties(principal: Principal, sender: string, recipients: readonly string[]): void;
  acceptDocument(principal: Principal, submission: DocumentSubmission): Promise<Accepted>;
  /**
   * A document that arrived as edXML. A revoke, update or replace links to the earlier message (same
   * sender, one of `relatedDocumentIds`) and also goes to that message's recipients.
   */
  acceptEdxmlDocument(submitter: EdxmlSubmitter, submission: EdxmlDocumentSubmission): Promise<Accepted>;
  /**
   * A business status on message `messageId`, reported by one party to the other: a recipient to the
   * sender (01–06, 02, 15, 16), or the sender to its recipients (13, a recall request; `addressee`
   * narrows it to one recipient).
   */
  reportStatus(principal: Principal, messageId: string, status: StatusReport, opts?: { addressee?: string; provenance?: EdxmlProvenance; idempotencyKey?: string }): Promise<Accepted>;
  /** The document message an edXML status packet points at (its DocumentId, sent by one of the two parties). */
  findDocument(documentId: string, parties: readonly string[]): Promise<string | undefined>;
}

export function createIntakeService(deps: IntakeDeps): IntakeService {
  const { config } = deps;

  /** 2. check: the caller sends as itself, and every agency is known. */
  const checkParties = (principal: Principal, sender: string, recipients: readonly string[]): void => {
    if (principal.kind !== 'agency') throw hubError('HUB_ERR_FORBIDDEN', ['send messages (only agency keys can)']);
    if (principal.agency !== sender) throw hubError('HUB_ERR_SENDER_MISMATCH', [sender, principal.agency]);
    const unknown = [sender, ...recipients].filter((code) => !config.agencies.has(code));
    if (unknown.length > 0) throw hubError('HUB_ERR_UNKNOWN_AGENCY', [unknown.join(', ')], { agencies: unknown });
  };

  /** 3. route each recipient to an endpoint or its inbox. */
  const plan = (message: Message): NewDeliveryRecord[] =>
    message.recipients.map((recipient) => ({
      id: randomUUID(),
      recipient,
      endpointId: resolveEndpoint(config, {
        kind: message.kind,
        sender: message.sender,
        recipient,
        ...(message.document ? { documentType: message.document.documentType.name } : {}),
      }).endpointId,
    }));

  /** 4–6. sign the accepted receipt, commit everything in one transaction, enqueue. */
  const commit = async (principal: Principal | string, message: Message, extra: Partial<NewMessageRecord> = {}): Promise<Accepted> => {
    const deliveries = plan(message);
    const accepted = await issueReceipt(deps.signer, deps.issuer, {
      event: 'accepted',
      messageId: message.id,
      sender: message.sender,
      recipient: message.recipients,
      contentSha256: message.contentSha256,
      ...(message.document?.documentId ? { documentId: message.document.documentId } : {}),
      at: message.createdAt,
    });
    const actor = typeof principal === 'string' ? principal : actorOf(principal);
    const audit: AuditRecord[] = [
      { at: message.createdAt, actor, kind: 'message.accepted', messageId: message.id,
        data: { kind: message.kind, sender: message.sender, recipients: message.recipients, contentSha256: message.contentSha256, attachments: message.attachments.length } },
      ...deliveries.map((d) => ({
        at: message.createdAt, actor, kind: d.endpointId ? 'delivery.queued' : 'delivery.awaiting-pull', messageId: message.id, deliveryId: d.id,
        data: { recipient: d.recipient, endpoint: d.endpointId },
      })),
      ...(extra.audit ?? []),
    ];
    const result = await deps.commits.submit({
      message,
      deliveries,
      receipts: [accepted, ...(extra.receipts ?? [])],
      audit,
      ...(extra.businessStatus ? { businessStatus: extra.businessStatus } : {}),
      ...(extra.inlineBlobs ? { inlineBlobs: extra.inlineBlobs } : {}),
      ...(extra.edxml ? { edxml: extra.edxml } : {}),
    });
    if (result.kind === 'duplicate') {
      if (result.by === 'idempotency-key' && !result.sameContent) throw hubError('HUB_ERR_IDEMPOTENCY_KEY_REUSED', [message.idempotencyKey], { messageId: result.existingId });
      throw hubError('HUB_ERR_DUPLICATE', [result.existingId], { messageId: result.existingId, by: result.by });
    }
    deps.metrics.messagesAccepted.inc({ kind: message.kind });
    // The database is the truth: when Redis is away the sweeper enqueues these later.
    const push = deliveries.flatMap((d) => (d.endpointId !== null ? [{ deliveryId: d.id, endpointId: d.endpointId, generation: 0, delayMs: 0 }] : []));
    if (push.length > 0) {
      deps.enqueuer.enqueue(push).catch((err: unknown) => {
        deps.log.warn({ err, messageId: message.id }, 'enqueue failed; the sweeper will pick the deliveries up');
      });
    }
    return { id: message.id, receipt: accepted.jws };
  };

  /** A new document message: the generated document id when none was given, and its content digest. */
  const documentMessage = (submission: DocumentSubmission, recipients: string[], relatedMessageId?: string): Message => {
    const document: DocumentMetadata = { ...submission.document, documentId: submission.document.documentId ?? defaultDocumentId(submission.sender, submission.document) };
    const content = {
      kind: 'document' as const, sender: submission.sender, recipients, document, attachments: submission.attachments,
      ...(relatedMessageId ? { relatedMessageId } : {}),
    };
    return {
      id: randomUUID(),
      ...content,
      contentSha256: contentDigest(content),
      ...(submission.idempotencyKey ? { idempotencyKey: submission.idempotencyKey } : {}),
      createdAt: deps.now(),
    };
  };

  return {
    checkParties,
    async acceptDocument(principal, submission) {
      checkParties(principal, submission.sender, submission.recipients);
      const message = documentMessage(submission, submission.recipients);
      return commit(principal, message, submission.inlineBlobs?.length ? { inlineBlobs: submission.inlineBlobs } : {});
    },

    async acceptEdxmlDocument(submitter, submission) {
      // 2. check: who may send as whom
      if (submitter.kind === 'api') {
        checkParties(submitter.principal, submission.sender, submission.recipients);
      } else {
        const unknown = submission.recipients.filter((code) => !config.agencies.has(code));
        if (unknown.length > 0) throw hubError('HUB_ERR_UNKNOWN_AGENCY', [unknown.join(', ')], { agencies: unknown });
      }
      // A revoke, update or replace concerns an earlier document of the same sender.
      const { type, relatedDocumentIds } = submission.business;
      const earlier = type === 0 || relatedDocumentIds.length === 0 ? undefined : (await deps.db.query<{ id: string; recipients: string[] }>(
        `SELECT id, recipients FROM messages WHERE sender = $1 AND kind = 'document' AND document_id = ANY($2::text[])
          ORDER BY business_type, created_at LIMIT 1`, [submission.sender, [...relatedDocumentIds]])).rows[0];
      const recipients = [...new Set([...submission.recipients, ...(earlier?.recipients ?? [])])];
      const message = documentMessage(submission, recipients, earlier?.id);
      const actor = submitter.kind === 'api' ? submitter.principal : `endpoint:${submitter.endpointId}`;
      return commit(actor, message, {
        ...(submission.inlineBlobs?.length ? { inlineBlobs: submission.inlineBlobs } : {}),
        edxml: { header: submission.provenance.header, businessType: type, ...(submission.provenance.signatureCheck !== undefined ? { signatureCheck: submission.provenance.signatureCheck } : {}) },
        audit: [{
          at: message.createdAt, actor: typeof actor === 'string' ? actor : actorOf(actor), kind: 'message.edxml', messageId: message.id,
          data: {
            businessType: type, relatedMessageId: earlier?.id ?? null, relatedDocumentIds,
            ...(submission.provenance.signatureCheck !== undefined ? { signature: submission.provenance.signatureCheck } : {}),
            ...(submission.provenance.warnings.length ? { tolerated: submission.provenance.warnings.slice(0, 20) } : {}),
            ...(submission.provenance.notDelivered?.length ? { notDelivered: submission.provenance.notDelivered } : {}),
          },
        }],
      });
    },

    async findDocument(documentId, parties) {
      const { rows } = await deps.db.query<{ id: string }>(
        `SELECT id FROM messages WHERE kind = 'document' AND document_id = $1 AND sender = ANY($2::text[]) ORDER BY business_type, created_at LIMIT 1`,
        [documentId, [...parties]]);
      return rows[0]?.id;
    },

    async reportStatus(principal, messageId, status, opts = {}) {
      if (principal.kind !== 'agency') throw hubError('HUB_ERR_FORBIDDEN', ['report statuses (only agency keys can)']);
      const reporter = principal.agency;
      const { rows } = await deps.db.query<{ delivery_id: string; recipient: string; sender: string; content_sha256: string; document_id: string | null }>(
        `SELECT d.id AS delivery_id, d.recipient, m.sender, m.content_sha256, m.document_id
           FROM deliveries d JOIN messages m ON m.id = d.message_id
          WHERE d.message_id = $1 AND m.kind = 'document'`,
        [messageId]);
      // 2. check: only a party learns the message exists — anyone else gets the answer an unknown id gets.
      const fromSender = rows[0]?.sender === reporter;
      const ownDeliveries = rows.filter((r) => r.recipient === reporter);
      if (!fromSender && ownDeliveries.length === 0) throw hubError('HUB_ERR_NOT_FOUND', [`Message ${messageId}`]);
      // A recipient reports to the sender; the sender may only ask for a recall (13), which is the sender's alone.
      let concerned: typeof rows;
      if (fromSender) {
        if (status.code !== '13') throw hubError('HUB_ERR_NOT_A_RECIPIENT', [reporter, messageId]);
        concerned = opts.addressee && opts.addressee !== reporter ? rows.filter((r) => r.recipient === opts.addressee) : rows;
        if (concerned.length === 0) throw hubError('HUB_ERR_VALIDATION', [], [{ path: 'recipient', message: `${opts.addressee} is not a recipient of message ${messageId}` }]);
      } else {
        if (status.code === '13') throw hubError('HUB_ERR_FORBIDDEN', [`ask for the recall (status 13) of message ${messageId}: only its sender can`]);
        concerned = ownDeliveries;
      }
      const at = deps.now();
      const sender = concerned[0]!.sender;
      const recipients = fromSender ? concerned.map((r) => r.recipient) : [sender];
      const content = { kind: 'status' as const, sender: reporter, recipients, status, relatedMessageId: messageId, attachments: [] };
      const message: Message = {
        id: randomUUID(), ...content, contentSha256: contentDigest(content), createdAt: at,
        // Seen again under the same key (a redelivered status packet), nothing new is stored: HUB_ERR_DUPLICATE.
        ...(opts.idempotencyKey ? { idempotencyKey: opts.idempotencyKey } : {}),
      };
      // One status receipt per delivery concerned: the recipient's own, or each one a recall names.
      const statusReceipts = await Promise.all(concerned.map((d) => issueReceipt(deps.signer, deps.issuer, {
        event: 'status',
        messageId,
        deliveryId: d.delivery_id,
        sender: d.sender,
        recipient: d.recipient,
        contentSha256: d.content_sha256,
        ...(d.document_id ? { documentId: d.document_id } : {}),
        statusCode: status.code,
        ...(status.description ? { detail: status.description } : {}),
        at,
      })));
      const accepted = await commit(principal, message, {
        receipts: statusReceipts,
        // Each delivery concerned carries its latest business status (a recall request marks every addressee's).
        businessStatus: { deliveryIds: concerned.map((d) => d.delivery_id), code: status.code },
        audit: concerned.map((d) => ({ at, actor: actorOf(principal), kind: 'delivery.status', messageId, deliveryId: d.delivery_id, data: { code: status.code, statusMessageId: message.id, by: fromSender ? 'sender' : 'recipient' } })),
        ...(opts.provenance ? { edxml: { header: opts.provenance.header, businessType: 0 as const, ...(opts.provenance.signatureCheck !== undefined ? { signatureCheck: opts.provenance.signatureCheck } : {}) } } : {}),
      });
      // The reporter gets the status receipt (of the first delivery a recall concerns; GET …/receipts lists them all);
      // the status message (to the other party) has its own accepted receipt.
      return { id: accepted.id, receipt: statusReceipts[0]!.jws };
    },
  };
}
