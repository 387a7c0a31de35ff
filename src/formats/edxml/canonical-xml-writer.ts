import { hubError } from '../../errors.js';
import { EDXML_PREFIX } from './edxml-namespaces.js';

/** Characters XML 1.0 cannot carry at all (C0 controls but tab/LF/CR, U+FFFE/FFFF, lone surrogates). */
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

/** Text escaped as Canonical XML writes it: `&amp; &lt; &gt; &#xD;`, nothing else. */
export function escapeC14nText(text: string): string {
  return text.replace(/[&<>\r]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '\r': '&#xD;' })[c]!);
}

/** An attribute value escaped as Canonical XML writes it: `&amp; &lt; &quot; &#x9; &#xA; &#xD;`. */
export function escapeC14nAttribute(value: string): string {
  return value.replace(/[&<"\t\n\r]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '"': '&quot;', '\t': '&#x9;', '\n': '&#xA;', '\r': '&#xD;' })[c]!);
}

/**
 * Writes edXML elements directly in Exclusive XML Canonicalization form (without comments):
 * `edXML:`-prefixed names, start and end tag for every element (never `<a/>`), c14n escaping, and
 * a fixed layout — one LF after every start tag of a container and after every end tag, no
 * indentation. Namespace declarations and attributes are passed in already in c14n order.
 */
export class CanonicalXmlWriter {
  private parts: string[] = [];

  /** `<edXML:local attrs>` + LF; `attrs` are `[name, value]` pairs in canonical order. */
  open(local: string, attrs: readonly (readonly [string, string])[] = []): this {
    const rendered = attrs.map(([name, value]) => ` ${name}="${escapeC14nAttribute(this.checked(value, local))}"`).join('');
    this.parts.push(`<${EDXML_PREFIX}:${local}${rendered}>\n`);
    return this;
  }

  close(local: string): this {
    this.parts.push(`</${EDXML_PREFIX}:${local}>\n`);
    return this;
  }

  /** A text-only element; skipped when `text` is undefined (the element is absent). */
  leaf(local: string, text: string | undefined): this {
    if (text !== undefined) this.parts.push(`<${EDXML_PREFIX}:${local}>${escapeC14nText(this.checked(text, local))}</${EDXML_PREFIX}:${local}>\n`);
    return this;
  }

  /** `container` holding one `item` leaf per value; skipped when `values` is undefined. */
  list(container: string, item: string, values: readonly string[] | undefined): this {
    if (values === undefined) return this;
    this.open(container);
    for (const v of values) this.leaf(item, v);
    return this.close(container);
  }

  /** Literal markup the caller has made canonical itself. */
  raw(markup: string): this {
    this.parts.push(markup);
    return this;
  }

  /** Everything written since the last call. */
  take(): string {
    const text = this.parts.join('');
    this.parts = [];
    return text;
  }

  private checked(text: string, where: string): string {
    if (NOT_XML_CHAR.test(text)) throw hubError('HUB_ERR_EDXML_INVALID', [`${where} holds a character XML 1.0 cannot carry`]);
    return text;
  }
}
