import { asText } from './axis-answer.js';
import { compact, getSentEdocList } from './axis-operations.js';
import type { VdxpMessageType } from './operations.js';
import { resolveVdxpSettings, type VdxpSettings } from './settings.js';

/**
 * How far one sent packet got with one recipient, as `getSentEdocList` reports it (field names of
 * the SDK's `StatusResult`). The status vocabularies are the axis's own and are passed through
 * unchanged; they are not documented anywhere public (the simulator uses `initial`, `processing`,
 * `done`, `fail` for `receiveStatus`, mirroring `updateStatus`).
 */
export interface VdxpSentProgress {
  /** Recipient agency code (`toCode`). */
  recipient: string;
  /** The `DocId` `sendEdoc` answered (`senderDocId`). */
  senderDocId?: string;
  /** The recipient's own id of its copy (`receiverDocId`), the one it acknowledges. */
  receiverDocId?: string;
  fromCode?: string;
  messageType?: string;
  serviceType?: string;
  title?: string;
  notation?: string;
  sentTime?: string;
  receivedTime?: string;
  sendStatus?: string;
  sendStatusDesc?: string;
  /** The recipient's transport receipt (`updateStatus` on its side). */
  receiveStatus?: string;
  receiveStatusDesc?: string;
}

export interface SentProgressOptions {
  /** Default `edoc`; `status` for a status packet the hub sent. */
  messageType?: VdxpMessageType;
  signal?: AbortSignal;
  now?: () => Date;
}

/**
 * Per-recipient send and receive status of the packet the axis knows as `docId` (the remoteId of a
 * delivery): one `getSentEdocList` call. Entries without a recipient code are dropped. Throws a
 * `VdxpCallError` when the call does not succeed (`transient` says whether to ask again later).
 */
export async function sentProgress(settings: VdxpSettings, docId: string, options: SentProgressOptions = {}): Promise<VdxpSentProgress[]> {
  const items = await getSentEdocList(resolveVdxpSettings(settings), docId, options.messageType ?? 'edoc', {
    signal: options.signal ?? new AbortController().signal,
    now: options.now ?? (() => new Date()),
  });
  return items.flatMap((item) => {
    const recipient = asText(item.toCode);
    if (!recipient) return [];
    const progress: VdxpSentProgress = compact({
      recipient,
      senderDocId: asText(item.senderDocId),
      receiverDocId: asText(item.receiverDocId),
      fromCode: asText(item.fromCode),
      messageType: asText(item.messageType),
      serviceType: asText(item.serviceType),
      title: asText(item.title),
      notation: asText(item.notation),
      sentTime: asText(item.sentTime),
      receivedTime: asText(item.receivedTime),
      sendStatus: asText(item.sendStatus),
      sendStatusDesc: asText(item.sendStatusDesc),
      receiveStatus: asText(item.receiveStatus),
      receiveStatusDesc: asText(item.receiveStatusDesc),
    });
    return [progress];
  });
}
