import { childElements, elementsFrom, ownText } from './dom-elements.js';
import { checkSignatureGrammar } from './signature-grammar.js';
import type { DomElement } from './xml-dom.js';

/** One Reference of SignedInfo, as written (nothing resolved). */
export interface SignatureReference {
  /** `null` when the URI attribute is missing (not the same as URI=""). */
  uri: string | null;
  transforms: string[];
  digestMethod: string;
  digestValue: string;
}

/** What a grammatical XML-DSig Signature says. Base64 values have their whitespace removed. */
export interface SignatureParts {
  canonicalizationMethod: string;
  signatureMethod: string;
  references: SignatureReference[];
  signatureValue: string;
  /** Base64 DER of every KeyInfo/X509Data/X509Certificate, in document order. */
  certificates: string[];
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const compact = (el: DomElement): string => ownText(el).replace(/\s+/g, '');
const child = (el: DomElement, name: string): DomElement | undefined => childElements(el).find((c) => c.localName === name);
const algorithm = (el: DomElement | undefined): string => el?.getAttribute('Algorithm') ?? '';

function readReference(ref: DomElement): SignatureReference {
  const transforms = child(ref, 'Transforms');
  return {
    uri: ref.hasAttribute('URI') ? ref.getAttribute('URI') : null,
    transforms: transforms ? childElements(transforms).map(algorithm) : [],
    digestMethod: algorithm(child(ref, 'DigestMethod')),
    digestValue: compact(child(ref, 'DigestValue')!),
  };
}

/**
 * Reads an xmldsig Signature element after checking it against the accepted grammar
 * (`signature-grammar.ts`). Returns why not when it does not fit, or a digest or signature value is
 * not base64.
 */
export function readSignatureParts(signature: DomElement): { ok: true; parts: SignatureParts } | { ok: false; detail: string } {
  const problem = checkSignatureGrammar(signature);
  if (problem) return { ok: false, detail: problem };
  const signedInfo = child(signature, 'SignedInfo')!;
  const keyInfo = child(signature, 'KeyInfo');
  const parts: SignatureParts = {
    canonicalizationMethod: algorithm(child(signedInfo, 'CanonicalizationMethod')),
    signatureMethod: algorithm(child(signedInfo, 'SignatureMethod')),
    references: childElements(signedInfo).filter((c) => c.localName === 'Reference').map(readReference),
    signatureValue: compact(child(signature, 'SignatureValue')!),
    certificates: keyInfo ? [...elementsFrom(keyInfo)].filter((el) => el.localName === 'X509Certificate').map(compact) : [],
  };
  const notBase64 = [parts.signatureValue, ...parts.references.map((r) => r.digestValue)].find((value) => value === '' || !BASE64.test(value));
  if (notBase64 !== undefined) return { ok: false, detail: 'a DigestValue or the SignatureValue is not base64' };
  return { ok: true, parts };
}
