import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { BuiltPacket } from '../adapters/adapter-contract.js';
import type { HubConfig } from '../config/hub-config.js';
import { hubError } from '../errors.js';
import {
  appendTraceHeader, buildEdxml, isoDateToWire, messageToEdxml,
  type BuiltEdxml, type EdocPacket, type EdxmlAttachment, type EdxmlPacket, type OrganInfo,
} from '../formats/edxml/index.js';
import { signEnveloped, streamSignedDocument, type EnvelopedSigningInput, type XmlSigningKey } from '../formats/xmldsig/index.js';
import type { Message } from '../domain/message.js';
import type { BlobStore } from '../store/blob-store.js';
import type { Queryable } from '../store/db.js';
import { readMessage } from '../store/read-message-view.js';
import { createGroupCommit } from '../store/group-commit.js';
import { keepForwardedSignatures, type SignatureCandidate } from './keep-forwarded-signature.js';
import {
  readForwardingExtras, readForwardingStates, type ForwardedSignature, type ForwardingExtras, type ForwardingState,
} from './read-forwarding-state.js';

export interface ForwardedEdxmlDeps {
  db: Queryable;
  /** The blob store with the database's inline blobs in front (attachments of any size). */
  blobs: BlobStore;
  config: HubConfig;
  signingKey: XmlSigningKey;
}

/** What a caller may hand over when it holds the message already (the worker, from its claim). */
export interface LoadedMessage {
  message: Message;
  /** Bytes of the message's attachments kept in the database, by SHA-256 (others come from the blob store). */
  inlineBlobs: ReadonlyMap<string, Buffer>;
}

/**
 * Builds (once) and serves the edXML the hub forwards for a message. With `loaded` (the message
 * exactly as read from the store, and its inline attachment bytes), the message is not read again.
 */
export type ForwardedEdxml = (messageId: string, loaded?: LoadedMessage) => Promise<BuiltPacket>;

/**
 * The edXML of a message as the hub forwards it: the packet as received (edXML sources) or built from
 * the canonical message (JSON sources), attachments from the blob store, the hub's TraceHeader
 * appended (at acceptance time, so the build is deterministic), signed with the hub's key. The first
 * call signs and stores the signature (`forwarded_packets`); every later call — every recipient,
 * every retry, `GET /v1/messages/:id/edxml` — rebuilds byte-identical bytes around it. Attachments
 * stream; a 50 MB packet is never held whole. The first build of a packet up to 4 MiB is one pass:
 * the bytes the signer digests are kept, so measuring and sending read no attachment again. A call
 * reads what it needs in one query (the message and its inline attachments too unless handed over)
 * and the first keeps the signature in one INSERT, both shared with the concurrent calls of the
 * same process.
 */
