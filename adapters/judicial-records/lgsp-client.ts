import type { Logger } from 'pino';
import type { CallBudget } from '../../src/adapters/call-budget.js';
import { failureVerdict, type FailureVerdict } from '../../src/adapters/http-failure.js';
import { asText, parseJsonObject } from '../../src/adapters/json-values.js';
import { clipReason } from '../../src/adapters/reason-text.js';
import { fieldOf } from './field-of.js';
import { postOnce, type CallResult } from './http-call.js';
import { forgetLgspToken, lgspToken, tokenKey } from './lgsp-token.js';
import { lgspOperationUrl, type LgspOperation, type ResolvedCommonSettings, type ResolvedLgspSettings } from './settings.js';

/** What a call to the LLTP service on the LGSP needs. */
export interface LgspCallContext {
  endpointId: string;
  settings: ResolvedLgspSettings & ResolvedCommonSettings;
  /** The attempt's (or the poll call's) budget: the token fetch, the call and one re-authentication share it. */
  budget: CallBudget;
  now(): Date;
  log: Logger;
}

/** What one LGSP operation came to. */
export type LgspCallResult =
  /** A 2xx JSON object: `STATUS`, `DESCRIPTION` and the operation's fields (judged by the caller). */
  | { kind: 'answer'; httpStatus: number; body: Record<string, unknown>; status?: string; description?: string }
  /** A 2xx that is not a JSON object (a proxy's page, a truncated body …). */
  | { kind: 'malformed'; httpStatus: number; excerpt: string }
  | { kind: 'failed'; verdict: FailureVerdict };

// `STATUS` of the LLTP's AUTHEN_ERROR (the error family of the civil-registry services, docs §5.1):
// like a 401 from the gateway, it is answered by fetching a new token once.
const AUTHEN_ERROR = '100';

/**
 * Calls one operation with the endpoint's bearer token. When the gateway refuses the token (HTTP 401,
 * or `STATUS 100 AUTHEN_ERROR` from the service) — it expired or was revoked mid-way — the token is
 * dropped, a new one fetched and the call made once more: re-authenticating, not retrying the
 * delivery (the refused call did not reach the LLTP). A second refusal stands.
 */
export async function callLgsp(ctx: LgspCallContext, operation: LgspOperation, payload: Record<string, unknown>): Promise<LgspCallResult> {
  const key = tokenKey(ctx.endpointId, ctx.settings);
  const first = await lgspToken(key, ctx.settings, ctx.budget.signal, ctx.now);
  if (first.kind === 'failed') return first;
  let result = await post(ctx, operation, payload, first.token);
  if (tokenRefused(result)) {
    forgetLgspToken(key, first.token);
    ctx.log.info({ adapter: 'judicial-records', endpointId: ctx.endpointId, operation }, 'LGSP refused the bearer token; fetching a new one');
    const second = await lgspToken(key, ctx.settings, ctx.budget.signal, ctx.now);
    if (second.kind === 'failed') return second;
    result = await post(ctx, operation, payload, second.token);
  }
  return judged(result, operation);
}

/** `STATUS` is one of the endpoint's success statuses. */
export function isLgspSuccess(status: string | undefined, successStatuses: readonly string[]): boolean {
  return status !== undefined && successStatuses.includes(status);
}

function post(ctx: LgspCallContext, operation: LgspOperation, payload: Record<string, unknown>, token: string): Promise<CallResult> {
  return postOnce(
    {
      url: lgspOperationUrl(ctx.settings, operation),
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(payload),
    },
    ctx.settings,
    ctx.budget,
    ctx.now,
  );
}

function tokenRefused(result: CallResult): boolean {
  if (result.kind === 'http-error') return result.httpStatus === 401;
  if (result.kind !== 'answer') return false;
  const body = parseJsonObject(result.text);
  return body !== undefined && asText(fieldOf(body, 'STATUS')) === AUTHEN_ERROR;
}

function judged(result: CallResult, operation: LgspOperation): LgspCallResult {
  if (result.kind !== 'answer') return { kind: 'failed', verdict: failureVerdict(result, { call: operation }) };
  const body = parseJsonObject(result.text);
  if (!body) return { kind: 'malformed', httpStatus: result.httpStatus, excerpt: clipReason(result.text) };
  const status = asText(fieldOf(body, 'STATUS'));
  const description = asText(fieldOf(body, 'DESCRIPTION'));
  return { kind: 'answer', httpStatus: result.httpStatus, body, ...(status !== undefined && { status }), ...(description !== undefined && { description }) };
}
