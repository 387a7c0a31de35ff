import forge from 'node-forge';
import { beforeAll, describe, expect, it } from 'vitest';
import { certificateError } from '../../../src/crypto/pki/certificate-error.js';
import { createCertificateTrustStore, type CertificateTrustStore } from '../../../src/crypto/pki/certificate-trust-store.js';
import type { CertificateVerification } from '../../../src/crypto/pki/certificate-verification.js';
import { createCertificateVerifier, type CertificateVerifier, type RevocationSettings } from '../../../src/crypto/pki/certificate-verifier.js';
import { createTestPki, type TestPki } from '../../helpers/test-pki.js';

const NO_REVOCATION: RevocationSettings = {
  policy: 'off', crlSources: [], crlFromCertificates: false, ocspFromCertificates: false,
  refreshMs: 3_600_000, retryMs: 60_000, timeoutMs: 2_000, maxCrlBytes: 1 << 20,
};

let pki: TestPki;
let store: CertificateTrustStore;
let verifier: CertificateVerifier;

beforeAll(async () => {
  pki = await createTestPki();
  store = createCertificateTrustStore({ anchors: [{ name: 'root.pem', pem: pki.anchorsPem }], intermediates: [{ name: 'intermediate.pem', pem: pki.intermediatesPem }] });
  verifier = createCertificateVerifier({ store, revocation: NO_REVOCATION, now: () => pki.now });
});

const failureOf = (result: CertificateVerification): { kind: string; detail: string } | undefined => (result.ok ? undefined : result.failure);

