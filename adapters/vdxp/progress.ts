import type { ProgressContext, RemoteProgress } from '../../src/adapters/adapter-contract.js';
import { sentProgress } from './sent-progress.js';
import type { VdxpSettings } from './settings.js';

/** Per-recipient progress of a packet the axis took (`getSentEdocList`), in the hub's terms. */
export async function axisProgress(ctx: ProgressContext<VdxpSettings>): Promise<RemoteProgress[]> {
  const entries = await sentProgress(ctx.endpoint.settings, ctx.remoteId, { messageType: ctx.messageType, signal: ctx.signal, now: ctx.now });
  return entries.map((e) => ({
    recipient: e.recipient,
    ...(e.sendStatus !== undefined ? { sendStatus: e.sendStatus } : {}),
    ...(e.sendStatusDesc !== undefined ? { sendStatusDesc: e.sendStatusDesc } : {}),
    ...(e.receiveStatus !== undefined ? { receiveStatus: e.receiveStatus } : {}),
    ...(e.receiveStatusDesc !== undefined ? { receiveStatusDesc: e.receiveStatusDesc } : {}),
    ...(e.sentTime !== undefined ? { sentTime: e.sentTime } : {}),
    ...(e.receivedTime !== undefined ? { receivedTime: e.receivedTime } : {}),
  }));
}
