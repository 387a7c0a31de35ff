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
  const colon = qname.indexOf(':');
  if (colon < 0) {
    if (qname === '') throw hubError('HUB_ERR_XML_MALFORMED', [`invalid qualified name "${qname}"`]);
    return { prefix: '', local: qname };
  }
  if (colon === 0 || colon === qname.length - 1 || qname.includes(':', colon + 1)) throw hubError('HUB_ERR_XML_MALFORMED', [`invalid qualified name "${qname}"`]);
  return { prefix: qname.slice(0, colon), local: qname.slice(colon + 1) };
}

/**
 * Namespaces in XML 1.0, resolved by us rather than by sax's `xmlns` mode, so that undeclared
 * prefixes can be tolerated (docs/domain-vn.md §1.9): one vendor template puts an undeclared
 * `xlink:href` on `Reference` and writes `edXML:AttachmentEncoded` outside the element that declares
 * `edXML` (the SDK's reader is not namespace-aware). Such a name gets `ns: null`; the packet reader
 * then only matches it where it matches by local name (the attachment elements).
 */
export class NamespaceScope {
  /** One frame per open element: its declarations, or `undefined` when it declares none (most elements). */
  private readonly frames: (Map<string, string> | undefined)[] = [new Map([['xml', XML_NS], ['xmlns', XMLNS_NS], ['', '']])];

  /**
   * Enters an element: binds its declarations, resolves its name and attributes.
   * `onUndeclaredPrefix` hears about names left with `ns: null`.
   */
  enter(
    qname: string,
    rawAttributes: Record<string, string>,
    onUndeclaredPrefix: (prefix: string, qname: string) => void,
  ): { name: XmlName; attributes: XmlAttribute[] } {
    let frame: Map<string, string> | undefined;
    let plain: [string, string][] | undefined;
    for (const attr in rawAttributes) {
      const value = rawAttributes[attr]!;
      if (attr === 'xmlns') (frame ??= new Map()).set('', value);
      else if (attr.startsWith('xmlns:')) (frame ??= new Map()).set(this.checkBinding(attr.slice(6), value), value);
      else (plain ??= []).push([attr, value]);
    }
    this.frames.push(frame);
    const el = split(qname);
    const ns = this.lookup(el.prefix) ?? null;
    if (ns === null) onUndeclaredPrefix(el.prefix, `<${qname}>`);
    const attributes = (plain ?? []).map(([attr, value]): XmlAttribute => {
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
      const uri = this.frames[i]?.get(prefix);
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
