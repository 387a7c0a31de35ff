import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RecordedRequest, SimulatorBehaviour, SimulatorHandle, SimulatorOptions } from '../../src/adapters/adapter-contract.js';
import { RequestLog } from '../../src/adapters/request-log.js';
import { BehaviourBook, scriptedAnswer, type AnswerScript } from '../../src/adapters/simulator-behaviours.js';
import { flatHeaders, sendJson } from '../../src/adapters/simulator-http.js';
import { SimulatorServer } from '../../src/adapters/simulator-server.js';
import { VDXP_OPERATION_NAMES, type VdxpMessageType, type VdxpOperation } from './operations.js';
import { parseSdkTimestamp } from './sdk-timestamp.js';
import { parseUtcOffset } from './settings.js';
import { verifySignedHeaders } from './signed-headers.js';
import type { SimulatedAgency } from './simulator-directory.js';
import { refusal, SIM_HANDLERS, type SimAnswer } from './simulator-handlers.js';
import { AxisStore, type Enrolment, type SimulatedSystem, type StoredCopy, type StoredPacket } from './simulator-store.js';
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
  const behaviours = new BehaviourBook<VdxpSimulatorBehaviour>();
  const recorded = new RequestLog<VdxpRecordedRequest>();

  async function handleOperation(operation: VdxpOperation, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const headers = flatHeaders(req);
    const mailbox = headers['xroadvnpt-systemid'] ?? '';
    const body = await readSimBody(req, { maxBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY, keep: keepBodies });
    const record = recorded.add({ mailbox, operation, at: now(), headers, body: body?.bytes ?? Buffer.alloc(0), status: 0 });
    // Refusals of the axis itself may be HTTP 200 (`always-200`); scripted failures keep their status.
    const answer = (reply: SimAnswer, extraHeaders: Record<string, string> = {}, scripted = false): void => {
      const httpStatus = !scripted && options.refusalStatus === 'always-200' && reply.body.status === 'FAIL' ? 200 : reply.httpStatus;
      record.status = httpStatus;
      sendJson(res, httpStatus, reply.body, extraHeaders);
    };
    if (body === undefined) return answer(refusal(413, 'request body too large'));

    // 1. Network-level behaviours: a dead or slow axis never gets to look at the request.
    const slot = behaviours.slotFor(mailbox, operation);
    if (!(await server.passesNetwork(slot, req))) return;

    // 2. Authenticate the system, as the axis must.
    const auth = verifySignedHeaders(headers, (systemId) => store.secretFor(systemId));
    if (!auth.ok) return answer(refusal(401, `authentication failed: ${auth.reason}`));
    const stamped = parseSdkTimestamp(auth.signed.get('timestamp') ?? '', offsetMinutes);
    if (!stamped) return answer(refusal(401, 'authentication failed: timestamp is not ddMMyyyyTHHmmss+SSSS'));
    if (options.timestampWindowMs !== undefined && Math.abs(now().getTime() - stamped.getTime()) > options.timestampWindowMs) {
      return answer(refusal(401, 'authentication failed: timestamp outside the accepted window'));
    }
    // 3. Scripted failures.
    const failure = scriptedAnswer(slot, AXIS_SCRIPT);
    if (failure) return answer(failure.reply, failure.headers, true);
    // 4. The operation.
    answer(
      SIM_HANDLERS[operation]({
        systemId: auth.systemId,
        signed: auth.signed,
        body,
        keepBodies,
        duplicateListing: slot?.behaviour.mode === 'duplicate-listing',
        deduplicate: options.deduplicate !== false,
        store,
      }),
    );
  }

  const server = new SimulatorServer((req, res) => {
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

  return {
    url: await server.listen(options),
    setBehaviour: (mailbox, behaviour, operations) => behaviours.set(mailbox, behaviour, operations),
    requests: (mailbox) => recorded.of(mailbox),
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
      recorded.clear();
      store.clearTraffic();
    },
    close: () => server.close(),
  };
}

/** Scripted answers: the axis's refusal for `fail` and `flaky`, HTTP 200 `FAIL` for `fail-answer` (counted down). */
const AXIS_SCRIPT: AnswerScript<VdxpSimulatorBehaviour, { reply: SimAnswer; headers: Record<string, string> }> = {
  failure: (failure) => ({ reply: refusal(failure.httpStatus, 'simulated failure'), headers: failure.headers }),
  // `duplicate-listing` answers nothing itself: it changes what `getReceivedEdocList` lists.
  own: (behaviour, due) =>
    behaviour.mode === 'fail-answer' && due()
      ? { reply: { httpStatus: 200, body: { status: 'FAIL', ErrorCode: behaviour.errorCode, ErrorDesc: behaviour.errorDesc ?? 'simulated failure' } }, headers: {} }
      : undefined,
};
