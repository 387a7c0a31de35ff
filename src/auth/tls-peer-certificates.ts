import { X509Certificate } from 'node:crypto';
import { TLSSocket, type DetailedPeerCertificate } from 'node:tls';

/** The certificate a TLS client presented, and the other certificates of its chain. */
export interface PeerCertificates {
  leaf: X509Certificate;
  /** Intermediates the client sent (and whatever else OpenSSL linked): untrusted, for path building. */
  chain: X509Certificate[];
}

/** Longest chain read from a peer. */
const MAX_CHAIN = 8;

/**
 * The client certificate of a TLS connection, or undefined when the connection is not TLS or the
 * client presented none. The server asks with `requestCert` and does not let OpenSSL refuse
 * (`rejectUnauthorized: false`): the hub verifies the certificate itself and answers coded errors.
 */
export function peerCertificates(socket: unknown): PeerCertificates | undefined {
  if (!(socket instanceof TLSSocket)) return undefined;
  const leaf = socket.getPeerX509Certificate();
  if (!leaf) return undefined;
  const chain: X509Certificate[] = [];
  let current: DetailedPeerCertificate | undefined = socket.getPeerCertificate(true);
  // A self-signed certificate is its own issuerCertificate: stop there.
  while (current?.issuerCertificate && current.issuerCertificate !== current && chain.length < MAX_CHAIN) {
    current = current.issuerCertificate;
    chain.push(new X509Certificate(current.raw));
  }
  return { leaf, chain };
}
