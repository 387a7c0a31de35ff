import { sdkHashFile } from './hash-file.js';
import { isMessageType, TRANSPORT_STATUSES, type VdxpMessageType, type VdxpOperation, type VdxpTransportStatus } from './operations.js';
import { signedParam } from './signed-headers.js';
import type { SimBody } from './simulator-body.js';
import { packetFacts } from './simulator-packet-facts.js';
import type { AxisStore, StoredCopy, StoredPacket } from './simulator-store.js';

/** An answer of the simulated axis: an HTTP status and the JSON body. */
export interface SimAnswer {
  httpStatus: number;
  body: Record<string, unknown>;
}

/** What an operation handler gets: the verified request. */
export interface SimRequest {
  systemId: string;
  /** Signed entries by unprefixed name (the only parameters the axis trusts). */
  signed: ReadonlyMap<string, string>;
  /** Read as it streamed: hashed, its bytes present only when kept. */
  body: SimBody;
  /** Whether the simulator keeps and parses bodies (`recordBodies`). */
  keepBodies: boolean;
  /** List every pending item twice (`duplicate-listing` behaviour). */
  duplicateListing: boolean;
  deduplicate: boolean;
  store: AxisStore;
}

/** `{status: OK, ErrorCode: "0", ErrorDesc: ""}` plus the operation's fields. */
export const ok = (extra: Record<string, unknown> = {}): SimAnswer => ({ httpStatus: 200, body: { status: 'OK', ErrorCode: '0', ErrorDesc: '', ...extra } });

/** A refusal: `status FAIL`, `ErrorCode` the HTTP status as text (the real codes are not public). */
export const refusal = (httpStatus: number, desc: string): SimAnswer => ({ httpStatus, body: { status: 'FAIL', ErrorCode: String(httpStatus), ErrorDesc: desc } });

const CRLF_LENGTH = 2;

/** The simulated axis's operations (docs/domain-vn.md §3.3; behaviours marked there as inference are the simulator's choices). */
export const SIM_HANDLERS: Record<VdxpOperation, (req: SimRequest) => SimAnswer> = {
  sendEdoc,
  getReceivedEdocList(req) {
    const messageType = messageTypeOf(req) ?? 'edoc';
    if (!isMessageType(messageType)) return refusal(400, `unknown messagetype ${messageType}`);
    let items = req.store.pendingFor(req.systemId, messageType);
    const page = pageOf(req);
    if (page === 'invalid') return refusal(400, 'pageSize and pageIndex must be positive integers');
    if (page) items = items.slice((page.index - 1) * page.size, page.index * page.size);
    const data = items.map(receivedItem);
    return ok({ data: req.duplicateListing ? data.flatMap((item) => [item, item]) : data });
  },
  getEdoc(req) {
    const docId = signedParam(req.signed, 'docId');
    if (!docId) return refusal(400, 'docId is required');
    const copy = req.store.copyFor(req.systemId, docId);
    if (!copy) return refusal(404, `no document ${docId} for this system`);
    const bytes = req.store.packets.get(copy.senderDocId)?.bytes;
    if (!bytes) return refusal(410, `the content of ${docId} was not kept (recordBodies: false)`);
    req.store.markFetched(copy);
    return ok({ data: bytes.toString('base64') });
  },
  updateStatus(req) {
    const docId = signedParam(req.signed, 'docId');
    const status = signedParam(req.signed, 'status');
    if (!docId || !status) return refusal(400, 'docId and status are required');
    if (!(TRANSPORT_STATUSES as readonly string[]).includes(status)) return refusal(400, `unknown status ${status}`);
    const copy = req.store.copyFor(req.systemId, docId);
    if (!copy) return refusal(404, `no document ${docId} for this system`);
    req.store.setCopyStatus(copy, status as VdxpTransportStatus);
    return ok();
  },
  getSentEdocList(req) {
    const docId = signedParam(req.signed, 'docId');
    const messageType = messageTypeOf(req) ?? 'edoc';
    const packets = req.store.sentBy(req.systemId).filter((p) => (docId ? p.senderDocId === docId : p.messageType === messageType));
    return ok({ data: packets.flatMap((packet) => packet.copies.map((id) => sentItem(packet, req.store.copies.get(id)))) });
  },
  getAgenciesList(req) {
    const data = req.store
      .liveAgencies()
      .filter((a) => a.code102)
      .map((a) => ({ id: a.id, pid: a.pid ?? '0', code: a.code102, name: a.name, mail: a.mail ?? '', oldCode: a.oldCode ?? '' }));
    return ok({ data });
  },
  getAgenciesListQD20(req) {
    const level = signedParam(req.signed, 'level');
    const data = req.store
      .liveAgencies()
      .filter((a) => a.codeQd20 && (level === undefined || a.codeQd20.split('.').length === Number(level)))
      .map((a) => ({ id: a.id, code: a.codeQd20, name: a.name, mail: a.mail ?? '', code102: a.code102 ?? '' }));
    return ok({ data });
  },
  getSynchronizeUnit(req) {
    const data = req.store.syncFor(req.systemId).map((a) => ({
      id: a.id,
      pid: a.pid ?? '0',
      code: a.code102 ?? a.codeQd20 ?? '',
      name: a.name,
      mail: a.mail ?? '',
      centerCode: a.centerCode ?? '',
      version: a.version,
      deleted: a.deleted,
      modifyDate: a.modifyDate ?? '',
      isAgency: a.isAgency ?? true,
    }));
    return ok({ data });
  },
};

