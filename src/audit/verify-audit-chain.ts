import { verify, X509Certificate } from 'node:crypto';
import { certificatesFromPem } from '../crypto/hub-keys.js';
import { keyIdOf } from '../crypto/key-id.js';
import type { PublishedHubKey } from '../crypto/verify-receipt.js';
import { canonicalJson } from '../domain/canonical-json.js';
import { buildCertificatePath } from '../formats/xmldsig/certificate-path.js';
import type { TrustStore } from '../formats/xmldsig/trust-store.js';
import type { Queryable } from '../store/db.js';
import { readCheckpoints, type Checkpoint, type CheckpointStatement } from './audit-checkpoints.js';
import { auditDigest, chainHash, contentOfRow, EVENT_COLUMNS_SQL, GENESIS_HASH, type AuditEventRow } from './audit-digest.js';

/** What kind of damage the walk found first. */
export type ChainProblemKind =
  | 'altered' // an event's content (or its stored digest or hash) no longer matches
  | 'removed' // an event is missing: a gap in seq, a successor pointing at a hash no event has, or a checkpoint beyond the end
  | 'inserted' // an event that its neighbours' links skip over
  | 'reordered' // two events exchanged places
  | 'checkpoint-mismatch' // the chain was rewritten: it no longer reaches the hash a checkpoint signed
  | 'checkpoint-invalid'; // a checkpoint's signature, signer or statement does not hold, or one is missing

export interface ChainProblem {
  kind: ChainProblemKind;
  /** The position the problem is at (the first missing seq for `removed`). */
  seq: number;
  /** The database id of the event concerned, when there is one. */
  eventId?: string;
  detail: string;
}

export interface ChainReport {
  ok: boolean;
  /** Sealed events walked and found sound (up to the first problem). */
  eventsVerified: number;
  /** The last sound event. */
  head: { seq: number; hash: string };
  checkpointsVerified: number;
  /**
   * `timestamped`: an RFC 3161 token is stored with it. The hub checked the token when it got it (status,
   * imprint, nonce, signature, chain to LIENTHONG_TSA_CA); this walk does not check it again — an
   * evidence bundle's verify.sh with `--tsa-ca` (openssl ts -verify) does.
   */
  lastCheckpoint: { seq: number; at: string; timestamped: boolean } | null;
  /** Sound events after the last checkpoint: chained, but not yet vouched for by a signature. */
  eventsAfterLastCheckpoint: number;
  /** Events written but not yet chained (the sealer runs every few hundred milliseconds). */
  unsealed: number;
  problem?: ChainProblem;
}

export interface VerifyChainOptions {
  /** CAs the checkpoint signers must chain to: the auditor's own copy, not the hub database's. */
  trust: TrustStore;
  /**
   * The hub's own keys, active and retired (`HubKeys.all`, `GET /v1/hub/keys`): a checkpoint signed by
   * any other key is refused, even one certified by `trust` (the signer chains in `audit_signers` are
   * in the database, which is what is being checked). Without it, any key `trust` certifies is accepted.
   */
  hubKeys?: readonly PublishedHubKey[];
  /** Rows read per query. */
  pageSize?: number;
  /** Called after each page with the last seq walked. */
  onProgress?: (seq: number) => void;
}

/** A link of the chain and its event's content (all null when the event row is gone). */
interface ChainRow extends AuditEventRow {
  seq: string;
  event_id: string;
  // bytea: a Buffer from node-postgres, a Uint8Array from PGlite
  digest: Uint8Array | null;
  prev_hash: Uint8Array | null;
  hash: Uint8Array | null;
}

const hex = (b: Uint8Array | null): string => (b ? Buffer.from(b).toString('hex') : 'null');
const same = (a: Uint8Array | null, b: Buffer): boolean => a !== null && Buffer.from(a).equals(b);

const digestOf = (row: ChainRow): Buffer | null => (row.id === null ? null : auditDigest(contentOfRow(row)));

/**
 * Checks one checkpoint on its own: statement matches the row, signature by a trusted signer whose
 * certificate is the key the checkpoint names (and, given `hubKeys`, one of the hub's).
 */
