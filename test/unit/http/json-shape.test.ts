import { describe, expect, it } from 'vitest';
import { jsonShapeProblem, MAX_JSON_DEPTH } from '../../../src/http/json-shape.js';

const nested = (depth: number): unknown => {
  let value: unknown = 'x';
  for (let i = 0; i < depth; i++) value = i % 2 ? [value] : { a: value };
  return value;
};

describe('jsonShapeProblem', () => {
  it('accepts documents as deep as the limit, with any well-formed text', () => {
    expect(jsonShapeProblem(nested(MAX_JSON_DEPTH))).toBeUndefined();
    expect(jsonShapeProblem({ subject: 'Về việc 📄 thử nghiệm', list: [1, null, true, { 'khóa 🔑': 'giá trị' }] })).toBeUndefined();
  });

  it('refuses one level deeper, and 100,000 levels without overflowing the stack', () => {
    expect(jsonShapeProblem(nested(MAX_JSON_DEPTH + 1))).toBe(`JSON nested deeper than ${MAX_JSON_DEPTH} levels`);
    expect(jsonShapeProblem(JSON.parse(`${'['.repeat(100_000)}${']'.repeat(100_000)}`))).toMatch(/deeper than/);
  });

  it('refuses lone surrogates in values and in property names', () => {
    expect(jsonShapeProblem({ a: ['ok', JSON.parse('"\\ud800x"')] })).toMatch(/lone UTF-16 surrogate/);
    expect(jsonShapeProblem(JSON.parse('{"\\udc00":1}'))).toMatch(/property name/);
    expect(jsonShapeProblem(JSON.parse('"\\ud83d\\udcc4"'))).toBeUndefined();
  });

  it('refuses U+0000 in values and in property names (no PostgreSQL text or jsonb can hold it)', () => {
    expect(jsonShapeProblem(JSON.parse('{"document":{"subject":"poison\\u0000"}}'))).toMatch(/U\+0000/);
    expect(jsonShapeProblem(JSON.parse('{"a\\u0000b":1}'))).toMatch(/property name holds U\+0000/);
    expect(jsonShapeProblem({ subject: 'U+0001 is fine: \u0001' })).toBeUndefined();
  });
});
