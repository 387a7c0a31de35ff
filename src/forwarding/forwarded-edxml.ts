import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { BuiltPacket } from '../adapters/adapter-contract.js';
import type { HubConfig } from '../config/hub-config.js';
import { hubError } from '../errors.js';
import {
  appendTraceHeader, buildEdxml, isoDateToWire, messageToEdxml,
  type EdocPacket, type EdxmlAttachment, type EdxmlPacket, type OrganInfo,
} from '../formats/edxml/index.js';
import { signEnveloped, streamSignedDocument, type XmlSigningKey } from '../formats/xmldsig/index.js';
import type { Message } from '../domain/message.js';
import type { BlobStore } from '../store/blob-store.js';
import type { Queryable } from '../store/db.js';
import { readMessage } from '../store/read-message-view.js';

export interface ForwardedEdxmlDeps {
  db: Queryable;
  /** The blob store with the database's inline blobs in front (attachments of any size). */
  blobs: BlobStore;
  config: HubConfig;
  signingKey: XmlSigningKey;
}

/** Builds (once) and serves the edXML the hub forwards for a message. */
export type ForwardedEdxml = (messageId: string) => Promise<BuiltPacket>;

interface ForwardedRow { signature_xml: string; sha256: string; size: number }

/**
 * The edXML of a message as the hub forwards it: the packet as received (edXML sources) or built from
 * the canonical message (JSON sources), attachments from the blob store, the hub's TraceHeader
 * appended (at acceptance time, so the build is deterministic), signed with the hub's key. The first
 * call signs and stores the signature (`forwarded_packets`); every later call — every recipient,
 * every retry, `GET /v1/messages/:id/edxml` — rebuilds byte-identical bytes around it. Attachments
 * stream; a 50 MB packet is never held whole.
 */
export function createForwardedEdxml(deps: ForwardedEdxmlDeps): ForwardedEdxml {
  const hubOrganId = deps.config.hub.organId ?? deps.config.hub.name;
  const organ = (code: string): OrganInfo | undefined => {
    const agency = deps.config.agencies.get(code);
    return agency ? { organName: agency.name } : { organName: code };
  };

  return async (messageId) => {
    // 1. load the message and what was kept of its packet
    const message = await readMessage(deps.db, messageId);
    if (!message) throw hubError('HUB_ERR_NOT_FOUND', [`Message ${messageId}`]);
    const packet = appendTraceHeader(await packetOf(deps.db, message, organ), hubOrganId, message.createdAt);
    const built = buildEdxml(packet, { openAttachment: (_a, i) => deps.blobs.open(message.attachments[i]!.sha256) });

    // 2. sign once, keep the signature: later builds reuse it
    let row = await readForwarded(deps.db, messageId);
    if (!row) {
      const { signatureXml } = await signEnveloped(built, deps.signingKey);
      const facts = await measure(built.xmlDeclaration, streamSignedDocument(built, signatureXml));
      await deps.db.query(
        `INSERT INTO forwarded_packets (message_id, signature_xml, sha256, size, created_at) VALUES ($1, $2, $3, $4, now())
         ON CONFLICT (message_id) DO NOTHING`, [messageId, signatureXml, facts.sha256, facts.size]);
      row = (await readForwarded(deps.db, messageId))!; // another worker may have won the race: use its signature
    }
    const { signature_xml: signatureXml } = row;
    return {
      contentType: 'application/xml',
      size: Number(row.size),
      sha256: Buffer.from(row.sha256, 'hex'),
      open: () => Readable.from((async function* () {
        yield Buffer.from(built.xmlDeclaration);
        yield* streamSignedDocument(built, signatureXml);
      })()),
    };
  };
}

async function readForwarded(db: Queryable, messageId: string): Promise<ForwardedRow | undefined> {
  const { rows } = await db.query<ForwardedRow>('SELECT signature_xml, sha256, size FROM forwarded_packets WHERE message_id = $1', [messageId]);
  return rows[0];
}

async function measure(declaration: string, body: AsyncIterable<Buffer>): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256').update(declaration);
  let size = Buffer.byteLength(declaration);
  for await (const chunk of body) {
    hash.update(chunk);
    size += chunk.length;
  }
  return { sha256: hash.digest('hex'), size };
}

/** The packet to forward, before the hub's trace header: as received, or built from the message. */
async function packetOf(db: Queryable, message: Message, organ: (code: string) => OrganInfo | undefined): Promise<EdxmlPacket> {
  const { rows } = await db.query<{ edxml: EdxmlPacket | null }>('SELECT edxml FROM messages WHERE id = $1', [message.id]);
  const received = rows[0]?.edxml;
  if (received) {
    if (received.kind === 'status') return { ...received, signature: undefined } as EdxmlPacket;
    // Attachments go out as the hub stores them: the content itself (a ZIP payload unwrapped), with its type.
    const attachments: EdxmlAttachment[] = message.attachments.map((a, i) => {
      const original = (received as EdocPacket).attachments?.[i];
      return {
        contentId: original?.contentId ?? `cid:${message.id}.${i}`,
        attachmentName: a.name,
        ...(a.description ? { description: a.description } : {}),
        contentType: a.contentType,
        payload: { size: a.size, sha256: a.sha256 },
        content: { size: a.size, sha256: a.sha256, zipped: false },
      };
    });
    return { ...(received as EdocPacket), signature: undefined, attachments } as EdocPacket;
  }
  if (message.kind === 'status') {
    // A status travels with the document it reports on.
    const original = message.relatedMessageId ? await readMessage(db, message.relatedMessageId) : undefined;
    const doc = original?.document;
    return messageToEdxml(message, {
      organ,
      ...(original && doc ? { responseFor: [{
        organId: message.recipients[0]!, code: `${doc.number}/${doc.notation}`,
        promulgationDate: isoDateToWire(doc.promulgation.date), ...(doc.documentId ? { documentId: doc.documentId } : {}),
      }] } : {}),
    });
  }
  return messageToEdxml(message, { organ });
}
