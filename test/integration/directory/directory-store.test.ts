import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadAgencyCodeMap } from '../../../src/directory/agency-code-map.js';
import { applyDirectoryChanges } from '../../../src/directory/apply-directory-changes.js';
import { findAgency } from '../../../src/directory/find-agency.js';
import { listAgencies } from '../../../src/directory/list-agencies.js';
import { replaceDirectory } from '../../../src/directory/replace-directory.js';
import type { DirectorySyncProgress } from '../../../src/directory/write-directory-plan.js';
import type { DirectoryAgency } from '../../../src/domain/directory-agency.js';
import { isHubError } from '../../../src/errors.js';
import { openTestDb, STORES, type StoreKind, type TestDb } from '../../helpers/test-db.js';

/** A small directory in the axis's shape, with the real codes of docs/domain-vn.md §2. */
const AXIS: DirectoryAgency[] = [
  { id: '1', code102: '000.00.00.G22', codeQd20: 'G22', name: 'Văn phòng Chính phủ', mail: 'vpcp@chinhphu.vn', modifiedAt: '2025-10-01T08:30:15.123+07:00' },
  { id: '2', code102: '000.00.00.H41', codeQd20: 'H41', name: 'Ủy ban nhân dân tỉnh Nghệ An', modifiedAt: '2025-10-01T00:00:00Z' },
  { id: '3', parentId: '2', code102: '000.00.15.H41', codeQd20: 'H41.15', name: 'Sở Tư pháp tỉnh Nghệ An', modifiedAt: '2025-10-01T00:00:00Z' },
  { id: '4', parentId: '3', code102: '001.00.15.H41', codeQd20: 'H41.15.001', name: 'Phòng Hành chính tư pháp', modifiedAt: '2025-10-01T00:00:00Z' },
  { id: '5', code102: '000.00.00.H14', codeQd20: 'H14', name: 'Ủy ban nhân dân tỉnh Cao Bằng' },
  { id: '6', code102: '000.00.00.H56', codeQd20: 'H56', name: 'Ủy ban nhân dân tỉnh Thanh Hóa' },
  { id: '7', parentId: '6', code102: '000.00.14.H56', codeQd20: 'H56.14', name: 'Sở Tư pháp tỉnh Thanh Hóa' },
  { id: '8', code102: '001.00.20.TT2', name: 'Trung tâm thử nghiệm' },
  { id: '9', code102: '01.02.G22', name: 'Đơn vị mã cũ' },
  { id: '10', code102: 'vxp.saas.03', name: 'Hệ thống thử nghiệm dùng chung' },
];

const codesOf = (page: { items: { id: string }[] }): string[] => page.items.map((a) => a.id);

