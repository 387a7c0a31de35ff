import { createHash } from 'node:crypto';
import { addAbortSignal, type Readable } from 'node:stream';
import type { DeliveryContext } from '../../src/adapters/adapter-contract.js';
import type { AttachmentMeta, DocumentMetadata, Message, MessageKind, StatusReport } from '../../src/domain/message.js';

/** One attachment inside a {@link DeliveryEnvelope}: the metadata plus the bytes in base64. */
export interface EnvelopeAttachment extends AttachmentMeta {
  /** The bytes, standard base64 (RFC 4648 §4, with padding). */
  content: string;
}

/** The JSON body the hub POSTs to an agency endpoint for one delivery (one recipient). */
export interface DeliveryEnvelope {
  messageId: string;
  kind: MessageKind;
  sender: string;
  /** The recipient agency this copy is for (a message may have several). */
  recipient: string;
  document?: DocumentMetadata;
  status?: StatusReport;
  relatedMessageId?: string;
  /** Lowercase hex SHA-256 of the canonical content, as the hub computed it at intake. */
  contentSha256: string;
  /** ISO-8601 time the hub accepted the message. */
  createdAt: string;
  attachments: EnvelopeAttachment[];
}

/** An attachment whose bytes do not match its recorded size or SHA-256: the blob store is damaged. */
export class AttachmentIntegrityError extends Error {
  override readonly name = 'AttachmentIntegrityError';
}

/** What building an envelope needs from the delivery context. */
export type EnvelopeContext = Pick<DeliveryContext<unknown>, 'recipient' | 'openAttachment' | 'signal'>;

/**
 * Builds the envelope for `message` to `ctx.recipient`, reading every attachment from the blob store
 * as a stream (in order, one at a time) and checking its size and SHA-256 on the way.
 * Rejects with the signal's reason when `ctx.signal` aborts, with {@link AttachmentIntegrityError}
 * on damaged bytes, and with the blob store's error when a blob cannot be read.
 */
export async function buildDeliveryEnvelope(message: Message, ctx: EnvelopeContext): Promise<DeliveryEnvelope> {
  const attachments: EnvelopeAttachment[] = [];
  for (const meta of message.attachments) attachments.push(await readAttachment(meta, ctx));
  return {
    messageId: message.id,
    kind: message.kind,
    sender: message.sender,
    recipient: ctx.recipient,
    // Optional fields are left out rather than sent as null.
    ...(message.document !== undefined && { document: message.document }),
    ...(message.status !== undefined && { status: message.status }),
    ...(message.relatedMessageId !== undefined && { relatedMessageId: message.relatedMessageId }),
    contentSha256: message.contentSha256,
    createdAt: message.createdAt.toISOString(),
    attachments,
  };
}

/** Serialises an envelope to the exact bytes that are sent (and digested). */
export function encodeDeliveryEnvelope(envelope: DeliveryEnvelope): Buffer {
  return Buffer.from(JSON.stringify(envelope), 'utf8');
}

async function readAttachment(meta: AttachmentMeta, ctx: EnvelopeContext): Promise<EnvelopeAttachment> {
  ctx.signal.throwIfAborted();
  const stream: Readable = addAbortSignal(ctx.signal, ctx.openAttachment(meta.sha256));
  const hash = createHash('sha256');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    hash.update(bytes);
    chunks.push(bytes);
    size += bytes.length;
  }
  const sha256 = hash.digest('hex');
  if (sha256 !== meta.sha256 || size !== meta.size) {
    throw new AttachmentIntegrityError(
      `Attachment ${meta.index} (${meta.name}) read ${size} bytes with sha256 ${sha256}, expected ${meta.size} bytes with ${meta.sha256}`,
    );
  }
  return {
    index: meta.index,
    name: meta.name,
    contentType: meta.contentType,
    ...(meta.description !== undefined && { description: meta.description }),
    size,
    sha256,
    content: Buffer.concat(chunks, size).toString('base64'),
  };
}
