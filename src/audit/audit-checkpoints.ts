import { sign, type KeyObject } from 'node:crypto';
import { canonicalJson } from '../domain/canonical-json.js';
import type { Db, Queryable } from '../store/db.js';
import { CHAIN_LOCK_SQL, readChainHead, type ChainHead } from './audit-sealer.js';

/** Who signs checkpoints: the hub's active key, its id and certificate chain (PEM, signer first). */
export interface CheckpointSigner {
  privateKey: KeyObject;
  kid: string;
  chainPem: string;
  /** Names the hub in the statement, as receipts do (`iss`). */
  issuer: string;
}

/** A signed checkpoint as stored. */
export interface Checkpoint {
  seq: number;
  hash: Buffer;
  at: Date;
  /** The exact bytes signed: canonical JSON of `CheckpointStatement`. */
  statement: Buffer;
  /** DER ECDSA (EC keys) or PKCS#1 v1.5 (RSA) over `statement` with SHA-256: what `openssl dgst -sha256 -sign` makes. */
  signature: Buffer;
  kid: string;
  tsaToken: Buffer | null;
  tsaAt: Date | null;
}

/** What a checkpoint says. Field names are part of the public contract (README "Audit log"). */
export interface CheckpointStatement {
  type: 'lienthong-audit-checkpoint';
  version: 1;
  iss: string;
  kid: string;
  seq: number;
  /** Hex SHA-256 chain hash of event `seq`. */
  hash: string;
  at: string;
  /** The checkpoint before this one, or null for the first. */
  previous: { seq: number; hash: string } | null;
}

export const CHECKPOINT_TYPE = 'lienthong-audit-checkpoint';

interface CheckpointRow {
  seq: string;
  hash: Buffer;
  at: Date;
  statement: Buffer;
  signature: Buffer;
  kid: string;
  tsa_token: Buffer | null;
  tsa_at: Date | null;
}

const COLUMNS = 'seq, hash, at, statement, signature, kid, tsa_token, tsa_at';

function fromRow(row: CheckpointRow): Checkpoint {
  return {
    seq: Number(row.seq), hash: Buffer.from(row.hash), at: row.at, statement: Buffer.from(row.statement), signature: Buffer.from(row.signature),
    kid: row.kid, tsaToken: row.tsa_token ? Buffer.from(row.tsa_token) : null, tsaAt: row.tsa_at,
  };
}

/** The latest checkpoint, if any. */
export async function readLastCheckpoint(db: Queryable): Promise<Checkpoint | undefined> {
  const { rows } = await db.query<CheckpointRow>(`SELECT ${COLUMNS} FROM audit_checkpoints ORDER BY seq DESC LIMIT 1`);
  return rows[0] ? fromRow(rows[0]) : undefined;
}

/** The first checkpoint at or after `seq`: the one that vouches for event `seq`. */
export async function readCheckpointCovering(db: Queryable, seq: number): Promise<Checkpoint | undefined> {
  const { rows } = await db.query<CheckpointRow>(`SELECT ${COLUMNS} FROM audit_checkpoints WHERE seq >= $1 ORDER BY seq LIMIT 1`, [seq]);
  return rows[0] ? fromRow(rows[0]) : undefined;
}

/** Checkpoints with `from < seq <= to`, in order. */
export async function readCheckpoints(db: Queryable, range: { after: number; upTo?: number; limit: number }): Promise<Checkpoint[]> {
  const { rows } = await db.query<CheckpointRow>(
    `SELECT ${COLUMNS} FROM audit_checkpoints WHERE seq > $1 AND ($2::bigint IS NULL OR seq <= $2) ORDER BY seq LIMIT $3`,
    [range.after, range.upTo ?? null, range.limit]);
  return rows.map(fromRow);
}

/** Checkpoints still waiting for their RFC 3161 timestamp, oldest first. */
export async function readUnstampedCheckpoints(db: Queryable, limit: number): Promise<Checkpoint[]> {
  const { rows } = await db.query<CheckpointRow>(`SELECT ${COLUMNS} FROM audit_checkpoints WHERE tsa_token IS NULL ORDER BY seq LIMIT $1`, [limit]);
  return rows.map(fromRow);
}

export async function saveTimestamp(db: Queryable, seq: number, token: Buffer, at: Date): Promise<void> {
  await db.query('UPDATE audit_checkpoints SET tsa_token = $2, tsa_at = $3 WHERE seq = $1 AND tsa_token IS NULL', [seq, token, at]);
}

/** The PEM chain of the key `kid` that signed checkpoints. */
export async function readSignerChain(db: Queryable, kid: string): Promise<string | undefined> {
  const { rows } = await db.query<{ chain_pem: string }>('SELECT chain_pem FROM audit_signers WHERE kid = $1', [kid]);
  return rows[0]?.chain_pem;
}

/** The statement for `head`, after `previous`. */
export function checkpointStatement(signer: Pick<CheckpointSigner, 'kid' | 'issuer'>, head: ChainHead, at: Date, previous: Checkpoint | undefined): CheckpointStatement {
  return {
    type: CHECKPOINT_TYPE, version: 1, iss: signer.issuer, kid: signer.kid, seq: head.seq, hash: head.hash.toString('hex'), at: at.toISOString(),
    previous: previous ? { seq: previous.seq, hash: previous.hash.toString('hex') } : null,
  };
}

/**
 * Writes a signed checkpoint of the sealed chain's head when `due` says so (given the last one), in
 * one transaction holding the chain lock. Returns the checkpoint written, or undefined (nothing new,
 * not due, or another process holds the chain).
 */
export async function writeCheckpoint(db: Db, signer: CheckpointSigner, at: Date, due: (head: ChainHead, last: Checkpoint | undefined) => boolean): Promise<Checkpoint | undefined> {
  return db.transaction(async (tx) => {
    const lock = await tx.query<{ locked: boolean }>(CHAIN_LOCK_SQL);
    if (!lock.rows[0]?.locked) return undefined;
    const head = await readChainHead(tx);
    const last = await readLastCheckpoint(tx);
    if (head.seq === 0 || (last && last.seq >= head.seq) || !due(head, last)) return undefined;
    const statement = Buffer.from(canonicalJson(checkpointStatement(signer, head, at, last)), 'utf8');
    const signature = sign('sha256', statement, signer.privateKey);
    await tx.query('INSERT INTO audit_signers (kid, chain_pem, first_used) VALUES ($1, $2, $3) ON CONFLICT (kid) DO NOTHING', [signer.kid, signer.chainPem, at]);
    await tx.query('INSERT INTO audit_checkpoints (seq, hash, at, statement, signature, kid) VALUES ($1, $2, $3, $4, $5, $6)',
      [head.seq, head.hash, at, statement, signature, signer.kid]);
    return { seq: head.seq, hash: head.hash, at, statement, signature, kid: signer.kid, tsaToken: null, tsaAt: null };
  });
}
