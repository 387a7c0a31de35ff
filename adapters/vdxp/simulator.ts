import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RecordedRequest, SimulatorBehaviour, SimulatorHandle, SimulatorOptions } from '../../src/adapters/adapter-contract.js';
import { VDXP_OPERATION_NAMES, type VdxpMessageType, type VdxpOperation } from './operations.js';
import { parseSdkTimestamp } from './sdk-timestamp.js';
import { parseUtcOffset } from './settings.js';
import { verifySignedHeaders } from './signed-headers.js';
import type { SimulatedAgency } from './simulator-directory.js';
import { refusal, SIM_HANDLERS, type SimAnswer } from './simulator-handlers.js';
import { AxisStore, type Enrolment, type SimulatedSystem, type StoredCopy, type StoredPacket } from './simulator-store.js';
import { closeSimulatorServer, flatHeaders, sendJson } from '../../src/adapters/simulator-http.js';
import { readSimBody } from './simulator-body.js';

/** A behaviour of the simulated axis for one system (mailbox = `systemid`), beyond the shared ones. */
export type VdxpSimulatorBehaviour =
  | SimulatorBehaviour
  /** Answer HTTP 200 with `status FAIL` and this `ErrorCode` (the next `count` requests, or all). */
  | { mode: 'fail-answer'; errorCode: string; errorDesc?: string; count?: number }
  /** `getReceivedEdocList` lists every pending packet twice (an axis repeating itself). */
  | { mode: 'duplicate-listing' };

export interface VdxpSimulatorOptions extends SimulatorOptions {
  /** Connected systems known from the start (kept by `reset`). */
  systems?: readonly SimulatedSystem[];
  /**
   * `registered` (default): only known systems may call, as on the real axis. `open` (conformance,
   * demos): an unknown `systemid` is enrolled on first sight with secret `vdxpSimulatorSecret(id)`,
   * serves the agency codes it sends as, and any recipient code is routable.
   */
  enrolment?: Enrolment;
  /** The directory served by the three directory calls (kept by `reset`). */
  directory?: readonly SimulatedAgency[];
  /**
   * Refuse requests whose `XroadVnpt-timestamp` is further than this from the simulator's clock.
   * Absent (default): only the format is checked — the SDK stamps its header map once per service
   * object, so the real axis cannot hold SDK clients to a tight window (docs/domain-vn.md §3.2).
   */
  timestampWindowMs?: number;
  /** Offset the timestamps are read in (default `+07:00`). */
  timestampUtcOffset?: string;
  /** Answer a re-sent packet with its first `DocId` instead of relaying it again. Default `true`. */
  deduplicate?: boolean;
  /** `http` (default): refusals carry a fitting HTTP status; `always-200`: every refusal is HTTP 200 + `FAIL`. */
  refusalStatus?: 'http' | 'always-200';
  /** Largest request body accepted (413 above). Default 256 MiB. */
  maxBodyBytes?: number;
  now?: () => Date;
}

/** A recorded request, with the operation it called. */
export interface VdxpRecordedRequest extends RecordedRequest {
  operation: string;
}

/** A packet put straight into a recipient's pending list, as if another system had sent it. */
export interface InjectedPacket {
  bytes: Buffer;
  from: string;
  to: string;
  messageType?: VdxpMessageType;
  /** The recipient's doc id; generated when absent. */
  docId?: string;
}

/** A running simulated axis, with what only it can do. Mailboxes are connected systems (`systemid`). */
export interface VdxpSimulatorHandle extends SimulatorHandle {
  /** Sets the behaviour of a system (or `*`), for all operations or only the listed ones. */
  setBehaviour(mailbox: string, behaviour: VdxpSimulatorBehaviour, operations?: readonly VdxpOperation[]): void;
  requests(mailbox?: string): VdxpRecordedRequest[];
  /** Distinct packets accepted from a system (`sendEdoc` answers with a new `DocId`), or from all. */
  uniqueDeliveries(mailbox?: string): number;
  registerSystem(system: SimulatedSystem): void;
  /** Replaces the directory. */
  loadDirectory(agencies: readonly SimulatedAgency[]): void;
  /** Changes the directory (what the next `getSynchronizeUnit` of each system reports). */
  changeDirectory(change: { upsert?: readonly SimulatedAgency[]; delete?: readonly string[] }): void;
  /** Adds a packet to `to`'s pending list; returns the recipient's doc id. */
  inject(packet: InjectedPacket): string;
  /** Copies not yet acknowledged `done`/`fail`, for one recipient agency or all. */
  pending(agencyCode?: string): StoredCopy[];
  /** Packets accepted from a system, or from all. */
  sent(systemId?: string): StoredPacket[];
  /** A packet's bytes by sender or recipient doc id. */
  packet(docId: string): Buffer | undefined;
  /** Puts an acknowledged copy back on its recipient's pending list (an axis that lost the receipt). */
  redeliver(docId: string): void;
}

