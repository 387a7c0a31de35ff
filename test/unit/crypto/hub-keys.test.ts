import { createPrivateKey, generateKeyPairSync, X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeDevPki } from '../../../src/crypto/dev-pki.js';
import { hubKeysFromPem, hubKeysFromPkcs12, loadHubKeys, type HubKeys } from '../../../src/crypto/hub-keys.js';
import { makeHubPki, openssl, tempDir, type HubPki } from './pki-fixture.js';

const PASSPHRASE = 'p12-s3cret-passphrase';
const cleanups: (() => Promise<void>)[] = [];
afterAll(() => Promise.all(cleanups.map((c) => c())));

/** Runs `fn` and returns the error it throws. */
async function caught(fn: () => unknown): Promise<Error & { code?: string }> {
  try {
    await fn();
  } catch (err) {
    return err as Error & { code?: string };
  }
  throw new Error('expected an error');
}

function expectChain(keys: HubKeys, { pki }: HubPki, alg: string): void {
  const hub = new X509Certificate(pki.hubCertPem);
  const ca = new X509Certificate(pki.caCertPem);
  expect(keys.signer.alg).toBe(alg);
  expect(keys.signer.x5c).toEqual([hub.raw.toString('base64'), ca.raw.toString('base64')]);
  expect(keys.leaf.raw.equals(hub.raw)).toBe(true);
  expect(keys.chainPem).toBe(pki.chainPem);
  expect(keys.fingerprintSha256).toBe(hub.fingerprint256);
  expect(keys.fingerprintSha256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
  expect(keys.leaf.checkPrivateKey(keys.signer.privateKey)).toBe(true);
}

describe.each(['ES256', 'RS256'] as const)('hub keys %s', (alg) => {
  let hub: HubPki;
  let dir: string;
  let p12Path: string;
  beforeAll(async () => {
    hub = await makeHubPki({ alg });
    const tmp = await tempDir();
    cleanups.push(tmp.cleanup);
    dir = tmp.dir;
    const paths = await writeDevPki(dir, hub.pki);
    p12Path = join(dir, 'hub.p12');
    // OpenSSL 3 defaults: PBES2 (PBKDF2 + AES-256-CBC) and an HMAC-SHA256 MAC.
    openssl(['pkcs12', '-export', '-inkey', paths.hubKeyPath, '-in', paths.hubCertPath, '-certfile', paths.caCertPath, '-passout', `pass:${PASSPHRASE}`, '-out', p12Path]);
  });

  it('loads from PEM, inferring the alg and ordering the chain leaf first', () => {
    expectChain(hubKeysFromPem({ certChainPem: hub.pki.chainPem, keyPem: hub.pki.hubKeyPem }), hub, alg);
    expectChain(hubKeysFromPem({ certChainPem: hub.pki.caCertPem + hub.pki.hubCertPem, keyPem: hub.pki.hubKeyPem }), hub, alg);
  });

  it('loads an encrypted PEM key with its passphrase, and names no passphrase when it is wrong', async () => {
    const keyPem = createPrivateKey(hub.pki.hubKeyPem).export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: PASSPHRASE }) as string;
    expectChain(hubKeysFromPem({ certChainPem: hub.pki.chainPem, keyPem, keyPassphrase: PASSPHRASE }), hub, alg);
    const err = await caught(() => hubKeysFromPem({ certChainPem: hub.pki.chainPem, keyPem, keyPassphrase: 'wrong-passphrase' }));
    expect(err.code).toBe('HUB_ERR_KEYS_MISSING');
    expect(err.message).not.toContain('wrong-passphrase');
  });

  it('loads from PKCS#12 made by openssl', async () => {
    expectChain(hubKeysFromPkcs12({ p12: await readFile(p12Path), passphrase: PASSPHRASE }), hub, alg);
    expectChain(await loadHubKeys({ p12Path, passphrase: PASSPHRASE }), hub, alg);
  });

  it('rejects a wrong PKCS#12 passphrase with a coded error that does not contain it', async () => {
    const err = await caught(() => loadHubKeys({ p12Path, passphrase: 'not-the-passphrase' }));
    expect(err.code).toBe('HUB_ERR_KEYS_MISSING');
    expect(err.message).toMatch(/PKCS#12/);
    expect(err.message).not.toContain('not-the-passphrase');
  });

  it('loads from files', async () => {
    expectChain(await loadHubKeys({ certPath: join(dir, 'hub-chain.pem'), keyPath: join(dir, 'hub-key.pem') }), hub, alg);
  });
});

describe('hub keys errors', () => {
  let a: HubPki;
  let b: HubPki;
  beforeAll(async () => {
    [a, b] = await Promise.all([makeHubPki({ alg: 'ES256' }), makeHubPki({ alg: 'ES256' })]);
  });

  it('rejects a key that does not match the certificate', async () => {
    const err = await caught(() => hubKeysFromPem({ certChainPem: a.pki.chainPem, keyPem: b.pki.hubKeyPem }));
    expect(err.code).toBe('HUB_ERR_KEYS_MISSING');
    expect(err.message).toMatch(/does not match/);
  });

  it('rejects a certificate that is not on the leaf issuer path', async () => {
    const err = await caught(() => hubKeysFromPem({ certChainPem: a.pki.chainPem + b.pki.caCertPem, keyPem: a.pki.hubKeyPem }));
    expect(err.code).toBe('HUB_ERR_KEYS_MISSING');
    expect(err.message).toMatch(/not on the issuer path/);
  });

  it('rejects keys other than EC P-256 and RSA >= 2048', async () => {
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    const err = await caught(() => hubKeysFromPem({ certChainPem: a.pki.chainPem, keyPem: p384 }));
    expect(err.code).toBe('HUB_ERR_KEYS_MISSING');
    expect(err.message).toMatch(/unsupported private key \(ec secp384r1\)/);
  });

  it('rejects an empty chain', async () => {
    const err = await caught(() => hubKeysFromPem({ certChainPem: '', keyPem: a.pki.hubKeyPem }));
    expect(err.code).toBe('HUB_ERR_KEYS_MISSING');
  });

  it('names a missing file, never the passphrase', async () => {
    const missing = await caught(() => loadHubKeys({ certPath: '/nonexistent/hub-chain.pem', keyPath: '/nonexistent/hub-key.pem', keyPassphrase: 'pem-pass' }));
    expect(missing.code).toBe('HUB_ERR_KEYS_MISSING');
    expect(missing.message).toMatch(/cannot read \/nonexistent\/hub-(chain|key)\.pem \(ENOENT\)/);
    expect(missing.message).not.toContain('pem-pass');
    const p12 = await caught(() => loadHubKeys({ p12Path: '/nonexistent/hub.p12', passphrase: 'p12-pass' }));
    expect(p12.code).toBe('HUB_ERR_KEYS_MISSING');
    expect(p12.message).toContain('/nonexistent/hub.p12');
    expect(p12.message).not.toContain('p12-pass');
  });
});
