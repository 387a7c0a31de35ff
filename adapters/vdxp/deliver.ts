import type { BuiltPacket, DeliveryContext, DeliveryOutcome } from '../../src/adapters/adapter-contract.js';
import { attemptSettings } from '../../src/adapters/attempt-settings.js';
import { raceAbort } from '../../src/adapters/call-budget.js';
import { failureOutcome } from '../../src/adapters/http-failure.js';
import { errorText } from '../../src/adapters/reason-text.js';
import type { Message } from '../../src/domain/message.js';
import { asText } from './axis-answer.js';
import { classifyAxisCall } from './axis-call-result.js';
import { sendEdoc } from './axis-operations.js';
import { resolveVdxpSettings, type VdxpSettings } from './settings.js';

// Header values must be visible ASCII (they travel as HTTP headers and in the signed JSON).
const HEADER_SAFE = /^[!-~]+$/;

/**
 * One delivery attempt through the axis: one `sendEdoc` of the packet the hub built for this
 * delivery (`ctx.edxml()`), addressed to `ctx.recipient`, with `messagetype` `status` for status
 * messages and `edoc` otherwise. Always resolves with an outcome (README.md, "How answers are
 * classified"); remoteId is the axis `DocId`.
 */
export async function deliverViaAxis(message: Message, ctx: DeliveryContext<VdxpSettings>): Promise<DeliveryOutcome> {
  const resolved = attemptSettings(ctx, resolveVdxpSettings);
  if ('outcome' in resolved) return resolved.outcome;
  const { settings } = resolved;
  if (ctx.signal.aborted) return { kind: 'transient', reason: 'attempt aborted before sending' };
  if (!HEADER_SAFE.test(ctx.recipient)) return { kind: 'permanent', reason: `recipient code ${JSON.stringify(ctx.recipient)} cannot travel in an axis header` };

  // 1. The packet the hub forwards (built once per attempt; large ones are spooled, never loaded here).
  let packet: BuiltPacket;
  try {
    packet = await raceAbort(ctx.edxml(), ctx.signal);
  } catch (err) {
    if (ctx.signal.aborted) return { kind: 'transient', reason: 'attempt aborted while the packet was built' };
    return packetUnavailable(err, ctx);
  }

  // 2. Send it once and classify the answer.
  const result = await sendEdoc(
    settings,
    { to: ctx.recipient, messageType: message.kind === 'status' ? 'status' : 'edoc', packet },
    { signal: ctx.signal, now: () => ctx.now() },
  );
  const verdict = classifyAxisCall(result, settings.transientErrorCodes);
  if (verdict.kind !== 'ok') {
    ctx.log.debug({ adapter: 'vdxp', deliveryId: ctx.deliveryId, reason: verdict.reason }, 'axis did not take the packet');
    // The axis's `ErrorCode` stays in the reason.
    return failureOutcome(verdict);
  }
  const docId = asText(verdict.answer.body.DocId);
  return docId
    ? { kind: 'delivered', httpStatus: verdict.httpStatus, remoteId: docId }
    : { kind: 'delivered', httpStatus: verdict.httpStatus, detail: 'the axis accepted the packet without a DocId' };
}

/**
 * The hub could not build the packet. A coded 4xx error (invalid edXML for this message) will fail
 * the same way on every attempt: permanent. Anything else (spool disk, signer) may pass later.
 */
function packetUnavailable(err: unknown, ctx: DeliveryContext<VdxpSettings>): DeliveryOutcome {
  ctx.log.error({ err, adapter: 'vdxp', deliveryId: ctx.deliveryId }, 'could not build the edXML packet');
  const status = (err as { statusCode?: unknown } | undefined)?.statusCode;
  const text = errorText(err);
  const reason = `hub could not build the edXML packet: ${text.slice(0, 200)}`;
  return typeof status === 'number' && status >= 400 && status <= 499 ? { kind: 'permanent', reason } : { kind: 'transient', reason };
}