function checkCheckpoint(cp: Checkpoint, chainPem: string | undefined, opts: Pick<VerifyChainOptions, 'trust' | 'hubKeys'>): string | undefined {
  let statement: CheckpointStatement;
  try {
    statement = JSON.parse(cp.statement.toString('utf8')) as CheckpointStatement;
  } catch {
    return 'its statement is not JSON';
  }
  if (canonicalJson(statement) !== cp.statement.toString('utf8')) return 'its statement is not in canonical form';
  if (statement.seq !== cp.seq || statement.hash !== cp.hash.toString('hex') || statement.kid !== cp.kid) return 'its statement does not match its seq, hash or key id';
  if (opts.hubKeys && !opts.hubKeys.some((key) => key.kid === cp.kid)) return `its signer ${cp.kid} is not one of the hub's keys`;
  if (!chainPem) return `its signer ${cp.kid} is not recorded`;
  const certs = certificatesFromPem(chainPem);
  const leaf = certs[0];
  if (!leaf) return `its signer ${cp.kid} has no certificate`;
  if (keyIdOf(leaf) !== cp.kid) return `the certificate recorded for its signer ${cp.kid} is another key's (${keyIdOf(leaf)})`;
  const path = buildCertificatePath(leaf, certs.slice(1), opts.trust, new Date(statement.at));
  if (!path.ok) return `its signer is not trusted: ${path.detail}`;
  if (!verify('sha256', cp.statement, leaf.publicKey, cp.signature)) return 'its signature does not verify';
  return undefined;
}

/**
 * Walks the sealed chain from seq 1, recomputing every digest and link from the events' content,
 * and checks each checkpoint on the way (signature, signer trusted by `trust`, hash reached). Stops
 * at the first problem and names it: the event altered, removed, inserted or moved, or the
 * checkpoint the chain no longer reaches. Reads pages of `pageSize` rows in seq order (keyset).
 */
