import { X509Certificate } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { rotateDevKeys } from '../../../src/cli/rotate-dev-keys.js';
import { createDevPki, writeDevPki } from '../../../src/crypto/dev-pki.js';
import { loadHubKeys } from '../../../src/crypto/hub-keys.js';
import { keyIdOf } from '../../../src/crypto/key-id.js';
import { openssl, tempDir } from './pki-fixture.js';

const cleanups: (() => Promise<void>)[] = [];
afterAll(() => Promise.all(cleanups.map((c) => c())));

describe('lienthong keys rotate (development keys)', () => {
  it('makes a new key from the same CA active and keeps every former chain, without its key, as retired', async () => {
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    const pki = await createDevPki({ alg: 'ES256', organisation: 'Bộ Nội vụ', hubCommonName: 'hub.lienthong.test' });
    const paths = await writeDevPki(dir, pki);
    const original = keyIdOf(new X509Certificate(pki.hubCertPem));

    const first = await rotateDevKeys(dir);
    expect(first).toMatchObject({ alg: 'ES256', retiredKid: original, retiredChainPath: join(dir, 'retired', `hub-chain-${original}.pem`) });
    expect(await readFile(first.retiredChainPath, 'utf8')).toBe(pki.chainPem);
    const second = await rotateDevKeys(dir, { alg: 'RS256' });
    expect(second).toMatchObject({ alg: 'RS256', retiredKid: first.kid });
    expect(second.retiredChainPaths).toHaveLength(2);
    expect(second.retiredChainPaths).toContain(first.retiredChainPath);

    // The hub loads the result: the newest key active, the two former ones retired.
    const keys = await loadHubKeys({ certPath: paths.chainPath, keyPath: paths.hubKeyPath, retired: { paths: second.retiredChainPaths } });
    expect(keys.kid).toBe(second.kid);
    expect(keys.signer.alg).toBe('RS256');
    expect(keys.all.filter((k) => k.status === 'retired').map((k) => k.kid).sort()).toEqual([original, first.kid].sort());
    expect(keys.leaf.subject).toBe(new X509Certificate(pki.hubCertPem).subject); // same name, new key
    expect(await readFile(paths.caCertPath, 'utf8')).toBe(pki.caCertPem);
    expect(openssl(['verify', '-CAfile', paths.caCertPath, paths.hubCertPath])).toContain(': OK');
    expect(await readFile(paths.hubKeyPath, 'utf8')).not.toBe(pki.hubKeyPem);
    for (const retired of second.retiredChainPaths) expect(await readFile(retired, 'utf8')).not.toContain('PRIVATE KEY');
  });

  it('refuses a folder without development keys, naming the file', async () => {
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    await expect(rotateDevKeys(dir)).rejects.toThrow(/cannot read .*ca\.pem \(ENOENT\): rotate works on the development keys of "lienthong keys init"/);
  });

  it('names the first missing file in load order, every time (the CA present, the hub key gone)', async () => {
    const { dir, cleanup } = await tempDir();
    cleanups.push(cleanup);
    const pki = await createDevPki({ alg: 'ES256', organisation: 'Bộ Nội vụ', hubCommonName: 'hub.lienthong.test' });
    const paths = await writeDevPki(dir, pki);
    await Promise.all([rm(paths.hubCertPath), rm(paths.chainPath)]);
    for (let i = 0; i < 20; i++) await expect(rotateDevKeys(dir)).rejects.toThrow(/cannot read .*hub-cert\.pem \(ENOENT\)/);
  });
});
