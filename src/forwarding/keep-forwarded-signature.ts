import type { Queryable } from '../store/db.js';
import type { ForwardedSignature } from './read-forwarding-state.js';

/** A signature a build made for a message's forwarded packet, to keep unless one is kept already. */
export interface SignatureCandidate extends ForwardedSignature {
  messageId: string;
}

/**
 * Keeps the first signature of each message's forwarded packet, for a batch of candidates. Returns,
 * per candidate in order, the signature kept: its own when this call stored it, else the one stored
 * first — by another worker, or by an earlier candidate of the same batch (ECDSA signatures differ per
 * run, so the first one is what every recipient must get). One statement unless there is a race.
 */
export async function keepForwardedSignatures(db: Queryable, candidates: readonly SignatureCandidate[]): Promise<ForwardedSignature[]> {
  const first = new Map<string, SignatureCandidate>();
  for (const c of candidates) if (!first.has(c.messageId)) first.set(c.messageId, c);
  const offered = [...first.values()];
  const { rows } = await db.query<{ message_id: string }>(
    `INSERT INTO forwarded_packets (message_id, signature_xml, sha256, size, created_at)
     SELECT x.message_id, x.signature_xml, x.sha256, x.size, now()
       FROM unnest($1::uuid[], $2::text[], $3::text[], $4::bigint[]) AS x (message_id, signature_xml, sha256, size)
     ON CONFLICT (message_id) DO NOTHING RETURNING message_id`,
    [offered.map((c) => c.messageId), offered.map((c) => c.signatureXml), offered.map((c) => c.sha256), offered.map((c) => c.size)],
    { prepare: 'lienthong_keep_forwarded_signatures' });
  const kept = new Map<string, ForwardedSignature>(rows.map((r) => [r.message_id, first.get(r.message_id)!]));
  const lost = offered.filter((c) => !kept.has(c.messageId)).map((c) => c.messageId);
  if (lost.length > 0) {
    const winners = await db.query<{ message_id: string; signature_xml: string; sha256: string; size: number }>(
      'SELECT message_id, signature_xml, sha256, size FROM forwarded_packets WHERE message_id = ANY($1::uuid[])', [lost]);
    for (const w of winners.rows) kept.set(w.message_id, { signatureXml: w.signature_xml, sha256: w.sha256, size: Number(w.size) });
  }
  return candidates.map((c) => {
    const signature = kept.get(c.messageId);
    if (!signature) throw new Error(`forwarded_packets: no signature kept for message ${c.messageId}`);
    return signature;
  });
}
