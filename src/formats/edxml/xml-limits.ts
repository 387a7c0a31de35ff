/**
 * Resource limits for reading untrusted XML. Exceeding one refuses the input with
 * `HUB_ERR_XML_LIMIT` as soon as the limit is crossed, before more is read.
 */
export interface XmlLimits {
  /** Total input size in bytes, attachments included. */
  maxBytes: number;
  /** Element nesting depth (the root is depth 1). */
  maxDepth: number;
  /** Number of elements in the whole document. */
  maxElements: number;
  /** Attributes (namespace declarations included) on one element. */
  maxAttributesPerElement: number;
  /**
   * Characters of one element's text outside attachment payloads (`ContentTransferEncoded`), and of
   * one attribute value, comment or other piece of markup.
   */
  maxTextLength: number;
}

export const DEFAULT_XML_LIMITS: Readonly<XmlLimits> = Object.freeze({
  maxBytes: 100 * 1024 * 1024,
  maxDepth: 64,
  maxElements: 20_000,
  maxAttributesPerElement: 32,
  maxTextLength: 1024 * 1024,
});

/** Defaults overridden by whatever the caller sets. */
export function resolveXmlLimits(overrides: Partial<XmlLimits> = {}): XmlLimits {
  const limits = { ...DEFAULT_XML_LIMITS };
  for (const key of Object.keys(limits) as (keyof XmlLimits)[]) {
    const value = overrides[key];
    if (value !== undefined) limits[key] = value;
  }
  return limits;
}
