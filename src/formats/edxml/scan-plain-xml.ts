/** One parse event, as sax in strict mode (no `xmlns` mode, predefined entities only) reports it. */
export type PlainXmlEvent =
  | { kind: 'instruction'; name: string; body: string }
  | { kind: 'open'; qname: string; attributes: Record<string, string> }
  | { kind: 'close' }
  | { kind: 'text'; text: string };

// ASCII names with at most one colon; anything else (non-ASCII names included) is left to sax.
const NAME = /[A-Za-z_][A-Za-z0-9._-]*(?::[A-Za-z_][A-Za-z0-9._-]*)?/y;
const SPACE = /[ \t\n]*/y;
const ONLY_SPACE = /^[ \t\n]*$/;
const ENTITY = /&(amp|lt|gt|quot|apos|#x[0-9A-Fa-f]+|#[0-9]+);/g;
const ENTITY_TEXT: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/**
 * The events of a complete document written in the plain subset of XML that edXML packets use — an
 * optional `<?xml …?>` declaration, one root element, elements with quoted attributes, text with the
 * five predefined entities — found with native string searches instead of sax's character-by-
 * character state machine (a fifth of the time for a 20 KB packet). `undefined` for anything else
 * (comments, CDATA, DOCTYPE, other processing instructions, character references, non-ASCII or
 * odd names, duplicate attributes, text outside the root, anything not well-formed …): the caller
 * then reads the document with sax, which accepts or refuses it as always. For a document it
 * accepts, the events are those sax reports (text may come in other pieces). `text` has its line
 * ends normalised already; `maxMarkup` bounds a name or an attribute value (longer: `undefined`).
 */
export function scanPlainXml(text: string, maxMarkup: number): PlainXmlEvent[] | undefined {
  const events: PlainXmlEvent[] = [];
  const open: string[] = [];
  let rootClosed = false;
  let at = 0;
  if (text.startsWith('<?xml')) {
    const end = text.indexOf('?>', 5);
    if (end < 0 || !/^[ \t\n]/.test(text[5] ?? '')) return undefined;
    events.push({ kind: 'instruction', name: 'xml', body: text.slice(6, end).trim() });
    at = end + 2;
  }
  while (at < text.length) {
    const lt = text.indexOf('<', at);
    const textEnd = lt < 0 ? text.length : lt;
    if (textEnd > at) {
      const piece = text.slice(at, textEnd);
      if (open.length === 0) {
        if (!ONLY_SPACE.test(piece)) return undefined; // text outside the root
      } else {
        const decoded = decodeEntities(piece);
        if (decoded === undefined) return undefined;
        events.push({ kind: 'text', text: decoded });
      }
      at = textEnd;
      if (lt < 0) break;
    }
    const next = text[at + 1];
    if (next === '/') {
      const name = match(NAME, text, at + 2);
      if (name === undefined || name.length > maxMarkup || open.at(-1) !== name) return undefined;
      const gt = skip(SPACE, text, at + 2 + name.length);
      if (text[gt] !== '>') return undefined;
      open.pop();
      events.push({ kind: 'close' });
      if (open.length === 0) rootClosed = true;
      at = gt + 1;
      continue;
    }
    if (rootClosed) return undefined; // a second root, or markup after it
    const tag = startTag(text, at + 1, maxMarkup);
    if (!tag) return undefined;
    events.push({ kind: 'open', qname: tag.qname, attributes: tag.attributes });
    if (tag.selfClosing) {
      events.push({ kind: 'close' });
      if (open.length === 0) rootClosed = true;
    } else open.push(tag.qname);
    at = tag.end;
  }
  return rootClosed && open.length === 0 ? events : undefined;
}

/** `<name attr="value" …>` or `…/>` from just after `<`; `undefined` when not in the plain subset. */
function startTag(text: string, from: number, maxMarkup: number): { qname: string; attributes: Record<string, string>; selfClosing: boolean; end: number } | undefined {
  const qname = match(NAME, text, from);
  if (qname === undefined || qname.length > maxMarkup) return undefined;
  const attributes: Record<string, string> = {};
  let at = from + qname.length;
  for (;;) {
    const afterSpace = skip(SPACE, text, at);
    const c = text[afterSpace];
    if (c === '>') return { qname, attributes, selfClosing: false, end: afterSpace + 1 };
    if (c === '/') return text[afterSpace + 1] === '>' ? { qname, attributes, selfClosing: true, end: afterSpace + 2 } : undefined;
    if (afterSpace === at) return undefined; // an attribute must follow whitespace
    const name = match(NAME, text, afterSpace);
    if (name === undefined || name.length > maxMarkup || Object.hasOwn(attributes, name)) return undefined;
    const eq = skip(SPACE, text, afterSpace + name.length);
    if (text[eq] !== '=') return undefined;
    const quoteAt = skip(SPACE, text, eq + 1);
    const quote = text[quoteAt];
    if (quote !== '"' && quote !== "'") return undefined;
    const close = text.indexOf(quote, quoteAt + 1);
    if (close < 0 || close - quoteAt - 1 > maxMarkup) return undefined;
    const raw = text.slice(quoteAt + 1, close);
    const value = raw.includes('<') ? undefined : decodeEntities(raw);
    if (value === undefined) return undefined;
    attributes[name] = value;
    at = close + 1;
  }
}

function match(re: RegExp, text: string, at: number): string | undefined {
  re.lastIndex = at;
  return re.exec(text)?.[0];
}

function skip(re: RegExp, text: string, at: number): number {
  re.lastIndex = at;
  re.exec(text);
  return re.lastIndex;
}

/**
 * Text with the five predefined references and character references (`&#xD;`, which Canonical XML
 * writes for a CR) replaced as sax replaces them; `undefined` when any other `&` is in it, or a
 * character reference sax would refuse.
 */
function decodeEntities(raw: string): string | undefined {
  if (!raw.includes('&')) return raw;
  let refused = false;
  let references = 0;
  const decoded = raw.replace(ENTITY, (_, name: string) => {
    references++;
    if (name[0] !== '#') return ENTITY_TEXT[name]!;
    const char = characterReference(name);
    if (char === undefined) refused = true;
    return char ?? '';
  });
  // Every `&` of the input must have been one of those references (a replaced `&amp;` gives `&`: count).
  return !refused && references === raw.split('&').length - 1 ? decoded : undefined;
}

/** `#65` or `#x41` → the character, exactly as sax 1.6 accepts them (its `parseEntity`); else `undefined`. */
function characterReference(name: string): string | undefined {
  const hex = name[1] === 'x' || name[1] === 'X';
  const digits = name.slice(hex ? 2 : 1).toLowerCase();
  const num = parseInt(digits, hex ? 16 : 10);
  if (Number.isNaN(num) || num.toString(hex ? 16 : 10) !== digits.replace(/^0+/, '') || num > 0x10ffff || !isXmlChar(num)) return undefined;
  return String.fromCodePoint(num);
}

/** The XML 1.0 `Char` production. */
function isXmlChar(c: number): boolean {
  return c === 0x9 || c === 0xa || c === 0xd || (c >= 0x20 && c <= 0xd7ff) || (c >= 0xe000 && c <= 0xfffd) || (c >= 0x10000 && c <= 0x10ffff);
}
