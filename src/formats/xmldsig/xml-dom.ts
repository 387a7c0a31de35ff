import { createRequire } from 'node:module';

// @xmldom/xmldom is loaded through `require` on purpose: its type declarations carry
// `/// <reference lib="dom" />`, which puts the browser DOM lib into the whole program (retyping
// `fetch` bodies, Blob parts and so on in unrelated files). This folder does not add that; it types
// the part of the DOM it uses (as xmldom 0.8 implements it) here, and compiles with or without the lib.

/** A DOM node. */
export interface DomNode {
  readonly nodeType: number;
  readonly firstChild: DomNode | null;
  readonly nextSibling: DomNode | null;
  readonly parentNode: DomNode | null;
}

/** Text, CDATA section or comment. */
export interface DomCharacterData extends DomNode {
  readonly data: string;
}

export interface DomAttr {
  readonly name: string;
  readonly localName: string;
  readonly prefix: string | null;
  readonly namespaceURI: string | null;
  readonly value: string;
}

export interface DomElement extends DomNode {
  readonly localName: string;
  readonly namespaceURI: string | null;
  readonly attributes: ArrayLike<DomAttr>;
  /** xmldom returns '' for a missing attribute: use `hasAttribute` to tell the two apart. */
  getAttribute(name: string): string;
  hasAttribute(name: string): boolean;
}

export interface DomDocument extends DomNode {
  readonly documentElement: DomElement | null;
}

type Report = (message: string) => void;
interface Xmldom {
  DOMParser: new (options: { errorHandler: { warning: Report; error: Report; fatalError: Report } }) => {
    parseFromString(xml: string, mimeType: string): DomDocument | undefined;
  };
}

const xmldom = createRequire(import.meta.url)('@xmldom/xmldom') as Xmldom;

/** Node type numbers (DOM Level 2). */
export const NodeType = { ELEMENT: 1, TEXT: 3, CDATA_SECTION: 4, PROCESSING_INSTRUCTION: 7, COMMENT: 8 } as const;

/** Parses with xmldom, passing every warning and error to `report` (xmldom carries on after most). */
export function parseDom(xml: string, report: Report): DomDocument | undefined {
  return new xmldom.DOMParser({ errorHandler: { warning: report, error: report, fatalError: report } }).parseFromString(xml, 'text/xml');
}
