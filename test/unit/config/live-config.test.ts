import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { adapters } from '../../../adapters/index.js';
import type { AuthoredDocument } from '../../../src/config/config-edits.js';
import type { HubConfig } from '../../../src/config/hub-config.js';
import { openLiveConfig, unavailableEndpoints } from '../../../src/config/live-config.js';
import { parseHubConfig, type LoadHubConfigOptions } from '../../../src/config/load-hub-config.js';
import type { Db, Queryable } from '../../../src/store/db.js';
import { createSchemaCatalogue, type IdentifiedSchema } from '../../../src/schema-catalogue.js';

const catalogue = createSchemaCatalogue(Object.values(adapters).map((a) => a.settingsSchema as IdentifiedSchema));
const document = (endpoints: Record<string, unknown>[] = []): AuthoredDocument => ({
  agencies: [{ code: '000.00.00.G22', name: 'Văn phòng Chính phủ' }],
  endpoints: [{ id: 'g22', adapter: 'http-endpoint', settings: { url: 'https://g22.example.vn/in' } }, ...endpoints],
  routes: [],
});
/** A revision with an endpoint whose header needs TOKEN_X (which only another process has). */
const withToken = (): AuthoredDocument => document([{ id: 'x', adapter: 'http-endpoint', settings: { url: 'https://x.example.vn/in', headers: { authorization: 'Bearer ${TOKEN_X}' } } }]);

interface Row { version: number; document: AuthoredDocument }

/**
 * The queries openLiveConfig makes, over revisions in memory. `delayRead`: a revision read waits for
 * this promise (the window in which the process may put a newer revision into effect itself).
 */
function fakeDb(rows: Row[], file: string) {
  let delayRead: Promise<void> | undefined;
  const revision = (row: Row) => ({
    version: row.version, at: new Date(), actor: 'test', source: 'api', file_sha256: file, entity: 'file', entity_id: 'x', action: 'imported', changes: [], document: row.document,
  });
  const q: Queryable = {
    async query(sql: string, params: readonly unknown[] = []) {
      if (sql.includes('max(version)')) return { rows: [{ version: rows.at(-1)?.version ?? null }] } as never;
      if (sql.includes('FROM config_revisions')) {
        if (delayRead) await delayRead;
        const wanted = params[0] === undefined ? rows.at(-1) : rows.find((r) => r.version === params[0]);
        return { rows: wanted ? [revision(wanted)] : [] } as never;
      }
      return { rows: [] } as never;
    },
  };
  const db = { ...q, transaction: async <T>(work: (tx: Queryable) => Promise<T>): Promise<T> => work(q) } as unknown as Db;
  return { db, delay: (p: Promise<void> | undefined) => { delayRead = p; } };
}

/** A config file whose sha256 the fake revisions carry, so that boot takes the newest revision. */
async function configFile(): Promise<{ path: string; sha256: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'lt-live-'));
  const path = join(dir, 'hub.json');
  const bytes = JSON.stringify(document());
  await writeFile(path, bytes);
  const { createHash } = await import('node:crypto');
  return { path, sha256: createHash('sha256').update(bytes).digest('hex') };
}

const parserFor = (env: NodeJS.ProcessEnv) => (doc: unknown, mode?: Pick<LoadHubConfigOptions, 'unsetVariables'>): HubConfig =>
  parseHubConfig(doc, { catalogue, adapters, env, ...mode });

function memoryLog() {
  const lines: { level: number; msg: string; [k: string]: unknown }[] = [];
  const log = pino({ level: 'info' }, { write: (line: string) => { lines.push(JSON.parse(line)); } });
  return { log, lines };
}

