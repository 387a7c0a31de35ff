import { hubError } from '../../errors.js';
import { EDXML_NS } from './edxml-namespaces.js';
import type { XmlAttribute } from './namespace-scope.js';

/** Facts about a `ContentTransferEncoded` payload, gathered while it streamed past. */
export interface PayloadFacts {
  index: number;
  size: number;
  sha256: string;
  /** The decoded bytes start with a ZIP local file header. */
  zipHeader: boolean;
}

/** A small element tree of everything but attachment payloads, which stream to sinks instead. */
export interface XmlNode {
  ns: string;
  local: string;
  attributes: XmlAttribute[];
  children: XmlNode[];
  text: string;
  parent: XmlNode | undefined;
  payload?: PayloadFacts;
  /** Read by the packet reader; whatever stays unread is reported as ignored. */
  used?: boolean;
}

/** Where to look for a child: edXML elements must be in the edXML namespace, some are matched by local name only. */
export interface Lookup {
  anyNamespace?: boolean;
}

/** `edXML/edXMLEnvelope/edXMLHeader/MessageHeader/To[2]/OrganId`: a position for error details. */
export function pathOf(node: XmlNode): string {
  const steps: string[] = [];
  for (let n: XmlNode | undefined = node; n; n = n.parent) {
    const same = n.parent?.children.filter((c) => c.local === n!.local) ?? [n];
    steps.push(same.length > 1 ? `${n.local}[${same.indexOf(n) + 1}]` : n.local);
  }
  return steps.reverse().join('/');
}

function invalid(detail: string): Error {
  return hubError('HUB_ERR_EDXML_INVALID', [detail]);
}

/** Every child named `local`, marked as read. */
export function childrenNamed(parent: XmlNode, local: string, lookup: Lookup = {}): XmlNode[] {
  const found = parent.children.filter((c) => c.local === local && (lookup.anyNamespace || c.ns === EDXML_NS));
  for (const c of found) c.used = true;
  return found;
}

/** The one child named `local`, or undefined; two of them is an error. */
export function childNamed(parent: XmlNode, local: string, lookup: Lookup = {}): XmlNode | undefined {
  const found = childrenNamed(parent, local, lookup);
  if (found.length > 1) throw invalid(`${pathOf(parent)}/${local} appears ${found.length} times, at most once allowed`);
  return found[0];
}

export function requiredChild(parent: XmlNode, local: string, lookup: Lookup = {}): XmlNode {
  const node = childNamed(parent, local, lookup);
  if (!node) throw invalid(`missing required element ${pathOf(parent)}/${local}`);
  return node;
}

/** The text of a leaf element (an element child there is an error). */
export function leafText(node: XmlNode): string {
  if (node.children.length > 0) throw invalid(`${pathOf(node)} must hold text, not elements`);
  node.used = true;
  return node.text;
}

export function optionalText(parent: XmlNode, local: string, lookup: Lookup = {}): string | undefined {
  const node = childNamed(parent, local, lookup);
  return node ? leafText(node) : undefined;
}

/** Required element with non-empty text. */
export function requiredText(parent: XmlNode, local: string, lookup: Lookup = {}): string {
  const node = requiredChild(parent, local, lookup);
  const text = leafText(node);
  if (text.trim() === '') throw invalid(`${pathOf(node)} is empty`);
  return text;
}

/** `container/item*` as strings; undefined when the container is absent. */
export function optionalTextList(parent: XmlNode, container: string, item: string): string[] | undefined {
  const node = childNamed(parent, container);
  return node ? childrenNamed(node, item).map(leafText) : undefined;
}

/** Validates a wire date/time text where the element is present and non-empty. */
export function checkedText(parent: XmlNode, local: string, valid: (v: string) => boolean, what: string): string | undefined {
  const node = childNamed(parent, local);
  if (!node) return undefined;
  const text = leafText(node);
  if (text !== '' && !valid(text)) throw invalid(`${pathOf(node)} "${text}" is not a valid ${what}`);
  return text;
}

/** Marks a whole subtree as read (blocks summarised on purpose, like the signature). */
export function markUsed(node: XmlNode): void {
  node.used = true;
  for (const c of node.children) markUsed(c);
}

/** Paths of the outermost elements nobody read: reported as ignored. */
export function unreadPaths(node: XmlNode, out: string[] = []): string[] {
  for (const c of node.children) {
    if (!c.used) out.push(pathOf(c));
    else unreadPaths(c, out);
  }
  return out;
}
