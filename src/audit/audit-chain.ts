import { sign } from 'node:crypto';
import type { Logger } from 'pino';
import { hubError, isHubError } from '../errors.js';
import type { Db } from '../store/db.js';
import { isStoreUnavailable } from '../store/store-failures.js';
import { readLastCheckpoint, readUnstampedCheckpoints, saveTimestamp, writeCheckpoint, type Checkpoint, type CheckpointSigner } from './audit-checkpoints.js';
import { OLDEST_UNSEALED_SQL, sealPending } from './audit-sealer.js';
import type { WaitingHoles } from './chain-gaps.js';

/** Asks a time-stamping authority (RFC 3161) for a token over `data`; the DER TimeStampResp and its time. */
export type Timestamper = (data: Buffer) => Promise<{ token: Buffer; genTime: Date }>;

export interface AuditChainOptions {
  db: Db;
  signer: CheckpointSigner;
  log: Logger;
  now: () => Date;
  /** How often the sealer looks for new events. */
  sealEveryMs: number;
  /** Events sealed per pass (one transaction). */
  sealBatch: number;
  /** How long the sealer looks for an event whose write committed after a pass went past its id. */
  lateCommitMs: number;
  /** A checkpoint is written when the newest is this old … */
  checkpointEveryMs: number;
  /** … or this many events behind the head, whichever comes first. */
  checkpointMaxEvents: number;
  /** The hub fails closed when no event has been sealed for this long while some wait. */
  maxUnsealedMs: number;
  /** How often the write probe and the backlog check run (readiness and intake read the cached answer). */
  probeEveryMs: number;
  timestamper?: Timestamper;
}

/** A detached signature by the hub's active key, and what a verifier needs to check it. */
export interface HubSignature {
  /** DER ECDSA (EC keys) or PKCS#1 v1.5 (RSA) over the bytes with SHA-256: what `openssl dgst -sha256 -sign` makes. */
  signature: Buffer;
  kid: string;
  /** PEM certificates of the signing key, leaf first. */
  chainPem: string;
}

/** The tamper-evident chain's moving parts in one process: sealing, checkpoints, timestamps, health. */
export interface AuditChain {
  /** Starts the sealing loop and the health probe. */
  start(): void;
  stop(): Promise<void>;
  /** Seals everything pending and checkpoints the head (if not already): the checkpoint covering every event so far. */
  checkpointNow(): Promise<Checkpoint | undefined>;
  /**
   * Signs other statements the hub makes about its audit trail (an evidence bundle's manifest) with the
   * key that signs checkpoints, the same way: `openssl dgst -sha256 -verify` checks it.
   */
  signStatement(bytes: Buffer): HubSignature;
  /** `ok`, or why the audit log cannot be written now (for `/readyz`). */
  health(): string;
  /** Throws HUB_ERR_AUDIT_UNAVAILABLE unless the audit log can be written. */
  assertWritable(): void;
  /**
   * Calls `listener` whenever the log goes from writable to not (with the problem) and back (with
   * `undefined`), and at once if it is not writable now: alerts hear of an outage they cannot record.
   */
  onHealthChange(listener: (problem: string | undefined) => void): void;
  /**
   * Runs a write that includes audit events, failing closed: refused while the log is unwritable,
   * and a failure of the audit insert itself becomes HUB_ERR_AUDIT_UNAVAILABLE (and marks the log so).
   */
  guard<T>(write: () => Promise<T>): Promise<T>;
}

// A rolled-back insert: proves the table takes rows (permissions, triggers, space) without leaving one.
// Its id is given (negative, random), not drawn from the sequence: a drawn id would leave a hole in
// the ids every second for the sealer to wait at.
const PROBE_SQL = `INSERT INTO audit_events (id, at, actor, kind, data) VALUES (-1 - floor(random() * 1e15)::bigint, now(), 'hub', 'audit.probe', '{}'::jsonb)`;
// How long sealing waits at a hole in the event ids (a write not committed yet) before going past it.
const HOLE_HOLD_MS = 2_000;

class ProbeRollback extends Error {}

