import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert } from '../../../src/alerts/alert.js';
import { certificateExpiringAlert } from '../../../src/alerts/alert-catalogue.js';
import { expiringCertificates, readCertificateSources } from '../../../src/alerts/certificate-expiry.js';
import { certificateSourcesOf } from '../../../src/alerts/certificate-sources.js';
import { startCertificateWatch } from '../../../src/alerts/certificate-watch.js';
import { loadEnv } from '../../../src/config/load-env.js';
import { createDevCa, createDevPki, type DevPki } from '../../../src/crypto/dev-pki.js';
import { createMetrics } from '../../../src/metrics.js';
import { createSchemaCatalogue } from '../../../src/schema-catalogue.js';

const DAY = 86_400_000;

describe('certificate expiry', () => {
  let shortLived: DevPki;
  let longLived: DevPki;
  let dir: string;
  const now = new Date();
  beforeAll(async () => {
    [shortLived, longLived] = await Promise.all([createDevPki({ alg: 'ES256', validDays: 10 }), createDevPki({ alg: 'ES256', validDays: 400 })]);
    dir = await mkdtemp(join(tmpdir(), 'lienthong-cert-expiry-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('finds the certificates of a chain expiring within the window, with days left, and none beyond it', async () => {
    const { certificates } = await readCertificateSources([{ source: 'hub-signing', pem: shortLived.chainPem }]);
    const expiring = expiringCertificates(certificates, now, 30);
    expect(expiring.map((c) => c.subject)).toEqual(['C=VN, O=lienthong (development), CN=lienthong hub', 'C=VN, O=lienthong (development), CN=lienthong development root CA']);
    for (const c of expiring) {
      expect(c.source).toBe('hub-signing');
      expect(c.daysLeft).toBeGreaterThan(9.9);
      expect(c.daysLeft).toBeLessThan(10.01);
      expect(c.fingerprintSha256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    }
    expect(expiringCertificates(certificates, now, 9)).toEqual([]);
    const long = await readCertificateSources([{ source: 'hub-signing', pem: longLived.chainPem }]);
    expect(expiringCertificates(long.certificates, now, 30)).toEqual([]);
    // Expired: negative days left, and a critical alert.
    const later = expiringCertificates(certificates, new Date(now.getTime() + 20 * DAY), 30);
    expect(later[0]!.daysLeft).toBeLessThan(-9);
    expect(certificateExpiringAlert(later[0]!)).toMatchObject({ severity: 'critical', summary: expect.stringContaining('expired on'), dedupeMs: DAY });
    expect(certificateExpiringAlert(expiring[0]!)).toMatchObject({ severity: 'warning', key: `certificate-expiring:${expiring[0]!.fingerprintSha256}` });
  });

  it('reads files at each check, counts a certificate once across sources and reports a file it cannot read', async () => {
    const anchors = join(dir, 'anchors.pem');
    await writeFile(anchors, shortLived.caCertPem + longLived.caCertPem);
    const { certificates, problems } = await readCertificateSources([
      { source: 'hub-signing', pem: shortLived.chainPem }, { source: 'trust-anchors', path: anchors }, { source: 'tls', path: join(dir, 'missing.pem') },
    ]);
    expect(certificates.map((c) => c.source)).toEqual(['hub-signing', 'hub-signing', 'trust-anchors']);
    expect(problems).toEqual([expect.stringMatching(/^tls \(.*missing\.pem\): ENOENT/)]);
  });

  it('takes its sources from the environment: signing chain, TLS chain, anchors, intermediates, XML trust, TSA CA', () => {
    const env = loadEnv({
      LIENTHONG_TLS_CERT: '/etc/lt/tls.pem', LIENTHONG_TLS_KEY: '/etc/lt/tls-key.pem', LIENTHONG_TRUST_ANCHORS: '/etc/lt/root1.pem,/etc/lt/root2.pem',
      LIENTHONG_TRUST_INTERMEDIATES: '/etc/lt/issuing.pem', LIENTHONG_XML_TRUST: '/etc/lt/xml.pem', LIENTHONG_TSA_URL: 'http://tsa.test/', LIENTHONG_TSA_CA: '/etc/lt/tsa-ca.pem',
    }, createSchemaCatalogue());
    expect(certificateSourcesOf(env, 'PEM')).toEqual([
      { source: 'hub-signing', pem: 'PEM' }, { source: 'tls', path: '/etc/lt/tls.pem' },
      { source: 'trust-anchors', path: '/etc/lt/root1.pem' }, { source: 'trust-anchors', path: '/etc/lt/root2.pem' },
      { source: 'trust-intermediates', path: '/etc/lt/issuing.pem' }, { source: 'xml-trust', path: '/etc/lt/xml.pem' }, { source: 'tsa-ca', path: '/etc/lt/tsa-ca.pem' },
    ]);
    expect(certificateSourcesOf(loadEnv({}, createSchemaCatalogue()), 'PEM')).toEqual([{ source: 'hub-signing', pem: 'PEM' }]);
  });

  it('checks at start: raises an alert per expiring certificate and exposes every notAfter as a metric', async () => {
    const ca = await createDevCa({ validDays: 5 });
    const anchors = join(dir, 'short-root.pem');
    await writeFile(anchors, ca.caCertPem);
    const raised: Alert[] = [];
    const metrics = createMetrics({ defaultMetrics: false });
    const watch = startCertificateWatch({
      sources: [{ source: 'hub-signing', pem: longLived.chainPem }, { source: 'trust-anchors', path: anchors }], withinDays: 30, everyMs: 3_600_000,
      alerts: { raise: (a) => raised.push(a) }, metrics, log: pino({ level: 'silent' }), now: () => new Date(),
    });
    await watch.stop(); // waits for the check begun at start
    expect(raised.map((a) => [a.name, a.data.source, a.data.daysLeft])).toEqual([['certificate-expiring', 'trust-anchors', 4]]);
    const gauge = (await metrics.certificateExpiry.get()).values;
    expect(gauge.map((v) => v.labels.source).sort()).toEqual(['hub-signing', 'hub-signing', 'trust-anchors']);
    const root = gauge.find((v) => v.labels.source === 'trust-anchors')!;
    expect(root.value * 1000).toBe(Math.floor(Date.parse(new (await import('node:crypto')).X509Certificate(ca.caCertPem).validTo) / 1000) * 1000);
  });
});
