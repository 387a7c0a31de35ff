import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeDevPki, type DevPkiPaths } from '../../../src/crypto/dev-pki.js';
import { signJws } from '../../../src/crypto/jws.js';
import { makeHubPki, openssl, tempDir, type HubPki } from './pki-fixture.js';

// These tests need openssl: without it they fail (the script exits non-zero), they never skip.
const SCRIPT = fileURLToPath(new URL('../../../scripts/verify-receipt.sh', import.meta.url));
const payload = { messageId: 'msg-0002', status: 'delivered', note: 'Văn bản đã được tiếp nhận' };
const cleanups: (() => Promise<void>)[] = [];
afterAll(() => Promise.all(cleanups.map((c) => c())));

function runScript(receiptPath: string, paths: DevPkiPaths) {
  const { status, stdout, stderr } = spawnSync('bash', [SCRIPT, receiptPath, paths.chainPath, paths.caCertPath], { encoding: 'utf8' });
  return { status, stdout, stderr };
}

it('openssl is installed', () => {
  expect(openssl(['version'])).toMatch(/^OpenSSL 3\./);
});

describe.each(['ES256', 'RS256'] as const)('scripts/verify-receipt.sh %s', (alg) => {
  let hub: HubPki;
  let other: HubPki;
  let dir: string;
  let paths: DevPkiPaths;
  let otherPaths: DevPkiPaths;
  beforeAll(async () => {
    [hub, other] = await Promise.all([makeHubPki({ alg }), makeHubPki({ alg })]);
    const tmp = await tempDir();
    cleanups.push(tmp.cleanup);
    dir = tmp.dir;
    paths = await writeDevPki(join(dir, 'hub'), hub.pki);
    otherPaths = await writeDevPki(join(dir, 'other'), other.pki);
  });
  const receipt = async (name: string, jws: string): Promise<string> => {
    const path = join(dir, name);
    await writeFile(path, `${jws}\n`);
    return path;
  };

  it('verifies freshly signed receipts and prints the payload', async () => {
    // Several signatures, so ES256 meets r and s with the high bit set (DER needs a 0x00 pad there).
    for (let i = 0; i < 4; i++) {
      const body = { ...payload, sequence: i };
      const run = runScript(await receipt(`ok-${i}.jws`, await signJws(hub.keys.signer, body, 'lienthong-receipt+jws')), paths);
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      expect(run.stdout).toBe(`${JSON.stringify(body)}\nVerified OK\n`);
    }
  });

  it('fails on a tampered payload', async () => {
    const [h, , s] = (await signJws(hub.keys.signer, payload, 'lienthong-receipt+jws')).split('.');
    const forged = Buffer.from(JSON.stringify({ ...payload, status: 'rejected' })).toString('base64url');
    const run = runScript(await receipt('tampered.jws', `${h}.${forged}.${s}`), paths);
    expect(run.status).not.toBe(0);
    expect(run.stdout).not.toContain('Verified OK');
    expect(run.stderr).toContain('the signature does not verify');
  });

  it('fails when the hub chain does not lead to the given CA', async () => {
    const run = runScript(await receipt('ok.jws', await signJws(hub.keys.signer, payload, 'lienthong-receipt+jws')), { ...paths, caCertPath: otherPaths.caCertPath });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain('does not chain to the CA');
  });

  it('fails when the receipt was signed by another certificate than the chain leaf', async () => {
    const run = runScript(await receipt('other.jws', await signJws(other.keys.signer, payload, 'lienthong-receipt+jws')), paths);
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain('signed by another certificate');
  });

  it('fails on a file that is not a JWS', async () => {
    const run = runScript(await receipt('garbage.jws', 'not-a-jws'), paths);
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain('is not a JWS compact serialisation');
  });
});
