import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { access, cp, mkdir, readFile, rename, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';

const CACHE = resolve('node_modules/.cache/lienthong-test');

/**
 * Creating a PGlite cluster on disk (initdb) takes seconds; copying a fresh one takes a fraction of
 * that. An empty cluster is made once per PGlite version and kept in `node_modules/.cache` (test
 * files run in separate processes, so a module-level cache would not be shared); every call copies
 * it to `pgdata` (which must not exist yet), where the hub then opens and migrates it as usual.
 */
export async function seedPgliteDataDir(pgdata: string): Promise<void> {
  const template = await ensureTemplate();
  // A copy-on-write clone where the file system offers one, else a plain copy.
  await cp(template, pgdata, { recursive: true, mode: constants.COPYFILE_FICLONE });
}

async function ensureTemplate(): Promise<string> {
  const pkg = JSON.parse(await readFile(resolve('node_modules/@electric-sql/pglite/package.json'), 'utf8')) as { version: string };
  const template = join(CACHE, `pglite-${pkg.version}`);
  if (await exists(template)) return template;
  // Built aside and renamed into place, so concurrent test processes never see half a cluster.
  const building = `${template}.tmp-${randomBytes(4).toString('hex')}`;
  await mkdir(dirname(building), { recursive: true });
  try {
    const db = await PGlite.create({ dataDir: building });
    await db.close();
    await rename(building, template);
  } catch (err) {
    if (!(await exists(template))) throw err;
  } finally {
    await rm(building, { recursive: true, force: true });
  }
  return template;
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
