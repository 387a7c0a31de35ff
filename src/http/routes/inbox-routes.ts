import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { ApiKeyResolver } from '../../auth/api-keys.js';
import type { JwsSigner } from '../../crypto/jws.js';
import { hubError } from '../../errors.js';
import type { Metrics } from '../../metrics.js';
import { issueReceipt } from '../../receipts/issue-receipt.js';
import type { BlobStore } from '../../store/blob-store.js';
import type { Db } from '../../store/db.js';
import { MESSAGE_COLUMNS, rowToMessage, type MessageRow } from '../../store/message-row.js';
import { writeAudit, writeReceipts } from '../../store/write-new-messages.js';
import { authenticate, principalOf, requireAgency } from '../authenticate.js';

export interface InboxRoutesDeps {
  db: Db;
  blobs: BlobStore;
  apiKeys: ApiKeyResolver;
  signer: JwsSigner;
  issuer: string;
  metrics: Metrics;
  log: Logger;
  now(): Date;
}

const idParams = { type: 'object', additionalProperties: false, required: ['id'], properties: { id: { type: 'string', format: 'uuid', description: 'Message id.' } } };

async function streamToBase64(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('base64');
}

/**
 * Pull mode, for agencies without an endpoint: list what waits for them, fetch it, acknowledge it.
 * The acknowledgement is the transport receipt: the delivery becomes `delivered` and a signed
 * `delivered` receipt is issued. Business statuses go through POST /v1/messages/:id/status.
 */
