import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ConfiguredApiKey } from '../config/hub-config.js';
import type { Db, Queryable } from '../store/db.js';
import { writeAudit } from '../store/write-new-messages.js';
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

/** The hub's resolver: keys of the store and of the configuration, which follows the live configuration. */
export interface StoreApiKeyResolver extends ApiKeyResolver {
  /**
   * Puts the keys of a new configuration revision into effect (the live config's `onChange`): a key
   * the revision no longer lists is refused from the next request, whatever the cache held.
   */
  useConfigured(keys: readonly ConfiguredApiKey[]): void;
}

/**
 * Looks keys up by hash in the store (and in the config's provisioned hashes), caching answers for
 * `cacheMs` so the hot path does not hit the database per request. Revocation takes effect within
 * `cacheMs`.
 */
export function createApiKeyResolver(opts: { db: Queryable; configured: readonly ConfiguredApiKey[]; cacheMs: number; now?: () => number }): StoreApiKeyResolver {
  const now = opts.now ?? Date.now;
  const cache = new Map<string, { principal: Principal | undefined; expires: number }>();
  const byHash = (keys: readonly ConfiguredApiKey[]) => new Map(keys.map((k) => [k.sha256, k]));
  let configured = byHash(opts.configured);

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
    useConfigured(keys) {
      configured = byHash(keys);
      // Answers cached under the old keys would outlive them by up to `cacheMs`.
      cache.clear();
    },
  };
}

/**
 * Stores a new key (hash only) with its `apikey.created` audit event (by `actor`, default `cli`; the
 * event names the key's id and owner, never the key or its hash), one transaction, and returns the
 * key, which is shown once and never again.
 */
export async function createApiKey(db: Db, owner: { agency: string } | { role: Role }, label = '', actor = 'cli'): Promise<{ id: string; key: string }> {
  const key = generateApiKey();
  const id = `k_${randomBytes(6).toString('hex')}`;
  await db.transaction(async (tx) => {
    await tx.query('INSERT INTO api_keys (id, key_hash, agency_code, role, label) VALUES ($1, $2, $3, $4, $5)', [
      id,
      hashApiKey(key),
      'agency' in owner ? owner.agency : null,
      'role' in owner ? owner.role : null,
      label,
    ]);
    await writeAudit(tx, [{ at: new Date(), actor, kind: 'apikey.created', data: { keyId: id, ...owner, label } }]);
  });
  return { id, key };
}
