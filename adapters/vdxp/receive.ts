import type { ReceiveContext, ReceivedOutcome, ReceiveSummary } from '../../src/adapters/adapter-contract.js';
import { errorText } from '../../src/adapters/reason-text.js';
import { VdxpCallError } from './axis-call-result.js';
import type { CallOptions } from './axis-client.js';
import { getEdoc, getReceivedEdocList, updateStatus, type ReceivedEdocItem } from './axis-operations.js';
import { MESSAGE_TYPES, type VdxpMessageType } from './operations.js';
import { resolveVdxpSettings, type ResolvedVdxpSettings, type VdxpSettings } from './settings.js';

/** A receive run that could not list what is pending (the job records it and runs again later). */
export class VdxpReceiveError extends Error {
  readonly code = 'VDXP_RECEIVE_LIST_FAILED';
  constructor(
    message: string,
    /** What the run did handle before it gave up (items of the lists that did answer). */
    readonly summary: ReceiveSummary,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'VdxpReceiveError';
  }
}

/**
 * Pending packets `getEdoc` refused for good, by endpoint and docId: how many runs in a row. In
 * memory (a restart only delays the `fail` by a few runs), bounded, forgotten on a good fetch.
 */
const unfetchable = new Map<string, number>();
const UNFETCHABLE_TRACKED = 10_000;

/** Forgets the refused fetches counted so far (part of the adapter's `close`). */
export function clearUnfetchablePackets(): void {
  unfetchable.clear();
}

/**
 * One run of the axis receive loop (docs/domain-vn.md §3.4), for `edoc` and then `status` packets:
 *
 * 1. list what is pending (`getReceivedEdocList`); an item listed twice is handled once;
 * 2. fetch each packet (`getEdoc`); a fetch that fails leaves the item pending on the axis — except
 *    one refused for good (not worth another try) in `failUnfetchableAfter` runs in a row, which is
 *    acknowledged `fail` (counted in `rejected`): the SDK acknowledges a failed retrieval at once;
 *    the hub gives the axis a few runs' grace before it drops a document;
 * 3. hand it to the hub (`ctx.intake`); if the hub cannot take it now, it stays pending too;
 * 4. acknowledge the transport: `updateStatus done` when the hub accepted it or already had it,
 *    `fail` when the hub rejected it for good (so the axis stops offering it).
 *
 * Counts: `fetched` packets downloaded; `accepted`/`duplicates`/`rejected` the hub's answers;
 * `failed` items left pending on the axis (fetch, intake or acknowledgement failed) — a packet the
 * hub accepted but whose acknowledgement failed counts in both `accepted` and `failed`, and comes
 * back as a duplicate next run. A run stops early (returning what it did) when `ctx.signal` aborts
 * or after `maxItemsPerRun` items of each list (so a backlog of documents never holds back the
 * status packets). When a list call fails the run handles the other list, then
 * throws a {@link VdxpReceiveError} carrying the summary.
 */
export async function receiveFromAxis(ctx: ReceiveContext<VdxpSettings>): Promise<ReceiveSummary> {
  const settings = resolveVdxpSettings(ctx.endpoint.settings);
  const options: CallOptions = { signal: ctx.signal, now: () => ctx.now() };
  const summary: ReceiveSummary = { fetched: 0, accepted: 0, duplicates: 0, rejected: 0, failed: 0 };
  const listFailures: { messageType: VdxpMessageType; err: unknown }[] = [];

  for (const messageType of MESSAGE_TYPES) {
    if (ctx.signal.aborted) break;
    let budget = settings.maxItemsPerRun;
    // 1. List.
    let items: ReceivedEdocItem[];
    try {
      items = await getReceivedEdocList(settings, messageType, options);
    } catch (err) {
      if (ctx.signal.aborted) break;
      listFailures.push({ messageType, err });
      ctx.log.warn({ err, adapter: 'vdxp', endpointId: ctx.endpoint.id, messageType }, 'could not list pending packets');
      continue;
    }
    // 2–4. Each item once, within the run's budget.
    for (const item of uniqueByDocId(items)) {
      if (ctx.signal.aborted || budget <= 0) break;
      budget -= 1;
      await handleItem(item, messageType, settings, ctx, options, summary);
    }
  }

  // A repeatable job: quiet when there was nothing to do.
  const level = summary.fetched + summary.failed > 0 ? 'info' : 'debug';
  ctx.log[level]({ adapter: 'vdxp', endpointId: ctx.endpoint.id, ...summary }, 'axis receive run');
  if (listFailures.length > 0) {
    const first = listFailures[0]?.err;
    const which = listFailures.map((f) => f.messageType).join(', ');
    throw new VdxpReceiveError(`could not list pending ${which} packets: ${errorText(first)}`, summary, { cause: first });
  }
  return summary;
}

