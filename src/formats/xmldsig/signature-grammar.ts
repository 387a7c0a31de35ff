import { childElements, ownText } from './dom-elements.js';
import { NodeType, type DomCharacterData, type DomElement } from './xml-dom.js';
import { XMLDSIG_NS } from './xmldsig-uris.js';

type Particle = readonly [name: string, min: number, max: number];
interface Rule {
  attributes?: readonly string[];
  /** Ordered children, any mix of the listed children (at least one), character data, or nothing. */
  content: readonly Particle[] | { anyOf: readonly string[] } | 'text' | 'empty';
}

const MANY = Number.POSITIVE_INFINITY;

/**
 * The only Signature shape accepted: XML-DSig core without Object, Manifest, KeyValue, RetrievalMethod
 * or foreign elements. Anything inside Signature is outside the enveloped digest, so nothing that a
 * by-local-name reader could mistake for packet content may hide there. Several References parse, so
 * that the verifier can name that problem itself.
 */
const RULES: Readonly<Record<string, Rule>> = {
  Signature: { attributes: ['Id'], content: [['SignedInfo', 1, 1], ['SignatureValue', 1, 1], ['KeyInfo', 0, 1]] },
  SignedInfo: { attributes: ['Id'], content: [['CanonicalizationMethod', 1, 1], ['SignatureMethod', 1, 1], ['Reference', 1, MANY]] },
  CanonicalizationMethod: { attributes: ['Algorithm'], content: 'empty' },
  SignatureMethod: { attributes: ['Algorithm'], content: 'empty' },
  Reference: { attributes: ['URI', 'Id'], content: [['Transforms', 0, 1], ['DigestMethod', 1, 1], ['DigestValue', 1, 1]] },
  Transforms: { content: [['Transform', 1, MANY]] },
  Transform: { attributes: ['Algorithm'], content: 'empty' },
  DigestMethod: { attributes: ['Algorithm'], content: 'empty' },
  DigestValue: { content: 'text' },
  SignatureValue: { attributes: ['Id'], content: 'text' },
  KeyInfo: { attributes: ['Id'], content: { anyOf: ['X509Data', 'KeyName'] } },
  KeyName: { content: 'text' },
  X509Data: { content: { anyOf: ['X509Certificate', 'X509SubjectName', 'X509IssuerSerial', 'X509SKI'] } },
  X509IssuerSerial: { content: [['X509IssuerName', 1, 1], ['X509SerialNumber', 1, 1]] },
  X509Certificate: { content: 'text' },
  X509SubjectName: { content: 'text' },
  X509SKI: { content: 'text' },
  X509IssuerName: { content: 'text' },
  X509SerialNumber: { content: 'text' },
};

function checkAttributes(el: DomElement, allowed: readonly string[]): string | undefined {
  for (const attr of Array.from(el.attributes)) {
    if (attr.name === 'xmlns' || attr.prefix === 'xmlns') continue;
    if (attr.namespaceURI || !allowed.includes(attr.localName)) return `attribute ${attr.name} is not allowed on ${el.localName}`;
  }
  return undefined;
}

/** Element, comment and (whitespace unless `textAllowed`) character data only: no PI, no stray text. */
function checkNodes(el: DomElement, textAllowed: boolean): string | undefined {
  for (let node = el.firstChild; node; node = node.nextSibling) {
    if (node.nodeType === NodeType.ELEMENT || node.nodeType === NodeType.COMMENT) continue;
    const isText = node.nodeType === NodeType.TEXT || node.nodeType === NodeType.CDATA_SECTION;
    if (!isText) return `${el.localName} contains a node of type ${node.nodeType}`;
    if (!textAllowed && /\S/.test((node as DomCharacterData).data)) return `${el.localName} contains text`;
  }
  return undefined;
}

function checkSequence(el: DomElement, children: DomElement[], particles: readonly Particle[]): string | undefined {
  let i = 0;
  for (const [name, min, max] of particles) {
    let n = 0;
    while (n < max && children[i]?.localName === name) (n++, i++);
    if (n < min) return `${el.localName} lacks ${name}`;
  }
  return children[i] ? `${children[i]!.localName} is not allowed here in ${el.localName}` : undefined;
}

function checkContent(el: DomElement, rule: Rule, children: DomElement[]): string | undefined {
  const { content } = rule;
  if (content === 'text' || content === 'empty') {
    if (children[0]) return `${el.localName} must not contain elements`;
    return content === 'empty' && /\S/.test(ownText(el)) ? `${el.localName} must be empty` : undefined;
  }
  if ('anyOf' in content) {
    if (children.length === 0) return `${el.localName} is empty`;
    const stray = children.find((child) => !content.anyOf.includes(child.localName));
    return stray ? `${stray.localName} is not allowed in ${el.localName}` : undefined;
  }
  return checkSequence(el, children, content);
}

/** Checks `el` and everything below it against the grammar; returns the first problem, if any. */
export function checkSignatureGrammar(el: DomElement): string | undefined {
  const rule = el.namespaceURI === XMLDSIG_NS && Object.hasOwn(RULES, el.localName) ? RULES[el.localName] : undefined;
  if (!rule) return `element {${el.namespaceURI ?? ''}}${el.localName} is not allowed in a Signature`;
  const children = childElements(el);
  const problem =
    checkAttributes(el, rule.attributes ?? []) ?? checkNodes(el, rule.content === 'text') ?? checkContent(el, rule, children);
  if (problem) return problem;
  for (const child of children) {
    const childProblem = checkSignatureGrammar(child);
    if (childProblem) return childProblem;
  }
  return undefined;
}
