import type { Message } from '../domain/message.js';
import type { EdxmlPacket } from '../formats/edxml/index.js';
import { asBuffer } from '../store/database-blobs.js';
import type { Queryable } from '../store/db.js';
import { MESSAGE_COLUMNS, rowToMessage, type MessageRow } from '../store/message-row.js';

/** The signature the hub keeps for a message's forwarded edXML, with the facts of the whole packet. */
export interface ForwardedSignature {
  signatureXml: string;
  /** Lowercase hex SHA-256 of the packet as forwarded. */
  sha256: string;
  size: number;
}

/** What only forwarding keeps of a message: the packet's header as received and the hub's signature. */
export interface ForwardingExtras {
  /** The packet's header as received (edXML sources), or `undefined` (JSON sources). */
  received: EdxmlPacket | undefined;
  /** `undefined` until the first build has signed. */
  signature: ForwardedSignature | undefined;
}

/** Everything building a message's forwarded edXML needs. */
export interface ForwardingState extends ForwardingExtras {
  message: Message;
  /** Per attachment (index order): its bytes when kept in the database, else `undefined` (blob folder). */
  inlineContent: (Buffer | undefined)[];
}

type ExtrasRow = { id: string; edxml: EdxmlPacket | null; forwarded: ForwardedSignature | null };
type StateRow = MessageRow & ExtrasRow & { inline_index: number | null; inline_data: Uint8Array | null };

// Batches of builds share one statement instead of five per build (message, edXML header, kept
// signature, each attachment's inline bytes): a round trip costs the worker a write system call and
// PostgreSQL a parse, plan and wake-up. Per message, index lookups only: the signature is a scalar
// subquery and the attachments a LATERAL subquery that `OFFSET 0` keeps from being flattened — as
// plain joins the planner hashed the whole attachments, blobs and forwarded_packets tables per batch
// (3 ms for 20 messages at 1,300 rows, growing with them). One row per inline attachment, its bytes
// a bytea column (one hex decode); a bytea[] would come back as text that pg parses character by
// character (~10 ms for a 20 KB attachment).
const FORWARDED = `(SELECT json_build_object('signatureXml', f.signature_xml, 'sha256', f.sha256, 'size', f.size)
    FROM forwarded_packets f WHERE f.message_id = m.id) AS forwarded`;
const STATE_SQL = `SELECT ${MESSAGE_COLUMNS}, m.edxml, ${FORWARDED}, x.idx AS inline_index, x.data AS inline_data
  FROM messages m
  LEFT JOIN LATERAL (SELECT a.idx, b.data FROM attachments a JOIN blobs b ON b.sha256 = a.sha256 WHERE a.message_id = m.id OFFSET 0) x ON true
 WHERE m.id = ANY($1::uuid[])`;
const EXTRAS_SQL = `SELECT m.id, m.edxml, ${FORWARDED} FROM messages m WHERE m.id = ANY($1::uuid[])`;

/**
 * Reads messages with their received edXML header, kept signature and inline attachment bytes, in
 * one query. Unknown ids are absent from the result.
 */
export async function readForwardingStates(db: Queryable, messageIds: readonly string[]): Promise<Map<string, ForwardingState>> {
  const { rows } = await db.query<StateRow>(STATE_SQL, [[...new Set(messageIds)]], { prepare: 'lienthong_read_forwarding_states' });
  const byMessage = new Map<string, StateRow[]>();
  for (const row of rows) {
    const own = byMessage.get(row.id);
    if (own) own.push(row);
    else byMessage.set(row.id, [row]);
  }
  return new Map([...byMessage].map(([id, own]) => {
    const row = own[0]!;
    const message = rowToMessage(row);
    const inline = new Map(own.flatMap((r) => (r.inline_index !== null && r.inline_data !== null ? [[r.inline_index, asBuffer(r.inline_data)] as const] : [])));
    return [id, { message, ...extrasOf(row), inlineContent: message.attachments.map((a) => inline.get(a.index)) }];
  }));
}

/**
 * For callers that hold the message and its inline attachments already (the worker has them from its
 * claim): only the received header and the kept signature, a fifth of the bytes and of the work.
 */
export async function readForwardingExtras(db: Queryable, messageIds: readonly string[]): Promise<Map<string, ForwardingExtras>> {
  const { rows } = await db.query<ExtrasRow>(EXTRAS_SQL, [[...new Set(messageIds)]], { prepare: 'lienthong_read_forwarding_extras' });
  return new Map(rows.map((row) => [row.id, extrasOf(row)]));
}

function extrasOf(row: ExtrasRow): ForwardingExtras {
  return {
    received: row.edxml ?? undefined,
    signature: row.forwarded ? { ...row.forwarded, size: Number(row.forwarded.size) } : undefined,
  };
}
