import { randomBytes } from 'node:crypto';
import { hmacHex } from './signed-headers.js';
import type { SimulatedAgency } from './simulator-directory.js';
import type { VdxpMessageType, VdxpTransportStatus } from './operations.js';

/** A system connected to the simulated axis. */
export interface SimulatedSystem {
  systemId: string;
  secret: string;
  /** Agency codes it serves: the `from` it may send as, and whose packets it receives. */
  agencies: readonly string[];
}

/** Transport state of one recipient's copy: `initial` until it acknowledges. */
export type CopyStatus = 'initial' | VdxpTransportStatus;

/** One recipient's copy of a sent packet (what `getReceivedEdocList` lists). */
export interface StoredCopy {
  /** The recipient's id of the copy (`docId` in its list, `receiverDocId` for the sender). */
  docId: string;
  senderDocId: string;
  recipient: string;
  from: string;
  messageType: VdxpMessageType;
  status: CopyStatus;
  createdAt: Date;
  updatedAt: Date;
  /** When the recipient fetched it (`getEdoc`). */
  receivedAt?: Date;
}

/** One accepted `sendEdoc`. */
export interface StoredPacket {
  /** The `DocId` answered to the sender. */
  senderDocId: string;
  systemId: string;
  from: string;
  to: string[];
  messageType: VdxpMessageType;
  /** Absent when the simulator keeps no bodies (`recordBodies: false`). */
  bytes?: Buffer;
  size: number;
  sentAt: Date;
  subject?: string;
  notation?: string;
  /** Receiver doc ids, one per recipient. */
  copies: string[];
}

/** How the simulator treats a `systemid` it was not given. */
export type Enrolment = 'registered' | 'open';

/**
 * The deterministic secret of a system enrolled on first sight by an `open` simulator. Public on
 * purpose: it lets conformance tests and demos configure an endpoint for any system id.
 */
export function vdxpSimulatorSecret(systemId: string): string {
  return `sim-${hmacHex('lienthong-vdxp-simulator', systemId).slice(0, 32)}`;
}

interface SystemEntry {
  secret: string;
  agencies: Set<string>;
  /** Registered by configuration (kept by `reset`), not enrolled on first sight. */
  registered: boolean;
}

/** The state of a simulated axis: systems, directory, packets and copies. No HTTP here. */
export class AxisStore {
  private readonly systems = new Map<string, SystemEntry>();
  private readonly agencies = new Map<string, SimulatedAgency & { version: number; deleted: boolean }>();
  /** Live agency codes (both forms) → agency id, so routing checks stay O(1) with 111 000 agencies. */
  private readonly codeIndex = new Map<string, string>();
  private directoryVersion = 0;
  readonly packets = new Map<string, StoredPacket>();
  readonly copies = new Map<string, StoredCopy>();
  private readonly dedupe = new Map<string, string>();
  private readonly syncCursors = new Map<string, number>();
  private readonly idPrefix = randomBytes(5).toString('hex');
  private idCounter = 0;

  constructor(
    private readonly enrolment: Enrolment,
    private readonly now: () => Date,
  ) {}

  // ── Systems ───────────────────────────────────────────────────────────────────────────────────

  registerSystem(system: SimulatedSystem): void {
    this.systems.set(system.systemId, { secret: system.secret, agencies: new Set(system.agencies), registered: true });
  }

  /** The secret to verify `systemId` with; `open` enrolment admits unknown ids with their derived secret. */
  secretFor(systemId: string): string | undefined {
    const known = this.systems.get(systemId);
    if (known) return known.secret;
    if (this.enrolment !== 'open') return undefined;
    const secret = vdxpSimulatorSecret(systemId);
    this.systems.set(systemId, { secret, agencies: new Set(), registered: false });
    return secret;
  }

  /** Whether `systemId` may send as `agency`; an open axis lets a system claim the codes it sends as. */
  maySendAs(systemId: string, agency: string): boolean {
    const system = this.systems.get(systemId);
    if (!system) return false;
    if (!system.agencies.has(agency) && this.enrolment === 'open' && !system.registered) system.agencies.add(agency);
    return system.agencies.has(agency);
  }

  servedBy(systemId: string): ReadonlySet<string> {
    return this.systems.get(systemId)?.agencies ?? new Set();
  }

  /** A recipient the axis can route to: served by a system, in the directory, or anything when open. */
  knowsAgency(code: string): boolean {
    if (this.enrolment === 'open') return true;
    for (const system of this.systems.values()) if (system.agencies.has(code)) return true;
    return this.codeIndex.has(code);
  }

  // ── Packets ───────────────────────────────────────────────────────────────────────────────────

  /** The sender doc id already given to an identical sending (see {@link AxisStore.send}). */
  duplicateOf(key: string | undefined): string | undefined {
    return key === undefined ? undefined : this.dedupe.get(key);
  }

