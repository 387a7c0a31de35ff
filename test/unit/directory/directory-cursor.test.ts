import { describe, expect, it } from 'vitest';
import { decodeDirectoryCursor, encodeDirectoryCursor } from '../../../src/directory/directory-cursor.js';

describe('directory cursor', () => {
  it('round-trips the sort key as an opaque URL-safe string', () => {
    const cursor = { searchName: 'uy ban nhan dan tinh nghe an', source: 'vxp', id: '6123/ab+c' };
    const text = encodeDirectoryCursor(cursor);
    expect(text).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeDirectoryCursor(text)).toEqual(cursor);
  });

  it('refuses anything else', () => {
    for (const text of ['', 'not-base64!', Buffer.from('{"a":1}').toString('base64url'), Buffer.from('["a","b"]').toString('base64url'), Buffer.from('["a","b",3]').toString('base64url')]) {
      expect(decodeDirectoryCursor(text), text).toBeUndefined();
    }
  });
});
