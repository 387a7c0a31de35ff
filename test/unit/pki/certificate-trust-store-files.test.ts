import { describe, expect, it } from 'vitest';
import { loadCertificateTrustStore } from '../../../src/crypto/pki/certificate-trust-store.js';

describe('certificate trust store files', () => {
  it('names every unreadable bundle, in the order configured, whichever read fails first', async () => {
    const err = await loadCertificateTrustStore(['/nonexistent/b-anchor.pem', '/nonexistent/a-anchor.pem'], []).then(
      () => { throw new Error('loaded'); },
      (e: Error & { code?: string }) => e,
    );
    expect(err.code).toBe('HUB_ERR_CONFIG_INVALID');
    expect(err.message).toMatch(/cannot read LIENTHONG_TRUST_ANCHORS \/nonexistent\/b-anchor\.pem: .*ENOENT.*; cannot read LIENTHONG_TRUST_ANCHORS \/nonexistent\/a-anchor\.pem: .*ENOENT/);
  });
});
