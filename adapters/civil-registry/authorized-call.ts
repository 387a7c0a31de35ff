import type { Logger } from 'pino';
import type { CallBudget } from '../../src/adapters/call-budget.js';
import { asText, isJsonObject } from '../../src/adapters/json-values.js';
import { classifyCall, type CallVerdict } from './call-verdict.js';
import { AUTH_ERROR_CODE } from './error-codes.js';
import { postOnce, type CallLimits, type CallResult } from './http-call.js';
import type { ResolvedCivilRegistrySettings } from './settings.js';
import { cachedToken, forgetToken, storeToken, tokenCacheKey, type AccessToken } from './token-cache.js';
import { requestToken } from './token-client.js';

/** Who is calling: an endpoint's settings and id (the token cache key), with the caller's clock and log. */
export interface CallerContext {
  endpointId: string;
  settings: ResolvedCivilRegistrySettings;
  log: Logger;
  now(): Date;
}

/**
 * One authenticated JSON POST to a civil-registry service, classified. The token comes from the
 * cache or the gateway; when the service says the token is not accepted (HTTP 401, or `errorCode`
 * 100 AUTHEN_ERROR) it is forgotten and the call made once more with a new one — a token that
 * expired between attempts must not fail a delivery, and that second call is not a retry of the
 * delivery (the first one was refused before the system looked at it). All within `budget`.
 */
export async function authorizedPost(caller: CallerContext, budget: CallBudget, url: string, payload: unknown): Promise<CallVerdict> {
  const limits: CallLimits = {
    budget,
    timeoutMs: caller.settings.timeoutMs,
    maxConnections: caller.settings.maxConnections,
    maxResponseBytes: caller.settings.maxResponseBytes,
    now: caller.now,
  };
  const body = Buffer.from(JSON.stringify(payload), 'utf8');
  const key = tokenCacheKey(caller.endpointId, caller.settings);

  let token = cachedToken(key, caller.now().getTime());
  let fresh = false;
  if (!token) {
    const obtained = await obtainToken(caller, key, limits);
    if (obtained.kind !== 'token') return obtained;
    token = obtained.token;
    fresh = true;
  }
  let result = await postWith(token, url, body, limits);
  if (tokenRefused(result)) {
    forgetToken(key, token.value);
    caller.log.debug({ adapter: 'civil-registry', endpointId: caller.endpointId, freshToken: fresh }, 'token refused: asking for a new one');
    const renewed = await obtainToken(caller, key, limits);
    if (renewed.kind !== 'token') return renewed;
    result = await postWith(renewed.token, url, body, limits);
  }
  return classifyCall(result);
}

async function obtainToken(caller: CallerContext, key: string, limits: CallLimits): Promise<{ kind: 'token'; token: AccessToken } | Exclude<CallVerdict, { kind: 'answer' }>> {
  const { settings } = caller;
  const outcome = await requestToken(
    { tokenUrl: settings.tokenUrl, consumerKey: settings.consumerKey, consumerSecret: settings.consumerSecret, refreshMarginSeconds: settings.tokenRefreshMarginSeconds },
    limits,
  );
  if (outcome.kind === 'token') storeToken(key, outcome.token);
  return outcome;
}

function postWith(token: AccessToken, url: string, body: Buffer, limits: CallLimits): Promise<CallResult> {
  return postOnce(
    { url, headers: { 'content-type': 'application/json; charset=utf-8', accept: 'application/json', authorization: `Bearer ${token.value}` }, body },
    limits,
  );
}

/** HTTP 401 (the API manager), or a JSON answer with `errorCode` 100 AUTHEN_ERROR (the LGSP services). */
export function tokenRefused(result: CallResult): boolean {
  if (result.kind === 'http-error') return result.httpStatus === 401;
  return result.kind === 'answer' && isJsonObject(result.body) && asText(result.body.errorCode) === AUTH_ERROR_CODE;
}
