import { describe, expect, it } from 'vitest';
import { countCodeIssues, toDirectoryRecord, type DirectoryRecord } from '../../../src/directory/directory-record.js';
import { planDirectoryWrites } from '../../../src/directory/plan-directory-writes.js';
import type { DirectoryAgency } from '../../../src/domain/directory-agency.js';

const rec = (agency: Partial<DirectoryAgency> & { id: string }): DirectoryRecord => toDirectoryRecord({ name: `Cơ quan ${agency.id}`, ...agency });
const stored = (...records: DirectoryRecord[]): Map<string, DirectoryRecord> => new Map(records.map((r) => [r.id, r]));

describe('directory records', () => {
  it('normalise: trimmed, empty strings absent, times in milliseconds', () => {
    expect(toDirectoryRecord({ id: ' 7 ', parentId: '', code102: ' 000.00.14.H56 ', codeQd20: '  ', name: ' Sở Tư pháp tỉnh Thanh Hóa ', mail: '', modifiedAt: '2025-10-01T07:00:00+07:00' })).toEqual({
      id: '7', parentId: null, code102: '000.00.14.H56', codeQd20: null, name: 'Sở Tư pháp tỉnh Thanh Hóa', mail: null, deleted: false, modifiedAt: Date.parse('2025-10-01T00:00:00Z'),
    });
  });

  it('refuse what breaks the contract', () => {
    expect(() => toDirectoryRecord({ id: '', name: 'x' })).toThrow(/without an id/);
    expect(() => toDirectoryRecord({ id: '1', name: 3 as unknown as string })).toThrow(/1: name is not a string/);
    expect(() => toDirectoryRecord({ id: '1', name: 'x', modifiedAt: 'hôm qua' })).toThrow(/not an ISO-8601 time/);
  });

  it('count codes failing their form, live agencies only', () => {
    const issues = countCodeIssues([
      rec({ id: '1', code102: '000.00.00.G22', codeQd20: 'G22' }),
      rec({ id: '2', code102: '01.02.G22', codeQd20: '000.00.00.H41' }),
      rec({ id: '3', code102: 'vxp.saas.03', deleted: true }),
    ]);
    expect(issues).toMatchObject({ qcvn102: 1, qd20: 1 });
    expect(issues.sample.map((i) => [i.id, i.form, i.code])).toEqual([['2', 'qcvn102', '01.02.G22'], ['2', 'qd20', '000.00.00.H41']]);
  });
});

