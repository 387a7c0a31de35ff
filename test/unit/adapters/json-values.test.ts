import { describe, expect, it } from 'vitest';
import { asText, storableJson, storableText } from '../../../src/adapters/json-values.js';

describe('remote JSON text is made storable as it is read', () => {
  it('drops U+0000 and replaces a lone surrogate, leaving other text as it was', () => {
    expect(asText(JSON.parse('"HS-\\u0000123"'))).toBe('HS-123');
    expect(asText(JSON.parse('"a\\ud800b"'))).toBe('a\ufffdb');
    expect(asText('Hồ sơ 📄 số 12')).toBe('Hồ sơ 📄 số 12');
    expect(asText(42)).toBe('42');
    expect(asText(null)).toBeUndefined();
  });

  it('storableText returns the very string when there is nothing to change', () => {
    const text = 'Tiếp nhận hồ sơ';
    expect(storableText(text)).toBe(text);
  });

  it('storableJson cleans every string and key of a value kept whole, at any depth', () => {
    const raw = JSON.parse('{"so\\u0000Phieu":"12\\u0000/2026","list":[{"x":"a\\ud800"},3,null,true],"n":1.5}') as unknown;
    expect(storableJson(raw)).toEqual({ soPhieu: '12/2026', list: [{ x: 'a\ufffd' }, 3, null, true], n: 1.5 });
  });
});
