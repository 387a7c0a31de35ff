import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { certificateFacts } from '../../../src/crypto/pki/certificate-facts.js';
import { createCertificateTrustStore, type CertificateTrustStore } from '../../../src/crypto/pki/certificate-trust-store.js';
import type { CertificateVerification, RevocationEvidence, RevocationPolicy } from '../../../src/crypto/pki/certificate-verification.js';
import { createCertificateVerifier, type RevocationSettings } from '../../../src/crypto/pki/certificate-verifier.js';
import { startRevocationSimulator, type RevocationSimulator } from '../../../src/crypto/pki/revocation-simulator.js';
import { createTestPki, type TestPki } from '../../helpers/test-pki.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

let sim: RevocationSimulator;
let pki: TestPki;
let store: CertificateTrustStore;
let dir: string;
let clock: Date;
let name = 0;
/** A fresh simulator path per test, so request counts start at zero. */
let crlName: string;

beforeAll(async () => {
  sim = await startRevocationSimulator();
  // Certificates point at a distribution point that each test publishes under `cdp`.
  pki = await createTestPki({ urls: { intermediateCrl: `${sim.url}/crl/cdp`, rootCrl: `${sim.url}/crl/root-cdp` } });
  store = createCertificateTrustStore({ anchors: [{ name: 'root.pem', pem: pki.anchorsPem }], intermediates: [{ name: 'intermediate.pem', pem: pki.intermediatesPem }] });
  dir = await mkdtemp(join(tmpdir(), 'lienthong-crl-'));
  // The intermediate's own status: the root's CRL, revoking nothing, valid for a week.
  sim.publishCrl('root', await pki.crl({ issuer: pki.root, revoked: [], nextUpdate: new Date(pki.now.getTime() + 7 * DAY) }));
});
afterAll(async () => {
  await sim.close();
  await rm(dir, { recursive: true, force: true });
});
beforeEach(() => {
  clock = pki.now;
  crlName = `crl-${++name}`;
});

/** A verifier with `settings`; the root's CRL is always among the sources. */
function verifierWith(settings: Partial<RevocationSettings> & { policy: RevocationPolicy }) {
  return createCertificateVerifier({
    store,
    revocation: {
      crlFromCertificates: false, ocspFromCertificates: false, refreshMs: 6 * HOUR, retryMs: 60_000, timeoutMs: 1_000, maxCrlBytes: 1 << 20,
      ...settings, crlSources: [...(settings.crlSources ?? []), sim.crlUrl('root')],
    },
    now: () => clock,
  });
}

const leafEvidence = (result: CertificateVerification): RevocationEvidence | undefined => result.revocation.evidence.find((e) => e.certificate === result.sha256);
const failureOf = (result: CertificateVerification) => (result.ok ? undefined : result.failure);