async function handleItem(
  item: ReceivedEdocItem,
  messageType: VdxpMessageType,
  settings: ResolvedVdxpSettings,
  ctx: ReceiveContext<VdxpSettings>,
  options: CallOptions,
  summary: ReceiveSummary,
): Promise<void> {
  const log = ctx.log.child({ adapter: 'vdxp', endpointId: ctx.endpoint.id, docId: item.docId, messageType });
  // 2. Fetch.
  const key = `${ctx.endpoint.id}\u0000${item.docId}`;
  let packet: Buffer;
  try {
    packet = await getEdoc(settings, item.docId, options);
  } catch (err) {
    const refusals = err instanceof VdxpCallError && !err.transient && !ctx.signal.aborted ? countRefusal(key) : 0;
    if (refusals < settings.failUnfetchableAfter) {
      summary.failed += 1;
      log.warn({ err, refusals }, 'could not fetch a pending packet; it stays pending');
      return;
    }
    // Refused for good run after run: tell the axis, so that it stops offering it.
    log.error({ err, refusals }, 'a pending packet cannot be fetched; acknowledging it as failed');
    try {
      await updateStatus(settings, item.docId, 'fail', options);
      unfetchable.delete(key);
      summary.rejected += 1;
    } catch (ackErr) {
      summary.failed += 1;
      log.warn({ err: ackErr }, 'could not acknowledge an unfetchable packet; the axis will offer it again');
    }
    return;
  }
  unfetchable.delete(key);
  summary.fetched += 1;

  // 3. Hand in.
  let outcome: ReceivedOutcome;
  try {
    outcome = await ctx.intake(packet, { remoteId: item.docId, messageType });
  } catch (err) {
    summary.failed += 1;
    log.error({ err }, 'the hub could not take a fetched packet; it stays pending');
    return;
  }
  const ack = countOutcome(outcome, summary);
  if (outcome.kind === 'rejected') log.warn({ code: outcome.code, reason: outcome.reason }, 'the hub rejected a received packet');

  // 4. Acknowledge the transport.
  try {
    await updateStatus(settings, item.docId, ack, options);
  } catch (err) {
    summary.failed += 1;
    log.warn({ err, ack }, 'could not acknowledge a received packet; the axis will offer it again');
  }
}

/** One more run in a row in which `getEdoc` refused this packet for good; the count so far. */
function countRefusal(key: string): number {
  const refusals = (unfetchable.get(key) ?? 0) + 1;
  unfetchable.delete(key); // re-inserted last: the oldest entries are dropped first
  if (unfetchable.size >= UNFETCHABLE_TRACKED) unfetchable.delete(unfetchable.keys().next().value as string);
  unfetchable.set(key, refusals);
  return refusals;
}

function countOutcome(outcome: ReceivedOutcome, summary: ReceiveSummary): 'done' | 'fail' {
  switch (outcome.kind) {
    case 'accepted':
      summary.accepted += 1;
      return 'done';
    case 'duplicate':
      summary.duplicates += 1;
      return 'done';
    case 'rejected':
      summary.rejected += 1;
      return 'fail';
    default: {
      const unknown: never = outcome;
      throw new Error(`Unknown intake outcome ${JSON.stringify(unknown)}`);
    }
  }
}

function uniqueByDocId(items: readonly ReceivedEdocItem[]): ReceivedEdocItem[] {
  const seen = new Set<string>();
  return items.filter((item) => (seen.has(item.docId) ? false : (seen.add(item.docId), true)));
}
