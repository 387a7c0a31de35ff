/** Namespace of XML-DSig elements (https://www.w3.org/TR/xmldsig-core1/). */
export const XMLDSIG_NS = 'http://www.w3.org/2000/09/xmldsig#';

/** Exclusive XML Canonicalization 1.0, without comments. */
export const EXC_C14N = 'http://www.w3.org/2001/10/xml-exc-c14n#';
/** Canonical XML 1.0 (inclusive), without comments. */
export const C14N = 'http://www.w3.org/TR/2001/REC-xml-c14n-20010315';
/** The enveloped-signature transform: the digest leaves out the Signature element that holds it. */
export const ENVELOPED_SIGNATURE = 'http://www.w3.org/2000/09/xmldsig#enveloped-signature';

export const SHA256 = 'http://www.w3.org/2001/04/xmlenc#sha256';
export const SHA512 = 'http://www.w3.org/2001/04/xmlenc#sha512';

export const RSA_SHA256 = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256';
export const RSA_SHA512 = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha512';
/** ECDSA over SHA-256 (RFC 6931 §2.3.6); SignatureValue is the raw r‖s (XML-DSig 1.1 §6.4.3). */
export const ECDSA_SHA256 = 'http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256';
