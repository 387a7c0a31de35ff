import type { Db, Queryable } from '../store/db.js';
import { UnnestParams } from '../store/unnest-params.js';
import { auditDigest, chainHash, contentOfRow, EVENT_COLUMNS_SQL, GENESIS_HASH, type AuditEventRow } from './audit-digest.js';

/** The end of the sealed chain: the last event's position and hash (seq 0 and zeros when empty). */
export interface ChainHead {
  seq: number;
  hash: Buffer;
}

/** What one sealing pass did. `locked`: another process held the chain and this pass did nothing. */
export interface SealResult {
  sealed: number;
  head: ChainHead;
  locked: boolean;
}

// One chain per schema: sealing passes of every process queue on this lock for the length of one
// transaction; writers of events never take it.
export const CHAIN_LOCK_SQL = `SELECT pg_try_advisory_xact_lock(1818846831, hashtext(coalesce(current_schema(), ''))) AS locked`;

/** Digests of the events `ids` from their stored content. */
async function digestsOf(tx: Queryable, ids: readonly string[]): Promise<Map<string, Buffer>> {
  if (ids.length === 0) return new Map();
  const { rows } = await tx.query<AuditEventRow>(`SELECT ${EVENT_COLUMNS_SQL} FROM audit_events WHERE id = ANY($1::bigint[])`, [ids]);
  return new Map(rows.map((row) => [row.id, auditDigest(contentOfRow(row))]));
}

/** The sealed chain's last event. */
export async function readChainHead(db: Queryable): Promise<ChainHead> {
  const { rows } = await db.query<{ seq: string; hash: Buffer }>(
    'SELECT seq, hash FROM audit_events WHERE seq IS NOT NULL ORDER BY seq DESC LIMIT 1', [], { prepare: 'lienthong_audit_head' });
  const row = rows[0];
  return row ? { seq: Number(row.seq), hash: Buffer.from(row.hash) } : { seq: 0, hash: GENESIS_HASH };
}

/**
 * One sealing pass: in one transaction holding the chain lock, takes up to `batch` unsealed events
 * in the order they were written (id), gives each the next seq, the previous hash and its own hash
 * (and its digest when the writer did not store one), and writes them back in one statement.
 * Events committed late (a lower id than events already sealed) are simply sealed in a later pass:
 * the chain's order is the order of sealing.
 */
export async function sealPending(db: Db, batch: number): Promise<SealResult> {
  return db.transaction(async (tx) => {
    const lock = await tx.query<{ locked: boolean }>(CHAIN_LOCK_SQL);
    if (!lock.rows[0]?.locked) return { sealed: 0, head: { seq: 0, hash: GENESIS_HASH }, locked: true };
    const head = await readChainHead(tx);
    // Writers on the hot path store each event's digest with it; others (and rows from before) get theirs here.
    const { rows } = await tx.query<{ id: string; digest: Buffer | null }>(
      'SELECT id, digest FROM audit_events WHERE seq IS NULL ORDER BY id LIMIT $1', [batch], { prepare: 'lienthong_audit_unsealed' });
    if (rows.length === 0) return { sealed: 0, head, locked: false };
    const missing = await digestsOf(tx, rows.filter((r) => r.digest === null).map((r) => r.id));
    let { seq, hash } = head;
    const links = rows.map((row) => {
      const digest = row.digest ? Buffer.from(row.digest) : missing.get(row.id)!;
      const prev = hash;
      hash = chainHash(prev, digest);
      seq += 1;
      return [row.id, seq, digest.toString('hex'), prev.toString('hex'), hash.toString('hex')];
    });
    const sql = new UnnestParams();
    const values = sql.unnest('v', [['id', 'bigint'], ['seq', 'bigint'], ['digest', 'text'], ['prev_hash', 'text'], ['hash', 'text']], links);
    await tx.query(
      `UPDATE audit_events e SET seq = v.seq, digest = decode(v.digest, 'hex'), prev_hash = decode(v.prev_hash, 'hex'), hash = decode(v.hash, 'hex')
         FROM ${values} WHERE e.id = v.id`, sql.params, { prepare: 'lienthong_audit_seal' });
    return { sealed: rows.length, head: { seq, hash }, locked: false };
  });
}