interface BehaviourSlot {
  behaviour: VdxpSimulatorBehaviour;
  /** For `fail`/`fail-answer` with a count: failures still to answer. */
  remaining?: number;
}

const DEFAULT_MAX_BODY = 256 * 1024 * 1024;
const OPERATIONS = new Set<string>(VDXP_OPERATION_NAMES);

/**
 * Starts a simulated national document axis on loopback: `POST /<operation>` for the eight
 * operations the adapter speaks, `GET /healthz`. Every request is authenticated as the real axis
 * must (signed headers, HMAC with the system's secret, see `verifySignedHeaders`), `sendEdoc` bodies
 * are checked against `hash-file`, packets are relayed to the pending lists of the systems serving
 * their recipients. `hubCertificatePem` is accepted and not used: the axis authenticates systems
 * by HMAC, not by certificate, and is not known to verify packet signatures (README.md).
 */
export async function startVdxpSimulator(options: VdxpSimulatorOptions = {}): Promise<VdxpSimulatorHandle> {
  const now = options.now ?? (() => new Date());
  const store = new AxisStore(options.enrolment ?? 'registered', now);
  for (const system of options.systems ?? []) store.registerSystem(system);
  if (options.directory) store.replaceDirectory(options.directory);
  const offsetMinutes = parseUtcOffset(options.timestampUtcOffset ?? '+07:00');
  const keepBodies = options.recordBodies !== false;
  const behaviours = new Map<string, BehaviourSlot>();
  const recorded: VdxpRecordedRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();

  const slotFor = (mailbox: string, operation: string): BehaviourSlot | undefined =>
    behaviours.get(`${mailbox}\u0000${operation}`) ?? behaviours.get(mailbox) ?? behaviours.get(`*\u0000${operation}`) ?? behaviours.get('*');

  const sleep = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        resolve();
      }, ms);
      timers.add(timer);
    });

  async function handleOperation(operation: VdxpOperation, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const headers = flatHeaders(req);
    const mailbox = headers['xroadvnpt-systemid'] ?? '';
    const body = await readSimBody(req, { maxBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY, keep: keepBodies });
    const record: VdxpRecordedRequest = { mailbox, operation, at: now(), headers, body: body?.bytes ?? Buffer.alloc(0), status: 0 };
    recorded.push(record);
    // Refusals of the axis itself may be HTTP 200 (`always-200`); scripted failures keep their status.
    const answer = (reply: SimAnswer, extraHeaders: Record<string, string> = {}, scripted = false): void => {
      const httpStatus = !scripted && options.refusalStatus === 'always-200' && reply.body.status === 'FAIL' ? 200 : reply.httpStatus;
      record.status = httpStatus;
      sendJson(res, httpStatus, reply.body, extraHeaders);
    };
    if (body === undefined) return answer(refusal(413, 'request body too large'));

    // 1. Network-level behaviours: a dead or slow axis never gets to look at the request.
    const slot = slotFor(mailbox, operation);
    const behaviour = slot?.behaviour ?? { mode: 'ok' };
    if (behaviour.mode === 'down') {
      req.socket.destroy();
      return;
    }
    if (behaviour.mode === 'slow') await sleep(behaviour.delayMs);

    // 2. Authenticate the system, as the axis must.
    const auth = verifySignedHeaders(headers, (systemId) => store.secretFor(systemId));
    if (!auth.ok) return answer(refusal(401, `authentication failed: ${auth.reason}`));
    const stamped = parseSdkTimestamp(auth.signed.get('timestamp') ?? '', offsetMinutes);
    if (!stamped) return answer(refusal(401, 'authentication failed: timestamp is not ddMMyyyyTHHmmss+SSSS'));
    if (options.timestampWindowMs !== undefined && Math.abs(now().getTime() - stamped.getTime()) > options.timestampWindowMs) {
      return answer(refusal(401, 'authentication failed: timestamp outside the accepted window'));
    }
    // 3. Scripted failures.
    const failure = scriptedFailure(slot);
    if (failure) return answer(failure.reply, failure.headers, true);
    // 4. The operation.
    answer(
      SIM_HANDLERS[operation]({
        systemId: auth.systemId,
        signed: auth.signed,
        body,
        keepBodies,
        duplicateListing: behaviour.mode === 'duplicate-listing',
        deduplicate: options.deduplicate !== false,
        store,
      }),
    );
  }

  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const name = path.slice(path.lastIndexOf('/') + 1);
    if (req.method === 'POST' && OPERATIONS.has(name)) {
      handleOperation(name as VdxpOperation, req, res).catch(() => req.socket.destroy());
      return;
    }
    req.resume();
    if (req.method === 'GET' && path === '/healthz') return sendJson(res, 200, { ok: true });
    sendJson(res, 404, refusal(404, `no operation ${path}`).body);
  });
  // The hub keeps connections alive; stay up longer than undici's default idle time (4 s).
  server.keepAliveTimeout = 10_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  return {
    url: `http://${host}:${address.port}`,
    setBehaviour(mailbox, behaviour, operations) {
      const slot: BehaviourSlot = 'count' in behaviour && behaviour.count !== undefined ? { behaviour, remaining: behaviour.count } : { behaviour };
      if (!operations) behaviours.set(mailbox, slot);
      // Each listed operation gets its own slot, so counts run down per operation.
      else for (const operation of operations) behaviours.set(`${mailbox}\u0000${operation}`, { ...slot });
    },
    requests: (mailbox) => (mailbox === undefined ? [...recorded] : recorded.filter((r) => r.mailbox === mailbox)),
    uniqueDeliveries: (mailbox) => [...store.packets.values()].filter((p) => mailbox === undefined || p.systemId === mailbox).length,
    registerSystem: (system) => store.registerSystem(system),
    loadDirectory: (agencies) => store.replaceDirectory(agencies),
    changeDirectory(change) {
      if (change.upsert) store.upsertAgencies(change.upsert);
      if (change.delete) store.deleteAgencies(change.delete);
    },
    inject(packet) {
      const stored = store.send(
        { systemId: '', from: packet.from, to: [packet.to], messageType: packet.messageType ?? 'edoc', bytes: packet.bytes, size: packet.bytes.length },
        undefined,
        packet.docId !== undefined ? { receivers: [packet.docId] } : {},
      );
      return stored.copies[0] as string;
    },
    pending: (agencyCode) =>
      [...store.copies.values()].filter((c) => (c.status === 'initial' || c.status === 'processing') && (agencyCode === undefined || c.recipient === agencyCode)),
    sent: (systemId) => [...store.packets.values()].filter((p) => p.systemId !== '' && (systemId === undefined || p.systemId === systemId)),
    packet(docId) {
      const senderDocId = store.copies.get(docId)?.senderDocId ?? docId;
      return store.packets.get(senderDocId)?.bytes;
    },
    redeliver(docId) {
      const copy = store.copies.get(docId);
      if (copy) store.setCopyStatus(copy, 'initial');
    },
    reset() {
      behaviours.clear();
      recorded.length = 0;
      store.clearTraffic();
    },
    close: () => closeSimulatorServer(server, timers),
  };
}

