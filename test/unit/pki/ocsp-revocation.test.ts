import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { OcspCertStatus, OcspResponderSpec } from '../../../src/crypto/pki/answer-ocsp-request.js';
import { createCertificateTrustStore, type CertificateTrustStore } from '../../../src/crypto/pki/certificate-trust-store.js';
import type { CertificateVerification, RevocationEvidence } from '../../../src/crypto/pki/certificate-verification.js';
import { createCertificateVerifier, type RevocationSettings } from '../../../src/crypto/pki/certificate-verifier.js';
import { startRevocationSimulator, type RevocationSimulator } from '../../../src/crypto/pki/revocation-simulator.js';
import { createTestPki, type TestPki } from '../../helpers/test-pki.js';

const HOUR = 3_600_000;

let sim: RevocationSimulator;
let pki: TestPki;
let store: CertificateTrustStore;
let clock: Date;
let statuses: Map<string, OcspCertStatus>;

beforeAll(async () => {
  clock = new Date();
  sim = await startRevocationSimulator({ now: () => clock });
  pki = await createTestPki({ now: clock, urls: { ocsp: sim.ocspUrl('aia') } });
  store = createCertificateTrustStore({ anchors: [{ name: 'root.pem', pem: pki.anchorsPem }], intermediates: [{ name: 'intermediate.pem', pem: pki.intermediatesPem }] });
  // The intermediate's own status comes from the root's CRL.
  sim.publishCrl('root', await pki.crl({ issuer: pki.root, revoked: [], nextUpdate: new Date(pki.now.getTime() + 7 * 24 * HOUR) }));
});
afterAll(() => sim.close());
beforeEach(() => {
  clock = pki.now;
  statuses = new Map([
    [pki.leaves.client.serial, { status: 'good' }],
    [pki.leaves.revoked.serial, { status: 'revoked', revokedAt: new Date(pki.now.getTime() - HOUR), reason: 'keyCompromise' }],
  ]);
});

/** The intermediate's responder: the CA itself signs unless told otherwise; serials not listed are unknown. */
function responder(overrides: Partial<OcspResponderSpec> = {}): OcspResponderSpec {
  return {
    issuer: pki.intermediate.cert,
    signer: { cert: pki.intermediate.cert, key: pki.intermediate.key },
    statusOf: (serial) => statuses.get(serial) ?? { status: 'unknown' },
    validForMs: HOUR,
    ...overrides,
  };
}

let n = 0;
function serve(spec: OcspResponderSpec): string {
  const name = `ocsp-${++n}`;
  sim.serveOcsp(name, spec);
  return name;
}

function verifierWith(settings: Partial<RevocationSettings>) {
  return createCertificateVerifier({
    store,
    revocation: {
      policy: 'require', crlFromCertificates: false, ocspFromCertificates: false, refreshMs: 6 * HOUR, retryMs: 60_000, timeoutMs: 1_000, maxCrlBytes: 1 << 20,
      ...settings, crlSources: [...(settings.crlSources ?? []), sim.crlUrl('root')],
    },
    now: () => clock,
  });
}

const leafEvidence = (result: CertificateVerification): RevocationEvidence | undefined => result.revocation.evidence.find((e) => e.certificate === result.sha256);
const failureOf = (result: CertificateVerification) => (result.ok ? undefined : result.failure);

