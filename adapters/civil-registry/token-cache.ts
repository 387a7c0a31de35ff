import { createHash } from 'node:crypto';

/** A bearer token the gateway issued, and when it stops being good (ms since the epoch). */
export interface AccessToken {
  value: string;
  /** When the gateway says it expires. */
  expiresAt: number;
  /** When the hub stops using it: `expiresAt` less the refresh margin (at most half the lifetime). */
  renewAt: number;
}

// Tokens per endpoint and credentials, kept across attempts and poll runs. Module state on purpose:
// a token is good for an hour or so and the gateway counts token requests; the adapter's `close()`
// clears it. Keyed by a hash so a secret is never a map key that could end up in a heap dump's
// string table twice, nor in a log of the key.
const tokens = new Map<string, AccessToken>();

/** The cache key of an endpoint's token: its id and a digest of where and as whom it authenticates. */
export function tokenCacheKey(endpointId: string, credentials: { tokenUrl: string; consumerKey: string; consumerSecret: string }): string {
  const digest = createHash('sha256').update(`${credentials.tokenUrl}\u0000${credentials.consumerKey}\u0000${credentials.consumerSecret}`).digest('hex');
  return `${endpointId}\u0000${digest}`;
}

/** The cached token for `key` while it is not due for renewal at `now`. */
export function cachedToken(key: string, now: number): AccessToken | undefined {
  const token = tokens.get(key);
  return token && now < token.renewAt ? token : undefined;
}

export function storeToken(key: string, token: AccessToken): void {
  tokens.set(key, token);
}

/** Forgets the token `value` for `key` (a newer one another attempt stored stays). */
export function forgetToken(key: string, value: string): void {
  if (tokens.get(key)?.value === value) tokens.delete(key);
}

export function clearTokenCache(): void {
  tokens.clear();
}
