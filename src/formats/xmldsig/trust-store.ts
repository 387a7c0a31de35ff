import type { X509Certificate } from 'node:crypto';
import { certificatesFromPem } from '../../crypto/hub-keys.js';
import { hubError } from '../../errors.js';

/** CA certificates a signer's certificate must chain to. Immutable once built. */
export interface TrustStore {
  readonly anchors: readonly X509Certificate[];
}

const oneLine = (dn: string): string => dn.split('\n').join(', ');

/**
 * Builds a trust store from PEM strings (each may hold several certificates). Every certificate must
 * be a CA (basicConstraints cA=TRUE); an empty store is refused. Throws HUB_ERR_CONFIG_INVALID.
 */
export function createTrustStore(pems: readonly string[]): TrustStore {
  let anchors: X509Certificate[];
  try {
    anchors = pems.flatMap((pem) => certificatesFromPem(pem));
  } catch (err) {
    throw hubError('HUB_ERR_CONFIG_INVALID', [`an XML-signature trust anchor does not parse: ${(err as Error).message}`]);
  }
  if (anchors.length === 0) throw hubError('HUB_ERR_CONFIG_INVALID', ['the XML-signature trust store holds no certificate']);
  const notCa = anchors.find((cert) => !cert.ca);
  if (notCa) throw hubError('HUB_ERR_CONFIG_INVALID', [`XML-signature trust anchor "${oneLine(notCa.subject)}" is not a CA certificate`]);
  return Object.freeze({ anchors: Object.freeze(anchors) });
}
