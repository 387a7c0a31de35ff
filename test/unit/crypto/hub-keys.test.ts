import { createPrivateKey, generateKeyPairSync, X509Certificate } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { inspect } from 'node:util';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueDevCertificate, writeDevPki } from '../../../src/crypto/dev-pki.js';
import { hubKeysFromPem, hubKeysFromPkcs12, loadHubKeys, type HubKeys } from '../../../src/crypto/hub-keys.js';
import { signJws, verifyJwsSignature } from '../../../src/crypto/jws.js';
import { keyIdOf } from '../../../src/crypto/key-id.js';
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
    // Both files, in a fixed order (the chain first), whichever read failed first.
    expect(missing.message).toContain('cannot read /nonexistent/hub-chain.pem (ENOENT); cannot read /nonexistent/hub-key.pem (ENOENT)');
    expect(missing.message).not.toContain('pem-pass');
    const p12 = await caught(() => loadHubKeys({ p12Path: '/nonexistent/hub.p12', passphrase: 'p12-pass' }));
    expect(p12.code).toBe('HUB_ERR_KEYS_MISSING');
    expect(p12.message).toContain('/nonexistent/hub.p12');
    expect(p12.message).not.toContain('p12-pass');
  });
});

describe('several hub keys: the active one and retired ones', () => {
  let dir: string;
  let active: HubPki;
  let retiredPem: { certPem: string; keyPem: string };
  let retiredRsa: { certPem: string; keyPem: string };
  const paths = { activeChain: '', activeKey: '', activeP12: '', retiredChain: '', retiredP12: '', caOnly: '', twoChains: '' };
  beforeAll(async () => {
    const tmp = await tempDir();
    cleanups.push(tmp.cleanup);
    dir = tmp.dir;
    active = await makeHubPki({ alg: 'ES256' });
    [retiredPem, retiredRsa] = await Promise.all([
      issueDevCertificate(active.pki, { alg: 'ES256', commonName: 'lienthong hub 2025' }),
      issueDevCertificate(active.pki, { alg: 'RS256', commonName: 'lienthong hub 2024' }),
    ]);
    const written = await writeDevPki(dir, active.pki);
    Object.assign(paths, {
      activeChain: written.chainPath, activeKey: written.hubKeyPath, activeP12: join(dir, 'active.p12'),
      retiredChain: join(dir, 'retired-2025.pem'), retiredP12: join(dir, 'retired-2024.p12'), caOnly: join(dir, 'ca-only.pem'), twoChains: join(dir, 'two.pem'),
    });
    // A retired chain in CA-first order, its private key left in the file (ignored).
    await writeFile(paths.retiredChain, active.pki.caCertPem + retiredPem.certPem + retiredPem.keyPem);
    await writeFile(join(dir, 'retired-2024-key.pem'), retiredRsa.keyPem);
    await writeFile(join(dir, 'retired-2024-cert.pem'), retiredRsa.certPem);
    openssl(['pkcs12', '-export', '-inkey', join(dir, 'retired-2024-key.pem'), '-in', join(dir, 'retired-2024-cert.pem'), '-certfile', written.caCertPath, '-passout', `pass:${PASSPHRASE}`, '-out', paths.retiredP12]);
    openssl(['pkcs12', '-export', '-inkey', written.hubKeyPath, '-in', written.hubCertPath, '-certfile', written.caCertPath, '-passout', 'pass:active-pass', '-out', paths.activeP12]);
    await writeFile(paths.caOnly, active.pki.caCertPem);
    await writeFile(paths.twoChains, retiredPem.certPem + retiredRsa.certPem + active.pki.caCertPem);
  });
  const retired = (...list: string[]) => ({ retired: { paths: list, p12Passphrase: PASSPHRASE } });

  it('loads PEM and PKCS#12 retired keys next to a PEM or PKCS#12 active key, each with its kid', async () => {
    const fromPem = await loadHubKeys({ certPath: paths.activeChain, keyPath: paths.activeKey, ...retired(paths.retiredChain, paths.retiredP12) });
    const fromP12 = await loadHubKeys({ p12Path: paths.activeP12, passphrase: 'active-pass', ...retired(paths.retiredChain, paths.retiredP12) });
    for (const keys of [fromPem, fromP12]) {
      expectChain(keys, active, 'ES256'); // the active key keeps its meaning
      expect(keys.all.map((k) => [k.status, k.alg, k.leaf.subject.split('\n').pop()])).toEqual([
        ['active', 'ES256', 'CN=lienthong hub'], ['retired', 'ES256', 'CN=lienthong hub 2025'], ['retired', 'RS256', 'CN=lienthong hub 2024'],
      ]);
      expect(keys.all[1]!.chainPem).toBe(retiredPem.certPem + active.pki.caCertPem); // sorted leaf first
      expect(keys.kid).toBe(keys.all[0]!.kid);
      expect(keys.signer.kid).toBe(keys.kid);
      for (const key of keys.all) expect(keys.byKid(key.kid)).toBe(key);
      expect(keys.byKid('no-such-kid')).toBeUndefined();
      expect(new Set(keys.all.map((k) => k.kid)).size).toBe(3);
    }
  });

  it('derives each kid as openssl would: base64url of the SHA-256 of the certificate DER', async () => {
    const keys = await loadHubKeys({ certPath: paths.activeChain, keyPath: paths.activeKey, ...retired(paths.retiredChain) });
    for (const key of keys.all) {
      const der = join(dir, `${key.status}.der`);
      const pem = join(dir, `${key.status}-leaf.pem`);
      await writeFile(pem, key.status === 'active' ? active.pki.hubCertPem : retiredPem.certPem);
      openssl(['x509', '-in', pem, '-outform', 'DER', '-out', der]);
      const hex = openssl(['dgst', '-sha256', '-r', der]).split(' ')[0]!;
      expect(Buffer.from(key.kid, 'base64url').toString('hex')).toBe(hex);
      expect(key.kid).toMatch(/^[A-Za-z0-9_-]{43}$/);
    }
  });

  it('signs every JWS with the active key, naming it by kid', async () => {
    const keys = await loadHubKeys({ certPath: paths.activeChain, keyPath: paths.activeKey, ...retired(paths.retiredChain) });
    const { header } = verifyJwsSignature(await signJws(keys.signer, { n: 1 }, 'test+jws'), keys.leaf.publicKey);
    expect(header).toEqual({ alg: 'ES256', typ: 'test+jws', kid: keys.kid, x5c: [...keys.signer.x5c] });
    expect(header.kid).toBe(keyIdOf(new X509Certificate(active.pki.hubCertPem)));
  });

  it('refuses, with coded errors, a retired PKCS#12 without passphrase or with a wrong one, a CA certificate, two chains in one file, a key listed twice', async () => {
    const base = { certPath: paths.activeChain, keyPath: paths.activeKey };
    const noPassphrase = await caught(() => loadHubKeys({ ...base, retired: { paths: [paths.retiredP12] } }));
    expect(noPassphrase).toMatchObject({ code: 'HUB_ERR_KEYS_MISSING', message: expect.stringContaining('LIENTHONG_HUB_KEYS_RETIRED_PASSPHRASE') });
    const wrong = await caught(() => loadHubKeys({ ...base, retired: { paths: [paths.retiredP12], p12Passphrase: 'wrong-retired-pass' } }));
    expect(wrong.code).toBe('HUB_ERR_KEYS_MISSING');
    expect(wrong.message).toContain(paths.retiredP12);
    expect(wrong.message).not.toContain('wrong-retired-pass');
    expect(await caught(() => loadHubKeys({ ...base, ...retired(paths.caOnly) }))).toMatchObject({ code: 'HUB_ERR_KEYS_MISSING', message: expect.stringMatching(/is a CA certificate/) });
    expect(await caught(() => loadHubKeys({ ...base, ...retired(paths.twoChains) }))).toMatchObject({ code: 'HUB_ERR_KEYS_MISSING', message: expect.stringMatching(/expected one certificate chain, found 2/) });
    expect(await caught(() => loadHubKeys({ ...base, ...retired(paths.activeChain) }))).toMatchObject({ code: 'HUB_ERR_KEYS_MISSING', message: expect.stringMatching(/configured twice/) });
    expect(await caught(() => loadHubKeys({ ...base, ...retired(paths.retiredChain, paths.retiredChain) }))).toMatchObject({ message: expect.stringMatching(/configured twice/) });
  });

  it('never serialises the private key: JSON, util.inspect and pino show the certificates, not the key', async () => {
    const keys = await loadHubKeys({ certPath: paths.activeChain, keyPath: paths.activeKey, ...retired(paths.retiredChain) });
    const jwk = keys.signer.privateKey.export({ format: 'jwk' });
    const pkcs8 = keys.signer.privateKey.export({ type: 'pkcs8', format: 'der' });
    const secrets = [jwk.d!, Buffer.from(jwk.d!, 'base64url').toString('hex'), Buffer.from(jwk.d!, 'base64url').toString('base64'), pkcs8.toString('base64').slice(40, 80), 'PRIVATE KEY'];
    const logged: string[] = [];
    const log = pino({ level: 'info' }, { write: (line: string) => void logged.push(line) });
    log.info({ keys }, 'hub keys');
    log.info({ signer: keys.signer, all: keys.all }, 'signer');
    const outputs = [JSON.stringify(keys), inspect(keys, { depth: Infinity }), inspect(keys.signer, { depth: Infinity }), ...logged];
    for (const output of outputs) {
      expect(output).toContain(keys.kid); // the object was serialised, not skipped
      for (const secret of secrets) expect(output).not.toContain(secret);
    }
    expect(logged).toHaveLength(2);
    expect(Object.keys(keys.signer)).not.toContain('privateKey');
    expect(keys.leaf.checkPrivateKey(keys.signer.privateKey)).toBe(true); // still there for signing
  });
});
