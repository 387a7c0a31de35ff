import { createHash } from 'node:crypto';
import { raceAbort, startBudget } from '../../src/adapters/call-budget.js';
import { failureVerdict, type FailureVerdict } from '../../src/adapters/http-failure.js';
import { asText, parseJsonObject } from '../../src/adapters/json-values.js';
import { clipReason, errorText } from '../../src/adapters/reason-text.js';
import { postOnce, type CallLimits } from './http-call.js';
import type { ResolvedLgspSettings } from './settings.js';

/** A bearer token for an LGSP endpoint, or why there is none. */
export type TokenResult = { kind: 'token'; token: string } | { kind: 'failed'; verdict: FailureVerdict };

interface CachedToken {
  token: string;
  /** Epoch ms after which the token is not offered any more (its lifetime less a margin). */
  usableUntil: number;
}

// Tokens per endpoint and credentials, across attempts and poll runs: the LGSP issues a token for an
// hour (WSO2's default) and each fetch is a call of its own. Module state on purpose, like the pools;
// `clearLgspTokens()` (part of the adapter's `close`) forgets them. Keys hold a hash of the
// credentials, never the secret itself.
const tokens = new Map<string, CachedToken>();
const fetching = new Map<string, Promise<TokenResult>>();
const NEVER = new AbortController().signal;
// Lifetime assumed when the token answer has no `expires_in` (WSO2 API Manager's default).
const DEFAULT_LIFETIME_S = 3600;

/** The cache key of an endpoint's token: its id and a hash of the token URL and credentials. */
export function tokenKey(endpointId: string, settings: ResolvedLgspSettings): string {
  const credentials = createHash('sha256').update(`${settings.tokenUrl.href}\u0000${settings.consumerKey}\u0000${settings.consumerSecret}`).digest('hex');
  return `${endpointId}\u0000${credentials}`;
}

/**
 * The endpoint's token: the cached one while it lasts, else one fetched with the client-credentials
 * grant (docs/domain-vn.md §7). Concurrent callers share one fetch, which runs on its own time budget
 * so that one caller giving up does not fail the others; each caller waits at most until its own
 * `signal` aborts.
 */
export async function lgspToken(key: string, settings: ResolvedLgspSettings & CallLimits, signal: AbortSignal, now: () => Date): Promise<TokenResult> {
  const cached = tokens.get(key);
  if (cached && cached.usableUntil > now().getTime()) return { kind: 'token', token: cached.token };
  let pending = fetching.get(key);
  if (!pending) {
    pending = fetchToken(settings, now).then((result) => {
      if (result.kind === 'token') tokens.set(key, { token: result.token, usableUntil: result.usableUntil });
      return result.kind === 'token' ? { kind: 'token', token: result.token } : result;
    });
    const shared = pending;
    fetching.set(key, shared);
    const settle = (): void => {
      if (fetching.get(key) === shared) fetching.delete(key);
    };
    shared.then(settle, settle);
  }
  try {
    return await raceAbort(pending, signal);
  } catch (err) {
    return { kind: 'failed', verdict: { kind: 'transient', reason: clipReason(`gave up waiting for the LGSP token: ${errorText(err)}`) } };
  }
}

/** Drops `token` from the cache when it is still the cached one (the system refused it). */
export function forgetLgspToken(key: string, token: string): void {
  if (tokens.get(key)?.token === token) tokens.delete(key);
}

/** Forgets every cached token. */
export function clearLgspTokens(): void {
  tokens.clear();
  fetching.clear();
}

async function fetchToken(settings: ResolvedLgspSettings & CallLimits, now: () => Date): Promise<{ kind: 'token'; token: string; usableUntil: number } | { kind: 'failed'; verdict: FailureVerdict }> {
  const budget = startBudget(NEVER, settings.timeoutMs);
  try {
    const basic = Buffer.from(`${settings.consumerKey}:${settings.consumerSecret}`, 'utf8').toString('base64');
    const result = await postOnce(
      {
        url: settings.tokenUrl,
        headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: 'grant_type=client_credentials',
      },
      settings,
      budget,
      now,
    );
    if (result.kind !== 'answer') {
      const verdict = failureVerdict(result, { call: 'LGSP token endpoint' });
      // Refused credentials (401 invalid_client, 400 …) will be refused again: fix the settings.
      return { kind: 'failed', verdict };
    }
    const answer = parseJsonObject(result.text);
    const token = answer ? asText(answer.access_token) : undefined;
    // An answer without a token is a gateway misbehaving (a proxy page …): worth another try.
    if (!answer || !token) return { kind: 'failed', verdict: { kind: 'transient', httpStatus: result.httpStatus, reason: `LGSP token endpoint answered HTTP ${result.httpStatus} without an access_token` } };
    const lifetimeS = Number(asText(answer.expires_in) ?? DEFAULT_LIFETIME_S);
    const lifetimeMs = Number.isFinite(lifetimeS) && lifetimeS > 0 ? lifetimeS * 1000 : DEFAULT_LIFETIME_S * 1000;
    // Stop offering a token a little before it runs out (a tenth of its life, at most 30 s).
    return { kind: 'token', token, usableUntil: now().getTime() + lifetimeMs - Math.min(30_000, lifetimeMs / 10) };
  } finally {
    budget.end();
  }
}
