import { createHash } from 'node:crypto';
import type { ResolvedDvcqgSettings } from './settings.js';

// Portal sessions by endpoint and credentials, kept across attempts. Module state on purpose: a
// session outlives one delivery; the adapter's `close()` forgets them all. Keyed by a hash of the
// credentials so that changed settings never reuse an old account's session, and no password sits
// in a key.
const sessions = new Map<string, string>();

/** The cache key of an endpoint's sessions: its id and a hash of where and as whom it logs in. */
export function sessionKey(endpointId: string, settings: ResolvedDvcqgSettings): string {
  const credentials = createHash('sha256')
    .update([settings.baseUrl, settings.loginPath, settings.username, settings.password, settings.madonvi, settings.dstcode ?? ''].join('\u0000'))
    .digest('hex');
  return `${endpointId}\u0000${credentials}`;
}

export function cachedSession(key: string): string | undefined {
  return sessions.get(key);
}

export function storeSession(key: string, session: string): void {
  sessions.set(key, session);
}

/** Forgets `session` — unless another attempt has already replaced it with a newer one. */
export function dropSession(key: string, session: string): void {
  if (sessions.get(key) === session) sessions.delete(key);
}

/** Forgets every session (the adapter's `close`). */
export function clearSessions(): void {
  sessions.clear();
}
