import type { HubEnv } from '../config/load-env.js';
import type { CertificateSource } from './certificate-expiry.js';

/**
 * The certificates the hub relies on, for the expiry check: its signing chain (receipts, checkpoints,
 * forwarded edXML), the API's TLS chain, the trust anchors and intermediates client certificates chain
 * to, the XML-signature trust bundle and the time-stamping authority's CA — whichever are configured.
 * Client certificates themselves are not held by the hub (the configuration maps them by fingerprint
 * or name), so there is nothing of theirs to check; their CAs are the anchors.
 */
export function certificateSourcesOf(env: Pick<HubEnv, 'trust' | 'xmlTrustPath' | 'tsa'>, signingChainPem: string): CertificateSource[] {
  return [
    { source: 'hub-signing', pem: signingChainPem },
    ...(env.trust.tls ? [{ source: 'tls', path: env.trust.tls.certPath }] : []),
    ...env.trust.anchorPaths.map((path) => ({ source: 'trust-anchors', path })),
    ...env.trust.intermediatePaths.map((path) => ({ source: 'trust-intermediates', path })),
    ...(env.xmlTrustPath ? [{ source: 'xml-trust', path: env.xmlTrustPath }] : []),
    ...(env.tsa ? [{ source: 'tsa-ca', path: env.tsa.caPath }] : []),
  ];
}
