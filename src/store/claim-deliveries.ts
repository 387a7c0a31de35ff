import { readInlineBlobs } from './database-blobs.js';
import type { Queryable } from './db.js';
import { MESSAGE_COLUMNS, rowToMessage, type MessageRow } from './message-row.js';
import type { DeliveryState } from './records.js';
import type { Message } from '../domain/message.js';

/** A delivery as the worker needs it, with its message. */
export interface ClaimedDelivery {
  id: string;
  recipient: string;
  endpointId: string | null;
  /**
   * The state before this claim (a claim moves queued/retrying to sending). `sending`: an earlier
   * claim's attempt crashed, or still runs (see claimDeliveries).
   */
  state: DeliveryState;
  /** Attempts recorded when claimed: this attempt is number `attempts + 1`, and its outcome must say so. */
  attempts: number;
  /** The generation claimed: the outcome carries it, and is not recorded once a replay moved past it. */
  generation: number;
  cycleStartedAt: Date;
  message: Message;
  /** Bytes of the message's attachments kept in the database, by SHA-256 (loaded with the claim). */
  inlineBlobs: ReadonlyMap<string, Buffer>;
}

/** A delivery row; the message's columns only on the first row of each message (NULL on the others). */
type Row = (MessageRow | { [K in keyof MessageRow]: null }) & {
  delivery_id: string; message_id: string; recipient: string; endpoint_id: string | null; state: DeliveryState;
  attempts: number; generation: number; cycle_started_at: Date;
};

/**
 * Loads a batch of deliveries with their messages and marks the waiting ones `sending`, in one
 * statement. The SELECT sees the rows as they were before the UPDATE (one snapshot), so `state` is
 * the state the worker found. A message is read and sent once per batch, however many of its
 * deliveries the batch holds (a document to 100 agencies: its recipients, metadata and attachment
 * list once, not 100 times).
 *
 * A claim is not a lock. A delivery already `sending` is handed out again, because that is how an
 * attempt cut short by a crash resumes (its job comes back when its lock expires, or the sweeper
 * queues it again), and the database cannot tell it from a delivery whose first worker is still at
 * it (a job whose lock was lost, an old generation's stalled job after a replay). So two jobs may
 * attempt one delivery with the same attempt number; writeDeliveryOutcomes records the first outcome
 * and reports the other `superseded`, so nothing is written twice.
 */
export async function claimDeliveries(db: Queryable, ids: readonly string[], at: Date): Promise<Map<string, ClaimedDelivery>> {
  const { rows } = await db.query<Row>(
    `WITH s AS (UPDATE deliveries SET state = 'sending', updated_at = $2 WHERE id = ANY($1::uuid[]) AND state IN ('queued', 'retrying')),
     d AS (SELECT id, message_id, recipient, endpoint_id, state, attempts, generation, cycle_started_at,
                  row_number() OVER (PARTITION BY message_id) AS nth
             FROM deliveries WHERE id = ANY($1::uuid[]))
     SELECT d.id AS delivery_id, d.message_id, d.recipient, d.endpoint_id, d.state, d.attempts, d.generation, d.cycle_started_at, ${MESSAGE_COLUMNS}
       FROM d LEFT JOIN messages m ON m.id = d.message_id AND d.nth = 1`,
    [ids, at], { prepare: 'lienthong_claim_deliveries_v2' });
  const messages = new Map<string, Message>();
  for (const row of rows) if (row.id !== null) messages.set(row.message_id, rowToMessage(row));
  const inline = await readInlineBlobs(db, [...new Set([...messages.values()].flatMap((m) => m.attachments.map((a) => a.sha256)))]);
  return new Map(rows.map((row) => {
    const message = messages.get(row.message_id);
    if (!message) throw new Error(`claim: delivery ${row.delivery_id} came without its message ${row.message_id}`);
    const own = new Map(message.attachments.flatMap((a) => (inline.has(a.sha256) ? [[a.sha256, inline.get(a.sha256)!] as const] : [])));
    return [row.delivery_id, {
      id: row.delivery_id, recipient: row.recipient, endpointId: row.endpoint_id, state: row.state, attempts: row.attempts,
      generation: row.generation, cycleStartedAt: row.cycle_started_at, message, inlineBlobs: own,
    }];
  }));
}
