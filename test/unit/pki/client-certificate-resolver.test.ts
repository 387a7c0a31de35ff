import pino from 'pino';
import { beforeAll, describe, expect, it } from 'vitest';
import { findCertificateMapping, normaliseDn } from '../../../src/auth/certificate-agency-map.js';
import { createClientCertificateResolver } from '../../../src/auth/client-certificates.js';
import { certificateFacts } from '../../../src/crypto/pki/certificate-facts.js';
import { createCertificateTrustStore } from '../../../src/crypto/pki/certificate-trust-store.js';
import { createCertificateVerifier, type CertificateVerifier } from '../../../src/crypto/pki/certificate-verifier.js';
import { isHubError } from '../../../src/errors.js';
import { createTestPki, type TestPki } from '../../helpers/test-pki.js';

const G22 = '000.00.00.G22';
const ISSUING_CA = 'C=VN, O=lienthong (test PKI), CN=Test Issuing CA';
let pki: TestPki;
let verifier: CertificateVerifier;

beforeAll(async () => {
  pki = await createTestPki();
  const store = createCertificateTrustStore({ anchors: [{ name: 'root.pem', pem: pki.anchorsPem }], intermediates: [{ name: 'i.pem', pem: pki.intermediatesPem }] });
  verifier = createCertificateVerifier({
    store, now: () => pki.now,
    revocation: { policy: 'off', crlSources: [], crlFromCertificates: false, ocspFromCertificates: false, refreshMs: 60_000, retryMs: 60_000, timeoutMs: 1_000, maxCrlBytes: 1 << 20 },
  });
});

/** The verifier, counting its calls. */
function counting(): { verifier: CertificateVerifier; calls: () => number } {
  let calls = 0;
  return { verifier: { store: verifier.store, verify: (leaf, opts) => { calls += 1; return verifier.verify(leaf, opts); } }, calls: () => calls };
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    if (isHubError(err)) return `${err.statusCode} ${err.code}`;
    throw err;
  }
  throw new Error('resolved');
}

describe('certificate → agency mapping', () => {
  it('compares DNs without regard to spacing around separators or attribute case', () => {
    expect(normaliseDn('c = VN ,O=Văn phòng Chính phủ,  cn=eoffice')).toBe(normaliseDn('C=VN, O=Văn phòng Chính phủ, CN=eoffice'));
    expect(normaliseDn('C=VN, CN=a')).not.toBe(normaliseDn('C=VN, CN=b'));
    // openssl escapes a comma inside a value; Node prints it bare.
    expect(normaliseDn('C=VN, O=Bộ Tư pháp\\, Cục Hộ tịch, CN=x')).toBe(normaliseDn('C=VN, O=Bộ Tư pháp, Cục Hộ tịch, CN=x'));
  });

  it('matches by fingerprint, or by subject and issuer — never by subject alone', () => {
    const client = certificateFacts(pki.leaves.client.cert);
    const rogue = certificateFacts(pki.leaves.unknownIssuer.cert);
    const mappings = [
      { id: 'pinned', agency: G22, sha256: pki.leaves.signer.sha256 },
      { id: 'by-name', agency: G22, subject: 'C=VN,O=lienthong (test PKI),CN=client.g22.test', issuer: ISSUING_CA },
    ];
    expect(client.subject).toBe(rogue.subject);
    expect(findCertificateMapping(mappings, client)?.id).toBe('by-name');
    expect(findCertificateMapping(mappings, rogue)).toBeUndefined();
    expect(findCertificateMapping(mappings, certificateFacts(pki.leaves.signer.cert))?.id).toBe('pinned');
  });
});

describe('client certificate resolver', () => {
  it('gives the mapped agency as principal, with the verification record', async () => {
    const resolver = createClientCertificateResolver({ verifier, mappings: [{ id: 'g22', agency: G22, sha256: pki.leaves.client.sha256 }], cacheMs: 0, log: pino({ level: 'silent' }) });
    const sender = await resolver.resolve({ leaf: pki.leaves.client.cert, chain: [] });
    expect(sender.principal).toEqual({ kind: 'agency', agency: G22, keyId: `cert:${pki.leaves.client.sha256.slice(0, 16)}` });
    expect(sender.verification).toMatchObject({ ok: true, purpose: 'client-auth', sha256: pki.leaves.client.sha256 });
  });

  it('answers refused and unmapped certificates with their codes', async () => {
    const resolver = createClientCertificateResolver({ verifier, mappings: [], cacheMs: 0, log: pino({ level: 'silent' }) });
    expect(await codeOf(resolver.resolve({ leaf: pki.leaves.client.cert, chain: [] }))).toBe('403 HUB_ERR_CERT_UNMAPPED');
    expect(await codeOf(resolver.resolve({ leaf: pki.leaves.expired.cert, chain: [] }))).toBe('401 HUB_ERR_CERT_EXPIRED');
    expect(await codeOf(resolver.resolve({ leaf: pki.leaves.unknownIssuer.cert, chain: [pki.rogueRoot.cert] }))).toBe('401 HUB_ERR_CERT_UNKNOWN_ISSUER');
  });

  it('reuses an answer for cacheMs per certificate and chain, and shares one verification between concurrent requests', async () => {
    let clock = 0;
    const { verifier: counted, calls } = counting();
    const resolver = createClientCertificateResolver({ verifier: counted, mappings: [{ id: 'g22', agency: G22, sha256: pki.leaves.client.sha256 }], cacheMs: 1_000, log: pino({ level: 'silent' }), now: () => clock });
    await Promise.all(Array.from({ length: 5 }, () => resolver.resolve({ leaf: pki.leaves.client.cert, chain: [] })));
    expect(calls()).toBe(1);
    expect(await codeOf(resolver.resolve({ leaf: pki.leaves.expired.cert, chain: [] }))).toBe('401 HUB_ERR_CERT_EXPIRED');
    expect(await codeOf(resolver.resolve({ leaf: pki.leaves.expired.cert, chain: [] }))).toBe('401 HUB_ERR_CERT_EXPIRED');
    expect(calls()).toBe(2);
    await resolver.resolve({ leaf: pki.leaves.client.cert, chain: [pki.intermediate.cert] });
    expect(calls()).toBe(3);
    clock = 1_001;
    await resolver.resolve({ leaf: pki.leaves.client.cert, chain: [] });
    expect(calls()).toBe(4);
  });
});
