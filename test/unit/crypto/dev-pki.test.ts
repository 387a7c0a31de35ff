import { createPrivateKey, X509Certificate } from 'node:crypto';
import { chmod, readFile, stat, writeFile } from 'node:fs/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { createDevPki, issueDevCertificate, writeDevPki } from '../../../src/crypto/dev-pki.js';
import { openssl, tempDir } from './pki-fixture.js';

const cleanups: (() => Promise<void>)[] = [];
afterAll(() => Promise.all(cleanups.map((c) => c())));

async function writtenPki(alg: 'ES256' | 'RS256') {
  const { dir, cleanup } = await tempDir();
  cleanups.push(cleanup);
  const pki = await createDevPki({ alg, organisation: 'Bộ Nội vụ', hubCommonName: 'hub.lienthong.test' });
  return { pki, dir, paths: await writeDevPki(dir, pki) };
}

describe.each([
  ['ES256', 'id-ecPublicKey', 'ec'],
  ['RS256', 'rsaEncryption', 'rsa'],
] as const)('createDevPki %s', (alg, opensslKeyAlg, nodeKeyType) => {
  it('issues a hub certificate that openssl verifies against the CA', async () => {
    const { paths } = await writtenPki(alg);
    expect(openssl(['verify', '-CAfile', paths.caCertPath, paths.hubCertPath])).toContain(': OK');
    expect(openssl(['verify', '-CAfile', paths.caCertPath, '-untrusted', paths.chainPath, paths.hubCertPath])).toContain(': OK');
  });

  it('produces certificates openssl x509 parses, with the expected extensions', async () => {
    const { paths } = await writtenPki(alg);
    const hub = openssl(['x509', '-in', paths.hubCertPath, '-noout', '-text', '-nameopt', 'utf8']);
    expect(hub).toContain(opensslKeyAlg);
    expect(hub).toMatch(/Basic Constraints: critical\s+CA:FALSE/);
    expect(hub).toMatch(/Key Usage: critical\s+Digital Signature, Non Repudiation/);
    expect(hub).toContain('Subject Key Identifier');
    expect(hub).toContain('Authority Key Identifier');
    expect(hub).toContain('O=Bộ Nội vụ, CN=hub.lienthong.test');
    const ca = openssl(['x509', '-in', paths.caCertPath, '-noout', '-text']);
    expect(ca).toMatch(/Basic Constraints: critical\s+CA:TRUE/);
    expect(ca).toMatch(/Key Usage: critical\s+Certificate Sign, CRL Sign/);
  });

  it('is verified by node X509Certificate, and the hub key matches the hub certificate', async () => {
    const pki = await createDevPki({ alg });
    const ca = new X509Certificate(pki.caCertPem);
    const hub = new X509Certificate(pki.hubCertPem);
    expect(hub.verify(ca.publicKey)).toBe(true);
    expect(ca.verify(ca.publicKey)).toBe(true);
    expect(hub.checkIssued(ca)).toBe(true);
    expect([ca.ca, hub.ca]).toEqual([true, false]);
    const hubKey = createPrivateKey(pki.hubKeyPem);
    expect(hubKey.asymmetricKeyType).toBe(nodeKeyType);
    expect(hub.checkPrivateKey(hubKey)).toBe(true);
    expect(ca.checkPrivateKey(createPrivateKey(pki.caKeyPem))).toBe(true);
    expect(ca.publicKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
    // The chain is the hub certificate, then the CA certificate.
    expect(pki.chainPem).toBe(pki.hubCertPem + pki.caCertPem);
    // The serial is positive: the first DER content octet has its high bit clear.
    expect(Number.parseInt(hub.serialNumber.slice(0, 2), 16)).toBeLessThan(0x80);
  });
});

describe('createDevPki validity', () => {
  it('starts at `now` (to the second) and lasts `validDays`', async () => {
    const now = new Date('2031-03-04T05:06:07.890Z');
    const pki = await createDevPki({ alg: 'ES256', now, validDays: 30 });
    for (const pem of [pki.caCertPem, pki.hubCertPem]) {
      const cert = new X509Certificate(pem);
      expect(new Date(cert.validFrom).toISOString()).toBe('2031-03-04T05:06:07.000Z');
      expect(new Date(cert.validTo).toISOString()).toBe('2031-04-03T05:06:07.000Z');
    }
  });

  it('uses GeneralizedTime past 2049 and serials differ between runs', async () => {
    const a = await createDevPki({ alg: 'ES256', now: new Date('2049-12-01T00:00:00Z'), validDays: 60 });
    const b = await createDevPki({ alg: 'ES256', now: new Date('2049-12-01T00:00:00Z'), validDays: 60 });
    const cert = new X509Certificate(a.hubCertPem);
    expect(new Date(cert.validTo).toISOString()).toBe('2050-01-30T00:00:00.000Z');
    expect(cert.verify(new X509Certificate(a.caCertPem).publicKey)).toBe(true);
    expect(cert.serialNumber).not.toBe(new X509Certificate(b.hubCertPem).serialNumber);
  });
});

describe('writeDevPki', () => {
  it('writes the five files, private keys 0600', async () => {
    const { pki, dir, paths } = await writtenPki('ES256');
    expect(paths).toEqual({
      caCertPath: `${dir}/ca.pem`,
      caKeyPath: `${dir}/ca-key.pem`,
      hubCertPath: `${dir}/hub-cert.pem`,
      hubKeyPath: `${dir}/hub-key.pem`,
      chainPath: `${dir}/hub-chain.pem`,
    });
    expect(await readFile(paths.chainPath, 'utf8')).toBe(pki.chainPem);
    expect(await readFile(paths.hubKeyPath, 'utf8')).toBe(pki.hubKeyPem);
    expect((await stat(paths.hubKeyPath)).mode & 0o777).toBe(0o600);
    expect((await stat(paths.caKeyPath)).mode & 0o777).toBe(0o600);
  });

  it('refuses to overwrite existing files unless forced, and then tightens key modes', async () => {
    const { dir, paths } = await writtenPki('ES256');
    const other = await createDevPki({ alg: 'RS256' });
    await expect(writeDevPki(dir, other)).rejects.toThrow(/Refusing to overwrite .*ca\.pem/);
    expect(await readFile(paths.hubKeyPath, 'utf8')).not.toBe(other.hubKeyPem);
    await chmod(paths.hubKeyPath, 0o644);
    await writeDevPki(dir, other, { force: true });
    expect(await readFile(paths.hubKeyPath, 'utf8')).toBe(other.hubKeyPem);
    expect((await stat(paths.hubKeyPath)).mode & 0o777).toBe(0o600);
  });
});

describe('issueDevCertificate', () => {
  it('issues from an existing CA (non-ASCII name kept byte for byte) a TSA certificate with critical extendedKeyUsage timeStamping', async () => {
    const { pki, dir, paths } = await writtenPki('ES256');
    const tsa = await issueDevCertificate(pki, { alg: 'ES256', organisation: 'Bộ Nội vụ', commonName: 'TSA thử nghiệm', extendedKeyUsage: 'timeStamping' });
    const tsaPath = `${dir}/tsa.pem`;
    await writeFile(tsaPath, tsa.certPem);
    expect(new X509Certificate(tsa.certPem).issuer).toBe(new X509Certificate(pki.caCertPem).subject);
    expect(openssl(['verify', '-CAfile', paths.caCertPath, '-purpose', 'timestampsign', tsaPath])).toContain(': OK');
    expect(openssl(['x509', '-in', tsaPath, '-noout', '-text'])).toMatch(/Extended Key Usage: critical\s+Time Stamping/);
    // A hub key issued the same way is no TSA.
    const hub = await issueDevCertificate(pki, { alg: 'RS256', commonName: 'hub 2' });
    await writeFile(tsaPath, hub.certPem);
    expect(() => openssl(['verify', '-CAfile', paths.caCertPath, '-purpose', 'timestampsign', tsaPath])).toThrow(/unsupported certificate purpose|unsuitable certificate purpose/);
    expect(new X509Certificate(hub.certPem).checkPrivateKey(createPrivateKey(hub.keyPem))).toBe(true);
  });
});
