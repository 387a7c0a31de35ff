/** The edXML namespace of QCVN 102:2016 (docs/domain-vn.md §1.1). */
export const EDXML_NS = 'http://www.mic.gov.vn/TBT/QCVN_102_2016';

/** The prefix the VNPT reference builder writes for edXML children of the root. */
export const EDXML_PREFIX = 'edXML';

/** The XML-DSig namespace a standard enveloped signature lives in. */
export const XMLDSIG_NS = 'http://www.w3.org/2000/09/xmldsig#';

/** Namespaces bound by definition in every XML document. */
export const XML_NS = 'http://www.w3.org/XML/1998/namespace';
export const XMLNS_NS = 'http://www.w3.org/2000/xmlns/';

/**
 * The `SignatureValue` the VNPT SDK example and every vendor sample carry, whatever the document
 * (docs/domain-vn.md §1.4). A packet carrying it has no real packet-level signature.
 */
export const VENDOR_PLACEHOLDER_SIGNATURE_VALUE =
  'GbVb8n9+qFxz466Ag0sbpVdLPs2R0+9JBekp12UyarAZjoG0W/kPZZJ1auRZDcNcrSwzgkQMpqrjwxcy3ejzbY/ON5USUPgoYNYM8p4wsgQpEAeQaZ+EWLkkEBxYjb+iWEiAjYuJI7gtJoOyENcOK4fO050SXp2ctOc32LJMA5eEI6Hw7sxhc2LAgcPiynJHdDW2Z+eut6QZiUsbIF9+S3T6u/tfLImw39dgSlCxupwLPHepxuiLOqyd08HeJGCZufg9WqRBVyLFM76uCIaPRP5wwAdx72GVjPcG2kh+2jjrt7fqtJOufJzCObtQgPgBqIvDiZCGoOM41OQMiqtF3w==';

/** `DigestValue`s of the vendor templates (one per template, reused across documents). */
export const VENDOR_PLACEHOLDER_DIGEST_VALUES: readonly string[] = [
  'PrlYKdD8sksgnxFvUVtPIQ0pAqM=',
  'FwgIqsSYJshUS2+wlOM61L+q7Aw=',
];
