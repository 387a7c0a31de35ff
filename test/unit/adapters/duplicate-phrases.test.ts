import { describe, expect, it } from 'vitest';
import { duplicateClassifier } from '../../../src/adapters/duplicate-phrases.js';

describe('duplicateClassifier', () => {
  it('recognises the systems\' "already received" answers, with or without diacritics, in any case and punctuation', () => {
    const isDuplicate = duplicateClassifier();
    expect(isDuplicate('Hồ sơ đã được tiếp nhận trước đó')).toBe(true);
    expect(isDuplicate('HO SO DA DUOC TIEP NHAN.')).toBe(true);
    expect(isDuplicate('Mã hồ sơ 000.00.00.H56-261206-0001 đã tồn tại trong hệ thống')).toBe(true);
    expect(isDuplicate('Hồ sơ đã trả kết quả, không được cập nhật trạng thái')).toBe(true);
  });

  it('does not take other answers, or phrases inside other words, for duplicates', () => {
    const isDuplicate = duplicateClassifier();
    expect(isDuplicate('Gửi thông tin thành công')).toBe(false);
    expect(isDuplicate('Dữ liệu không hợp lệ: chưa được tiếp nhận')).toBe(false);
    expect(isDuplicate('')).toBe(false);
    expect(isDuplicate(undefined)).toBe(false);
    expect(duplicateClassifier({ duplicatePhrases: ['tồn tại'] })('không tồn tạihồ sơ')).toBe(false);
  });

  it('takes an endpoint\'s own list, or additions to the default one', () => {
    expect(duplicateClassifier({ duplicatePhrases: ['trùng hồ sơ'] })('Trùng hồ sơ!')).toBe(true);
    expect(duplicateClassifier({ duplicatePhrases: ['trùng hồ sơ'] })('Hồ sơ đã được tiếp nhận')).toBe(false);
    expect(duplicateClassifier({ extraDuplicatePhrases: ['trùng hồ sơ'] })('Hồ sơ đã được tiếp nhận')).toBe(true);
  });
});