describe('certificate verifier: path, validity, usage', () => {
  it('accepts a client certificate that chains to the anchor and records the path', async () => {
    const result = await verifier.verify(pki.leaves.client.cert, { purpose: 'client-auth' });
    expect(failureOf(result)).toBeUndefined();
    expect(result.path.map((p) => p.subject)).toEqual([
      'C=VN, O=lienthong (test PKI), CN=client.g22.test',
      'C=VN, O=lienthong (test PKI), CN=Test Issuing CA',
      'C=VN, O=lienthong (test PKI), CN=Test Root CA',
    ]);
    expect(result.path[0]!.sha256).toBe(pki.leaves.client.sha256);
    expect(result.sha256).toBe(pki.leaves.client.sha256);
    expect(result.revocation).toEqual({ policy: 'off', evidence: [] });
    // The record is plain JSON: stored as it is.
    expect(JSON.parse(JSON.stringify(result))).toEqual(result);
  });

  it('builds the path through an intermediate the peer sends when the store lacks it', async () => {
    const rootOnly = createCertificateVerifier({ store: createCertificateTrustStore({ anchors: [{ name: 'root.pem', pem: pki.anchorsPem }] }), revocation: NO_REVOCATION, now: () => pki.now });
    expect(failureOf(await rootOnly.verify(pki.leaves.client.cert, { purpose: 'client-auth' }))?.kind).toBe('unknown-issuer');
    const withChain = await rootOnly.verify(pki.leaves.client.cert, { purpose: 'client-auth', extraCertificates: [pki.intermediate.cert] });
    expect(withChain.ok).toBe(true);
    expect(withChain.path).toHaveLength(3);
  });

  it('refuses a certificate of an unknown issuer, even one with the same subject', async () => {
    const result = await verifier.verify(pki.leaves.unknownIssuer.cert, { purpose: 'client-auth', extraCertificates: [pki.rogueRoot.cert] });
    expect(failureOf(result)).toMatchObject({ kind: 'unknown-issuer', detail: expect.stringContaining('Rogue Root CA') });
  });

  it('refuses an expired and a not-yet-valid certificate as expired', async () => {
    expect(failureOf(await verifier.verify(pki.leaves.expired.cert, { purpose: 'client-auth' }))).toMatchObject({ kind: 'expired', detail: expect.stringContaining('expired at') });
    expect(failureOf(await verifier.verify(pki.leaves.notYetValid.cert, { purpose: 'client-auth' }))).toMatchObject({ kind: 'expired', detail: expect.stringContaining('not valid before') });
  });

  it('checks validity at the time asked for', async () => {
    const later = new Date(pki.now.getTime() + 400 * 86_400_000);
    expect(failureOf(await verifier.verify(pki.leaves.client.cert, { purpose: 'client-auth', at: later }))?.kind).toBe('expired');
    const result = await verifier.verify(pki.leaves.expired.cert, { purpose: 'client-auth', at: new Date(pki.now.getTime() - 10 * 86_400_000) });
    expect(result.ok).toBe(true);
  });

  it('refuses a certificate whose key usage does not allow the purpose', async () => {
    expect(failureOf(await verifier.verify(pki.leaves.wrongUsage.cert, { purpose: 'client-auth' }))).toMatchObject({ kind: 'wrong-usage', detail: expect.stringContaining('keyUsage keyEncipherment lacks digitalSignature') });
    // A TLS server certificate is not a signing certificate; a CA certificate is never a leaf.
    expect(failureOf(await verifier.verify(pki.leaves.server.cert, { purpose: 'document-signing' }))).toMatchObject({ kind: 'wrong-usage', detail: expect.stringContaining('extKeyUsage 1.3.6.1.5.5.7.3.1') });
    expect(failureOf(await verifier.verify(pki.intermediate.cert, { purpose: 'client-auth' }))).toMatchObject({ kind: 'wrong-usage', detail: expect.stringContaining('is a CA certificate') });
    // The OCSP responder's certificate (extKeyUsage OCSPSigning only) may not authenticate a client.
    expect(failureOf(await verifier.verify(pki.leaves.ocspResponder.cert, { purpose: 'client-auth' }))?.kind).toBe('wrong-usage');
  });

  it('accepts a signing certificate (nonRepudiation, emailProtection + clientAuth) for document and receipt signing', async () => {
    expect((await verifier.verify(pki.leaves.signer.cert, { purpose: 'document-signing' })).ok).toBe(true);
    expect((await verifier.verify(pki.leaves.signer.cert, { purpose: 'receipt-signing' })).ok).toBe(true);
  });

  it('enforces the intermediate\'s pathLenConstraint 0', async () => {
    const subCa = await pki.issueCa(pki.intermediate, 'Sub CA below pathLen 0');
    const leaf = await pki.issueLeaf(subCa, { commonName: 'below-sub-ca.test', extensions: [{ name: 'keyUsage', critical: true, digitalSignature: true }] });
    const result = await verifier.verify(leaf.cert, { purpose: 'client-auth', extraCertificates: [subCa.cert] });
    expect(failureOf(result)).toMatchObject({ kind: 'unknown-issuer', detail: expect.stringContaining('pathLenConstraint') });
  });

  it('refuses a path through a certificate that is not a CA', async () => {
    const notCa = await pki.issueLeaf(pki.intermediate, { commonName: 'not-a-ca.test', keyType: 'rsa', extensions: [{ name: 'keyUsage', critical: true, digitalSignature: true }] });
    const leaf = await pki.issueLeaf(pki.asIssuer(notCa), { commonName: 'issued-by-a-leaf.test', extensions: [] });
    expect(leaf.cert.verify(notCa.cert.publicKey)).toBe(true);
    const result = await verifier.verify(leaf.cert, { purpose: 'client-auth', extraCertificates: [notCa.cert] });
    expect(failureOf(result)?.kind).toBe('unknown-issuer');
  });

  it('refuses, without throwing, a certificate whose extensions cannot be decoded', async () => {
    // keyUsage must be a BIT STRING; this one is a SEQUENCE.
    const notABitString = forge.asn1.create(forge.asn1.Class.UNIVERSAL, forge.asn1.Type.SEQUENCE, true, []);
    const leaf = await pki.issueLeaf(pki.intermediate, { commonName: 'garbled-key-usage.test', extensions: [{ id: '2.5.29.15', critical: true, value: notABitString }] });
    const result = await verifier.verify(leaf.cert, { purpose: 'client-auth' });
    expect(failureOf(result)).toMatchObject({ kind: 'unknown-issuer', detail: expect.stringContaining('cannot be read') });
    expect(result.sha256).toBe(leaf.sha256);
    // As an intermediate a peer sends, it is skipped; the path is built without it.
    expect((await verifier.verify(pki.leaves.client.cert, { purpose: 'client-auth', extraCertificates: [leaf.cert] })).ok).toBe(true);
  });

  it('maps each failure to its coded error', async () => {
    const cases: [CertificateVerification, string, number][] = [
      [await verifier.verify(pki.leaves.unknownIssuer.cert, { purpose: 'client-auth' }), 'HUB_ERR_CERT_UNKNOWN_ISSUER', 401],
      [await verifier.verify(pki.leaves.expired.cert, { purpose: 'client-auth' }), 'HUB_ERR_CERT_EXPIRED', 401],
      [await verifier.verify(pki.leaves.wrongUsage.cert, { purpose: 'client-auth' }), 'HUB_ERR_CERT_WRONG_USAGE', 401],
    ];
    for (const [result, code, status] of cases) {
      if (result.ok) throw new Error(`expected ${code}`);
      const err = certificateError(result);
      expect([err.code, err.statusCode]).toEqual([code, status]);
      expect(err.details).toEqual({ certificate: result.sha256, failure: result.failure.kind });
    }
  });
});

describe('certificate trust store', () => {
  it('refuses an end-entity certificate as an anchor, and an empty bundle', () => {
    expect(() => createCertificateTrustStore({ anchors: [{ name: 'leaf.pem', pem: pki.leaves.client.certPem }] })).toThrow(/not a CA certificate/);
    expect(() => createCertificateTrustStore({ anchors: [{ name: 'empty.pem', pem: '' }] })).toThrow(/holds no certificate/);
  });

  it('takes several anchors (e.g. the National Root CA and the Government root)', async () => {
    const both = createCertificateTrustStore({ anchors: [{ name: 'roots.pem', pem: pki.anchorsPem + pki.rogueRoot.pem }], intermediates: [{ name: 'i.pem', pem: pki.intermediatesPem }] });
    const twoRoots = createCertificateTrustStore({ anchors: [{ name: 'a.pem', pem: pki.anchorsPem }, { name: 'b.pem', pem: pki.rogueRoot.pem }] });
    expect(both.anchors).toHaveLength(2);
    expect(twoRoots.anchors).toHaveLength(2);
    const v = createCertificateVerifier({ store: both, revocation: NO_REVOCATION, now: () => pki.now });
    expect((await v.verify(pki.leaves.unknownIssuer.cert, { purpose: 'client-auth' })).ok).toBe(true);
    expect((await v.verify(pki.leaves.client.cert, { purpose: 'client-auth' })).ok).toBe(true);
  });
});
