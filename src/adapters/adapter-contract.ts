import type { Readable } from 'node:stream';
import type { Logger } from 'pino';
import type { DirectoryAgency } from '../domain/directory-agency.js';
import type { Dossier, DossierUpdate, PendingDossier } from '../domain/dossier.js';
import type { Message } from '../domain/message.js';

/** Every adapter id the hub knows. Adding an adapter = a folder in `adapters/` + a row in its table. */
export type AdapterId = 'http-endpoint' | 'vdxp' | 'dvcqg' | 'civil-registry' | 'judicial-records';

/** What an adapter needs from the hub to make one delivery attempt. */
export interface DeliveryContext<Settings> {
  deliveryId: string;
  /** 1-based attempt number. */
  attempt: number;
  /** Stable across retries of one delivery: receivers de-duplicate on it. */
  idempotencyKey: string;
  /** The recipient agency code this delivery is for. */
  recipient: string;
  endpoint: { id: string; settings: Settings };
  /** Aborted when the attempt's timeout elapses or the worker shuts down. */
  signal: AbortSignal;
  /**
   * Signs a JSON payload as a JWS compact serialisation with the hub's key (x5c chain in header), of
   * any `typ` but a receipt's (`lienthong-receipt+jws`, refused: only the hub issues receipts).
   */
  signJws(payload: Record<string, unknown>, typ: string): Promise<string>;
  /** Streams an attachment's bytes from the blob store. */
  openAttachment(sha256: string): Readable;
  /**
   * The message as edXML, the way the hub forwards it: built from the stored message, the hub's trace
   * header appended, signed with the hub's key. Built once per delivery attempt on first call.
   */
  edxml(): Promise<BuiltPacket>;
  /**
   * For `dossier` messages: the dossier as the hub holds it now (read at each call, so a retried
   * sync sends the current state). Rejects for other messages.
   */
  dossier(): Promise<Dossier>;
  log: Logger;
  now(): Date;
}

/** A packet the hub built for one delivery: small ones held in memory, large ones spooled to a file. */
export interface BuiltPacket {
  contentType: string;
  /** Length in bytes. */
  size: number;
  /** SHA-256 of the bytes. */
  sha256: Buffer;
  /** A fresh stream of the bytes on every call. */
  open(): Readable;
  /** The bytes themselves, when the hub holds them in memory anyway (small packets on their first build). */
  bytes?: Buffer;
}

/** What an adapter's receive loop may do with the hub: hand in packets it fetched from its system. */
export interface ReceiveContext<Settings> {
  endpoint: { id: string; settings: Settings };
  /** Aborted when the run's time limit elapses or the worker shuts down. */
  signal: AbortSignal;
  /**
   * Hands one fetched packet (raw bytes as the external system served them) to the hub's intake.
   * Resolves once the hub has stored it (or refused it); the adapter acknowledges the transport after.
   */
  intake(packet: Buffer, source: { remoteId: string; messageType: 'edoc' | 'status' }): Promise<ReceivedOutcome>;
  log: Logger;
  now(): Date;
}

/** The hub's answer to a packet handed in by a receive loop. */
export type ReceivedOutcome =
  | { kind: 'accepted'; messageId: string }
  | { kind: 'duplicate'; messageId: string }
  /** Refused for good (malformed, unknown agency …): acknowledge as failed, do not fetch it again. */
  | { kind: 'rejected'; code: string; reason: string };

/** Counts of one receive run, for logs, metrics and the run's job record. */
export interface ReceiveSummary {
  fetched: number;
  accepted: number;
  duplicates: number;
  rejected: number;
  /** Packets that could not be fetched or acknowledged this run (they stay pending remotely). */
  failed: number;
}

/** What a directory sync needs. */
export interface DirectoryContext<Settings> {
  endpoint: { id: string; settings: Settings };
  signal: AbortSignal;
  log: Logger;
}

/** What one run of a target system's result polling needs. */
export interface DossierPollContext<Settings> {
  endpoint: { id: string; settings: Settings };
  /** The dossiers this endpoint took and has not finished with, oldest first (at most a few hundred per run). */
  pending: readonly PendingDossier[];
  signal: AbortSignal;
  log: Logger;
  now(): Date;
  /**
   * Work to do once the hub has stored the run's updates — such as marking changes read on a system
   * whose change list is read-once — given the ids of the dossiers whose update is stored (applied,
   * or found to change nothing). Not called for updates the hub failed to store, nor when the run
   * fails before storing; a failure of `then` is logged, not retried.
   */
  afterStored(then: (stored: ReadonlySet<string>) => Promise<void>): void;
}

/** What asking an external system about a packet it took needs. */
export interface ProgressContext<Settings> {
  endpoint: { id: string; settings: Settings };
  /** The id the system gave the packet when it took it (`DeliveryOutcome.remoteId`). */
  remoteId: string;
  messageType: 'edoc' | 'status';
  signal: AbortSignal;
  log: Logger;
  now(): Date;
}