  /** Stores a packet and one copy per recipient; remembers `dedupeKey` for re-sendings. */
  send(packet: Omit<StoredPacket, 'senderDocId' | 'copies' | 'sentAt'>, dedupeKey?: string, docIds: { sender?: string; receivers?: string[] } = {}): StoredPacket {
    const at = this.now();
    const stored: StoredPacket = { ...packet, senderDocId: docIds.sender ?? this.newDocId(), sentAt: at, copies: [] };
    packet.to.forEach((recipient, i) => {
      const copy: StoredCopy = {
        docId: docIds.receivers?.[i] ?? this.newDocId(),
        senderDocId: stored.senderDocId,
        recipient,
        from: packet.from,
        messageType: packet.messageType,
        status: 'initial',
        createdAt: at,
        updatedAt: at,
      };
      this.copies.set(copy.docId, copy);
      stored.copies.push(copy.docId);
    });
    this.packets.set(stored.senderDocId, stored);
    if (dedupeKey !== undefined) this.dedupe.set(dedupeKey, stored.senderDocId);
    return stored;
  }

  /** Copies pending for the agencies `systemId` serves, oldest first. */
  pendingFor(systemId: string, messageType: VdxpMessageType): StoredCopy[] {
    const served = this.servedBy(systemId);
    return [...this.copies.values()].filter((c) => served.has(c.recipient) && c.messageType === messageType && (c.status === 'initial' || c.status === 'processing'));
  }

  /** A copy `systemId` may fetch or acknowledge. */
  copyFor(systemId: string, docId: string): StoredCopy | undefined {
    const copy = this.copies.get(docId);
    return copy && this.servedBy(systemId).has(copy.recipient) ? copy : undefined;
  }

  markFetched(copy: StoredCopy): void {
    copy.receivedAt ??= this.now();
  }

  setCopyStatus(copy: StoredCopy, status: CopyStatus): void {
    copy.status = status;
    copy.updatedAt = this.now();
  }

  sentBy(systemId: string): StoredPacket[] {
    return [...this.packets.values()].filter((p) => p.systemId === systemId);
  }

  newDocId(): string {
    // Mongo ObjectId shape, like the axis's ids: 4 bytes of seconds, 5 per process, a 3-byte counter.
    const seconds = Math.floor(this.now().getTime() / 1000) >>> 0;
    this.idCounter = (this.idCounter + 1) & 0xffffff;
    return `${seconds.toString(16).padStart(8, '0')}${this.idPrefix}${this.idCounter.toString(16).padStart(6, '0')}`;
  }

  /** Forgets traffic and systems enrolled on first sight; keeps registered systems and the directory. */
  clearTraffic(): void {
    this.packets.clear();
    this.copies.clear();
    this.dedupe.clear();
    this.syncCursors.clear();
    for (const [id, system] of this.systems) if (!system.registered) this.systems.delete(id);
  }

  // ── Directory ─────────────────────────────────────────────────────────────────────────────────

  /** Adds or replaces agencies (each gets a new version, so the next sync reports it). */
  upsertAgencies(agencies: readonly SimulatedAgency[]): void {
    for (const agency of agencies) {
      this.unindex(agency.id);
      this.agencies.set(agency.id, { ...agency, version: ++this.directoryVersion, deleted: false });
      for (const code of [agency.code102, agency.codeQd20]) if (code) this.codeIndex.set(code, agency.id);
    }
  }

  /** Marks agencies deleted (reported once more by sync, then gone from the lists). */
  deleteAgencies(ids: readonly string[]): void {
    for (const id of ids) {
      const agency = this.agencies.get(id);
      if (!agency) continue;
      this.unindex(id);
      this.agencies.set(id, { ...agency, version: ++this.directoryVersion, deleted: true, modifyDate: this.now().toISOString() });
    }
  }

  private unindex(id: string): void {
    const agency = this.agencies.get(id);
    for (const code of [agency?.code102, agency?.codeQd20]) if (code && this.codeIndex.get(code) === id) this.codeIndex.delete(code);
  }

  replaceDirectory(agencies: readonly SimulatedAgency[]): void {
    this.agencies.clear();
    this.codeIndex.clear();
    this.upsertAgencies(agencies);
  }

  liveAgencies(): SimulatedAgency[] {
    return [...this.agencies.values()].filter((a) => !a.deleted);
  }

  /** Agencies changed since `systemId` last synced (deleted ones included); advances its cursor. */
  syncFor(systemId: string): (SimulatedAgency & { version: number; deleted: boolean })[] {
    const since = this.syncCursors.get(systemId) ?? 0;
    const changed = [...this.agencies.values()].filter((a) => a.version > since).sort((a, b) => a.version - b.version);
    this.syncCursors.set(systemId, this.directoryVersion);
    return changed;
  }
}
