import { describe, expect, it } from 'vitest';
import { createDevPki } from '../../../../src/crypto/dev-pki.js';
import { createTrustStore } from '../../../../src/formats/xmldsig/trust-store.js';

describe('createTrustStore', () => {
  it('takes every CA certificate of every PEM string, in order', async () => {
    const [a, b] = await Promise.all([createDevPki({ alg: 'ES256' }), createDevPki({ alg: 'ES256' })]);
    const store = createTrustStore([a.caCertPem + b.caCertPem, a.caCertPem]);
    expect(store.anchors.map((cert) => cert.toString())).toEqual([a.caCertPem, b.caCertPem, a.caCertPem]);
    expect(Object.isFrozen(store) && Object.isFrozen(store.anchors)).toBe(true);
  });

  it('refuses an empty store, a leaf certificate and a broken PEM with HUB_ERR_CONFIG_INVALID', async () => {
    const pki = await createDevPki({ alg: 'ES256' });
    expect(() => createTrustStore([])).toThrow(expect.objectContaining({ code: 'HUB_ERR_CONFIG_INVALID', message: expect.stringContaining('no certificate') }));
    expect(() => createTrustStore(['not a pem'])).toThrow(expect.objectContaining({ code: 'HUB_ERR_CONFIG_INVALID' }));
    expect(() => createTrustStore([pki.hubCertPem])).toThrow(expect.objectContaining({ code: 'HUB_ERR_CONFIG_INVALID', message: expect.stringContaining('is not a CA') }));
    const broken = pki.caCertPem.replace(/\n[A-Za-z0-9+/]{10}/, '\n!!!!!!!!!!');
    expect(() => createTrustStore([broken])).toThrow(expect.objectContaining({ code: 'HUB_ERR_CONFIG_INVALID', message: expect.stringContaining('does not parse') }));
  });
});