/**
 * `sendEdoc`: the body must be the packet followed by `\r\n` as `application/octet-stream`, its
 * `hash-file` (with the SDK's dropped zeros) must match, `from` must be an agency of the system and
 * each recipient known. A re-sending (same system, `from`, recipients, type and edXML DocumentId —
 * or the same bytes when there is none) answers the first `DocId` [simulator's choice: the real
 * axis's de-duplication is not known].
 */
function sendEdoc(req: SimRequest): SimAnswer {
  // 1. The body is what the SDK sends, and what it signed.
  if (req.signed.get('Content-Type')?.toLowerCase() !== 'application/octet-stream') return refusal(400, 'sendEdoc takes application/octet-stream');
  if (!req.body.endsWithCrlf) return refusal(400, 'the body must be the packet followed by CRLF');
  // A view, not a copy: the stored packet shares the request's buffer.
  const file = req.body.bytes?.subarray(0, -CRLF_LENGTH);
  const hashFile = signedParam(req.signed, 'hash-file');
  if (!hashFile) return refusal(400, 'hash-file is required');
  if (sdkHashFile(req.body.fileSha256) !== hashFile) return refusal(400, 'hash-file does not match the body');

  // 2. Parameters.
  if (signedParam(req.signed, 'servicetype') !== 'eDoc') return refusal(400, 'servicetype must be eDoc');
  const messageType = messageTypeOf(req);
  if (!isMessageType(messageType)) return refusal(400, `messagetype must be edoc or status`);
  const from = signedParam(req.signed, 'from');
  if (!from) return refusal(400, 'from is required');
  if (!req.store.maySendAs(req.systemId, from)) return refusal(403, `system ${req.systemId} does not serve ${from}`);
  const facts = req.keepBodies && file ? packetFacts(file) : undefined;
  const to = parseTo(signedParam(req.signed, 'to')) ?? (facts?.to.length ? facts.to : undefined);
  if (!to) return refusal(400, 'to is missing or not a JSON string or array of strings');
  const unknown = to.filter((code) => !req.store.knowsAgency(code));
  if (unknown.length > 0) return refusal(400, `unknown recipient ${unknown.join(', ')}`);

  // 3. Store once, relay to each recipient.
  const identity = facts?.documentId ? `doc:${facts.documentId}` : `sha:${hashFile}`;
  const dedupeKey = req.deduplicate ? [req.systemId, from, messageType, [...to].sort().join(','), identity].join('|') : undefined;
  const known = req.store.duplicateOf(dedupeKey);
  if (known) return ok({ DocId: known });
  const stored = req.store.send(
    {
      systemId: req.systemId,
      from,
      to,
      messageType,
      ...(req.keepBodies && file && { bytes: file }),
      size: req.body.size - CRLF_LENGTH,
      ...(facts?.subject !== undefined && { subject: facts.subject }),
      ...(facts?.notation !== undefined && { notation: facts.notation }),
    },
    dedupeKey,
  );
  return ok({ DocId: stored.senderDocId });
}

function messageTypeOf(req: SimRequest): VdxpMessageType | string | undefined {
  return signedParam(req.signed, 'messagetype');
}

/** `to` as the SDK sends it: JSON text of a string or of an array of strings. */
function parseTo(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return undefined;
  }
  const codes = typeof parsed === 'string' ? [parsed] : Array.isArray(parsed) ? parsed : undefined;
  if (!codes || codes.length === 0 || !codes.every((c): c is string => typeof c === 'string' && c.length > 0)) return undefined;
  return [...new Set(codes)];
}

function pageOf(req: SimRequest): { size: number; index: number } | undefined | 'invalid' {
  const size = signedParam(req.signed, 'pageSize');
  if (size === undefined) return undefined;
  const index = signedParam(req.signed, 'pageIndex') ?? '1';
  if (!/^[1-9]\d{0,5}$/.test(size) || !/^[1-9]\d{0,5}$/.test(index)) return 'invalid';
  return { size: Number(size), index: Number(index) };
}

function receivedItem(copy: StoredCopy): Record<string, unknown> {
  return {
    docId: copy.docId,
    serviceType: 'eDoc',
    messageType: copy.messageType,
    created_time: copy.createdAt.toISOString(),
    updated_time: copy.updatedAt.toISOString(),
    from: copy.from,
    to: copy.recipient,
    status: copy.status,
    status_desc: '',
  };
}

function sentItem(packet: StoredPacket, copy: StoredCopy | undefined): Record<string, unknown> {
  return {
    serviceType: 'eDoc',
    messageType: packet.messageType,
    senderDocId: packet.senderDocId,
    receiverDocId: copy?.docId ?? '',
    fromCode: packet.from,
    toCode: copy?.recipient ?? '',
    title: packet.subject ?? '',
    notation: packet.notation ?? '',
    sentTime: packet.sentAt.toISOString(),
    receivedTime: copy?.receivedAt?.toISOString() ?? '',
    sendStatus: 'done',
    sendStatusDesc: '',
    receiveStatus: copy?.status ?? '',
    receiveStatusDesc: '',
  };
}
