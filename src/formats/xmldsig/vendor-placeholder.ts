/**
 * Values the VNPT edXML builder and its samples put in every Signature block (domain-vn.md §1.4):
 * one hard-coded SignatureValue reused across documents, and one DigestValue per template. A
 * signature carrying any of them signs nothing, whatever its namespace.
 */
const PLACEHOLDER_SIGNATURE_VALUES: ReadonlySet<string> = new Set([
  'GbVb8n9+qFxz466Ag0sbpVdLPs2R0+9JBekp12UyarAZjoG0W/kPZZJ1auRZDcNcrSwzgkQMpqrjwxcy3ejzbY/ON5USUPgoYNYM8p4wsgQpEAeQaZ+EWLkkEBxYjb+iWEiAjYuJI7gtJoOyENcOK4fO050SXp2ctOc32LJMA5eEI6Hw7sxhc2LAgcPiynJHdDW2Z+eut6QZiUsbIF9+S3T6u/tfLImw39dgSlCxupwLPHepxuiLOqyd08HeJGCZufg9WqRBVyLFM76uCIaPRP5wwAdx72GVjPcG2kh+2jjrt7fqtJOufJzCObtQgPgBqIvDiZCGoOM41OQMiqtF3w==',
]);

const PLACEHOLDER_DIGEST_VALUES: ReadonlySet<string> = new Set(['FwgIqsSYJshUS2+wlOM61L+q7Aw=', 'PrlYKdD8sksgnxFvUVtPIQ0pAqM=']);

/** True when a SignatureValue or DigestValue (base64, whitespace removed) is one of the vendor placeholders. */
export function isVendorPlaceholder(values: { signatureValue: string; digestValue: string }): boolean {
  return PLACEHOLDER_SIGNATURE_VALUES.has(values.signatureValue) || PLACEHOLDER_DIGEST_VALUES.has(values.digestValue);
}
