import { createHash } from 'node:crypto';
import type { HubConfig } from '../config/hub-config.js';
import type { Db, Queryable } from './db.js';
import { insertRows } from './insert-rows.js';
import { writeAudit } from './write-new-messages.js';

/**
 * Mirrors the configuration in effect into the database (agencies, endpoints with their settings as
 * authored — placeholders, not secrets — and routes), so the store describes where every delivery
 * was meant to go. Runs inside the caller's transaction; returns a digest of what it mirrored.
 */
export async function mirrorConfig(tx: Queryable, config: HubConfig, now: Date): Promise<{ digest: string; counts: { agencies: number; endpoints: number; routes: number } }> {
  const agencies = [...config.agencies.values()];
  const endpoints = [...config.endpoints.values()];
  const digest = createHash('sha256')
    .update(JSON.stringify({ agencies, endpoints: endpoints.map((e) => ({ ...e, settings: e.authoredSettings })), routes: config.routes }))
    .digest('hex');
  for (let i = 0; i < agencies.length; i += 1_000) {
    await insertRows(tx, 'agencies', ['code', 'name', 'code_qd20', 'endpoint_id', 'updated_at'],
      agencies.slice(i, i + 1_000).map((a) => [a.code, a.name, a.codeQd20 ?? null, a.endpoint ?? null, now]),
      `ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, code_qd20 = EXCLUDED.code_qd20, endpoint_id = EXCLUDED.endpoint_id, updated_at = EXCLUDED.updated_at`);
  }
  await insertRows(tx, 'endpoints', ['id', 'adapter', 'settings', 'retry', 'updated_at'],
    endpoints.map((e) => [e.id, e.adapter, JSON.stringify(e.authoredSettings), JSON.stringify(e.retry), now]),
    `ON CONFLICT (id) DO UPDATE SET adapter = EXCLUDED.adapter, settings = EXCLUDED.settings, retry = EXCLUDED.retry, updated_at = EXCLUDED.updated_at`);
  await tx.query('DELETE FROM routes');
  await insertRows(tx, 'routes', ['id', 'position', 'match', 'endpoint_id', 'updated_at'],
    config.routes.map((r, i) => [r.id, i, JSON.stringify(r.match), r.endpoint, now]));
  return { digest, counts: { agencies: agencies.length, endpoints: endpoints.length, routes: config.routes.length } };
}

/** Mirrors the configuration in one transaction with a `config.synced` audit event (at boot). */
export async function syncConfig(db: Db, config: HubConfig, now = new Date()): Promise<{ digest: string }> {
  return db.transaction(async (tx) => {
    const { digest, counts } = await mirrorConfig(tx, config, now);
    await writeAudit(tx, [{ at: now, actor: 'config', kind: 'config.synced', data: { digest, ...counts } }]);
    return { digest };
  });
}
