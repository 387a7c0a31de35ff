import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDevPki } from '../../src/crypto/dev-pki.js';
import { openPgliteDb } from '../../src/store/pglite-db.js';
import { quiesce, send } from '../helpers/hub-queries.js';
import { documentBody, startTestHub, type SharedHubState } from '../helpers/test-hub.js';
import { runCli } from './cli-process.js';

// `lienthong audit verify` against the data folder a hub left behind: intact, then tampered.
describe('lienthong audit verify', () => {
  let shared: SharedHubState;

  beforeAll(async () => {
    const t = await startTestHub('pglite', { env: { LIENTHONG_AUDIT_SEAL_INTERVAL_MS: '50' } });
    for (let i = 0; i < 3; i++) await send(t, t.keys.g22, documentBody('000.00.00.G22', ['000.00.00.H41']));
    await quiesce(t);
    await t.hub.audit.checkpointNow();
    shared = t.shared;
    await t.close({ keepData: true });
  });
  afterAll(async () => {
    if (shared) await rm(shared.dataDir, { recursive: true, force: true });
  });

  const verify = (...args: string[]) => runCli(['audit', 'verify', ...args], { LIENTHONG_DATA_DIR: shared.dataDir });

  it('reports an intact chain with its checkpoints and exits 0', async () => {
    const run = await verify();
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^events verified: +\d+ \(seq 1–\d+\), chain hash [0-9a-f]{64}$/m);
    expect(run.stdout).toMatch(/^checkpoints: +[1-9]\d* verified, the last at seq \d+/m);
    expect(run.stdout).toContain('the audit chain is intact');
  });

  it('refuses the checkpoints when given a CA that did not issue the hub key', async () => {
    const other = join(shared.dataDir, 'other-ca.pem');
    await writeFile(other, (await createDevPki({ alg: 'ES256' })).caCertPem);
    const run = await verify('--ca', other, '--json');
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout).problem).toMatchObject({ kind: 'checkpoint-invalid' });
  });

  it('refuses checkpoints signed by a key that is not one of the hub keys given with --hub-keys', async () => {
    const others = join(shared.dataDir, 'other-hub-keys.pem');
    await writeFile(others, (await createDevPki({ alg: 'ES256' })).chainPem);
    const run = await verify('--hub-keys', others, '--json');
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout).problem).toMatchObject({ kind: 'checkpoint-invalid', detail: expect.stringContaining('is not one of the hub\'s keys') });
    expect(await verify('--hub-keys', join(shared.dataDir, 'keys/hub-chain.pem'))).toMatchObject({ code: 0 });
  });

  it('names the first altered event and exits 1; --json gives the same report as the API', async () => {
    const db = await openPgliteDb({ dataDir: join(shared.dataDir, 'pgdata') });
    try {
      await db.query(`UPDATE audit_events SET actor = 'agency:000.00.00.H14' WHERE id = (SELECT event_id FROM audit_chain WHERE seq = 2)`);
    } finally {
      await db.close();
    }
    const run = await verify();
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^FIRST PROBLEM: altered at seq 2 \(event id \d+\): seq 2's content no longer matches its digest/m);
    const json = await verify('--json');
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, eventsVerified: 1, problem: { kind: 'altered', seq: 2 } });
  });
});