/** How far a packet got with one recipient, as the external system reports it (its own vocabulary). */
export interface RemoteProgress {
  recipient: string;
  /** The system's sending state (e.g. the axis `sendStatus`) and its description. */
  sendStatus?: string;
  sendStatusDesc?: string;
  /** The recipient's transport receipt (e.g. the axis `receiveStatus`) and its description. */
  receiveStatus?: string;
  receiveStatusDesc?: string;
  sentTime?: string;
  receivedTime?: string;
}

/** The classified result of one attempt. Adapters return it; they never retry by themselves. */
export type DeliveryOutcome =
  | { kind: 'delivered'; remoteId?: string; httpStatus?: number; detail?: string }
  | { kind: 'transient'; reason: string; httpStatus?: number; retryAfterMs?: number }
  | { kind: 'permanent'; reason: string; httpStatus?: number };

/** How a simulator of an external system should behave for one of its mailboxes. */
export type SimulatorBehaviour =
  | { mode: 'ok' }
  /** Answer `status` to the next `count` requests (all of them when `count` is absent), then ok. */
  | { mode: 'fail'; status: number; count?: number; retryAfterSeconds?: number }
  /** Fail with 503 with probability `failureRate` (0…1), otherwise ok. */
  | { mode: 'flaky'; failureRate: number }
  /** Answer ok after `delayMs`. */
  | { mode: 'slow'; delayMs: number }
  /** Drop connections without answering. */
  | { mode: 'down' };

export interface RecordedRequest {
  mailbox: string;
  at: Date;
  headers: Record<string, string>;
  body: Buffer;
  /** What the simulator answered (0 = connection dropped). */
  status: number;
}

/** A running simulator of an adapter's external system (a small HTTP server on loopback). */
export interface SimulatorHandle {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  url: string;
  /** Sets the behaviour of one mailbox, or of all (`*`) that have none of their own. */
  setBehaviour(mailbox: string, behaviour: SimulatorBehaviour): void;
  requests(mailbox?: string): RecordedRequest[];
  /** Distinct deliveries accepted (the external system de-duplicates on the idempotency key). */
  uniqueDeliveries(mailbox?: string): number;
  reset(): void;
  close(): Promise<void>;
}

export interface SimulatorOptions {
  host?: string;
  /** 0 or absent = an ephemeral port. */
  port?: number;
  /** PEM chain of the hub; when given the simulator verifies the hub's signature on what it receives. */
  hubCertificatePem?: string;
  /**
   * `false` (load tests): keep only headers and status of each request, and skip checks that parse
   * the body, so a long run neither grows the simulator's memory nor spends its CPU. Default `true`.
   */
  recordBodies?: boolean;
}

/** Shared fixtures that let the conformance test run any adapter against its simulator. */
export interface AdapterConformance<Settings> {
  /** Endpoint settings addressing `mailbox` on a running simulator, with an attempt timeout of 2 s. */
  settingsFor(simulatorUrl: string, mailbox: string): Settings;
  /**
   * For adapters that take dossier operations rather than documents: the message (kind `dossier`)
   * and the dossier `ctx.dossier()` serves, that the conformance test delivers.
   */
  sample?(): { message: Message; dossier: Dossier };
}

/** One external system the hub can reach. */
export interface Adapter<Settings = Record<string, unknown>> {
  id: AdapterId;
  description: string;
  /** JSON Schema (draft 2020-12 subset that ajv accepts) of the endpoint settings. */
  settingsSchema: Record<string, unknown>;
  /** Top-level settings that hold secrets: masked on reads, never logged. */
  secretSettings: readonly string[];
  /** One attempt. Must not retry, must not write to the store, must honour `ctx.signal`. */
  deliver(message: Message, ctx: DeliveryContext<Settings>): Promise<DeliveryOutcome>;
  startSimulator(options?: SimulatorOptions): Promise<SimulatorHandle>;
  conformance: AdapterConformance<Settings>;
  /**
   * For systems the hub must poll (the national axis): one run of the receive loop, fetching what is
   * pending for the endpoint and handing each packet to `ctx.intake`. Run by a repeatable queue job.
   */
  receive?(ctx: ReceiveContext<Settings>): Promise<ReceiveSummary>;
  /** For systems that publish an agency directory: the whole directory as the system serves it. */
  fetchDirectory?(ctx: DirectoryContext<Settings>): Promise<DirectoryAgency[]>;
  /**
   * For systems that relay further (the axis): per-recipient progress of a packet they took, asked
   * live. Throws when the system cannot answer now.
   */
  progress?(ctx: ProgressContext<Settings>): Promise<RemoteProgress[]>;
  /**
   * For target systems of dossiers (civil registry, judicial records): asks what became of the
   * pending dossiers and returns those whose state changed or that have a result. Run by a
   * repeatable queue job (`poll.resultsEvery`). Throws when the system cannot answer at all; one
   * dossier the system cannot tell about is left out.
   */
  pollDossiers?(ctx: DossierPollContext<Settings>): Promise<DossierUpdate[]>;
  /** Releases what the adapter holds across attempts (connection pools, token caches). */
  close?(): Promise<void>;
}

/** The typed table of adapters the core is given (built in `adapters/index.ts`). */
export type AdapterTable = { readonly [Id in AdapterId]: Adapter<unknown> };