describe('revocation by CRL', () => {
  it('refuses a revoked certificate and records the CRL that says so', async () => {
    sim.publishCrl(crlName, await pki.crl({ crlNumber: 7 }));
    const verifier = verifierWith({ policy: 'require', crlSources: [sim.crlUrl(crlName)] });
    const revoked = await verifier.verify(pki.leaves.revoked.cert, { purpose: 'client-auth' });
    expect(failureOf(revoked)).toMatchObject({ kind: 'revoked', detail: expect.stringContaining('keyCompromise') });
    expect(leafEvidence(revoked)).toMatchObject({ method: 'crl', status: 'revoked', source: sim.crlUrl(crlName), crlNumber: '7', stale: false, revocation: { reason: 'keyCompromise' } });
    const good = await verifier.verify(pki.leaves.client.cert, { purpose: 'client-auth' });
    expect(good.ok).toBe(true);
    expect(leafEvidence(good)).toMatchObject({ method: 'crl', status: 'good', crlNumber: '7', thisUpdate: expect.any(String), nextUpdate: expect.any(String) });
    // The intermediate is checked too, against the root's CRL; the anchor is not.
    expect(good.revocation.evidence.map((e) => [e.certificate, e.method === 'crl' ? e.source : e.method])).toEqual([
      [pki.leaves.client.sha256, sim.crlUrl(crlName)],
      [good.path[1]!.sha256, sim.crlUrl('root')],
    ]);
  });

  it('under require, refuses a certificate whose intermediate has no CRL', async () => {
    sim.publishCrl(crlName, await pki.crl());
    const verifier = createCertificateVerifier({
      store, now: () => clock,
      revocation: { policy: 'require', crlSources: [sim.crlUrl(crlName)], crlFromCertificates: false, ocspFromCertificates: false, refreshMs: HOUR, retryMs: 60_000, timeoutMs: 1_000, maxCrlBytes: 1 << 20 },
    });
    const result = await verifier.verify(pki.leaves.client.cert, { purpose: 'client-auth' });
    expect(failureOf(result)).toMatchObject({ kind: 'revocation-unknown', detail: expect.stringContaining('"C=VN, O=lienthong (test PKI), CN=Test Issuing CA": no CRL or OCSP source answers') });
  });

  it('counts a revocation only from its date: a signature checked for an earlier time is not refused', async () => {
    sim.publishCrl(crlName, await pki.crl({ revoked: [{ serial: pki.leaves.revoked.serial, revokedAt: new Date(pki.now.getTime() - 10 * 60_000) }] }));
    const verifier = verifierWith({ policy: 'require', crlSources: [sim.crlUrl(crlName)] });
    const before = await verifier.verify(pki.leaves.revoked.cert, { purpose: 'client-auth', at: new Date(pki.now.getTime() - 30 * 60_000) });
    expect(before.ok).toBe(true);
    expect(leafEvidence(before)).toMatchObject({ method: 'crl', status: 'good' });
    expect(failureOf(await verifier.verify(pki.leaves.revoked.cert, { purpose: 'client-auth' }))?.kind).toBe('revoked');
  });

  it('reads CRLs from files', async () => {
    const file = join(dir, 'issuing-ca.crl');
    await writeFile(file, await pki.crl());
    const verifier = verifierWith({ policy: 'require', crlSources: [file] });
    expect(failureOf(await verifier.verify(pki.leaves.revoked.cert, { purpose: 'client-auth' }))?.kind).toBe('revoked');
    expect(leafEvidence(await verifier.verify(pki.leaves.client.cert, { purpose: 'client-auth' }))).toMatchObject({ source: file, status: 'good' });
  });

  it('keeps a CRL in memory until its nextUpdate, then loads it again', async () => {
    sim.publishCrl(crlName, await pki.crl({ crlNumber: 1, nextUpdate: new Date(pki.now.getTime() + HOUR) }));
    const verifier = verifierWith({ policy: 'require', crlSources: [sim.crlUrl(crlName)] });
    await verifier.verify(pki.leaves.client.cert, { purpose: 'client-auth' });
    await verifier.verify(pki.leaves.signer.cert, { purpose: 'document-signing' });
    expect(sim.requestCount(crlName)).toBe(1);

    sim.publishCrl(crlName, await pki.crl({ crlNumber: 2, thisUpdate: new Date(pki.now.getTime() + HOUR), nextUpdate: new Date(pki.now.getTime() + 3 * HOUR) }));
    clock = new Date(pki.now.getTime() + 30 * 60_000);
    expect(leafEvidence(await verifier.verify(pki.leaves.client.cert, { purpose: 'client-auth' }))).toMatchObject({ crlNumber: '1' });
    expect(sim.requestCount(crlName)).toBe(1);

    clock = new Date(pki.now.getTime() + HOUR + 1_000);
    expect(leafEvidence(await verifier.verify(pki.leaves.client.cert, { purpose: 'client-auth' }))).toMatchObject({ crlNumber: '2', stale: false });
    expect(sim.requestCount(crlName)).toBe(2);
  });

  it('loads a CRL again after the refresh interval even when its nextUpdate is later', async () => {
    sim.publishCrl(crlName, await pki.crl({ crlNumber: 1, nextUpdate: new Date(pki.now.getTime() + 7 * DAY) }));
    const verifier = verifierWith({ policy: 'require', crlSources: [sim.crlUrl(crlName)], refreshMs: HOUR });
    await verifier.verify(pki.leaves.client.cert, { purpose: 'client-auth' });
    sim.publishCrl(crlName, await pki.crl({ crlNumber: 2, revoked: [{ serial: pki.leaves.client.serial, revokedAt: pki.now, reason: 'superseded' }] }));
    clock = new Date(pki.now.getTime() + HOUR + 1);
    const result = await verifier.verify(pki.leaves.client.cert, { purpose: 'client-auth' });
    expect(failureOf(result)?.kind).toBe('revoked');
    expect(leafEvidence(result)).toMatchObject({ crlNumber: '2', revocation: { reason: 'superseded' } });
    expect(sim.requestCount(crlName)).toBe(2);
  });

  it('fetches a CRL once for verifications that need it at the same time', async () => {
    sim.publishCrl(crlName, await pki.crl());
    sim.setBehaviour(crlName, { mode: 'slow', delayMs: 100 });
    const verifier = verifierWith({ policy: 'require', crlSources: [sim.crlUrl(crlName)] });
    const results = await Promise.all(Array.from({ length: 8 }, () => verifier.verify(pki.leaves.client.cert, { purpose: 'client-auth' })));
    expect(results.every((r) => r.ok)).toBe(true);
    expect(sim.requestCount(crlName)).toBe(1);
  });

  it('with an unreachable CRL: off accepts without evidence, prefer accepts and records why, require refuses', async () => {
    sim.setBehaviour(crlName, { mode: 'down' });
    const sources = [sim.crlUrl(crlName)];
    const off = await verifierWith({ policy: 'off', crlSources: sources }).verify(pki.leaves.client.cert, { purpose: 'client-auth' });
    expect(off).toMatchObject({ ok: true, revocation: { policy: 'off', evidence: [] } });
    expect(sim.requestCount(crlName)).toBe(0);

    const prefer = await verifierWith({ policy: 'prefer', crlSources: sources }).verify(pki.leaves.client.cert, { purpose: 'client-auth' });
    expect(prefer.ok).toBe(true);
    expect(leafEvidence(prefer)).toMatchObject({ method: 'none', status: 'unknown', reasons: [expect.stringContaining(sim.crlUrl(crlName))] });

    const started = Date.now();
    const require = await verifierWith({ policy: 'require', crlSources: sources, timeoutMs: 500 }).verify(pki.leaves.client.cert, { purpose: 'client-auth' });
    expect(failureOf(require)).toMatchObject({ kind: 'revocation-unknown', detail: expect.stringContaining(sim.crlUrl(crlName)) });
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('a CRL that does not answer in time counts as unreachable, within the timeout', async () => {
    sim.publishCrl(crlName, await pki.crl());
    sim.setBehaviour(crlName, { mode: 'slow', delayMs: 3_000 });
    const started = Date.now();
    const result = await verifierWith({ policy: 'require', crlSources: [sim.crlUrl(crlName)], timeoutMs: 300 }).verify(pki.leaves.client.cert, { purpose: 'client-auth' });
    expect(failureOf(result)).toMatchObject({ kind: 'revocation-unknown', detail: expect.stringContaining('did not answer within 300 ms') });
    expect(Date.now() - started).toBeLessThan(1_500);
  });

  it('retries a failed source only after the retry interval, keeping the last good CRL (stale under prefer)', async () => {
    sim.publishCrl(crlName, await pki.crl({ nextUpdate: new Date(pki.now.getTime() + HOUR) }));
    const prefer = verifierWith({ policy: 'prefer', crlSources: [sim.crlUrl(crlName)], retryMs: 10 * 60_000 });
    const require = verifierWith({ policy: 'require', crlSources: [sim.crlUrl(crlName)], retryMs: 10 * 60_000 });
    await prefer.verify(pki.leaves.client.cert, { purpose: 'client-auth' });
    await require.verify(pki.leaves.client.cert, { purpose: 'client-auth' });
    sim.setBehaviour(crlName, { mode: 'fail', status: 503 });
    clock = new Date(pki.now.getTime() + 2 * HOUR);

    const stale = await prefer.verify(pki.leaves.client.cert, { purpose: 'client-auth' });
    expect(stale.ok).toBe(true);
    expect(leafEvidence(stale)).toMatchObject({ method: 'crl', status: 'good', stale: true });
    // A stale CRL still proves a revocation.
    expect(failureOf(await prefer.verify(pki.leaves.revoked.cert, { purpose: 'client-auth' }))?.kind).toBe('revoked');
    expect(failureOf(await require.verify(pki.leaves.client.cert, { purpose: 'client-auth' }))).toMatchObject({ kind: 'revocation-unknown', detail: expect.stringContaining('HTTP 503') });
    expect(failureOf(await require.verify(pki.leaves.revoked.cert, { purpose: 'client-auth' }))?.kind).toBe('revoked');
    const afterFailure = sim.requestCount(crlName);
    expect(afterFailure).toBe(4); // two initial loads, one failed refresh per verifier

    await prefer.verify(pki.leaves.client.cert, { purpose: 'client-auth' });
    expect(sim.requestCount(crlName)).toBe(afterFailure);
    sim.setBehaviour(crlName, { mode: 'ok' });
    sim.publishCrl(crlName, await pki.crl({ crlNumber: 3, thisUpdate: clock, nextUpdate: new Date(clock.getTime() + HOUR) }));
    clock = new Date(clock.getTime() + 10 * 60_000 + 1);
    expect(leafEvidence(await prefer.verify(pki.leaves.client.cert, { purpose: 'client-auth' }))).toMatchObject({ crlNumber: '3', stale: false });
  });

  it('does not trust a CRL whose signature does not verify', async () => {
    sim.publishCrl(crlName, await pki.crl({ signWith: pki.rogueRoot.key }));
    const require = await verifierWith({ policy: 'require', crlSources: [sim.crlUrl(crlName)] }).verify(pki.leaves.revoked.cert, { purpose: 'client-auth' });
    expect(failureOf(require)).toMatchObject({ kind: 'revocation-unknown', detail: expect.stringContaining('signature does not verify') });
    const prefer = await verifierWith({ policy: 'prefer', crlSources: [sim.crlUrl(crlName)] }).verify(pki.leaves.revoked.cert, { purpose: 'client-auth' });
    expect(prefer.ok).toBe(true);
    expect(leafEvidence(prefer)).toMatchObject({ method: 'none', reasons: [expect.stringContaining('signature does not verify')] });
  });

  it('follows the certificates\' CRL distribution points only when allowed, and checks the intermediate too', async () => {
    sim.publishCrl('cdp', await pki.crl());
    sim.publishCrl('root-cdp', await pki.crl({ issuer: pki.root, revoked: [] }));
    const allowed = createCertificateVerifier({
      store, now: () => clock,
      revocation: { policy: 'require', crlSources: [], crlFromCertificates: true, ocspFromCertificates: false, refreshMs: HOUR, retryMs: 60_000, timeoutMs: 1_000, maxCrlBytes: 1 << 20 },
    });
    expect(failureOf(await allowed.verify(pki.leaves.revoked.cert, { purpose: 'client-auth' }))?.kind).toBe('revoked');
    const good = await allowed.verify(pki.leaves.client.cert, { purpose: 'client-auth' });
    expect(good.ok).toBe(true);
    expect(good.revocation.evidence.map((e) => [e.method, e.status, e.method === 'crl' ? e.source : ''])).toEqual([
      ['crl', 'good', `${sim.url}/crl/cdp`],
      ['crl', 'good', `${sim.url}/crl/root-cdp`],
    ]);
    const notAllowed = await verifierWith({ policy: 'require' }).verify(pki.leaves.revoked.cert, { purpose: 'client-auth' });
    expect(failureOf(notAllowed)?.kind).toBe('revocation-unknown');
  });

  it('refuses a certificate whose intermediate CA is revoked', async () => {
    sim.publishCrl(crlName, await pki.crl({ revoked: [] }));
    sim.publishCrl(`${crlName}-root`, await pki.crl({ issuer: pki.root, crlNumber: 9, thisUpdate: new Date(pki.now.getTime() - 1_000), revoked: [{ serial: certificateFacts(pki.intermediate.cert).serial, reason: 'cACompromise' }] }));
    // Two CRLs of the root: the most recent one (cRLNumber 9) speaks.
    const result = await verifierWith({ policy: 'prefer', crlSources: [sim.crlUrl(crlName), sim.crlUrl(`${crlName}-root`)] }).verify(pki.leaves.client.cert, { purpose: 'client-auth' });
    expect(failureOf(result)).toMatchObject({ kind: 'revoked', detail: expect.stringContaining('Test Issuing CA') });
  });
});
