import { NodeType, type DomCharacterData, type DomElement, type DomNode } from './xml-dom.js';

/** The element children of `node`, in document order. */
export function childElements(node: DomNode): DomElement[] {
  const out: DomElement[] = [];
  for (let child = node.firstChild; child; child = child.nextSibling) if (child.nodeType === NodeType.ELEMENT) out.push(child as DomElement);
  return out;
}

/** `root` and every element below it, in document order (iterative: no recursion limit on deep input). */
export function* elementsFrom(root: DomElement): Generator<DomElement> {
  const stack: DomElement[] = [root];
  while (stack.length > 0) {
    const el = stack.pop()!;
    yield el;
    stack.push(...childElements(el).reverse());
  }
}

/** The concatenated text and CDATA children of `el` (not of its descendants). */
export function ownText(el: DomElement): string {
  let text = '';
  for (let child = el.firstChild; child; child = child.nextSibling) {
    if (child.nodeType === NodeType.TEXT || child.nodeType === NodeType.CDATA_SECTION) text += (child as DomCharacterData).data;
  }
  return text;
}
