import type { Db, Queryable } from '../store/db.js';
import { UnnestParams } from '../store/unnest-params.js';
import { auditDigest, chainHash, contentOfRow, EVENT_COLUMNS_SQL, GENESIS_HASH, type AuditEventRow } from './audit-digest.js';
import { nextGaps, planPass, sameGaps, type GapRange, type WaitingHoles } from './chain-gaps.js';

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
  /** The hole in the ids this pass stopped at, for the next pass (`SealOptions.waiting`). */
  waiting: WaitingHoles;
}

export interface SealOptions {
  /** Events sealed per pass (one transaction). */
  batch: number;
  /** How long an id skipped by a pass is looked for (a write that commits later still gets sealed). */
  lateCommitMs: number;
  /** How long a pass waits at a hole in the ids (a write not yet committed) before going past it. */
  holdMs: number;
  /** What the previous pass of this process left in `SealResult.waiting` (nothing: a hole is timed afresh). */
  waiting?: WaitingHoles;
  now: Date;
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
    'SELECT seq, hash FROM audit_chain ORDER BY seq DESC LIMIT 1', [], { prepare: 'lienthong_audit_head' });
  const row = rows[0];
  return row ? { seq: Number(row.seq), hash: Buffer.from(row.hash) } : { seq: 0, hash: GENESIS_HASH };
}

/** SQL for the first event id the sealer has not reached yet (none: nothing is waiting). */
export const OLDEST_UNSEALED_SQL = `SELECT id FROM audit_events
  WHERE id > (SELECT coalesce(max(event_id), 0) FROM audit_chain) ORDER BY id LIMIT 1`;

interface PendingRow { id: string; digest: Buffer | null }

/**
 * One sealing pass: in one transaction holding the chain lock, takes the events that committed
 * inside the gaps of earlier passes, then up to `batch` events above the highest id sealed, in id
 * order up to a hole that is not yet `holdMs` old (src/audit/chain-gaps.ts), and gives each the next seq, the previous hash and its own hash (and its digest when the
 * writer did not store one) in one insert into `audit_chain`. The chain's order is the order of
 * sealing: an event committed late follows events with higher ids sealed before it.
 */
export async function sealPending(db: Db, opts: SealOptions): Promise<SealResult> {
  return db.transaction(async (tx) => {
    const lock = await tx.query<{ locked: boolean }>(CHAIN_LOCK_SQL);
    const waiting = opts.waiting ?? new Map<number, number>();
    if (!lock.rows[0]?.locked) return { sealed: 0, head: { seq: 0, hash: GENESIS_HASH }, locked: true, waiting };
    const head = await readChainHead(tx);
    const hwm = Number((await tx.query<{ hwm: string }>('SELECT coalesce(max(event_id), 0) AS hwm FROM audit_chain', [],
      { prepare: 'lienthong_audit_hwm' })).rows[0]!.hwm);
    const gaps = (await tx.query<{ lo: string; hi: string; seen_at: Date }>('SELECT lo, hi, seen_at FROM audit_chain_gaps ORDER BY lo', [],
      { prepare: 'lienthong_audit_gaps' })).rows.map((g): GapRange => ({ lo: Number(g.lo), hi: Number(g.hi), seenAt: g.seen_at }));
    const late = gaps.length === 0 ? [] : (await tx.query<PendingRow>(
      `SELECT e.id, e.digest FROM audit_chain_gaps g JOIN audit_events e ON e.id BETWEEN g.lo AND g.hi ORDER BY e.id LIMIT $1`,
      [opts.batch], { prepare: 'lienthong_audit_late' })).rows;
    const above = late.length >= opts.batch ? [] : (await tx.query<PendingRow>(
      'SELECT id, digest FROM audit_events WHERE id > $1 ORDER BY id LIMIT $2', [hwm, opts.batch - late.length],
      { prepare: 'lienthong_audit_unsealed' })).rows;
    const plan = planPass(hwm, above.map((r) => Number(r.id)), waiting, opts.now.getTime(), opts.holdMs);
    const rows = [...late, ...above.slice(0, plan.take)];
    const after = nextGaps(gaps, late.map((r) => Number(r.id)), plan.skipped, opts.now, opts.lateCommitMs);
    if (!sameGaps(gaps, after)) {
      const sql = new UnnestParams();
      const values = sql.unnest('g', [['lo', 'bigint'], ['hi', 'bigint'], ['seen_at', 'timestamptz']], after.map((g) => [g.lo, g.hi, g.seenAt]));
      await tx.query('DELETE FROM audit_chain_gaps');
      await tx.query(`INSERT INTO audit_chain_gaps (lo, hi, seen_at) SELECT lo, hi, seen_at FROM ${values}`, sql.params, { prepare: 'lienthong_audit_gaps_write' });
    }
    if (rows.length === 0) return { sealed: 0, head, locked: false, waiting: plan.waiting };
    // Writers on the hot path store each event's digest with it; others (and rows from before) get theirs here.
    const missing = await digestsOf(tx, rows.filter((r) => r.digest === null).map((r) => r.id));
    let { seq, hash } = head;
    const links = rows.map((row) => {
      const digest = row.digest ? Buffer.from(row.digest) : missing.get(row.id)!;
      const prev = hash;
      hash = chainHash(prev, digest);
      seq += 1;
      return [seq, row.id, digest.toString('hex'), prev.toString('hex'), hash.toString('hex')];
    });
    const sql = new UnnestParams();
    const values = sql.unnest('v', [['seq', 'bigint'], ['event_id', 'bigint'], ['digest', 'text'], ['prev_hash', 'text'], ['hash', 'text']], links);
    await tx.query(`INSERT INTO audit_chain (seq, event_id, digest, prev_hash, hash) SELECT seq, event_id, decode(digest, 'hex'), decode(prev_hash, 'hex'), decode(hash, 'hex') FROM ${values}`,
      sql.params, { prepare: 'lienthong_audit_seal' });
    return { sealed: rows.length, head: { seq, hash }, locked: false, waiting: plan.waiting };
  });
}