export function createForwardedEdxml(deps: ForwardedEdxmlDeps): ForwardedEdxml {
  const hubOrganId = deps.config.hub.organId ?? deps.config.hub.name;
  const organ = (code: string): OrganInfo | undefined => {
    const agency = deps.config.agencies.get(code);
    return agency ? { organName: agency.name } : { organName: code };
  };
  // Concurrent deliveries share their reads and their signature INSERTs (see group-commit.ts): one
  // statement each per batch instead of per delivery.
  const reads = createGroupCommit<string, ForwardingState | undefined>({
    run: async (ids) => {
      const states = await readForwardingStates(deps.db, ids);
      return ids.map((id) => states.get(id));
    },
    maxBatch: 64, maxInFlight: 2,
  });
  const extraReads = createGroupCommit<string, ForwardingExtras | undefined>({
    run: async (ids) => {
      const extras = await readForwardingExtras(deps.db, ids);
      return ids.map((id) => extras.get(id));
    },
    maxBatch: 64, maxInFlight: 2,
  });
  const load = async (messageId: string, loaded: LoadedMessage | undefined): Promise<ForwardingState | undefined> => {
    if (!loaded) return reads.submit(messageId);
    const extras = await extraReads.submit(messageId);
    const { message, inlineBlobs } = loaded;
    return extras && { message, ...extras, inlineContent: message.attachments.map((a) => inlineBlobs.get(a.sha256)) };
  };
  const keeps = createGroupCommit<SignatureCandidate, ForwardedSignature>({
    run: (candidates) => keepForwardedSignatures(deps.db, candidates), maxBatch: 64, maxInFlight: 2,
  });

  return async (messageId, loaded) => {
    // 1. load the message, what was kept of its packet, its signature and inline attachments
    const state = await load(messageId.toLowerCase(), loaded);
    if (!state) throw hubError('HUB_ERR_NOT_FOUND', [`Message ${messageId}`]);
    const { message, inlineContent } = state;
    const packet = appendTraceHeader(await packetOf(deps.db, state, organ), hubOrganId, message.createdAt);
    const built = buildEdxml(packet, {
      openAttachment: (_a, i) => {
        const inline = inlineContent[i];
        return inline ? [inline] : deps.blobs.open(message.attachments[i]!.sha256);
      },
    });

    // 2. signed before: the same bytes again around the kept signature
    if (state.signature) return streamedPacket(built, state.signature);

    // 3. the first build signs; a packet of moderate size is built once, its bytes serve this delivery
    const tee = holdAfterSignature(built, MAX_HELD_BYTES);
    const { signatureXml } = await signEnveloped(tee.input, deps.signingKey);
    const held = tee.held();
    const bytes = held && Buffer.concat([Buffer.from(built.xmlDeclaration + built.beforeSignature + signatureXml, 'utf8'), ...held]);
    const facts = bytes ? { sha256: createHash('sha256').update(bytes).digest('hex'), size: bytes.length } : await measure(built, signatureXml);
    const kept = await keeps.submit({ messageId: message.id, signatureXml, ...facts });
    // Another worker signed first (a race): every recipient gets its signature, not ours.
    if (kept.signatureXml !== signatureXml || !bytes) return streamedPacket(built, kept);
    return { contentType: CONTENT_TYPE, size: bytes.length, sha256: Buffer.from(facts.sha256, 'hex'), bytes, open: () => Readable.from([bytes], { objectMode: false }) };
  };
}

/** Packets up to this size are held in memory on their first build (sign, measure and send from one pass). */
const MAX_HELD_BYTES = 4 * 1024 * 1024;
const CONTENT_TYPE = 'application/xml';

/** The packet rebuilt on every `open()` around a kept signature; attachments stream from the store. */
function streamedPacket(built: BuiltEdxml, kept: ForwardedSignature): BuiltPacket {
  return {
    contentType: CONTENT_TYPE,
    size: kept.size,
    sha256: Buffer.from(kept.sha256, 'hex'),
    open: () => Readable.from((async function* () {
      yield Buffer.from(built.xmlDeclaration);
      yield* streamSignedDocument(built, kept.signatureXml);
    })()),
  };
}

/**
 * The signing input of `built`, keeping the bytes after the signature slot as the signer reads them
 * (up to `max` bytes; past that `held()` is `undefined` and the bytes must be built again).
 */
function holdAfterSignature(built: BuiltEdxml, max: number): { input: EnvelopedSigningInput; held(): Buffer[] | undefined } {
  let chunks: Buffer[] | undefined = [];
  let size = 0;
  return {
    input: {
      beforeSignature: built.beforeSignature,
      async *afterSignature() {
        chunks = [];
        size = 0;
        for await (const chunk of built.afterSignature()) {
          size += chunk.length;
          if (chunks && size <= max) chunks.push(chunk);
          else chunks = undefined;
          yield chunk;
        }
      },
    },
    held: () => chunks,
  };
}

/** SHA-256 and size of the whole signed packet, from a fresh pass over it (large packets). */
async function measure(built: BuiltEdxml, signatureXml: string): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256').update(built.xmlDeclaration);
  let size = Buffer.byteLength(built.xmlDeclaration);
  for await (const chunk of streamSignedDocument(built, signatureXml)) {
    hash.update(chunk);
    size += chunk.length;
  }
  return { sha256: hash.digest('hex'), size };
}

/** The packet to forward, before the hub's trace header: as received, or built from the message. */
async function packetOf(db: Queryable, state: ForwardingState, organ: (code: string) => OrganInfo | undefined): Promise<EdxmlPacket> {
  const { message, received } = state;
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
