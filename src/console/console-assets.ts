import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join, relative, sep } from 'node:path';
import { gzipSync } from 'node:zlib';
import { packageRoot } from '../paths.js';

/** One file the console serves, held in memory (the whole console is ~270 KB, ~90 KB gzipped). */
export interface ConsoleAsset {
  /** Path under the versioned prefix: `app/pages/dashboard.js`, `vendor/preact.mjs`. */
  name: string;
  contentType: string;
  body: Buffer;
  /** The same bytes gzipped, when that is smaller. */
  gzip?: Buffer;
  /** Strong validator: a digest of the bytes. */
  etag: string;
}

export interface ConsoleAssets {
  /** Digest of every asset together: part of each asset's URL, so a new build never meets an old cache. */
  build: string;
  byName: ReadonlyMap<string, ConsoleAsset>;
}

const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/**
 * Third-party modules served from node_modules as they are published (no bundler), by the name the
 * console imports them as. `rewrite` turns a bare import specifier — which a browser cannot resolve
 * without an import map, and an inline import map would need `script-src` to allow it — into the
 * relative path of the file served for it.
 */
const VENDOR: readonly { name: string; pkg: string; file: string; rewrite?: Record<string, string> }[] = [
  { name: 'preact.mjs', pkg: 'preact', file: 'dist/preact.mjs' },
  { name: 'preact-hooks.mjs', pkg: 'preact', file: 'hooks/dist/hooks.mjs', rewrite: { preact: './preact.mjs' } },
  { name: 'htm.mjs', pkg: 'htm', file: 'dist/htm.mjs' },
  { name: 'uplot.mjs', pkg: 'uplot', file: 'dist/uPlot.esm.js' },
  { name: 'uplot.css', pkg: 'uplot', file: 'dist/uPlot.min.css' },
];

/** The console's own files: `src/console/web/` in the package (plain ES modules, CSS and SVG, not compiled). */
export function consoleWebDir(): string {
  return join(packageRoot(), 'src', 'console', 'web');
}

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return listFiles(path);
    return CONTENT_TYPES[extname(entry.name)] ? [path] : [];
  });
}

/** The installed folder of package `name`, from its entry point (not every package exports its package.json). */
function packageDir(require: NodeJS.Require, name: string): string {
  for (let dir = dirname(require.resolve(name)); dirname(dir) !== dir; dir = dirname(dir)) {
    try {
      if ((JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string }).name === name) return dir;
    } catch {
      // no package.json here: go up
    }
  }
  throw new Error(`Cannot find the folder of package ${name}`);
}

/** Source-map comments point at files the console does not serve: dropped, so a browser with devtools asks for nothing missing. */
function vendorText(text: string, rewrite: Record<string, string> = {}): string {
  let out = text.replace(/\n?\/[/*]# sourceMappingURL=\S+(?: \*\/)?\s*$/, '\n');
  for (const [bare, path] of Object.entries(rewrite)) out = out.replaceAll(`from"${bare}"`, `from"${path}"`).replaceAll(`from '${bare}'`, `from '${path}'`).replaceAll(`from "${bare}"`, `from "${path}"`);
  return out;
}

function asset(name: string, body: Buffer): ConsoleAsset {
  const zipped = gzipSync(body, { level: 9 });
  return {
    name, body, contentType: CONTENT_TYPES[extname(name)]!,
    etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
    ...(zipped.length < body.length ? { gzip: zipped } : {}),
  };
}

/** Reads every console file once, at start: `app/…` from `webDir`, `vendor/…` from the installed packages. */
export function loadConsoleAssets(webDir = consoleWebDir()): ConsoleAssets {
  const require = createRequire(join(packageRoot(), 'package.json'));
  const assets: ConsoleAsset[] = [
    ...listFiles(webDir).map((file) => asset(`app/${relative(webDir, file).split(sep).join('/')}`, readFileSync(file))),
    ...VENDOR.map((v) => asset(`vendor/${v.name}`, Buffer.from(vendorText(readFileSync(join(packageDir(require, v.pkg), v.file), 'utf8'), v.rewrite)))),
  ];
  const build = createHash('sha256');
  for (const a of assets.sort((x, y) => x.name.localeCompare(y.name))) build.update(a.name).update('\0').update(a.etag);
  return { build: build.digest('hex').slice(0, 16), byName: new Map(assets.map((a) => [a.name, a])) };
}
