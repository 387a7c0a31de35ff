import { elementsFrom } from './dom-elements.js';
import type { DomElement } from './xml-dom.js';
import { XMLDSIG_NS } from './xmldsig-uris.js';

/** Where the document's signature is, judged by local name first (domain-vn.md §1.9), then namespace. */
export type SignatureLocation =
  | { kind: 'absent' }
  /** Only `Signature` elements outside the xmldsig namespace: the deployed VNPT builder's block. */
  | { kind: 'vendor-namespace'; namespaces: (string | null)[] }
  | { kind: 'several'; count: number }
  | { kind: 'one'; signature: DomElement };

/**
 * Finds every element named `Signature` and picks the single XML-DSig one. A vendor-namespace block
 * next to a real signature is ordinary signed content (the enveloped transform leaves it in the digest).
 */
export function locateSignature(root: DomElement): SignatureLocation {
  const named = [...elementsFrom(root)].filter((el) => el.localName === 'Signature');
  const xmldsig = named.filter((el) => el.namespaceURI === XMLDSIG_NS);
  if (xmldsig.length === 1) return { kind: 'one', signature: xmldsig[0]! };
  if (xmldsig.length > 1) return { kind: 'several', count: xmldsig.length };
  if (named.length > 0) return { kind: 'vendor-namespace', namespaces: [...new Set(named.map((el) => el.namespaceURI))] };
  return { kind: 'absent' };
}
