import { ENVELOPED_SIGNATURE, EXC_C14N, SHA256, XMLDSIG_NS } from './xmldsig-uris.js';

/** The SignedInfo the hub signs, in the two forms it needs. */
export interface SignedInfoXml {
  /**
   * Exclusive c14n of the SignedInfo element as it sits in the signed document: the octets the
   * SignatureValue covers. SignedInfo is the apex of that node set, so it carries the xmldsig default
   * namespace it inherits from Signature (and not the edXML default namespace further up).
   */
  canonical: string;
  /** The same element as written inside `<Signature xmlns="…xmldsig#">`: no redundant namespace declaration. */
  embedded: string;
}

/**
 * Builds the SignedInfo of an enveloped whole-document signature: exc-c14n, one Reference URI=""
 * with the enveloped-signature and exc-c14n transforms, SHA-256. The markup is already canonical
 * (no whitespace, attributes in order, empty elements as start/end pairs), so no canonicaliser runs.
 */
export function signedInfoXml(signatureMethodUri: string, digestValueBase64: string): SignedInfoXml {
  const inner =
    `<CanonicalizationMethod Algorithm="${EXC_C14N}"></CanonicalizationMethod>` +
    `<SignatureMethod Algorithm="${signatureMethodUri}"></SignatureMethod>` +
    '<Reference URI=""><Transforms>' +
    `<Transform Algorithm="${ENVELOPED_SIGNATURE}"></Transform>` +
    `<Transform Algorithm="${EXC_C14N}"></Transform>` +
    `</Transforms><DigestMethod Algorithm="${SHA256}"></DigestMethod>` +
    `<DigestValue>${digestValueBase64}</DigestValue></Reference>`;
  return { canonical: `<SignedInfo xmlns="${XMLDSIG_NS}">${inner}</SignedInfo>`, embedded: `<SignedInfo>${inner}</SignedInfo>` };
}
