import { asText, isJsonObject } from '../../src/adapters/json-values.js';
import { clipReason } from '../../src/adapters/reason-text.js';
import { classifyCall, type CallVerdict } from './call-verdict.js';
import { postOnce, type CallLimits } from './http-call.js';
import type { AccessToken } from './token-cache.js';

export interface TokenCredentials {
  tokenUrl: string;
  consumerKey: string;
  consumerSecret: string;
  /** A token is renewed this many seconds before it expires (at most half its lifetime). */
  refreshMarginSeconds: number;
}

export type TokenOutcome = { kind: 'token'; token: AccessToken } | Exclude<CallVerdict, { kind: 'answer' }>;

const FORM = Buffer.from('grant_type=client_credentials');

/**
 * Asks the gateway for a token: OAuth2 client credentials, the consumer key and secret as HTTP Basic
 * (docs/domain-vn.md §7), answer `{access_token, expires_in, token_type, scope}`. Refusals keep the
 * gateway's HTTP status (401 `invalid_client` for a secret it does not hold); an answer without a
 * token or a lifetime is transient, like any unreadable answer. The secret is never part of a reason.
 */
export async function requestToken(credentials: TokenCredentials, limits: CallLimits): Promise<TokenOutcome> {
  const basic = Buffer.from(`${credentials.consumerKey}:${credentials.consumerSecret}`, 'utf8').toString('base64');
  const result = await postOnce(
    {
      url: credentials.tokenUrl,
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', authorization: `Basic ${basic}` },
      body: FORM,
    },
    limits,
  );
  if (result.kind !== 'answer') {
    const verdict = classifyCall(result);
    if (verdict.kind === 'answer') return { kind: 'transient', httpStatus: verdict.httpStatus, reason: 'token answer without a token' };
    return { ...verdict, reason: `token request: ${verdict.reason}` };
  }
  const body = isJsonObject(result.body) ? result.body : {};
  const value = asText(body.access_token);
  const lifetimeSeconds = Number(asText(body.expires_in));
  const type = asText(body.token_type);
  if (!value || !Number.isFinite(lifetimeSeconds) || lifetimeSeconds <= 0 || (type !== undefined && type.toLowerCase() !== 'bearer')) {
    return { kind: 'transient', httpStatus: result.httpStatus, reason: clipReason(`token answer malformed: access_token, expires_in > 0 and a Bearer token_type expected, got keys ${Object.keys(body).join(', ') || 'none'}`) };
  }
  const obtained = limits.now().getTime();
  const lifetimeMs = lifetimeSeconds * 1000;
  const marginMs = Math.min(credentials.refreshMarginSeconds * 1000, lifetimeMs / 2);
  return { kind: 'token', token: { value, expiresAt: obtained + lifetimeMs, renewAt: obtained + lifetimeMs - marginMs } };
}
