import sax from 'sax';
import { parseDom, type DomDocument, type DomElement } from './xml-dom.js';

/** A document that passed both parsers, or why it did not. */
export type StrictParseResult =
  | { ok: true; xml: string; doc: DomDocument; root: DomElement }
  | { ok: false; reason: 'malformed-xml' | 'doctype'; detail: string };

const utf8 = new TextDecoder('utf-8', { fatal: true });
/**
 * edXML nests about 8 deep. xml-crypto canonicalises recursively and its XPath is slow on deep trees
 * (a 50 000-deep document took minutes), so depth is capped before either sees the document.
 */
const MAX_DEPTH = 64;
const DECLARED_ENCODING = /^<\?xml[^>]*?\bencoding\s*=\s*["']([^"']*)["']/;

function decode(input: Buffer | string): string | undefined {
  if (typeof input === 'string') return input.replace(/^\uFEFF/, '');
  try {
    return utf8.decode(input); // also drops a UTF-8 BOM
  } catch {
    return undefined;
  }
}

/** The first problem sax (strict mode) finds; sax catches junk xmldom lets through. Handlers throw to stop it. */
function saxProblem(xml: string): { reason: 'malformed-xml' | 'doctype'; detail: string } | undefined {
  const parser = sax.parser(true, { xmlns: false });
  let problem: { reason: 'malformed-xml' | 'doctype'; detail: string } | undefined;
  parser.ondoctype = () => {
    problem ??= { reason: 'doctype', detail: 'the document has a DOCTYPE (DTDs and entity declarations are refused)' };
    throw new Error('doctype');
  };
  let depth = 0;
  parser.onopentag = () => {
    if (++depth > MAX_DEPTH) {
      problem ??= { reason: 'malformed-xml', detail: `elements are nested more than ${MAX_DEPTH} deep` };
      throw new Error('too deep');
    }
  };
  parser.onclosetag = () => void depth--;
  parser.onerror = (err) => {
    problem ??= { reason: 'malformed-xml', detail: err.message.split('\n')[0] ?? 'parse error' };
    throw err; // stop parsing at the first error
  };
  try {
    parser.write(xml).close();
  } catch {
    // recorded in `problem`
  }
  return problem;
}

/**
 * Parses XML for signature verification, refusing anything two parsers might read differently:
 * bytes that are not UTF-8, a declared encoding other than UTF-8, a DOCTYPE, nesting deeper than
 * MAX_DEPTH, and every error or warning of sax (strict) or xmldom. No entity is expanded and nothing
 * external is fetched. Size limits are the caller's (the intake refuses oversized bodies first).
 */
export function parseXmlStrictly(input: Buffer | string): StrictParseResult {
  const xml = decode(input);
  if (xml === undefined) return { ok: false, reason: 'malformed-xml', detail: 'the bytes are not UTF-8' };
  const encoding = DECLARED_ENCODING.exec(xml)?.[1];
  if (encoding !== undefined && encoding.toLowerCase() !== 'utf-8') return { ok: false, reason: 'malformed-xml', detail: `declared encoding ${encoding} is not UTF-8` };
  const problem = saxProblem(xml);
  if (problem) return { ok: false, ...problem };
  const messages: string[] = [];
  const collect = (msg: string): void => void messages.push(msg);
  const doc = parseDom(xml, collect);
  const root = doc?.documentElement;
  if (messages.length > 0 || !root) return { ok: false, reason: 'malformed-xml', detail: messages[0]?.split('\n')[0] ?? 'no document element' };
  return { ok: true, xml, doc, root };
}
