import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { adapters } from '../../../adapters/index.js';
import { parseHubConfig } from '../../../src/config/load-hub-config.js';
import { loadEnv } from '../../../src/config/load-env.js';
import { isHubError } from '../../../src/errors.js';
import { createSchemaCatalogue, type IdentifiedSchema } from '../../../src/schema-catalogue.js';

const catalogue = createSchemaCatalogue(Object.values(adapters).map((a) => a.settingsSchema as IdentifiedSchema));
const G22 = '000.00.00.G22';
const FINGERPRINT = 'AB:'.repeat(31) + 'CD';
const config = (clientCertificates: unknown[]) => ({
  agencies: [{ code: G22, name: 'Văn phòng Chính phủ' }],
  endpoints: [],
  routes: [],
  clientCertificates,
});

function problemsOf(authored: unknown): string[] {
  try {
    parseHubConfig(authored, { catalogue, adapters, env: {} });
  } catch (err) {
    if (isHubError(err) && err.code === 'HUB_ERR_CONFIG_INVALID') return (err.details as { problems: string[] }).problems;
    throw err;
  }
  throw new Error('config was accepted');
}

describe('clientCertificates in the hub configuration', () => {
  it('maps certificates by fingerprint (normalised to lowercase hex) or by subject and issuer', () => {
    const parsed = parseHubConfig(config([
      { id: 'pinned', agency: G22, sha256: FINGERPRINT },
      { id: 'by-name', agency: G22, subject: 'C=VN, O=Văn phòng Chính phủ, CN=eoffice', issuer: 'C=VN, O=Ban Cơ yếu Chính phủ, CN=CA phục vụ các cơ quan Đảng, Nhà nước' },
    ]), { catalogue, adapters, env: {} });
    expect(parsed.clientCertificates.map((c) => c.sha256 ?? c.subject)).toEqual(['ab'.repeat(31) + 'cd', 'C=VN, O=Văn phòng Chính phủ, CN=eoffice']);
    expect(parseHubConfig(config([]), { catalogue, adapters, env: {} }).clientCertificates).toEqual([]);
  });

  it('refuses an unknown agency, a duplicate id, a subject without issuer and both kinds of match in one entry', () => {
    expect(problemsOf(config([{ id: 'x', agency: '000.00.00.H99', sha256: FINGERPRINT }]))).toContain('/clientCertificates/0/agency unknown agency "000.00.00.H99"');
    expect(problemsOf(config([{ id: 'x', agency: G22, sha256: FINGERPRINT }, { id: 'x', agency: G22, sha256: FINGERPRINT }]))).toContain('/clientCertificates/1 duplicates "x"');
    expect(problemsOf(config([{ id: 'x', agency: G22, subject: 'CN=a' }])).join('\n')).toMatch(/\/clientCertificates\/0/);
    expect(problemsOf(config([{ id: 'x', agency: G22, sha256: FINGERPRINT, subject: 'CN=a', issuer: 'CN=b' }])).join('\n')).toMatch(/\/clientCertificates\/0/);
    expect(problemsOf(config([{ id: 'x', agency: G22, sha256: 'not-a-fingerprint' }])).join('\n')).toMatch(/\/clientCertificates\/0\/sha256/);
  });
});

describe('trust settings from the environment', () => {
  it('defaults: plain HTTP, no trust store, revocation prefer with CRLs only', () => {
    const { trust } = loadEnv({}, catalogue);
    expect(trust).toEqual({
      anchorPaths: [], intermediatePaths: [], clientCertificateCacheMs: 60_000,
      revocation: {
        policy: 'prefer', crlSources: [], crlFromCertificates: false, ocspFromCertificates: false,
        refreshMs: 3_600_000, retryMs: 60_000, timeoutMs: 5_000, maxCrlBytes: 64 * 1024 * 1024,
      },
    });
  });

  it('reads TLS files, comma-separated bundles and CRL sources (files resolved, URLs kept), OCSP and booleans', () => {
    const { trust } = loadEnv({
      LIENTHONG_TLS_CERT: 'tls/chain.pem', LIENTHONG_TLS_KEY: 'tls/key.pem',
      LIENTHONG_TRUST_ANCHORS: 'ca/national-root.pem, ca/gov-root.pem', LIENTHONG_TRUST_INTERMEDIATES: 'ca/issuing.pem',
      LIENTHONG_REVOCATION: 'require', LIENTHONG_CRL_SOURCES: 'http://crl.example.vn/ca.crl,crl/gov.crl', LIENTHONG_CRL_FROM_CERTIFICATES: 'true',
      LIENTHONG_OCSP_RESPONDER: 'http://ocsp.example.vn', LIENTHONG_OCSP_FROM_CERTIFICATES: 'true', LIENTHONG_REVOCATION_TIMEOUT_MS: '800',
    }, catalogue);
    expect(trust).toMatchObject({
      tls: { certPath: resolve('tls/chain.pem'), keyPath: resolve('tls/key.pem') },
      anchorPaths: [resolve('ca/national-root.pem'), resolve('ca/gov-root.pem')],
      intermediatePaths: [resolve('ca/issuing.pem')],
      revocation: {
        policy: 'require', crlSources: ['http://crl.example.vn/ca.crl', resolve('crl/gov.crl')], crlFromCertificates: true,
        ocspResponder: 'http://ocsp.example.vn', ocspFromCertificates: true, timeoutMs: 800,
      },
    });
  });

  it.each([
    [{ LIENTHONG_TLS_CERT: 'chain.pem' }, /LIENTHONG_TLS_CERT and LIENTHONG_TLS_KEY go together/],
    [{ LIENTHONG_TRUST_INTERMEDIATES: 'issuing.pem' }, /LIENTHONG_TRUST_INTERMEDIATES needs LIENTHONG_TRUST_ANCHORS/],
    [{ LIENTHONG_TRUST_ANCHORS: 'a.pem,,b.pem' }, /LIENTHONG_TRUST_ANCHORS lists an empty entry/],
    [{ LIENTHONG_REVOCATION: 'sometimes' }, /LIENTHONG_REVOCATION/],
    [{ LIENTHONG_OCSP_RESPONDER: 'ldap://ocsp' }, /LIENTHONG_OCSP_RESPONDER/],
  ])('refuses %o', (source, message) => {
    expect(() => loadEnv(source, catalogue)).toThrow(message);
  });
});
