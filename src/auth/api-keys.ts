import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ConfiguredApiKey } from '../config/hub-config.js';
import type { Queryable } from '../store/db.js';
import type { ClientCertificateResolver } from './client-certificates.js';
import type { ConsoleSessions } from './console-sessions.js';
import type { Principal, Role } from './principal.js';

/** Keys look like `lt_<43 base64url chars>` (256 random bits): SHA-256 is enough to store them. */
export function generateApiKey(): string {
  return `lt_${randomBytes(32).toString('base64url')}`;
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

interface KeyRow {
  id: string;
  key_hash: string;
  agency_code: string | null;
  role: Role | null;
}

export interface ApiKeyResolver {
  /** The principal for a presented key, or undefined when unknown or revoked. */
  resolve(key: string): Promise<Principal | undefined>;
  /** Sender authentication by TLS client certificate, when the API listens with TLS and a trust store. */
  clientCertificates?: ClientCertificateResolver;
  /** Console sessions: the `lt_session` cookie authenticates when neither a key nor a certificate does. */
  sessions?: ConsoleSessions;
}

/**
 * Looks keys up by hash in the store (and in the config's provisioned hashes), caching answers for
 * `cacheMs` so the hot path does not hit the database per request. Revocation takes effect within
 * `cacheMs`.
 */
export function createApiKeyResolver(opts: { db: Queryable; configured: readonly ConfiguredApiKey[]; cacheMs: number; now?: () => number }): ApiKeyResolver {
  const now = opts.now ?? Date.now;
  const cache = new Map<string, { principal: Principal | undefined; expires: number }>();
  const configured = new Map(opts.configured.map((k) => [k.sha256, k]));

  const fromRow = (row: KeyRow): Principal =>
    row.agency_code ? { kind: 'agency', keyId: row.id, agency: row.agency_code } : { kind: 'role', keyId: row.id, role: row.role as Role };

  const lookup = async (hash: string): Promise<Principal | undefined> => {
    const fromConfig = configured.get(hash);
    if (fromConfig) {
      return fromConfig.agency
        ? { kind: 'agency', keyId: fromConfig.id, agency: fromConfig.agency }
        : { kind: 'role', keyId: fromConfig.id, role: fromConfig.role as Role };
    }
    const { rows } = await opts.db.query<KeyRow>('SELECT id, key_hash, agency_code, role FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL', [hash]);
    const row = rows[0];
    // The index lookup already matched; compare again in constant time as a guard against collation surprises.
    if (!row || !timingSafeEqual(Buffer.from(row.key_hash), Buffer.from(hash))) return undefined;
    return fromRow(row);
  };

  return {
    async resolve(key: string): Promise<Principal | undefined> {
      if (!/^lt_[A-Za-z0-9_-]{20,200}$/.test(key)) return undefined;
      const hash = hashApiKey(key);
      const hit = cache.get(hash);
      if (hit && hit.expires > now()) return hit.principal;
      const principal = await lookup(hash);
      if (cache.size > 10_000) cache.clear();
      cache.set(hash, { principal, expires: now() + opts.cacheMs });
      return principal;
    },
  };
}

/** Stores a new key (hash only) and returns the key, which is shown once and never again. */
export async function createApiKey(db: Queryable, owner: { agency: string } | { role: Role }, label = ''): Promise<{ id: string; key: string }> {
  const key = generateApiKey();
  const id = `k_${randomBytes(6).toString('hex')}`;
  await db.query('INSERT INTO api_keys (id, key_hash, agency_code, role, label) VALUES ($1, $2, $3, $4, $5)', [
    id,
    hashApiKey(key),
    'agency' in owner ? owner.agency : null,
    'role' in owner ? owner.role : null,
    label,
  ]);
  return { id, key };
}