describe.each(STORES)('agency directory store (%s)', (kind: StoreKind) => {
  let t: TestDb;
  beforeAll(async () => {
    t = await openTestDb(kind);
  });
  afterAll(async () => {
    await t?.cleanup();
  });
  beforeEach(async () => {
    await t.db.query('DELETE FROM directory_agencies; DELETE FROM directory_syncs');
  });

  it('loads a full directory in batches, reporting progress, and answers lookups by either code form', async () => {
    const progress: DirectorySyncProgress[] = [];
    const result = await replaceDirectory(t.db, 'vxp', AXIS, { batchSize: 3, onProgress: (p) => progress.push(p) });
    expect(result).toMatchObject({ source: 'vxp', inserted: 10, updated: 0, deleted: 0, unchanged: 0, stale: 0, conflicts: [] });
    // The directory's own data is stored as it is; codes failing their check are only reported.
    expect(result.codeIssues).toMatchObject({ qcvn102: 2, qd20: 0 });
    expect(result.codeIssues.sample.map((i) => i.code)).toEqual(['01.02.G22', 'vxp.saas.03']);
    expect(progress.map((p) => [p.phase, p.written])).toEqual([['planned', 0], ['insert', 3], ['insert', 6], ['insert', 9], ['insert', 10], ['done', 10]]);
    expect(progress.every((p) => p.toWrite === 10)).toBe(true);

    expect(await findAgency(t.db, '000.00.00.H41')).toMatchObject({ id: '2', codeQd20: 'H41', name: 'Ủy ban nhân dân tỉnh Nghệ An', source: 'vxp', modifiedAt: '2025-10-01T00:00:00.000Z' });
    expect(await findAgency(t.db, 'H56.14')).toMatchObject({ id: '7', code102: '000.00.14.H56', parentId: '6' });
    expect(await findAgency(t.db, 'vxp.saas.03')).toMatchObject({ id: '10' });
    expect(await findAgency(t.db, ' 000.00.00.G22 ')).toMatchObject({ id: '1', mail: 'vpcp@chinhphu.vn', modifiedAt: '2025-10-01T01:30:15.123Z' });
    expect(await findAgency(t.db, '000.00.00.H99')).toBeUndefined();
    expect(await findAgency(t.db, '000.00.00.H41', { source: 'other' })).toBeUndefined();
    const { rows } = await t.db.query<{ full_sync_at: Date | null }>(`SELECT full_sync_at FROM directory_syncs WHERE source = 'vxp'`);
    expect(rows[0]?.full_sync_at).toBeInstanceOf(Date);
  });

  it('a second full sync of the same directory writes nothing; a changed one writes only the differences', async () => {
    await replaceDirectory(t.db, 'vxp', AXIS, { now: new Date('2026-01-01T00:00:00Z') });
    const again = await replaceDirectory(t.db, 'vxp', AXIS, { now: new Date('2026-01-02T00:00:00Z') });
    expect(again).toMatchObject({ inserted: 0, updated: 0, deleted: 0, unchanged: 10 });
    expect((await findAgency(t.db, 'H41'))!.syncedAt).toBe('2026-01-01T00:00:00.000Z'); // not rewritten

    const changed = AXIS.filter((a) => a.id !== '5').map((a) => (a.id === '2' ? { ...a, name: 'UBND tỉnh Nghệ An', modifiedAt: '2025-11-01T00:00:00Z' } : a));
    changed.push({ id: '11', parentId: '6', code102: '000.00.12.H56', codeQd20: 'H56.12', name: 'Sở Nội vụ tỉnh Thanh Hóa' });
    const third = await replaceDirectory(t.db, 'vxp', changed, { now: new Date('2026-01-03T00:00:00Z') });
    expect(third).toMatchObject({ inserted: 1, updated: 1, deleted: 1, unchanged: 8 });
    expect(await findAgency(t.db, 'H41')).toMatchObject({ name: 'UBND tỉnh Nghệ An', syncedAt: '2026-01-03T00:00:00.000Z' });
    expect(await findAgency(t.db, '000.00.00.H14')).toBeUndefined(); // deleted: kept, but no longer answered
    const { rows } = await t.db.query<{ deleted: boolean }>(`SELECT deleted FROM directory_agencies WHERE source = 'vxp' AND id = '5'`);
    expect(rows).toEqual([{ deleted: true }]);

    // Listed again: restored.
    expect(await replaceDirectory(t.db, 'vxp', AXIS)).toMatchObject({ inserted: 0, updated: 2, deleted: 1 });
    expect(await findAgency(t.db, 'H14')).toMatchObject({ id: '5' });
    expect(await findAgency(t.db, 'H56.12')).toBeUndefined();
  });

  it('codes may move between agencies, swaps included, whatever the batches (writes ordered so the unique indexes always hold)', async () => {
    await replaceDirectory(t.db, 'vxp', AXIS);
    // Two agencies swap their codes, a third takes the code of one deleted in the same sync.
    const swapped = AXIS.filter((a) => a.id !== '4').map((a) => {
      if (a.id === '5') return { ...a, code102: '000.00.00.H56', codeQd20: 'H56' };
      if (a.id === '6') return { ...a, code102: '000.00.00.H14', codeQd20: 'H14' };
      if (a.id === '9') return { ...a, code102: '001.00.15.H41', codeQd20: 'H41.15.001' };
      return a;
    });
    expect(await replaceDirectory(t.db, 'vxp', swapped, { batchSize: 1 })).toMatchObject({ updated: 3, deleted: 1, conflicts: [] });
    expect(await findAgency(t.db, 'H56')).toMatchObject({ id: '5' });
    expect(await findAgency(t.db, '000.00.00.H14')).toMatchObject({ id: '6' });
    expect(await findAgency(t.db, 'H41.15.001')).toMatchObject({ id: '9' });
  });

  it('keeps each code on one live agency: the most recently modified of several claimants keeps it', async () => {
    const duplicated = [...AXIS, { id: '12', code102: '000.00.00.H41', codeQd20: 'H41', name: 'Bản ghi trùng', modifiedAt: '2024-01-01T00:00:00Z' }];
    const result = await replaceDirectory(t.db, 'vxp', duplicated);
    expect(result.conflicts).toEqual([
      { form: 'qcvn102', code: '000.00.00.H41', keptBy: '2', droppedFrom: ['12'] },
      { form: 'qd20', code: 'H41', keptBy: '2', droppedFrom: ['12'] },
    ]);
    expect(await findAgency(t.db, 'H41')).toMatchObject({ id: '2' });
    const { rows } = await t.db.query<{ code102: string | null }>(`SELECT code102 FROM directory_agencies WHERE id = '12'`);
    expect(rows).toEqual([{ code102: null }]);
    // The database enforces it too.
    await expect(t.db.query(`UPDATE directory_agencies SET code102 = '000.00.00.G22' WHERE id = '12'`)).rejects.toThrow(/directory_agencies_code102/);
    await expect(t.db.query(`UPDATE directory_agencies SET code_qd20 = 'G22' WHERE id = '12'`)).rejects.toThrow(/directory_agencies_code_qd20/);
  });

  it('applies incremental changes: updates, deletions, stale replays, codes taken over', async () => {
    await replaceDirectory(t.db, 'vxp', AXIS);
    const changes: DirectoryAgency[] = [
      { id: '3', parentId: '2', code102: '000.00.15.H41', codeQd20: 'H41.15', name: 'Sở Tư pháp Nghệ An', modifiedAt: '2025-12-01T00:00:00Z' },
      { id: '4', parentId: '3', code102: '001.00.15.H41', codeQd20: 'H41.15.001', name: 'Phòng Hành chính tư pháp', deleted: true, modifiedAt: '2025-12-01T00:00:00Z' },
      { id: '13', parentId: '6', code102: '000.00.14.H56', codeQd20: 'H56.14', name: 'Sở Tư pháp tỉnh Thanh Hóa (mới)', modifiedAt: '2025-12-01T00:00:00Z' },
      { id: '2', code102: '000.00.00.H41', codeQd20: 'H41', name: 'Tên cũ hơn', modifiedAt: '2025-01-01T00:00:00Z' },
    ];
    const result = await applyDirectoryChanges(t.db, 'vxp', changes);
    expect(result).toMatchObject({ inserted: 1, updated: 3, deleted: 0, unchanged: 0, stale: 1 });
    expect(result.conflicts).toEqual([
      { form: 'qcvn102', code: '000.00.14.H56', keptBy: '13', droppedFrom: ['7'] },
      { form: 'qd20', code: 'H56.14', keptBy: '13', droppedFrom: ['7'] },
    ]);
    expect(await findAgency(t.db, 'H41.15')).toMatchObject({ name: 'Sở Tư pháp Nghệ An' });
    expect(await findAgency(t.db, 'H41.15.001')).toBeUndefined();
    expect(await findAgency(t.db, 'H56.14')).toMatchObject({ id: '13' });
    expect(await findAgency(t.db, 'H41')).toMatchObject({ name: 'Ủy ban nhân dân tỉnh Nghệ An' }); // the stale change was skipped

    // Replaying the same batch changes nothing.
    expect(await applyDirectoryChanges(t.db, 'vxp', changes)).toMatchObject({ inserted: 0, updated: 0, unchanged: 3, stale: 1, conflicts: [] });
  });

  it('refuses input that breaks the DirectoryAgency contract before writing anything', async () => {
    await expect(replaceDirectory(t.db, 'vxp', [...AXIS, { id: ' ', name: 'x' }])).rejects.toThrow(TypeError);
    await expect(replaceDirectory(t.db, 'vxp', [...AXIS, { id: '99', name: 'x', modifiedAt: '31/12/2025' }])).rejects.toThrow(/99: modifiedAt "31\/12\/2025"/);
    const { rows } = await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM directory_agencies');
    expect(rows[0]!.n).toBe(0);
  });

  it('keeps directories of different sources apart', async () => {
    await replaceDirectory(t.db, 'vxp', AXIS);
    await replaceDirectory(t.db, 'lgsp-h41', [{ id: 'a', code102: '000.00.00.H41', codeQd20: 'H41', name: 'UBND tỉnh Nghệ An (LGSP)' }]);
    expect(await replaceDirectory(t.db, 'lgsp-h41', [])).toMatchObject({ deleted: 1 });
    expect(await findAgency(t.db, 'H41')).toMatchObject({ source: 'vxp', id: '2' });
    expect((await listAgencies(t.db, { limit: 100 })).items).toHaveLength(10);
  });

  it('serialises concurrent syncs of one source', async () => {
    const renamed = AXIS.map((a) => ({ ...a, name: `${a.name} (2)` }));
    const [first, second] = await Promise.all([replaceDirectory(t.db, 'vxp', AXIS), replaceDirectory(t.db, 'vxp', renamed)]);
    expect(first.inserted + second.inserted).toBe(10);
    expect(first.updated + second.updated).toBe(10);
  });

  it('pages the live directory in name order (accents ignored) with an opaque cursor', async () => {
    await replaceDirectory(t.db, 'vxp', AXIS);
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let pages = 0; pages < 10; pages += 1) {
      const page = await listAgencies(t.db, { limit: 3, ...(cursor ? { cursor } : {}) });
      seen.push(...page.items.map((a) => a.name));
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
    expect(seen).toEqual([
      'Đơn vị mã cũ', 'Hệ thống thử nghiệm dùng chung', 'Phòng Hành chính tư pháp', 'Sở Tư pháp tỉnh Nghệ An', 'Sở Tư pháp tỉnh Thanh Hóa',
      'Trung tâm thử nghiệm', 'Ủy ban nhân dân tỉnh Cao Bằng', 'Ủy ban nhân dân tỉnh Nghệ An', 'Ủy ban nhân dân tỉnh Thanh Hóa', 'Văn phòng Chính phủ',
    ]);
    expect((await listAgencies(t.db, { limit: 10 })).nextCursor).toBeNull();

    await expect(listAgencies(t.db, { limit: 3, cursor: 'bm90LWEtY3Vyc29y' })).rejects.toSatisfy((err: unknown) => isHubError(err) && err.code === 'HUB_ERR_VALIDATION');
  });

  it('searches names by word prefixes and codes in either form, and QĐ20 subtrees', async () => {
    await replaceDirectory(t.db, 'vxp', AXIS);
    expect(codesOf(await listAgencies(t.db, { q: 'nghe an', limit: 10 }))).toEqual(['3', '2']);
    expect(codesOf(await listAgencies(t.db, { q: 'SỞ TƯ PHÁP', limit: 10 }))).toEqual(['3', '7']);
    expect(codesOf(await listAgencies(t.db, { q: 'tư ph thanh', limit: 10 }))).toEqual(['7']);
    expect(codesOf(await listAgencies(t.db, { q: 'don vi', limit: 10 }))).toEqual(['9']);
    expect(codesOf(await listAgencies(t.db, { q: '000.00.00.H14', limit: 10 }))).toEqual(['5']);
    expect(codesOf(await listAgencies(t.db, { q: 'h41', limit: 10 }))).toEqual(['4', '3', '2']);
    expect(codesOf(await listAgencies(t.db, { q: 'H41.15', limit: 10 }))).toEqual(['4', '3']);
    expect(codesOf(await listAgencies(t.db, { q: 'không có', limit: 10 }))).toEqual([]);
    expect(codesOf(await listAgencies(t.db, { q: '…', limit: 10 }))).toEqual([]);
    // Paging a search.
    const first = await listAgencies(t.db, { q: 'uy ban', limit: 2 });
    expect(codesOf(first)).toEqual(['5', '2']);
    expect(codesOf(await listAgencies(t.db, { q: 'uy ban', limit: 2, cursor: first.nextCursor! }))).toEqual(['6']);
  });

  it('maps QĐ20 ⇄ QCVN 102 from live agencies that have both codes', async () => {
    await replaceDirectory(t.db, 'vxp', AXIS);
    await applyDirectoryChanges(t.db, 'vxp', [{ ...AXIS[6]!, deleted: true }]);
    const map = await loadAgencyCodeMap(t.db);
    expect(map.size).toBe(6);
    expect(map.toQd20('000.00.00.H41')).toBe('H41');
    expect(map.to102('H41.15.001')).toBe('001.00.15.H41');
    expect(map.toQd20('001.00.20.TT2')).toBeUndefined(); // no QĐ20 code in the directory
    expect(map.to102('H56.14')).toBeUndefined(); // deleted
    expect((await loadAgencyCodeMap(t.db, { source: 'other' })).size).toBe(0);
  });
});
