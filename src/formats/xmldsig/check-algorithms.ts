import { SIGNATURE_METHODS, type SignatureMethod } from './signature-methods.js';
import type { SignatureParts } from './read-signature-parts.js';
import { C14N, ENVELOPED_SIGNATURE, EXC_C14N, SHA256, SHA512 } from './xmldsig-uris.js';

/** The outcome of looking at a signature's algorithm URIs. */
export type AlgorithmCheck =
  | { ok: true; method: SignatureMethod }
  | { ok: false; status: 'unverifiable'; reason: 'unsupported-algorithm'; detail: string }
  | { ok: false; status: 'invalid'; reason: 'unexpected-transforms'; detail: string };

const CANONICALIZATIONS: ReadonlySet<string> = new Set([EXC_C14N, C14N]);
const DIGESTS: ReadonlySet<string> = new Set([SHA256, SHA512]);

/** Transform sequences of an enveloped whole-document signature; nothing else is run. */
const TRANSFORM_SEQUENCES: readonly (readonly string[])[] = [[ENVELOPED_SIGNATURE], [ENVELOPED_SIGNATURE, EXC_C14N], [ENVELOPED_SIGNATURE, C14N]];
const isAllowedSequence = (transforms: readonly string[]): boolean =>
  TRANSFORM_SEQUENCES.some((allowed) => allowed.length === transforms.length && allowed.every((uri, i) => uri === transforms[i]));

/**
 * Canonicalisation transforms understood but not run here: the comment-keeping variants, C14N 1.1,
 * and the invalid `http://www.w3.org/TR/xml-exc-c14n#` the VNPT samples carry. Any other transform
 * (XPath, XSLT, Base64, unknown) is refused outright: those are how wrapping attacks pick content.
 */
const UNSUPPORTED_TRANSFORMS: ReadonlySet<string> = new Set([
  `${EXC_C14N}WithComments`,
  `${C14N}#WithComments`,
  'http://www.w3.org/2006/12/xml-c14n11',
  'http://www.w3.org/2006/12/xml-c14n11#WithComments',
  'http://www.w3.org/TR/xml-exc-c14n#',
]);

const unsupported = (detail: string): AlgorithmCheck => ({ ok: false, status: 'unverifiable', reason: 'unsupported-algorithm', detail });

/** Checks CanonicalizationMethod, SignatureMethod and the single Reference's transforms and DigestMethod. */
export function checkAlgorithms(parts: SignatureParts): AlgorithmCheck {
  const ref = parts.references[0]!;
  if (!isAllowedSequence(ref.transforms)) {
    const known = ref.transforms.length > 0 && ref.transforms.every((t) => t === ENVELOPED_SIGNATURE || CANONICALIZATIONS.has(t) || UNSUPPORTED_TRANSFORMS.has(t));
    if (!known || !ref.transforms.some((t) => UNSUPPORTED_TRANSFORMS.has(t))) {
      return { ok: false, status: 'invalid', reason: 'unexpected-transforms', detail: `transforms [${ref.transforms.join(', ')}] are not enveloped-signature then canonicalisation` };
    }
    return unsupported(`transforms [${ref.transforms.join(', ')}]`);
  }
  if (!CANONICALIZATIONS.has(parts.canonicalizationMethod)) return unsupported(`CanonicalizationMethod ${parts.canonicalizationMethod}`);
  if (!DIGESTS.has(ref.digestMethod)) return unsupported(`DigestMethod ${ref.digestMethod}`);
  const method = SIGNATURE_METHODS.get(parts.signatureMethod);
  return method ? { ok: true, method } : unsupported(`SignatureMethod ${parts.signatureMethod}`);
}