describe('revocation by OCSP', () => {
  it('accepts a good certificate and records the signed answer (nonce echoed)', async () => {
    const name = serve(responder());
    const result = await verifierWith({ ocspResponder: sim.ocspUrl(name) }).verify(pki.leaves.client.cert, { purpose: 'client-auth' });
    expect(failureOf(result)).toBeUndefined();
    expect(leafEvidence(result)).toEqual({
      certificate: pki.leaves.client.sha256, method: 'ocsp', status: 'good', responder: sim.ocspUrl(name),
      responderSubject: 'C=VN, O=lienthong (test PKI), CN=Test Issuing CA', nonce: true,
      producedAt: pki.now.toISOString(), thisUpdate: pki.now.toISOString(), nextUpdate: new Date(pki.now.getTime() + HOUR).toISOString(),
    });
  });

  it('refuses a certificate the responder says is revoked', async () => {
    const name = serve(responder());
    const result = await verifierWith({ ocspResponder: sim.ocspUrl(name) }).verify(pki.leaves.revoked.cert, { purpose: 'client-auth' });
    expect(failureOf(result)).toMatchObject({ kind: 'revoked', detail: expect.stringContaining(`per OCSP ${sim.ocspUrl(name)}`) });
    expect(leafEvidence(result)).toMatchObject({ status: 'revoked', revocation: { reason: 'keyCompromise', revokedAt: new Date(pki.now.getTime() - HOUR).toISOString() } });
  });

  it('falls back to the CRL when the responder does not know the certificate', async () => {
    const name = serve(responder());
    sim.publishCrl(`${name}-crl`, await pki.crl({ revoked: [] }));
    const withoutCrl = await verifierWith({ ocspResponder: sim.ocspUrl(name) }).verify(pki.leaves.signer.cert, { purpose: 'document-signing' });
    expect(failureOf(withoutCrl)).toMatchObject({ kind: 'revocation-unknown', detail: expect.stringContaining('does not know the certificate') });
    const withCrl = await verifierWith({ ocspResponder: sim.ocspUrl(name), crlSources: [sim.crlUrl(`${name}-crl`)] }).verify(pki.leaves.signer.cert, { purpose: 'document-signing' });
    expect(withCrl.ok).toBe(true);
    expect(leafEvidence(withCrl)).toMatchObject({ method: 'crl', status: 'good' });
  });

  it('accepts answers of a delegated responder (id-kp-OCSPSigning) and names it', async () => {
    const name = serve(responder({ signer: { cert: pki.leaves.ocspResponder.cert, key: pki.leaves.ocspResponder.key } }));
    const result = await verifierWith({ ocspResponder: sim.ocspUrl(name) }).verify(pki.leaves.client.cert, { purpose: 'client-auth' });
    expect(result.ok).toBe(true);
    expect(leafEvidence(result)).toMatchObject({ method: 'ocsp', responderSubject: 'C=VN, O=lienthong (test PKI), CN=Test Issuing CA OCSP responder' });
  });

  it('does not trust answers signed by anyone else', async () => {
    const byClient = serve(responder({ signer: { cert: pki.leaves.otherClient.cert, key: pki.leaves.otherClient.key } }));
    const byRogue = serve(responder({ signer: { cert: pki.rogueRoot.cert, key: pki.rogueRoot.key } }));
    for (const name of [byClient, byRogue]) {
      const result = await verifierWith({ ocspResponder: sim.ocspUrl(name) }).verify(pki.leaves.revoked.cert, { purpose: 'client-auth' });
      expect(failureOf(result)).toMatchObject({ kind: 'revocation-unknown', detail: expect.stringContaining('is not signed by "C=VN, O=lienthong (test PKI), CN=Test Issuing CA" or a responder it authorised') });
    }
  });

  it('asks the responder named in the certificate (AIA) when allowed', async () => {
    sim.serveOcsp('aia', responder());
    const before = sim.requestCount('aia');
    expect(failureOf(await verifierWith({ ocspFromCertificates: true }).verify(pki.leaves.revoked.cert, { purpose: 'client-auth' }))?.kind).toBe('revoked');
    expect(sim.requestCount('aia')).toBe(before + 1);
    expect(failureOf(await verifierWith({}).verify(pki.leaves.revoked.cert, { purpose: 'client-auth' }))?.kind).toBe('revocation-unknown');
    expect(sim.requestCount('aia')).toBe(before + 1);
  });

  it('reuses an answer until its nextUpdate', async () => {
    const name = serve(responder());
    const verifier = verifierWith({ ocspResponder: sim.ocspUrl(name) });
    await verifier.verify(pki.leaves.client.cert, { purpose: 'client-auth' });
    // The configured responder is asked about the intermediate too (it answers unknown: the root's CRL speaks).
    const asked = sim.requestCount(name);
    await verifier.verify(pki.leaves.client.cert, { purpose: 'client-auth' });
    expect(sim.requestCount(name)).toBe(asked);
    statuses.set(pki.leaves.client.serial, { status: 'revoked', revokedAt: new Date(pki.now.getTime() + 30 * 60_000), reason: 'affiliationChanged' });
    clock = new Date(pki.now.getTime() + HOUR + 1_000);
    const later = await verifier.verify(pki.leaves.client.cert, { purpose: 'client-auth' });
    expect(sim.requestCount(name)).toBe(2 * asked);
    expect(failureOf(later)).toMatchObject({ kind: 'revoked', detail: expect.stringContaining('affiliationChanged') });
  });

  it('accepts an answer without a nonce (pre-produced) and records that', async () => {
    const name = serve(responder({ echoNonce: false }));
    const result = await verifierWith({ ocspResponder: sim.ocspUrl(name) }).verify(pki.leaves.client.cert, { purpose: 'client-auth' });
    expect(result.ok).toBe(true);
    expect(leafEvidence(result)).toMatchObject({ method: 'ocsp', nonce: false });
  });

  it('gives up on a responder that is down or slow within the timeout', async () => {
    const down = serve(responder());
    sim.setBehaviour(down, { mode: 'down' });
    const slow = serve(responder());
    sim.setBehaviour(slow, { mode: 'slow', delayMs: 3_000 });
    const started = Date.now();
    const [a, b] = await Promise.all([
      verifierWith({ ocspResponder: sim.ocspUrl(down) }).verify(pki.leaves.client.cert, { purpose: 'client-auth' }),
      verifierWith({ ocspResponder: sim.ocspUrl(slow), timeoutMs: 300 }).verify(pki.leaves.client.cert, { purpose: 'client-auth' }),
    ]);
    expect(failureOf(a)?.kind).toBe('revocation-unknown');
    expect(failureOf(b)).toMatchObject({ kind: 'revocation-unknown', detail: expect.stringContaining('did not answer within 300 ms') });
    expect(Date.now() - started).toBeLessThan(1_500);
    const prefer = await verifierWith({ policy: 'prefer', ocspResponder: sim.ocspUrl(down) }).verify(pki.leaves.client.cert, { purpose: 'client-auth' });
    expect(prefer.ok).toBe(true);
    expect(leafEvidence(prefer)).toMatchObject({ method: 'none', reasons: [expect.stringContaining(sim.ocspUrl(down))] });
  });
});
