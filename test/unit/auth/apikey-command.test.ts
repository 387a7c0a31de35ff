import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashApiKey } from '../../../src/auth/api-keys.js';
import { runApiKeyCommand } from '../../../src/cli/apikey-command.js';
import { insertRevision } from '../../../src/config/config-revisions.js';
import { loadEnv, type HubEnv } from '../../../src/config/load-env.js';
import { createSchemaCatalogue } from '../../../src/schema-catalogue.js';
import { openDb } from '../../../src/store/open-db.js';
import { seedPgliteDataDir } from '../../helpers/pglite-template.js';
import { TEST_CONFIG } from '../../helpers/test-hub.js';

describe('lienthong apikey (embedded store)', () => {
  let dir: string;
  let env: HubEnv;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lienthong-apikey-'));
    await seedPgliteDataDir(join(dir, 'pgdata'));
    env = loadEnv({ LIENTHONG_DATA_DIR: dir, LIENTHONG_CONFIG: TEST_CONFIG }, createSchemaCatalogue());
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const query = async <Row>(sql: string, params: unknown[] = []): Promise<Row[]> => {
    const db = await openDb({ dataDir: env.dataDir, poolSize: 1 });
    try {
      return (await db.query<Row>(sql, params)).rows;
    } finally {
      await db.close();
    }
  };
  const printedKey = (out: string): string => /^lt_\S+$/m.exec(out)![0];

  it('create stores the key hash with an apikey.created audit event by cli, naming the key id and owner, never the key', async () => {
    const out = await runApiKeyCommand(env, ['create', '--agency', '000.00.00.G22', '--label', 'VPCP eOffice']);
    const key = printedKey(out);
    const [stored] = await query<{ id: string; agency_code: string }>('SELECT id, agency_code FROM api_keys WHERE key_hash = $1', [hashApiKey(key)]);
    expect(stored).toMatchObject({ agency_code: '000.00.00.G22' });
    const admin = printedKey(await runApiKeyCommand(env, ['create', '--role', 'admin']));
    const events = await query<{ actor: string; kind: string; data: Record<string, unknown>; digest: Buffer }>(`SELECT actor, kind, data, digest FROM audit_events WHERE kind = 'apikey.created' ORDER BY id`);
    expect(events.map(({ digest: _digest, ...e }) => e)).toEqual([
      { actor: 'cli', kind: 'apikey.created', data: { keyId: stored!.id, agency: '000.00.00.G22', label: 'VPCP eOffice' } },
      { actor: 'cli', kind: 'apikey.created', data: { keyId: expect.stringMatching(/^k_/), role: 'admin', label: '' } },
    ]);
    // Each carries its digest, as every audit event does (the chain seals it).
    for (const e of events) expect(e.digest).toHaveLength(32);
    for (const secret of [key, admin, hashApiKey(key), hashApiKey(admin)]) expect(JSON.stringify(events)).not.toContain(secret);
  });

  it('create --agency refuses a code that is not a configured agency, storing nothing', async () => {
    const before = await query<{ n: number }>('SELECT count(*)::int AS n FROM api_keys');
    await expect(runApiKeyCommand(env, ['create', '--agency', '000.00.00.Z99'])).rejects.toThrow('--agency 000.00.00.Z99 is not a configured agency');
    await expect(runApiKeyCommand(env, ['create', '--agency', 'G22'])).rejects.toThrow(/not a configured agency/);
    expect(await query('SELECT count(*)::int AS n FROM api_keys')).toEqual(before);
    expect(await query(`SELECT 1 FROM audit_events WHERE data ->> 'agency' IN ('000.00.00.Z99', 'G22')`)).toEqual([]);
  });

  it('once the hub has stored the configuration, its newest revision decides which agencies are configured', async () => {
    const db = await openDb({ dataDir: env.dataDir, poolSize: 1 });
    try {
      await insertRevision(db, {
        version: 1, at: new Date(), actor: 'test', source: 'api', fileSha256: '0'.repeat(64), entity: 'agency', entityId: '000.00.00.H62', action: 'created', changes: [],
        document: { agencies: [{ code: '000.00.00.H62', name: 'UBND tỉnh Quảng Nam' }, { code: '000.00.00.H63', name: 'Tắt', disabled: true }], endpoints: [], routes: [] },
      });
    } finally {
      await db.close();
    }
    expect(await runApiKeyCommand(env, ['create', '--agency', '000.00.00.H62'])).toMatch(/^key id k_/);
    await expect(runApiKeyCommand(env, ['create', '--agency', '000.00.00.G22'])).rejects.toThrow(/not a configured agency/);
    await expect(runApiKeyCommand(env, ['create', '--agency', '000.00.00.H63'])).rejects.toThrow(/disabled/);
  });

  it('refuses both or neither of --agency and --role, and an unknown role', async () => {
    await expect(runApiKeyCommand(env, ['create', '--agency', '000.00.00.G22', '--role', 'admin'])).rejects.toThrow(/exactly one of --agency or --role/);
    await expect(runApiKeyCommand(env, ['create'])).rejects.toThrow(/exactly one/);
    await expect(runApiKeyCommand(env, ['create', '--role', 'root'])).rejects.toThrow(/--role must be/);
  });
});
