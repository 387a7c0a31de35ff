import { expect } from 'vitest';
import { blobFiles, countRows, type RowCounts } from '../helpers/hub-queries.js';
import type { TestHub } from '../helpers/test-hub.js';

/** What a refused attack must leave exactly as it was. */
export interface StoredState {
  /** messages, attachments, blobs (inline), deliveries, receipts, audit_events. */
  rows: RowCounts;
  /** Audit events of kind message.* (accepted, edxml …), counted apart so a failure names them. */
  messageEvents: number;
  /** Every file in the blob folder (temp files included). */
  blobFiles: string[];
  /** Configuration revisions (the admin API's writes). */
  configRevisions: number;
}

export async function storedState(t: TestHub): Promise<StoredState> {
  const one = async (sql: string): Promise<number> => (await t.hub.db.query<{ n: number }>(sql)).rows[0]!.n;
  return {
    rows: await countRows(t.hub.db),
    messageEvents: await one(`SELECT count(*)::int AS n FROM audit_events WHERE kind LIKE 'message.%'`),
    blobFiles: (await blobFiles(t)).sort(),
    configRevisions: await one('SELECT count(*)::int AS n FROM config_revisions'),
  };
}

/** An answer as the attack helpers see it. */
export interface Answer {
  status: number;
  json: any;
}

/**
 * Runs one attack and checks the hub's answer: the HTTP status and the documented `HUB_ERR_*` code
 * (with an `errorId`), and that nothing was stored — no row in the message tables, no audit event,
 * no file in the blob folder, no configuration revision. Returns the answer for further checks.
 */
export async function expectRefused(t: TestHub, attack: () => Promise<Answer>, expected: { status: number; code: string }): Promise<Answer> {
  const before = await storedState(t);
  const answer = await attack();
  expect({ status: answer.status, code: answer.json?.code }, JSON.stringify(answer.json)?.slice(0, 500)).toEqual(expected);
  expect(answer.json.errorId).toEqual(expect.any(String));
  expect(await storedState(t)).toEqual(before);
  return answer;
}
