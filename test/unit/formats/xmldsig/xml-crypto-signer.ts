import type { KeyObject, X509Certificate } from 'node:crypto';
import { SignedXml } from 'xml-crypto';
import { xmlCryptoSignatureAlgorithms } from '../../../../src/formats/xmldsig/xml-crypto-algorithms.js';

export const EXC_C14N = 'http://www.w3.org/2001/10/xml-exc-c14n#';
export const ENVELOPED = 'http://www.w3.org/2000/09/xmldsig#enveloped-signature';
export const SHA256 = 'http://www.w3.org/2001/04/xmlenc#sha256';
export const RSA_SHA256 = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256';

export interface XmlCryptoReference {
  xpath: string;
  /** Empty URI (whole document) instead of the element's Id. */
  isEmptyUri?: boolean;
  transforms?: string[];
  digestAlgorithm?: string;
}

export interface XmlCryptoSignOptions {
  privateKey: KeyObject;
  chain: readonly X509Certificate[];
  references: XmlCryptoReference[];
  signatureAlgorithm?: string;
  /** XPath of the element the Signature is appended to; default edXMLHeader. */
  appendTo?: string;
  /** Use xml-crypto's own algorithm classes (for rsa-sha1) instead of the hub's. */
  builtInAlgorithms?: boolean;
  objects?: { content: string; attributes?: Record<string, string> }[];
  /** Namespace prefix for the Signature elements (`ds` gives `<ds:Signature xmlns:ds=…>`). */
  prefix?: string;
}

/**
 * Signs with xml-crypto's generic signer: an independent producer of (valid) signatures in any shape,
 * used to build the attacks the verifier must refuse. The KeyInfo carries the chain as X509Data.
 */
export function signWithXmlCrypto(xml: string, opts: XmlCryptoSignOptions): string {
  const sig = new SignedXml({
    privateKey: opts.privateKey.export({ type: 'pkcs8', format: 'pem' }),
    publicCert: opts.chain.map((cert) => cert.toString()).join(''),
    signatureAlgorithm: opts.signatureAlgorithm ?? RSA_SHA256,
    canonicalizationAlgorithm: EXC_C14N,
    objects: opts.objects,
  });
  if (!opts.builtInAlgorithms) sig.SignatureAlgorithms = xmlCryptoSignatureAlgorithms();
  for (const ref of opts.references) {
    sig.addReference({ transforms: [ENVELOPED, EXC_C14N], digestAlgorithm: SHA256, ...ref });
  }
  sig.computeSignature(xml, { prefix: opts.prefix, location: { reference: opts.appendTo ?? "//*[local-name(.)='edXMLHeader']", action: 'append' } });
  return sig.getSignedXml();
}
