import { describe, expect, it } from 'vitest';
import { DEFAULT_SCRYPT_PARAMS, hashPassword, parsePasswordHash, verifyPassword } from '../../../src/auth/password-hash.js';

// Cheap parameters where the cost is not what is tested.
const FAST = { N: 1024, r: 8, p: 1 };

describe('password hash (scrypt)', () => {
  it('round trip: the same password verifies, a wrong one does not', async () => {
    const stored = await hashPassword('Mật khẩu đủ dài 2026', FAST);
    expect(await verifyPassword('Mật khẩu đủ dài 2026', stored)).toBe(true);
    expect(await verifyPassword('Mật khẩu đủ dài 2027', stored)).toBe(false);
    expect(await verifyPassword('', stored)).toBe(false);
  });

  it('the same password hashes differently each time (random salt)', async () => {
    const [a, b] = [await hashPassword('same password', FAST), await hashPassword('same password', FAST)];
    expect(a).not.toBe(b);
    expect(parsePasswordHash(a)!.salt.equals(parsePasswordHash(b)!.salt)).toBe(false);
  });

  it('stores algorithm, parameters, salt and hash in one string, and reads the parameters back', async () => {
    const stored = await hashPassword('parameters travel', { N: 2048, r: 4, p: 2 });
    expect(stored).toMatch(/^scrypt\$N=2048,r=4,p=2\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    const parsed = parsePasswordHash(stored)!;
    expect(parsed.params).toEqual({ N: 2048, r: 4, p: 2 });
    expect(parsed.salt).toHaveLength(16);
    expect(parsed.hash).toHaveLength(32);
    // Verification uses the stored parameters, not today's defaults.
    expect(await verifyPassword('parameters travel', stored)).toBe(true);
  });

  it('a stored hash whose parameters were tampered with no longer verifies', async () => {
    const stored = await hashPassword('tamper', FAST);
    expect(await verifyPassword('tamper', stored.replace('N=1024', 'N=2048'))).toBe(false);
  });

  it('refuses stored values it did not write', async () => {
    for (const bad of ['', 'plain', 'bcrypt$2b$10$abc', 'scrypt$N=1000,r=8,p=1$c2FsdA$aGFzaA', 'scrypt$N=1024,r=0,p=1$c2FsdA$aGFzaA', 'scrypt$N=1024,r=8,p=1$c2FsdA$']) {
      expect(parsePasswordHash(bad), bad).toBeUndefined();
      expect(await verifyPassword('x', bad)).toBe(false);
    }
  });

  it('the default cost is N=2^15, r=8, p=1 and takes tens of milliseconds (memory-hard, not instant)', async () => {
    expect(DEFAULT_SCRYPT_PARAMS).toEqual({ N: 32768, r: 8, p: 1 });
    const started = performance.now();
    const stored = await hashPassword('default cost');
    const elapsed = performance.now() - started;
    expect(stored.startsWith('scrypt$N=32768,r=8,p=1$')).toBe(true);
    expect(elapsed).toBeGreaterThan(20);
  });
});
