import { createHash } from 'node:crypto';
import { addAbortSignal, type Readable } from 'node:stream';
import type { DeliveryContext } from '../../src/adapters/adapter-contract.js';
import type { DossierOperation } from '../../src/domain/dossier.js';
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
  /** For `dossier` messages: the operation (a dossier's result returned to its one-stop system …). */
  dossier?: DossierOperation;
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
  return { ...envelopeHead(message, ctx.recipient), attachments };
}

/**
 * Every field of the envelope but `attachments`, in the order they are serialised (the streamed
 * envelope relies on `attachments` coming last, and on it being written the same way here).
 */
export function envelopeHead(message: Message, recipient: string): Omit<DeliveryEnvelope, 'attachments'> {
  return {
    messageId: message.id,
    kind: message.kind,
    sender: message.sender,
    recipient,
    // Optional fields are left out rather than sent as null.
    ...(message.document !== undefined && { document: message.document }),
    ...(message.status !== undefined && { status: message.status }),
    ...(message.dossier !== undefined && { dossier: message.dossier }),
    ...(message.relatedMessageId !== undefined && { relatedMessageId: message.relatedMessageId }),
    contentSha256: message.contentSha256,
    createdAt: message.createdAt.toISOString(),
  };
}

/** Every field of an envelope attachment but `content` (which comes last), in serialisation order. */
export function attachmentHead(meta: AttachmentMeta): Omit<EnvelopeAttachment, 'content'> {
  return {
    index: meta.index,
    name: meta.name,
    contentType: meta.contentType,
    ...(meta.description !== undefined && { description: meta.description }),
    size: meta.size,
    sha256: meta.sha256,
  };
}

/** Serialises an envelope to the exact bytes that are sent (and digested). */
export function encodeDeliveryEnvelope(envelope: DeliveryEnvelope): Buffer {
  return Buffer.from(JSON.stringify(envelope), 'utf8');
}

/**
 * Encodes envelopes like `encodeDeliveryEnvelope(await buildDeliveryEnvelope(message, ctx))`, byte for
 * byte, keeping the JSON of the last `entries` messages' `attachments` arrays: the deliveries of one
 * message differ only in `recipient`, and a document to 100 agencies would otherwise read, hash,
 * base64-encode and serialise the same attachments 100 times in a row. Only the first delivery of a
 * message in a while reads its attachments (and checks their size and SHA-256 on the way); a
 * message's attachments never change. `maxBytes` bounds one cached array.
 */
export function createEnvelopeEncoder(opts: { entries: number; maxBytes: number }): (message: Message, ctx: EnvelopeContext) => Promise<Buffer> {
  const cache = new Map<string, Buffer>();
  return async (message, ctx) => {
    let attachments = cache.get(message.id);
    if (attachments) {
      // Most recently used last: the Map's order is the eviction order.
      cache.delete(message.id);
      cache.set(message.id, attachments);
    } else {
      const built: EnvelopeAttachment[] = [];
      for (const meta of message.attachments) built.push(await readAttachment(meta, ctx));
      attachments = Buffer.from(JSON.stringify(built), 'utf8');
      if (attachments.length <= opts.maxBytes) {
        cache.set(message.id, attachments);
        if (cache.size > opts.entries) cache.delete(cache.keys().next().value!);
      }
    }
    // `attachments` is the envelope's last field (see envelopeHead): cut the head's JSON open there.
    const head = JSON.stringify(envelopeHead(message, ctx.recipient));
    return Buffer.concat([Buffer.from(`${head.slice(0, -1)},"attachments":`, 'utf8'), attachments, CLOSE_BRACE]);
  };
}

const CLOSE_BRACE = Buffer.from('}', 'utf8');

async function readAttachment(meta: AttachmentMeta, ctx: EnvelopeContext): Promise<EnvelopeAttachment> {
  const chunks: Buffer[] = [];
  for await (const chunk of readCheckedAttachment(meta, ctx)) chunks.push(chunk);
  return { ...attachmentHead(meta), content: Buffer.concat(chunks, meta.size).toString('base64') };
}

/**
 * An attachment's bytes from the blob store, as they are read, hashed and counted on the way: after
 * the last chunk it fails with {@link AttachmentIntegrityError} when they are not the recorded ones.
 */
export async function* readCheckedAttachment(meta: AttachmentMeta, ctx: Pick<EnvelopeContext, 'openAttachment' | 'signal'>): AsyncGenerator<Buffer> {
  ctx.signal.throwIfAborted();
  const stream: Readable = addAbortSignal(ctx.signal, ctx.openAttachment(meta.sha256));
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of stream) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    hash.update(bytes);
    size += bytes.length;
    yield bytes;
  }
  const sha256 = hash.digest('hex');
  if (sha256 !== meta.sha256 || size !== meta.size) {
    throw new AttachmentIntegrityError(
      `Attachment ${meta.index} (${meta.name}) read ${size} bytes with sha256 ${sha256}, expected ${meta.size} bytes with ${meta.sha256}`,
    );
  }
}
