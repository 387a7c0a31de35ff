import { describe, expect, it } from 'vitest';
import { foldName, nameWordsQuery } from '../../../src/directory/search-name.js';

describe('Vietnamese name folding', () => {
  it('drops case, diacritics and punctuation; đ becomes d', () => {
    expect(foldName('Ủy ban nhân dân tỉnh Nghệ An')).toBe('uy ban nhan dan tinh nghe an');
    expect(foldName('ĐẠI HỌC Đà Nẵng')).toBe('dai hoc da nang');
    expect(foldName('  Trường THCS số 2 — xã Quỳnh Lưu (cũ) ')).toBe('truong thcs so 2 xa quynh luu cu');
    // Precomposed (NFC) and decomposed (NFD) input fold alike.
    expect(foldName('Thanh Hóa'.normalize('NFD'))).toBe(foldName('Thanh Hóa'.normalize('NFC')));
    expect(foldName('…')).toBe('');
  });

  it('builds a word-prefix query that user input cannot escape', () => {
    expect(nameWordsQuery('Nghệ An')).toBe('nghe:* & an:*');
    expect(nameWordsQuery("so & tu | !phap:* 'x'")).toBe('so:* & tu:* & phap:* & x:*');
    expect(nameWordsQuery('an an')).toBe('an:*');
    expect(nameWordsQuery(' … ')).toBeUndefined();
  });
});