export async function verifyAuditChain(db: Queryable, opts: VerifyChainOptions): Promise<ChainReport> {
  const pageSize = opts.pageSize ?? 10_000;
  const signers = new Map<string, string | undefined>();
  const signerChain = async (kid: string): Promise<string | undefined> => {
    if (!signers.has(kid)) signers.set(kid, (await db.query<{ chain_pem: string }>('SELECT chain_pem FROM audit_signers WHERE kid = $1', [kid])).rows[0]?.chain_pem);
    return signers.get(kid);
  };

  let expectedSeq = 1;
  let prev: Buffer = GENESIS_HASH; // the recomputed hash of the last sound event
  let beforePrev: Buffer | undefined; // and of the one before it
  let checkpoints: Checkpoint[] = [];
  let checkpointsVerified = 0;
  let lastCheckpoint: Checkpoint | undefined;
  let problem: ChainProblem | undefined;

  const nextCheckpoints = async (): Promise<void> => {
    if (checkpoints.length === 0) checkpoints = await readCheckpoints(db, { after: lastCheckpoint?.seq ?? 0, limit: 1_000 });
  };

  /** Checks the checkpoints at or before `seq` (the walk has reached `seq` with hash `prev`). */
  const passCheckpoints = async (seq: number): Promise<ChainProblem | undefined> => {
    for (await nextCheckpoints(); checkpoints[0] && checkpoints[0].seq <= seq; await nextCheckpoints()) {
      const cp = checkpoints.shift()!;
      const invalid = checkCheckpoint(cp, await signerChain(cp.kid), opts);
      if (invalid) return { kind: 'checkpoint-invalid', seq: cp.seq, detail: `checkpoint at seq ${cp.seq}: ${invalid}` };
      const statement = JSON.parse(cp.statement.toString('utf8')) as CheckpointStatement;
      const expectedPrevious = lastCheckpoint ? { seq: lastCheckpoint.seq, hash: lastCheckpoint.hash.toString('hex') } : null;
      if (statement.previous?.seq !== expectedPrevious?.seq || statement.previous?.hash !== expectedPrevious?.hash) {
        return { kind: 'checkpoint-invalid', seq: cp.seq, detail: `checkpoint at seq ${cp.seq} follows ${JSON.stringify(statement.previous)}, but the checkpoint before it is ${JSON.stringify(expectedPrevious)}: a checkpoint was removed` };
      }
      if (cp.seq === seq && !cp.hash.equals(prev)) {
        const from = lastCheckpoint?.seq ?? 0;
        return { kind: 'checkpoint-mismatch', seq: cp.seq, detail: `the chain recomputed from the events reaches ${prev.toString('hex')} at seq ${seq}, but checkpoint ${cp.seq} signed ${cp.hash.toString('hex')}: an event after seq ${from} and up to ${cp.seq} was altered, removed or inserted and the links rewritten` };
      }
      lastCheckpoint = cp;
      checkpointsVerified += 1;
    }
    return undefined;
  };

  /** Names the trouble with `row`, whose stored links do not fit the sound chain so far. */
  const diagnose = (row: ChainRow, next: ChainRow | undefined): ChainProblem => {
    const seq = Number(row.seq);
    const at = (kind: ChainProblemKind, detail: string, s = seq, eventId: string | undefined = row.id): ChainProblem => ({ kind, seq: s, ...(eventId ? { eventId } : {}), detail });
    if (seq > expectedSeq) return at('removed', `seq ${expectedSeq}${seq - 1 > expectedSeq ? `–${seq - 1}` : ''} missing: the chain goes from seq ${expectedSeq - 1} to ${seq}`, expectedSeq, undefined);
    if (seq < expectedSeq) return at('inserted', `seq ${seq} appears twice`);
    if (!same(row.prev_hash, prev)) {
      if (next && same(next.prev_hash, prev)) {
        // The next event links to our predecessor: this one is either an intruder or out of place.
        const nextHash = chainHash(prev, digestOf(next) ?? Buffer.from(next.digest ?? GENESIS_HASH));
        if (same(row.prev_hash, nextHash)) return at('reordered', `seq ${seq} and ${seq + 1} exchanged places: seq ${seq + 1} links to seq ${seq - 1} and seq ${seq} to seq ${seq + 1}`);
        return at('inserted', `seq ${seq} is not in the chain: seq ${seq + 1} links past it to seq ${seq - 1}`);
      }
      if (beforePrev && same(row.prev_hash, beforePrev)) return at('inserted', `seq ${seq - 1} is not in the chain: seq ${seq} links past it to seq ${seq - 2}`, seq - 1, undefined);
      return at('removed', `seq ${seq} links to ${hex(row.prev_hash)}, the hash of no event before it: the event(s) it followed were removed (or seq ${seq - 1} was altered and re-hashed)`);
    }
    if (next && same(next.prev_hash, prev)) return at('inserted', `seq ${seq} is not in the chain: seq ${seq + 1} links past it to seq ${seq - 1}`);
    const digest = digestOf(row);
    if (!digest) return at('removed', `seq ${seq}'s event (id ${row.event_id}) is no longer in audit_events`, seq, row.event_id);
    if (!same(row.digest, digest)) return at('altered', `seq ${seq}'s content no longer matches its digest (stored ${hex(row.digest)}, recomputed ${digest.toString('hex')})`);
    return at('altered', `seq ${seq}'s stored hash ${hex(row.hash)} is not SHA-256(prev ‖ digest) = ${chainHash(prev, digest).toString('hex')}`);
  };

  let page: ChainRow[] = [];
  let afterSeq = 0;
  const readPage = async (): Promise<ChainRow[]> => {
    const { rows } = await db.query<ChainRow>(
      `SELECT c.seq, c.event_id, c.digest, c.prev_hash, c.hash, e.*
         FROM audit_chain c LEFT JOIN LATERAL (SELECT ${EVENT_COLUMNS_SQL} FROM audit_events WHERE id = c.event_id) e ON true
        WHERE c.seq > $1 ORDER BY c.seq LIMIT $2`, [afterSeq, pageSize]);
    if (rows.length > 0) afterSeq = Number(rows[rows.length - 1]!.seq);
    return rows;
  };

  page = await readPage();
  walk: while (page.length > 0) {
    // The next page is read ahead so the last row of a page can look at its successor.
    const following = page.length === pageSize ? await readPage() : [];
    for (let i = 0; i < page.length; i++) {
      const row = page[i]!;
      const next = page[i + 1] ?? following[0];
      const digest = digestOf(row);
      const hash = digest && chainHash(prev, digest);
      if (Number(row.seq) !== expectedSeq || !same(row.prev_hash, prev) || !digest || !same(row.digest, digest) || !same(row.hash, hash!)) {
        problem = diagnose(row, next);
        break walk;
      }
      beforePrev = prev;
      prev = hash!;
      expectedSeq += 1;
      problem = await passCheckpoints(expectedSeq - 1);
      if (problem) break walk;
    }
    opts.onProgress?.(expectedSeq - 1);
    page = following;
  }

  if (!problem) {
    // Checkpoints beyond the last event: the events they covered were removed from the end.
    await nextCheckpoints();
    const beyond = checkpoints[0];
    if (beyond) problem = { kind: 'removed', seq: expectedSeq, detail: `checkpoint ${beyond.seq} covers events up to seq ${beyond.seq}, but the chain ends at seq ${expectedSeq - 1}` };
  }
  const unsealed = Number((await db.query<{ n: string }>(
    'SELECT count(*) AS n FROM audit_events e WHERE NOT EXISTS (SELECT 1 FROM audit_chain c WHERE c.event_id = e.id)')).rows[0]?.n ?? 0);
  const verified = expectedSeq - 1;
  return {
    ok: problem === undefined,
    eventsVerified: verified,
    head: { seq: verified, hash: prev.toString('hex') },
    checkpointsVerified,
    lastCheckpoint: lastCheckpoint ? { seq: lastCheckpoint.seq, at: lastCheckpoint.at.toISOString(), timestamped: lastCheckpoint.tsaToken !== null } : null,
    eventsAfterLastCheckpoint: verified - (lastCheckpoint?.seq ?? 0),
    unsealed,
    ...(problem ? { problem } : {}),
  };
}

/** The trust store for checkpoint signers from a PEM bundle of CA certificates. */
export function checkpointTrust(caPem: string): TrustStore {
  return Object.freeze({ anchors: Object.freeze(certificatesFromPem(caPem).filter((c: X509Certificate) => c.ca)) });
}
