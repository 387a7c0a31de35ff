import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateApiKey, hashApiKey } from '../../../src/auth/api-keys.js';
import { insertRevision, readRevision } from '../../../src/config/config-revisions.js';
import { STORES } from '../../helpers/test-db.js';
import { startTestHub, TEST_CONFIG, type TestHub } from '../../helpers/test-hub.js';

// API keys provisioned in the config file follow the live configuration: a newer revision without a
// key takes it out of service in a running process (which polls revisions), cached answers included.

const OPS_KEY = generateApiKey();
const STAYS_KEY = generateApiKey();

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lienthong-live-keys-'));
  const config = JSON.parse(await readFile(TEST_CONFIG, 'utf8')) as Record<string, unknown>;
  config.apiKeys = [
    { id: 'ops', role: 'admin', sha256: hashApiKey(OPS_KEY) },
    { id: 'stays', agency: '000.00.00.G22', sha256: hashApiKey(STAYS_KEY) },
  ];
  await writeFile(join(dir, 'config.json'), JSON.stringify(config));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe.each(STORES)('configured API keys follow the live configuration (%s store)', (store) => {
  let t: TestHub;
  beforeAll(async () => {
    // A long key cache: the removal must not wait for it.
    t = await startTestHub(store, { roles: { api: true, worker: false }, env: { LIENTHONG_CONFIG: join(dir, 'config.json'), LIENTHONG_API_KEY_CACHE_MS: '600000' } });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('a key a newer revision removes is refused (401) from then on; the keys it keeps still work', async () => {
    expect((await t.call('GET', '/v1/admin/deliveries/failed', { key: OPS_KEY })).status).toBe(200);
    expect((await t.call('GET', '/v1/inbox', { key: STAYS_KEY })).status).toBe(200);

    // A revision written elsewhere (another process, a newer config file): the document without "ops".
    const latest = (await readRevision(t.hub.db))!;
    const document = { ...latest.document, apiKeys: (latest.document.apiKeys as { id: string }[]).filter((k) => k.id !== 'ops') };
    await insertRevision(t.hub.db, { ...latest, version: latest.version + 1, at: new Date(), actor: 'test', document });
    expect(await t.hub.live.refresh()).toBe(true);

    const removed = await t.call('GET', '/v1/admin/deliveries/failed', { key: OPS_KEY });
    expect([removed.status, removed.json.code]).toEqual([401, 'HUB_ERR_UNAUTHENTICATED']);
    expect((await t.call('GET', '/v1/inbox', { key: STAYS_KEY })).status).toBe(200);
    expect((await t.call('GET', '/v1/admin/deliveries/failed', { key: t.keys.admin })).status).toBe(200);
  });
});
