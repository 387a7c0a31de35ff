import type { DirectoryContext } from '../../src/adapters/adapter-contract.js';
import type { DirectoryAgency } from '../../src/domain/directory-agency.js';
import { asText } from './axis-answer.js';
import type { CallOptions } from './axis-client.js';
import { compact, getDirectoryList } from './axis-operations.js';
import { resolveVdxpSettings, type ResolvedVdxpSettings, type VdxpSettings } from './settings.js';

// QCVN 102:2016 shape (docs/domain-vn.md §2.1), lenient on the level-1 group.
const QCVN102_CODE = /^\d{3}\.\d{2}\.\d{2}\.[A-Z][0-9A-Z]{1,2}$/;

/**
 * The axis directory in the hub's words: `getAgenciesList` (QCVN 102 codes, parents) merged with
 * `getAgenciesListQD20` (Decision 20 codes, each with its `code102`). An agency of the first list
 * gets the QĐ20 code of the second-list entry whose `code102` equals its `code`; second-list
 * entries nobody matched are added on their own (their id prefixed `qd20:` if the first list uses
 * it already). Entries without an id are dropped. Throws a `VdxpCallError` when a call fails.
 */
export async function fetchAxisDirectory(ctx: DirectoryContext<VdxpSettings>): Promise<DirectoryAgency[]> {
  const settings = directorySettings(ctx.endpoint.settings);
  // Both lists at once; when one fails, the other is abandoned rather than read for nothing.
  const both = new AbortController();
  const options: CallOptions = { signal: AbortSignal.any([ctx.signal, both.signal]), now: () => new Date() };
  const abandonOnFailure = <T>(pending: Promise<T>): Promise<T> =>
    pending.catch((err: unknown) => {
      both.abort(err);
      throw err;
    });
  const [agencies, qd20] = await Promise.all([
    abandonOnFailure(getDirectoryList(settings, 'getAgenciesList', options)),
    abandonOnFailure(getDirectoryList(settings, 'getAgenciesListQD20', options)),
  ]);
  const merged = mergeDirectoryLists(agencies, qd20);
  ctx.log.info({ adapter: 'vdxp', endpointId: ctx.endpoint.id, agencies: agencies.length, qd20: qd20.length, merged: merged.length }, 'axis directory fetched');
  return merged;
}

/** Merges the two list answers (raw `data` entries) as {@link fetchAxisDirectory} describes. */
export function mergeDirectoryLists(agencies: readonly Record<string, unknown>[], qd20: readonly Record<string, unknown>[]): DirectoryAgency[] {
  // 1. Index the QĐ20 list by its QCVN 102 code (first entry wins).
  const qd20By102 = new Map<string, Record<string, unknown>>();
  for (const entry of qd20) {
    const code102 = nonEmpty(asText(entry.code102));
    if (code102 && !qd20By102.has(code102)) qd20By102.set(code102, entry);
  }
  // 2. The QCVN 102 list, each with its QĐ20 code when there is one.
  const result: DirectoryAgency[] = [];
  const ids = new Set<string>();
  const matched = new Set<Record<string, unknown>>();
  for (const entry of agencies) {
    const id = nonEmpty(asText(entry.id));
    if (!id) continue;
    const code102 = nonEmpty(asText(entry.code));
    const twin = code102 ? qd20By102.get(code102) : undefined;
    if (twin) matched.add(twin);
    ids.add(id);
    result.push(
      compact({
        id,
        parentId: parentOf(entry.pid),
        code102,
        codeQd20: twin ? nonEmpty(asText(twin.code)) : undefined,
        name: asText(entry.name) ?? code102 ?? id,
        mail: nonEmpty(asText(entry.mail)),
      }),
    );
  }
  // 3. QĐ20 entries without a twin in the first list.
  for (const entry of qd20) {
    const rawId = nonEmpty(asText(entry.id));
    if (!rawId || matched.has(entry)) continue;
    const id = ids.has(rawId) ? `qd20:${rawId}` : rawId;
    ids.add(id);
    const codeQd20 = nonEmpty(asText(entry.code));
    result.push(
      compact({
        id,
        code102: nonEmpty(asText(entry.code102)),
        codeQd20,
        name: asText(entry.name) ?? codeQd20 ?? id,
        mail: nonEmpty(asText(entry.mail)),
      }),
    );
  }
  return result;
}

export interface SyncUnitsOptions {
  signal?: AbortSignal;
}

/**
 * One incremental directory sync (`getSynchronizeUnit`): the units the axis reports as changed,
 * removed ones with `deleted: true`. The SDK sends no parameter, so the axis must keep the cursor
 * per system [inference]; the simulator does. `code` becomes `code102` when it has the QCVN 102
 * shape, `codeQd20` otherwise; `modifyDate` becomes `modifiedAt` when it parses as a date.
 */
export async function syncUnits(settings: VdxpSettings, options: SyncUnitsOptions = {}): Promise<DirectoryAgency[]> {
  const items = await getDirectoryList(directorySettings(settings), 'getSynchronizeUnit', {
    signal: options.signal ?? new AbortController().signal,
    now: () => new Date(),
  });
  return items.flatMap((entry) => {
    const id = nonEmpty(asText(entry.id));
    if (!id) return [];
    const code = nonEmpty(asText(entry.code));
    const is102 = code !== undefined && QCVN102_CODE.test(code);
    const modified = nonEmpty(asText(entry.modifyDate));
    const modifiedMs = modified !== undefined ? Date.parse(modified) : Number.NaN;
    const agency: DirectoryAgency = compact({
      id,
      parentId: parentOf(entry.pid),
      code102: is102 ? code : undefined,
      codeQd20: is102 ? undefined : code,
      name: asText(entry.name) ?? code ?? id,
      mail: nonEmpty(asText(entry.mail)),
      deleted: entry.deleted === true || entry.deleted === 'true' ? true : undefined,
      modifiedAt: Number.isNaN(modifiedMs) ? undefined : new Date(modifiedMs).toISOString(),
    });
    return [agency];
  });
}

function directorySettings(settings: VdxpSettings): ResolvedVdxpSettings {
  const resolved = resolveVdxpSettings(settings);
  return { ...resolved, timeoutMs: resolved.directoryTimeoutMs };
}

// Top-level agencies carry `pid` "0" or nothing.
function parentOf(pid: unknown): string | undefined {
  const text = nonEmpty(asText(pid));
  return text === '0' ? undefined : text;
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}