describe('live configuration', () => {
  it('never goes back to an older revision: one read while this process put a newer one into effect is dropped', async () => {
    const file = await configFile();
    const rows: Row[] = [{ version: 1, document: document() }];
    const { db, delay } = fakeDb(rows, file.sha256);
    const parse = parserFor({});
    const live = await openLiveConfig({ db, filePath: file.path, parse, log: pino({ level: 'silent' }), now: () => new Date(), pollMs: 60_000 });
    const seen: number[] = [];
    live.onChange((_config, version) => seen.push(version));

    // Another process stored version 2; this process starts reading it, slowly…
    rows.push({ version: 2, document: document([{ id: 'two', adapter: 'http-endpoint', settings: { url: 'https://two.example.vn/in' } }]) });
    let release!: () => void;
    delay(new Promise<void>((resolve) => { release = resolve; }));
    const reading = live.refresh();
    await new Promise((r) => setTimeout(r, 10));
    // …meanwhile it commits version 3 itself, put into effect at once.
    const three = document([{ id: 'three', adapter: 'http-endpoint', settings: { url: 'https://three.example.vn/in' } }]);
    rows.push({ version: 3, document: three });
    live.applied(3, parse(three));
    release();
    delay(undefined);

    expect(await reading).toBe(false);
    expect(live.version()).toBe(3);
    expect(live.current().endpoints.has('three')).toBe(true);
    expect(seen).toEqual([3]);
  });

  it('puts into effect a revision whose endpoint needs a variable this process lacks: that endpoint unavailable here, the rest current, later revisions too', async () => {
    const file = await configFile();
    const rows: Row[] = [{ version: 1, document: document() }];
    const { db } = fakeDb(rows, file.sha256);
    const { log, lines } = memoryLog();
    const live = await openLiveConfig({ db, filePath: file.path, parse: parserFor({}), log, now: () => new Date(), pollMs: 60_000 });

    rows.push({ version: 2, document: withToken() });
    expect(await live.refresh()).toBe(true);
    expect(live.version()).toBe(2);
    const x = live.current().endpoints.get('x')!;
    expect(x.unavailable).toEqual({ variables: ['TOKEN_X'], reason: 'environment variable TOKEN_X is not set in this process' });
    expect(x.settings).toEqual({});
    expect(unavailableEndpoints(live.current()).map((e) => e.id)).toEqual(['x']);
    expect(live.current().endpoints.get('g22')!.unavailable).toBeUndefined();
    const error = lines.find((l) => l.level === 50 && l.endpoint === 'x');
    expect(error?.msg).toContain('TOKEN_X');

    // The next revision (the same placeholder in it) is put into effect as well: nothing is frozen.
    const three = withToken();
    three.agencies.push({ code: '000.00.00.H41', name: 'UBND tỉnh Nghệ An', endpoint: 'x' });
    rows.push({ version: 3, document: three });
    expect(await live.refresh()).toBe(true);
    expect(live.version()).toBe(3);
    expect(live.current().agencies.get('000.00.00.H41')?.endpoint).toBe('x');
    expect(await live.catchUp()).toBe(true);
  });

  it('boots on a newest revision whose endpoint needs a variable this process lacks', async () => {
    const file = await configFile();
    const { db } = fakeDb([{ version: 1, document: document() }, { version: 2, document: withToken() }], file.sha256);
    const live = await openLiveConfig({ db, filePath: file.path, parse: parserFor({}), log: pino({ level: 'silent' }), now: () => new Date(), pollMs: 60_000 });
    expect(live.version()).toBe(2);
    expect(live.current().endpoints.get('x')?.unavailable?.variables).toEqual(['TOKEN_X']);
  });

  it('still keeps the revision before one with any other problem here, and says it is not the newest', async () => {
    const file = await configFile();
    const rows: Row[] = [{ version: 1, document: document() }];
    const { db } = fakeDb(rows, file.sha256);
    const live = await openLiveConfig({ db, filePath: file.path, parse: parserFor({}), log: pino({ level: 'silent' }), now: () => new Date(), pollMs: 60_000 });
    rows.push({ version: 2, document: { ...document(), hub: { name: '${HUB_NAME}' } } });
    expect(await live.refresh()).toBe(false);
    expect(live.version()).toBe(1);
    expect(await live.catchUp()).toBe(false);
  });
});
