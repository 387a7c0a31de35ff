import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_TABLE, type ErrorCode } from '../../src/errors.js';

describe('error codes', () => {
  const readme = readFileSync('README.md', 'utf8');
  const section = readme.slice(readme.indexOf('## Error codes'), readme.indexOf('## Architecture'));

  it('every code is documented in the README error table with its HTTP status', () => {
    for (const [code, [status]] of Object.entries(ERROR_TABLE) as [ErrorCode, readonly [number, string]][]) {
      const row = section.split('\n').find((line) => line.startsWith(`| \`${code}\``));
      expect(row, `${code} missing from the README`).toBeDefined();
      if (status !== 500 || !/boot/.test(row!)) expect(row).toContain(`| ${status} |`);
    }
  });

  it('the README documents no code that does not exist', () => {
    const documented = [...section.matchAll(/\| `(HUB_ERR_[A-Z_]+)`/g)].map((m) => m[1]);
    expect(documented.sort()).toEqual(Object.keys(ERROR_TABLE).sort());
  });
});
