import { describe, expect, it } from 'vitest';
import { createNameLockout } from '../../../src/auth/unknown-name-lockout.js';

const at = (ms: number) => new Date(Date.parse('2026-12-07T08:00:00Z') + ms);

describe('lockout of usernames without an account', () => {
  it('admits 5 attempts, then refuses until the lock ends (15 min after the 5th), then counts afresh', () => {
    const names = createNameLockout({ maxFailures: 5, lockMs: 900_000, maxNames: 10 });
    for (let i = 0; i < 5; i++) expect(names.admit('khong.co', at(i))).toBeUndefined();
    expect(names.admit('khong.co', at(10))).toEqual(at(4 + 900_000));
    expect(names.admit('khong.co', at(899_999))).toEqual(at(4 + 900_000));
    expect(names.admit('other', at(10))).toBeUndefined();
    for (let i = 0; i < 5; i++) expect(names.admit('khong.co', at(900_004 + i))).toBeUndefined();
    expect(names.admit('khong.co', at(900_010))).toBeDefined();
  });

  it('remembers at most maxNames names, forgetting the least recently tried', () => {
    const names = createNameLockout({ maxFailures: 2, lockMs: 60_000, maxNames: 3 });
    names.admit('a', at(0));
    names.admit('a', at(1)); // locked
    names.admit('b', at(2));
    names.admit('c', at(3));
    expect(names.admit('a', at(4))).toBeDefined(); // tried again: the most recent now
    names.admit('d', at(5)); // b goes
    expect(names.admit('a', at(6))).toBeDefined();
    expect(names.admit('b', at(7))).toBeUndefined(); // forgotten: its first failure again
    expect(names.admit('b', at(8))).toBeUndefined(); // second failure: locks
    expect(names.admit('b', at(9))).toBeDefined();
  });
});
