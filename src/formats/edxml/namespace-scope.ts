import { hubError } from '../../errors.js';
import { XML_NS, XMLNS_NS } from './edxml-namespaces.js';

/** An element or attribute name resolved against the namespace declarations in scope. */
export interface XmlName {
  /** As written, e.g. `edXML:From`. */
  qname: string;
  prefix: string;
  local: string;
  /** Namespace URI; `''` for no namespace; `null` when the prefix is not declared. */
  ns: string | null;
}

export interface XmlAttribute extends XmlName {
  value: string;
}

function split(qname: string): { prefix: string; local: string } {
  const parts = qname.split(':');
  if (parts.length > 2 || parts.some((p) => p === '')) throw hubError('HUB_ERR_XML_MALFORMED', [`invalid qualified name "${qname}"`]);
  return parts.length === 2 ? { prefix: parts[0]!, local: parts[1]! } : { prefix: '', local: parts[0]! };
}

/**
 * Namespaces in XML 1.0, resolved by us rather than by sax's `xmlns` mode, so that undeclared
 * prefixes can be tolerated (docs/domain-vn.md §1.9): one vendor template puts an undeclared
 * `xlink:href` on `Reference` and writes `edXML:AttachmentEncoded` outside the element that declares
 * `edXML` (the SDK's reader is not namespace-aware). Such a name gets `ns: null`; the packet reader
 * then only matches it where it matches by local name (the attachment elements).
 */
export class NamespaceScope {
  private readonly frames: Map<string, string>[] = [new Map([['xml', XML_NS], ['xmlns', XMLNS_NS], ['', '']])];

  /**
   * Enters an element: binds its declarations, resolves its name and attributes.
   * `onUndeclaredPrefix` hears about names left with `ns: null`.
   */
  enter(
    qname: string,
    rawAttributes: Record<string, string>,
    onUndeclaredPrefix: (prefix: string, qname: string) => void,
  ): { name: XmlName; attributes: XmlAttribute[] } {
    const frame = new Map<string, string>();
    const plain: [string, string][] = [];
    for (const [attr, value] of Object.entries(rawAttributes)) {
      if (attr === 'xmlns') frame.set('', value);
      else if (attr.startsWith('xmlns:')) frame.set(this.checkBinding(attr.slice(6), value), value);
      else plain.push([attr, value]);
    }
    this.frames.push(frame);
    const el = split(qname);
    const ns = this.lookup(el.prefix) ?? null;
    if (ns === null) onUndeclaredPrefix(el.prefix, `<${qname}>`);
    const attributes = plain.map(([attr, value]): XmlAttribute => {
      const a = split(attr);
      const attrNs = a.prefix === '' ? '' : (this.lookup(a.prefix) ?? null);
      if (attrNs === null) onUndeclaredPrefix(a.prefix, `attribute ${attr} of <${qname}>`);
      return { qname: attr, ...a, ns: attrNs, value };
    });
    return { name: { qname, ...el, ns }, attributes };
  }

  leave(): void {
    this.frames.pop();
  }

  private lookup(prefix: string): string | undefined {
    for (let i = this.frames.length - 1; i >= 0; i--) {
      const uri = this.frames[i]!.get(prefix);
      if (uri !== undefined) return uri;
    }
    return undefined;
  }

  private checkBinding(prefix: string, uri: string): string {
    const bad =
      uri === '' ||
      prefix === 'xmlns' ||
      (prefix === 'xml') !== (uri === XML_NS) ||
      uri === XMLNS_NS;
    if (bad) throw hubError('HUB_ERR_XML_MALFORMED', [`invalid namespace declaration xmlns:${prefix}="${uri}"`]);
    return prefix;
  }
}
