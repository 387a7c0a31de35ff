import { elementsFrom } from './dom-elements.js';
import type { DomElement } from './xml-dom.js';

/** Attribute local names xml-crypto (and most verifiers) treat as IDs. */
const ID_ATTRIBUTES: readonly string[] = ['Id', 'ID', 'id'];

const idValues = (el: DomElement): string[] =>
  Array.from(el.attributes)
    .filter((attr) => ID_ATTRIBUTES.includes(attr.localName))
    .map((attr) => attr.value);

/** Why a Reference URI does not designate the whole document the hub reads. */
export type ReferenceTargetProblem = { reason: 'reference-not-document' | 'duplicate-id'; detail: string };

/**
 * Accepts only URI="" (the whole document) or "#id" where `id` is an ID of the document element and
 * of no other element. Never resolves anything: external, XPointer and other same-document URIs are
 * refused, as is a missing URI attribute.
 */
export function checkReferenceTarget(root: DomElement, uri: string | null): ReferenceTargetProblem | undefined {
  if (uri === '') return undefined;
  if (uri === null) return { reason: 'reference-not-document', detail: 'the Reference has no URI attribute' };
  if (!/^#[A-Za-z_][\w.-]*$/.test(uri)) return { reason: 'reference-not-document', detail: `Reference URI "${uri}" is not "" or a bare #id (nothing is dereferenced)` };
  const id = uri.slice(1);
  if (!idValues(root).includes(id)) return { reason: 'reference-not-document', detail: `Reference URI "${uri}" does not name the document element` };
  let holders = 0;
  for (const el of elementsFrom(root)) holders += idValues(el).filter((value) => value === id).length;
  return holders > 1 ? { reason: 'duplicate-id', detail: `${holders} ID attributes have the value "${id}"` } : undefined;
}
