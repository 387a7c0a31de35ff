import { invalidUrl, stoppedResult } from '../../src/adapters/bounded-call.js';
import type { CallBudget } from '../../src/adapters/call-budget.js';
import { DispatcherPools } from '../../src/adapters/dispatcher-pools.js';
import { jsonCall, type AnswerReader, type JsonCallResult } from '../../src/adapters/json-call.js';
import { portalAddress, type PortalAddress, type PortalCallKind } from './portal-address.js';
import { parsePortalAnswer, type PortalAnswer } from './portal-answer.js';
import type { ResolvedDvcqgSettings } from './settings.js';

/**
 * What one call to the portal came to, before any judgement: a 2xx with a JSON answer carrying
 * `error_code` (which may still be a refusal), another HTTP status (with its `answer` when its body
 * was a portal answer too), a 2xx that is not one, broke off or exceeds `maxResponseBytes`, or none.
 */
export type PortalCallResult = JsonCallResult<PortalAnswer>;

const PORTAL_ANSWER: AnswerReader<PortalAnswer> = { read: parsePortalAnswer, expected: 'a portal answer (JSON with error_code)' };

// One keep-alive pool per portal origin (or NGSP adapter).
const pools = new DispatcherPools();

/**
 * Makes one call and reports what happened (never throws, never retries): POSTs `body` as JSON to
 * the login or data path, reads the answer within `maxResponseBytes`, all within `budget` (the
 * attempt's time and the caller's signal). The body holds the password or the session: it is never
 * logged, and no result quotes it.
 */
export async function callPortal(
  settings: ResolvedDvcqgSettings,
  kind: PortalCallKind,
  body: Record<string, unknown>,
  budget: CallBudget,
  now: () => Date,
): Promise<PortalCallResult> {
  const stopped = stoppedResult(budget, settings.timeoutMs);
  if (stopped) return stopped;
  let address: PortalAddress;
  try {
    address = portalAddress(settings, kind);
  } catch {
    return invalidUrl('baseUrl is not a valid URL');
  }
  const payload = Buffer.from(JSON.stringify(body), 'utf8');
  return jsonCall(
    pools.poolFor(address.origin, settings.maxConnections),
    { path: address.path, headers: { ...address.headers, 'Content-Length': String(payload.length) }, body: payload },
    { budget, timeoutMs: settings.timeoutMs, maxResponseBytes: settings.maxResponseBytes, now },
    PORTAL_ANSWER,
  );
}

/** Closes every portal connection pool (waits for calls in flight). */
export function closeDvcqgPools(): Promise<void> {
  return pools.close();
}