export async function inboxRoutes(app: FastifyInstance, deps: InboxRoutesDeps): Promise<void> {
  app.addHook('onRequest', authenticate(deps.apiKeys));

  const loadPending = async (agency: string, messageId: string): Promise<MessageRow & { delivery_id: string; state: string }> => {
    const { rows } = await deps.db.query<MessageRow & { delivery_id: string; state: string }>(
      `SELECT d.id AS delivery_id, d.state, ${MESSAGE_COLUMNS} FROM deliveries d JOIN messages m ON m.id = d.message_id
        WHERE d.message_id = $1 AND d.recipient = $2 AND d.endpoint_id IS NULL`, [messageId, agency]);
    if (!rows[0]) throw hubError('HUB_ERR_NOT_FOUND', [`Inbox message ${messageId}`]);
    return rows[0];
  };

  app.get<{ Querystring: { limit: number; after?: string } }>('/v1/inbox', {
    schema: {
      summary: 'Messages waiting for the calling agency (pull mode), oldest first',
      tags: ['inbox'],
      querystring: {
        type: 'object', additionalProperties: false,
        properties: {
          limit: { type: 'integer', minimum: 1, maximum: 500, default: 100, description: 'Page size.' },
          after: { type: 'string', format: 'uuid', description: 'Cursor: the last delivery id of the previous page.' },
        },
      },
    },
  }, async (request) => {
    const agency = requireAgency(principalOf(request), 'read an inbox (only agency keys have one)');
    const { limit, after } = request.query;
    const { rows } = await deps.db.query<{ delivery_id: string; message_id: string; kind: string; sender: string; created_at: Date; document: { subject?: string; number?: string; notation?: string } | null; status: { code?: string } | null; related_message_id: string | null; dossier: { op: string; dossierId: string; number: string; status?: number } | null }>(
      `SELECT d.id AS delivery_id, m.id AS message_id, m.kind, m.sender, d.created_at, m.document, m.status, m.related_message_id, m.dossier
         FROM deliveries d JOIN messages m ON m.id = d.message_id
        WHERE d.recipient = $1 AND d.endpoint_id IS NULL AND d.delivered_at IS NULL
          AND ($2::uuid IS NULL OR (d.created_at, d.id) > (SELECT created_at, id FROM deliveries WHERE id = $2::uuid AND recipient = $1))
        ORDER BY d.created_at, d.id LIMIT $3`, [agency, after ?? null, limit]);
    // An empty page after a cursor: the end of the inbox, or a cursor that is none of this agency's deliveries.
    if (rows.length === 0 && after !== undefined) {
      const known = await deps.db.query('SELECT 1 FROM deliveries WHERE id = $1 AND recipient = $2', [after, agency]);
      if (known.rows.length === 0) throw hubError('HUB_ERR_INVALID_CURSOR', [`${after} is not a delivery of ${agency}`]);
    }
    return {
      items: rows.map((r) => ({
        id: r.message_id, deliveryId: r.delivery_id, kind: r.kind, sender: r.sender, createdAt: r.created_at.toISOString(),
        ...(r.document ? { subject: r.document.subject, number: r.document.number, notation: r.document.notation } : {}),
        ...(r.status ? { statusCode: r.status.code, relatedMessageId: r.related_message_id } : {}),
        // Which dossier a result is about, without fetching it (its data and documents are in GET /v1/inbox/:id).
        ...(r.dossier ? { dossier: { op: r.dossier.op, dossierId: r.dossier.dossierId, number: r.dossier.number, ...(r.dossier.status !== undefined ? { status: r.dossier.status } : {}) } } : {}),
      })),
      next: rows.length === limit ? rows[rows.length - 1]!.delivery_id : null,
    };
  });

  app.get<{ Params: { id: string } }>('/v1/inbox/:id', {
    schema: { summary: 'One inbox message with its attachments (base64)', tags: ['inbox'], params: idParams },
  }, async (request) => {
    const agency = requireAgency(principalOf(request), 'read an inbox');
    const row = await loadPending(agency, request.params.id);
    const message = rowToMessage(row);
    const attachments = await Promise.all(message.attachments.map(async (a) => ({ ...a, content: await streamToBase64(deps.blobs.open(a.sha256)) })));
    return { ...message, createdAt: message.createdAt.toISOString(), deliveryId: row.delivery_id, state: row.state, attachments };
  });

  app.get<{ Params: { id: string; index: number } }>('/v1/inbox/:id/attachments/:index', {
    schema: {
      summary: 'One attachment, streamed as raw bytes', tags: ['inbox'],
      params: { type: 'object', additionalProperties: false, required: ['id', 'index'], properties: { id: { type: 'string', format: 'uuid', description: 'Message id.' }, index: { type: 'integer', minimum: 0, description: 'Attachment index.' } } },
    },
  }, async (request, reply) => {
    const agency = requireAgency(principalOf(request), 'read an inbox');
    const message = rowToMessage(await loadPending(agency, request.params.id));
    const attachment = message.attachments.find((a) => a.index === request.params.index);
    if (!attachment) throw hubError('HUB_ERR_NOT_FOUND', [`Attachment ${request.params.index}`]);
    return reply
      .header('content-type', attachment.contentType)
      .header('content-length', attachment.size)
      .header('content-disposition', `attachment; filename*=UTF-8''${encodeURIComponent(attachment.name)}`)
      .header('digest', `sha-256=${Buffer.from(attachment.sha256, 'hex').toString('base64')}`)
      .send(deps.blobs.open(attachment.sha256));
  });

  app.post<{ Params: { id: string } }>('/v1/inbox/:id/ack', {
    schema: { summary: 'Acknowledge receipt of an inbox message; returns the signed delivered receipt', tags: ['inbox'], params: idParams },
  }, async (request) => {
    const agency = requireAgency(principalOf(request), 'acknowledge inbox messages');
    const row = await loadPending(agency, request.params.id);
    if (row.state === 'delivered') {
      const existing = await deps.db.query<{ jws: string }>(`SELECT jws FROM receipts WHERE message_id = $1 AND delivery_id = $2 AND event = 'delivered' ORDER BY created_at LIMIT 1`, [row.id, row.delivery_id]);
      return { id: request.params.id, deliveryId: row.delivery_id, receipt: existing.rows[0]?.jws ?? null, alreadyAcknowledged: true };
    }
    const message = rowToMessage(row);
    const at = deps.now();
    const receipt = await issueReceipt(deps.signer, deps.issuer, {
      event: 'delivered', messageId: message.id, deliveryId: row.delivery_id, sender: message.sender, recipient: agency,
      contentSha256: message.contentSha256, ...(message.document?.documentId ? { documentId: message.document.documentId } : {}), at,
    });
    const won = await deps.db.transaction(async (tx) => {
      const updated = await tx.query(`UPDATE deliveries SET state = 'delivered', delivered_at = $2, updated_at = $2, attempts = attempts + 1 WHERE id = $1 AND state = 'queued'`, [row.delivery_id, at]);
      if (updated.rowCount === 0) return false; // a concurrent ack won
      await writeReceipts(tx, [receipt]);
      await writeAudit(tx, [{ at, actor: `agency:${agency}`, kind: 'delivery.delivered', messageId: message.id, deliveryId: row.delivery_id, data: { mode: 'pull' } }]);
      return true;
    });
    if (!won) {
      const existing = await deps.db.query<{ jws: string }>(`SELECT jws FROM receipts WHERE message_id = $1 AND delivery_id = $2 AND event = 'delivered' ORDER BY created_at LIMIT 1`, [row.id, row.delivery_id]);
      return { id: request.params.id, deliveryId: row.delivery_id, receipt: existing.rows[0]?.jws ?? null, alreadyAcknowledged: true };
    }
    deps.metrics.deliveriesFinished.inc({ endpoint: 'inbox', state: 'delivered' });
    return { id: request.params.id, deliveryId: row.delivery_id, receipt: receipt.jws, alreadyAcknowledged: false };
  });
}
