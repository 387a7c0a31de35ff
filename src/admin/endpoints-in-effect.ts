import type { Queryable } from '../store/db.js';

/** Whether an endpoint is in the configuration in effect: `enabled`, `disabled`, or `unknown` (not configured). */
export type EndpointPresence = 'enabled' | 'disabled' | 'unknown';

/**
 * The endpoints of the configuration in effect, for the whole hub: those of the newest stored
 * revision, disabled ones apart. A database no hub has opened with a live configuration yet (no
 * revision) has only the mirror (`endpoints`, migration 001): every endpoint there counts as enabled.
 */
export async function endpointsInEffect(db: Queryable): Promise<(id: string) => EndpointPresence> {
  const { rows } = await db.query<{ id: string | null; disabled: boolean | null }>(
    `SELECT e->>'id' AS id, coalesce(e->'disabled' = 'true'::jsonb, false) AS disabled
       FROM (SELECT document FROM config_revisions ORDER BY version DESC LIMIT 1) r
       LEFT JOIN LATERAL jsonb_array_elements(r.document->'endpoints') e ON true`);
  if (rows.length > 0) {
    const known = new Map(rows.filter((r) => r.id !== null).map((r) => [r.id!, r.disabled ? 'disabled' as const : 'enabled' as const]));
    return (id) => known.get(id) ?? 'unknown';
  }
  const mirror = new Set((await db.query<{ id: string }>('SELECT id FROM endpoints')).rows.map((r) => r.id));
  return (id) => (mirror.has(id) ? 'enabled' : 'unknown');
}
