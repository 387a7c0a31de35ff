import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGE_NAME = 'lienthong';

/**
 * The folder holding lienthong's `package.json`: the anchor for `schemas/`, `config/` and
 * `src/store/migrations/`. Found by walking up from this module, so it is the same whether the code
 * runs from `src/` (tsx, vitest) or from the compiled `dist/src/`.
 *
 * @throws Error when no ancestor folder holds a `package.json` named `lienthong`.
 */
export function packageRoot(): string {
  const start = dirname(fileURLToPath(import.meta.url));
  for (let dir = start; ; dir = dirname(dir)) {
    if (isLienthongPackage(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) break;
  }
  throw new Error(`Cannot find ${PACKAGE_NAME}'s package.json above ${start}`);
}

// Checks the name, not only the file: a stray package.json (e.g. `dist/` marked as a module) must
// not be mistaken for the root.
function isLienthongPackage(file: string): boolean {
  if (!existsSync(file)) return false;
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown };
    return parsed.name === PACKAGE_NAME;
  } catch {
    return false;
  }
}