/** The answer a `fail`, `flaky` or `fail-answer` behaviour gives now, if any; counts down. */
function scriptedFailure(slot: BehaviourSlot | undefined): { reply: SimAnswer; headers: Record<string, string> } | undefined {
  if (!slot) return undefined;
  const behaviour = slot.behaviour;
  const due = (): boolean => {
    if (slot.remaining === undefined) return true;
    if (slot.remaining <= 0) return false;
    slot.remaining -= 1;
    return true;
  };
  switch (behaviour.mode) {
    case 'fail': {
      if (!due()) return undefined;
      const headers: Record<string, string> = behaviour.retryAfterSeconds !== undefined ? { 'retry-after': String(behaviour.retryAfterSeconds) } : {};
      return { reply: refusal(behaviour.status, 'simulated failure'), headers };
    }
    case 'fail-answer':
      return due() ? { reply: { httpStatus: 200, body: { status: 'FAIL', ErrorCode: behaviour.errorCode, ErrorDesc: behaviour.errorDesc ?? 'simulated failure' } }, headers: {} } : undefined;
    case 'flaky':
      return Math.random() < behaviour.failureRate ? { reply: refusal(503, 'simulated failure'), headers: {} } : undefined;
    case 'ok':
    case 'slow':
    case 'down':
    case 'duplicate-listing':
      return undefined;
    default: {
      const unknown: never = behaviour;
      throw new Error(`Unknown simulator behaviour ${JSON.stringify(unknown)}`);
    }
  }
}
