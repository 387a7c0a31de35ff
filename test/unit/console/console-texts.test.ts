import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadConsoleAssets } from '../../../src/console/console-assets.js';
import { consolePage } from '../../../src/console/console-page.js';

const WEB = 'src/console/web';
const files = (dir: string): string[] => readdirSync(dir, { withFileTypes: true })
  .flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.js') ? [join(dir, e.name)] : []));

/** Keys built at run time from a value (`t(\`state.${s}\`)`): every value the API can answer. */
const FAMILIES: Record<string, readonly string[]> = {
  state: ['queued', 'sending', 'retrying', 'delivered', 'failed'],
  kind: ['document', 'status', 'dossier'],
  role: ['admin', 'operator', 'auditor'],
  outcome: ['delivered', 'transient', 'permanent'],
  receipt: ['accepted', 'delivered', 'status', 'failed'],
  circuit: ['closed', 'open', 'half-open'],
  'config.action': ['imported', 'created', 'updated', 'disabled', 'enabled'],
  'route.match': ['sender', 'recipient', 'kind', 'documentType'],
  'route.policy': ['off', 'report', 'require'],
  'dash.range': ['24h', '7d', '30d'],
};

describe('console texts', () => {
  it('every key the pages use has a Vietnamese and an English text', async () => {
    const { TEXTS } = (await import(pathToFileURL(join(process.cwd(), WEB, 'lib/texts.js')).href)) as { TEXTS: Record<string, [string, string]> };
    const namespaces = new Set(Object.keys(TEXTS).map((key) => key.split('.')[0]));
    const used = new Set<string>();
    for (const file of files(WEB)) {
      // Every quoted 'namespace.key' — in t('…') and in the tables and ternaries that feed t().
      for (const [, key] of readFileSync(file, 'utf8').matchAll(/'([a-z]+\.[A-Za-z0-9.]+)'/g)) {
        if (namespaces.has(key!.split('.')[0]) && !key!.endsWith('.')) used.add(key!);
      }
    }
    for (const [family, values] of Object.entries(FAMILIES)) for (const v of values) used.add(`${family}.${v}`);
    expect(used.size).toBeGreaterThan(150);
    const missing = [...used].filter((key) => !TEXTS[key]);
    expect(missing).toEqual([]);
    for (const [key, [vi, en]] of Object.entries(TEXTS)) {
      expect(vi, key).toBeTruthy();
      expect(en, key).toBeTruthy();
    }
  });

  it('loads every file of the console, vendor modules importable by relative path only', () => {
    const assets = loadConsoleAssets();
    expect(assets.build).toMatch(/^[0-9a-f]{16}$/);
    for (const name of ['app/main.js', 'app/console.css', 'vendor/preact.mjs', 'vendor/preact-hooks.mjs', 'vendor/htm.mjs', 'vendor/uplot.mjs', 'vendor/uplot.css']) {
      expect(assets.byName.has(name), name).toBe(true);
    }
    // A browser cannot resolve a bare specifier without an import map: every import is relative.
    for (const asset of assets.byName.values()) {
      if (!asset.contentType.startsWith('text/javascript')) continue;
      const text = asset.body.toString('utf8');
      for (const [, specifier] of text.matchAll(/(?:^|[;}\n])\s*(?:import|export)\b[^;'"]*?\bfrom\s*["']([^"']+)["']/g)) expect(specifier, `${asset.name}: ${specifier}`).toMatch(/^\.\.?\//);
      expect(text, asset.name).not.toMatch(/sourceMappingURL/);
    }
    expect(consolePage(assets.build)).toContain(`/console/v/${assets.build}/app/main.js`);
  });
});