export function createAuditChain(opts: AuditChainOptions): AuditChain {
  const { db, log } = opts;
  let timer: NodeJS.Timeout | undefined;
  let probeTimer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  let stopped = false;
  /** Why the last probe or write failed, cleared by the next good probe. */
  let writeProblem: string | undefined;
  /**
   * The oldest unsealed event seen, and when the sealer's clock on it started: at the first sealing
   * pass that began after the event was seen (or at once, if a pass was running then). A busy event
   * loop (a boot compiling routes) that runs no pass is not a stalled sealer.
   */
  let waiting: { id: string; clock?: number } | undefined;
  let stalled: string | undefined;
  /** Time the event loop was blocked since the last check, as a heartbeat timer's lateness measures it. */
  let blockedMs = 0;
  let heartbeat: NodeJS.Timeout | undefined;
  const listeners: ((problem: string | undefined) => void)[] = [];
  let reported: string | undefined;
  /** Tells the listeners when the log's health turns (ok ↔ not ok), after writeProblem or stalled changed. */
  const notifyHealth = (): void => {
    const problem = writeProblem ?? stalled;
    if ((problem === undefined) === (reported === undefined)) return;
    reported = problem;
    for (const listener of listeners) listener(problem);
  };

  // The hole in the event ids the last pass of this process stopped at, and since when.
  let waitingHoles: WaitingHoles = new Map();
  // Never longer than a quarter of the stall limit: a rolled-back write must not read as a stalled sealer.
  const holdMs = Math.min(HOLE_HOLD_MS, Math.floor(opts.maxUnsealedMs / 4));
  /** When the last sealing pass of this process began (a blocked event loop starts none: no stall to blame on the sealer). */
  let passRunning = false;
  const sealAll = async (): Promise<void> => {
    for (;;) {
      const pass = await sealPending(db, { batch: opts.sealBatch, lateCommitMs: opts.lateCommitMs, holdMs, waiting: waitingHoles, now: opts.now() });
      waitingHoles = pass.waiting;
      if (pass.locked || pass.sealed < opts.sealBatch) return;
    }
  };

  const checkpointIfDue = (): Promise<Checkpoint | undefined> =>
    writeCheckpoint(db, opts.signer, opts.now(), (head, last) =>
      !last || head.seq - last.seq >= opts.checkpointMaxEvents || opts.now().getTime() - last.at.getTime() >= opts.checkpointEveryMs);

  const stampPending = async (): Promise<void> => {
    if (!opts.timestamper) return;
    for (const checkpoint of await readUnstampedCheckpoints(db, 10)) {
      const { token, genTime } = await opts.timestamper(checkpoint.statement);
      await saveTimestamp(db, checkpoint.seq, token, genTime);
    }
  };

  // A stalled sealer fails every pass (4 a second): say so when the reason changes, or once a minute.
  let lastFailure: { message: string; at: number } | undefined;
  const pass = async (): Promise<void> => {
    if (waiting && waiting.clock === undefined) waiting.clock = Date.now();
    passRunning = true;
    try {
      await sealAndCheckpoint();
    } finally {
      passRunning = false;
    }
  };
  const sealAndCheckpoint = async (): Promise<void> => {
    try {
      await sealAll();
      await checkpointIfDue();
      if (lastFailure) log.info('audit chain: sealing again');
      lastFailure = undefined;
    } catch (err) {
      const message = (err as Error).message;
      if (lastFailure?.message !== message || Date.now() - lastFailure.at > 60_000) {
        log.error({ err }, 'audit chain: sealing failed');
        lastFailure = { message, at: Date.now() };
      }
      return;
    }
    try {
      await stampPending();
    } catch (err) {
      // The checkpoint is signed and stored; its timestamp is tried again next pass.
      log.warn({ err: (err as Error).message }, 'audit chain: time-stamping a checkpoint failed');
    }
  };

  /** Whether audit_events takes a row now (inserted and rolled back): undefined, or what is wrong. */
  // The database itself unreachable (not the audit log refusing rows): callers are told 503
  // HUB_ERR_STORE_UNAVAILABLE, which says what to do (come back), rather than blame the audit log.
  let storeDown = false;
  const probeWrite = async (): Promise<string | undefined> => {
    storeDown = false;
    try {
      await db.transaction(async (tx) => {
        await tx.query(PROBE_SQL);
        throw new ProbeRollback();
      });
    } catch (err) {
      if (!(err instanceof ProbeRollback)) {
        storeDown = isStoreUnavailable(err);
        return `audit_events does not take rows: ${(err as Error).message}`;
      }
    }
    return undefined;
  };
  const unavailable = (problem: string): Error => storeDown ? hubError('HUB_ERR_STORE_UNAVAILABLE') : hubError('HUB_ERR_AUDIT_UNAVAILABLE', [problem]);

  const probe = async (): Promise<void> => {
    await checkHealth();
    notifyHealth();
  };
  const checkHealth = async (): Promise<void> => {
    writeProblem = await probeWrite();
    if (writeProblem) return;
    try {
      const oldest = (await db.query<{ id: string }>(OLDEST_UNSEALED_SQL, [], { prepare: 'lienthong_audit_oldest_unsealed' })).rows[0]?.id;
      const now = Date.now();
      // Time this process could not run at all (a blocked event loop) held a running pass up as much as
      // the probe: it is not the sealer's (a boot compiling routes, a long synchronous parse).
      if (waiting?.clock !== undefined) waiting.clock += blockedMs;
      blockedMs = 0;
      if (oldest === undefined || oldest !== waiting?.id) waiting = oldest === undefined ? undefined : { id: oldest, ...(passRunning ? { clock: now } : {}) };
      // A pass that hangs counts from when it was seen running: it holds the sealing up.
      const waited = waiting?.clock === undefined ? 0 : now - waiting.clock;
      stalled = waited > opts.maxUnsealedMs ? `no audit event sealed for ${Math.round(waited / 1000)} s` : undefined;
    } catch (err) {
      stalled = `the unsealed backlog cannot be read: ${(err as Error).message}`;
    }
  };

  const schedule = (): void => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = pass().finally(schedule);
    }, opts.sealEveryMs);
    timer.unref();
  };

  const health = (): string => writeProblem ?? stalled ?? 'ok';
  const assertWritable = (): void => {
    const problem = health();
    if (problem !== 'ok') throw unavailable(problem);
  };

  return {
    start() {
      stopped = false;
      schedule();
      const beatMs = Math.min(opts.probeEveryMs, 100);
      let lastBeat = Date.now();
      heartbeat = setInterval(() => {
        const now = Date.now();
        blockedMs += Math.max(0, now - lastBeat - beatMs);
        lastBeat = now;
      }, beatMs);
      heartbeat.unref();
      const tick = (): void => {
        probeTimer = setTimeout(() => { void probe().finally(() => { if (!stopped) tick(); }); }, opts.probeEveryMs);
        probeTimer.unref();
      };
      void probe().finally(tick);
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      clearTimeout(probeTimer);
      clearInterval(heartbeat);
      await running;
    },
    async checkpointNow() {
      await sealAll();
      await writeCheckpoint(db, opts.signer, opts.now(), () => true);
      await stampPending().catch((err: unknown) => log.warn({ err: (err as Error).message }, 'audit chain: time-stamping a checkpoint failed'));
      return readLastCheckpoint(db);
    },
    signStatement(bytes) {
      return { signature: sign('sha256', bytes, opts.signer.privateKey), kid: opts.signer.kid, chainPem: opts.signer.chainPem };
    },
    health,
    assertWritable,
    onHealthChange(listener) {
      listeners.push(listener);
      if (reported !== undefined) listener(reported);
    },
    async guard(write) {
      assertWritable();
      try {
        return await write();
      } catch (err) {
        // Was it the audit log? Ask it directly rather than parse the database's message.
        if (isHubError(err)) throw err;
        const problem = await probeWrite();
        if (!problem) throw err;
        writeProblem = problem;
        notifyHealth();
        throw unavailable(problem);
      }
    },
  };
}