describe('planning a directory sync', () => {
  const a = rec({ id: 'a', code102: '000.00.00.H41', codeQd20: 'H41' });
  const b = rec({ id: 'b', code102: '000.00.00.H56', codeQd20: 'H56' });
  const c = rec({ id: 'c', code102: '000.00.00.H14' });

  it('full: inserts the new, updates the changed, skips the unchanged, deletes the unlisted (once)', () => {
    const gone = { ...rec({ id: 'd' }), deleted: true };
    const plan = planDirectoryWrites(stored(a, b, c, gone), [{ ...a }, { ...b, name: 'Tên mới' }, rec({ id: 'e' })], 'full');
    expect(plan.inserts.map((r) => r.id)).toEqual(['e']);
    expect(plan.updates.map((r) => r.id)).toEqual(['b']);
    expect(plan.deletes).toEqual(['c']);
    expect(plan.releases).toEqual([]); // b keeps its codes
    expect(plan.unchanged).toBe(1);
  });

  it('releases the codes of agencies giving one up, so that codes can move and swap', () => {
    const plan = planDirectoryWrites(stored(a, b, c), [
      { ...a, code102: b.code102, codeQd20: b.codeQd20 }, // a and b swap
      { ...b, code102: a.code102, codeQd20: a.codeQd20 },
      { ...c, deleted: true }, // gives up its code by going
    ], 'changes');
    expect(plan.updates.map((r) => r.id)).toEqual(['a', 'b', 'c']);
    expect(plan.releases).toEqual(['a', 'b', 'c']);
    const renamed = planDirectoryWrites(stored(a), [{ ...a, name: 'Tên mới', codeQd20: 'H41.01' }], 'changes');
    expect(renamed.releases).toEqual(['a']);
    const gained = planDirectoryWrites(stored(c), [{ ...c, codeQd20: 'H14' }], 'changes');
    expect(gained.releases).toEqual([]); // nothing held, nothing to release
  });

  it('counts an id listed twice once, the later entry winning', () => {
    const plan = planDirectoryWrites(stored(), [rec({ id: 'x', name: 'Một' }), rec({ id: 'y' }), rec({ id: 'x', name: 'Hai' })], 'full');
    expect(plan.inserts.map((r) => [r.id, r.name])).toEqual([['y', 'Cơ quan y'], ['x', 'Hai']]);
  });

  it('gives a contested code to the most recently modified claimant, the later one on a tie', () => {
    const older = rec({ id: 'p', code102: '000.00.00.G22', modifiedAt: '2024-01-01T00:00:00Z' });
    const newer = rec({ id: 'q', code102: '000.00.00.G22', modifiedAt: '2025-01-01T00:00:00Z' });
    const undated = rec({ id: 'r', code102: '000.00.00.G22' });
    const plan = planDirectoryWrites(stored(), [newer, older, undated], 'full');
    expect(plan.conflicts).toEqual([{ form: 'qcvn102', code: '000.00.00.G22', keptBy: 'q', droppedFrom: ['p', 'r'] }]);
    expect(plan.inserts.map((r) => [r.id, r.code102])).toEqual([['q', '000.00.00.G22'], ['p', null], ['r', null]]);

    const tie = planDirectoryWrites(stored(), [rec({ id: 's', codeQd20: 'H41' }), rec({ id: 't', codeQd20: 'H41' })], 'full');
    expect(tie.conflicts).toEqual([{ form: 'qd20', code: 'H41', keptBy: 't', droppedFrom: ['s'] }]);
    // A deleted agency claims nothing.
    expect(planDirectoryWrites(stored(), [{ ...rec({ id: 'u', codeQd20: 'H41' }), deleted: true }, rec({ id: 'v', codeQd20: 'H41' })], 'full').conflicts).toEqual([]);
  });

  it('changes: leaves unlisted agencies alone, skips stale changes, takes a code from a stored holder', () => {
    const dated = rec({ id: 'a', code102: '000.00.00.H41', codeQd20: 'H41', modifiedAt: '2025-06-01T00:00:00Z' });
    const plan = planDirectoryWrites(stored(dated, b, c), [
      { ...dated, name: 'Cũ', modifiedAt: Date.parse('2025-01-01T00:00:00Z') },
      rec({ id: 'n', code102: '000.00.00.H14', codeQd20: 'H56' }),
    ], 'changes');
    expect(plan.stale).toBe(1);
    expect(plan.deletes).toEqual([]);
    expect(plan.inserts.map((r) => r.id)).toEqual(['n']);
    expect(plan.updates).toEqual([{ ...c, code102: null }, { ...b, codeQd20: null }]);
    expect(plan.releases).toEqual(['c', 'b']);
    expect(plan.conflicts).toEqual([
      { form: 'qcvn102', code: '000.00.00.H14', keptBy: 'n', droppedFrom: ['c'] },
      { form: 'qd20', code: 'H56', keptBy: 'n', droppedFrom: ['b'] },
    ]);
  });

  it('changes: an agency losing two codes to two changes is updated once', () => {
    const plan = planDirectoryWrites(stored(a), [rec({ id: 'm', code102: '000.00.00.H41' }), rec({ id: 'k', codeQd20: 'H41' })], 'changes');
    expect(plan.updates).toEqual([{ ...a, code102: null, codeQd20: null }]);
  });
});
