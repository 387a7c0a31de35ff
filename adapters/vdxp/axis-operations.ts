import type { Readable } from 'node:stream';
import { answerItems, asText, type AxisAnswer } from './axis-answer.js';
import { VdxpCallError, type AxisCallResult } from './axis-call-result.js';
import { callAxis, callAxisOrThrow, type CallOptions } from './axis-client.js';
import { gsonString } from './gson-json.js';
import { sdkHashFile } from './hash-file.js';
import { SERVICE_TYPE_EDOC, type VdxpMessageType, type VdxpOperation, type VdxpTransportStatus } from './operations.js';
import type { ResolvedVdxpSettings } from './settings.js';

/**
 * The axis operations with their parameters, one function each, as the SDK's `KnobstickServiceImp`
 * and `AgencyServiceImp` send them (parameters in the order the SDK's callers put them into its
 * header map). `sendEdoc` reports its raw result (delivery classifies it); the others return what
 * they read or throw a {@link VdxpCallError}.
 */

/** The packet `sendEdoc` streams: its length and SHA-256 (for `hash-file`) and a fresh stream. */
export interface OutgoingPacket {
  size: number;
  sha256: Uint8Array;
  open(): Readable;
}

export interface SendEdocRequest {
  /** One recipient code (sent as a JSON string) or several (a JSON array), as the SDK's `to`. */
  to: string | readonly string[];
  messageType: VdxpMessageType;
  packet: OutgoingPacket;
}

/** `sendEdoc`: one upload of the packet; the caller classifies the result. */
export function sendEdoc(settings: ResolvedVdxpSettings, request: SendEdocRequest, options: CallOptions): Promise<AxisCallResult> {
  // The SDK passes `to` through as JSON text (`JsonElement.toString()`): a string arrives quoted.
  const to = typeof request.to === 'string' ? gsonString(request.to) : `[${request.to.map(gsonString).join(',')}]`;
  return callAxis(
    settings,
    {
      operation: 'sendEdoc',
      params: [
        ['from', settings.from],
        ['servicetype', SERVICE_TYPE_EDOC],
        ['messagetype', request.messageType],
        ['to', to],
        ['hash-file', sdkHashFile(request.packet.sha256)],
      ],
      packet: request.packet,
    },
    options,
  );
}

/** One entry of `getReceivedEdocList` (fields as the SDK's `Knobstick` model reads them). */
export interface ReceivedEdocItem {
  docId: string;
  serviceType?: string;
  messageType?: string;
  from?: string;
  to?: string;
  status?: string;
  statusDesc?: string;
  createdTime?: string;
  updatedTime?: string;
}

/** `getReceivedEdocList` for one message type: what is pending for the system's agencies. */
export async function getReceivedEdocList(settings: ResolvedVdxpSettings, messageType: VdxpMessageType, options: CallOptions): Promise<ReceivedEdocItem[]> {
  const paging: [string, string][] = settings.pageSize !== undefined ? [['pageSize', String(settings.pageSize)], ['pageIndex', '1']] : [];
  const { answer } = await callAxisOrThrow(
    settings,
    { operation: 'getReceivedEdocList', params: [['servicetype', SERVICE_TYPE_EDOC], ['messagetype', messageType], ...paging] },
    options,
  );
  return itemsOf('getReceivedEdocList', answer).flatMap((item) => {
    const docId = asText(item.docId);
    if (!docId) return [];
    return [
      compact({
        docId,
        serviceType: asText(item.serviceType),
        messageType: asText(item.messageType),
        from: asText(item.from),
        to: asText(item.to),
        status: asText(item.status),
        statusDesc: asText(item.status_desc),
        createdTime: asText(item.created_time),
        updatedTime: asText(item.updated_time),
      }),
    ];
  });
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** `getEdoc`: the packet's bytes (the answer's `data` is the `.edxml` in base64). */
export async function getEdoc(settings: ResolvedVdxpSettings, docId: string, options: CallOptions): Promise<Buffer> {
  const { answer, httpStatus } = await callAxisOrThrow(settings, { operation: 'getEdoc', params: [['docId', docId]] }, options);
  const data = answer.body.data;
  const compactData = typeof data === 'string' ? data.replace(/\s+/g, '') : undefined;
  if (compactData === undefined || compactData.length === 0 || compactData.length % 4 !== 0 || !BASE64.test(compactData)) {
    throw new VdxpCallError('getEdoc', { kind: 'permanent', httpStatus, reason: `getEdoc ${docId}: data is not base64` });
  }
  return Buffer.from(compactData, 'base64');
}

/** `updateStatus`: the transport receipt of a received packet (`done` removes it from the pending list). */
export async function updateStatus(settings: ResolvedVdxpSettings, docId: string, status: VdxpTransportStatus, options: CallOptions): Promise<void> {
  await callAxisOrThrow(settings, { operation: 'updateStatus', params: [['status', status], ['docId', docId]] }, options);
}

/** `getSentEdocList` for one sent packet: its per-recipient entries, as served. */
export async function getSentEdocList(
  settings: ResolvedVdxpSettings,
  docId: string,
  messageType: VdxpMessageType,
  options: CallOptions,
): Promise<Record<string, unknown>[]> {
  const { answer } = await callAxisOrThrow(
    settings,
    { operation: 'getSentEdocList', params: [['servicetype', SERVICE_TYPE_EDOC], ['messagetype', messageType], ['docId', docId]] },
    options,
  );
  return itemsOf('getSentEdocList', answer);
}

/** `getAgenciesList`, `getAgenciesListQD20` or `getSynchronizeUnit`: the directory entries served. */
export async function getDirectoryList(
  settings: ResolvedVdxpSettings,
  operation: Extract<VdxpOperation, 'getAgenciesList' | 'getAgenciesListQD20' | 'getSynchronizeUnit'>,
  options: CallOptions,
): Promise<Record<string, unknown>[]> {
  const params: [string, string][] = operation === 'getAgenciesListQD20' && settings.qd20Level !== undefined ? [['level', settings.qd20Level]] : [];
  const { answer } = await callAxisOrThrow(settings, { operation, params }, options);
  return itemsOf(operation, answer);
}

function itemsOf(operation: VdxpOperation, answer: AxisAnswer): Record<string, unknown>[] {
  // A success without `data` is an empty list (the SDK tolerates `null`); `data` of another type is not.
  if (answer.body.data === undefined || answer.body.data === null) return [];
  const items = answerItems(answer);
  if (!items) throw new VdxpCallError(operation, { kind: 'transient', reason: `${operation}: data is not a list` });
  return items;
}

/** Drops `undefined` properties, so optional fields are absent rather than `undefined`. */
export function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
