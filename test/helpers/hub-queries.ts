import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'vitest';
import { verifyReceipt } from '../../src/crypto/verify-receipt.js';
import type { Queryable } from '../../src/store/db.js';
import type { TestHub } from './test-hub.js';

/** Tables an accepted message writes to: a rejected request must leave every count as it was. */
export const MESSAGE_TABLES = ['messages', 'attachments', 'blobs', 'deliveries', 'receipts', 'audit_events'] as const;

export type RowCounts = Record<(typeof MESSAGE_TABLES)[number], number>;

export async function countRows(db: Queryable): Promise<RowCounts> {
  const counts = {} as RowCounts;
  for (const table of MESSAGE_TABLES) {
    const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`);
    counts[table] = rows[0]!.n;
  }
  return counts;
}

/** Files in the hub's blob folder (blobs and leftover temp files), recursively. */
export async function blobFiles(t: TestHub): Promise<string[]> {
  const dir = join(t.hub.env.dataDir, 'blobs');
  try {
    return (await readdir(dir, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

export const sha256Hex = (bytes: Buffer | string): string => createHash('sha256').update(bytes).digest('hex');

/** Verifies a receipt against the test hub's CA and returns its payload. */
export function receiptPayload(t: TestHub, jws: string): Record<string, any> {
  return verifyReceipt(jws, { trustAnchorsPem: t.pki.caCertPem, now: new Date() }).payload;
}

/** POST a multipart/form-data body (built with the global FormData). */
export async function postForm(t: TestHub, path: string, key: string, form: FormData, headers: Record<string, string> = {}): Promise<{ status: number; json: any }> {
  const response = await fetch(`${t.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${key}`, ...headers }, body: form });
  const text = await response.text();
  return { status: response.status, json: text ? JSON.parse(text) : undefined };
}

/** GET raw bytes. */
export async function getBytes(t: TestHub, path: string, key: string): Promise<{ status: number; bytes: Buffer; headers: Headers }> {
  const response = await fetch(`${t.url}${path}`, { headers: { authorization: `Bearer ${key}` } });
  return { status: response.status, bytes: Buffer.from(await response.arrayBuffer()), headers: response.headers };
}

/** The message view (as `key`) once `check` holds for it. */
export async function viewWhen(t: TestHub, id: string, key: string, check: (view: any) => boolean, timeoutMs?: number): Promise<any> {
  return t.until(async () => {
    const r = await t.call('GET', `/v1/messages/${id}`, { key });
    return r.status === 200 && check(r.json) ? r.json : undefined;
  }, timeoutMs);
}

/** Accepts a document and returns its id (asserting the 202). */
export async function send(t: TestHub, key: string, body: Record<string, unknown>, headers?: Record<string, string>): Promise<string> {
  const r = await t.call('POST', '/v1/messages', { key, body, ...(headers ? { headers } : {}) });
  expect(r.status, JSON.stringify(r.json)).toBe(202);
  return r.json.id as string;
}

/** Rows of one delivery's attempt log. */
export async function attemptRows(db: Queryable, deliveryId: string): Promise<{ generation: number; attempt: number; outcome: string; http_status: number | null; started_at: Date; finished_at: Date }[]> {
  const { rows } = await db.query<{ generation: number; attempt: number; outcome: string; http_status: number | null; started_at: Date; finished_at: Date }>(
    'SELECT generation, attempt, outcome, http_status, started_at, finished_at FROM delivery_attempts WHERE delivery_id = $1 ORDER BY id', [deliveryId]);
  return rows;
}

/** Waits until no push delivery is queued, sending or retrying: the worker has nothing left to write. */
export async function quiesce(t: TestHub, timeoutMs?: number): Promise<void> {
  await t.until(async () => {
    const { rows } = await t.hub.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM deliveries WHERE endpoint_id IS NOT NULL AND state IN ('queued', 'sending', 'retrying')`);
    return rows[0]!.n === 0;
  }, timeoutMs);
}
