import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import sax from 'sax';
import { describe, expect, it } from 'vitest';
import { scanPlainXml, type PlainXmlEvent } from '../../../../src/formats/edxml/scan-plain-xml.js';

type Event = PlainXmlEvent | { kind: 'other'; what: string };

/** What sax (strict, as read-xml-safely configures it) reports, or `undefined` when it refuses the document. */
function saxEvents(text: string): Event[] | undefined {
  const parser = sax.parser(true, { xmlns: false, strictEntities: true } as sax.SAXOptions);
  const events: Event[] = [];
  let failed = false;
  parser.onerror = () => {
    failed = true;
    throw new Error('refused');
  };
  parser.onopentag = (tag) => events.push({ kind: 'open', qname: tag.name, attributes: { ...(tag.attributes as Record<string, string>) } });
  parser.onclosetag = () => events.push({ kind: 'close' });
  parser.ontext = (t) => events.push({ kind: 'text', text: t });
  parser.oncdata = (t) => events.push({ kind: 'text', text: t });
  parser.onprocessinginstruction = ({ name, body }) => events.push({ kind: 'instruction', name, body: body.trim() });
  parser.oncomment = () => events.push({ kind: 'other', what: 'comment' });
  parser.ondoctype = () => events.push({ kind: 'other', what: 'doctype' });
  try {
    parser.write(text).close();
  } catch {
    return undefined;
  }
  return failed ? undefined : events;
}

/** Adjacent text merged, text outside the root element dropped (the reader ignores it), empty text dropped. */
function normalised(events: Event[]): Event[] {
  const out: Event[] = [];
  let depth = 0;
  for (const e of events) {
    if (e.kind === 'open') depth++;
    if (e.kind === 'close') depth--;
    if (e.kind === 'text') {
      if (depth === 0 || e.text === '') continue;
      const last = out.at(-1);
      if (last?.kind === 'text') {
        out[out.length - 1] = { kind: 'text', text: last.text + e.text };
        continue;
      }
    }
    out.push(e);
  }
  return out;
}

const fixtureDirs = ['test/fixtures/edxml/built', 'test/fixtures/edxml/vendor', 'test/fixtures/xmldsig', 'test/fixtures/xmldsig/vendor'];
const corpus = fixtureDirs.flatMap((dir) => readdirSync(dir).filter((f) => f.endsWith('.edxml') || f.endsWith('.xml')).map((f) => ({
  name: join(dir, f), text: readFileSync(join(dir, f), 'utf8').replace(/\r\n?/g, '\n'),
})));

/** The scanner either declines, or reports exactly what sax reports for a document sax accepts. */
function expectAgreement(text: string, label: string): 'scanned' | 'declined' {
  const scanned = scanPlainXml(text, 1024 * 1024);
  if (scanned === undefined) return 'declined';
  const reference = saxEvents(text);
  expect(reference, `${label}: sax refuses a document the scanner accepted`).toBeDefined();
  expect(normalised(scanned), label).toEqual(normalised(reference!));
  return 'scanned';
}

describe('scanPlainXml (the fast path of readXmlSafely) agrees with sax', () => {
  it('on every packet fixture, and reads the hub\'s own packets itself', () => {
    expect(corpus.length).toBeGreaterThan(20);
    const outcomes = corpus.map(({ name, text }) => [name, expectAgreement(text, name)] as const);
    for (const [name, outcome] of outcomes) if (name.includes('/built/')) expect(outcome, name).toBe('scanned');
  });

  it('on thousands of damaged packets: declines or reports what sax reports', () => {
    const pieces = ['<', '>', '&', '"', "'", '/', '=', ' ', '\n', '\t', ':', 'é', '<!--x-->', '&amp;', '&lt;', '&#65;', '&#x41;', '&#xD;', '&#0041;', '&#x0;', '&#1;', '&#X41;', '&foo;', '&amp',
      '<a>', '</a>', '<a/>', '<a b="1">', ']]>', '<?pi x?>', '<![CDATA[x]]>', '<!DOCTYPE x>', '<?xml version="1.0"?>', 'b="2"', '\u0001'];
    let seed = 11;
    const random = (n: number) => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) >>> 8) % n;
    const small = corpus.filter(({ text }) => text.length < 40_000);
    let scanned = 0;
    for (let round = 0; round < 3000; round++) {
      const { name, text } = small[random(small.length)]!;
      const at = random(text.length);
      const damaged = random(3) === 0
        ? text.slice(0, at) + text.slice(at + 1 + random(5))
        : text.slice(0, at) + pieces[random(pieces.length)]! + text.slice(at);
      if (expectAgreement(damaged, `${name} damaged at ${at}`) === 'scanned') scanned++;
    }
    // Many damaged packets are still well-formed (text edits): the comparison covered accepted documents too.
    expect(scanned).toBeGreaterThan(300);
  });

  it('declines what it leaves to sax', () => {
    const root = (inner: string) => `<?xml version="1.0" encoding="UTF-8"?>\n<r>${inner}</r>`;
    for (const doc of [
      root('<!-- c -->'), root('<![CDATA[x]]>'), root('&#0;'), root('&#xD800;'), root('&#x110000;'), root('&nbsp;'), root('&AMP;'), root('<a b="1" b="2"/>'), root('<a b=1/>'),
      root('<a b="1"c="2"/>'), root('<đ/>'), root('<a:b:c/>'), root('<a b="<"/>'), root('<?pi x?>'), `<!DOCTYPE r><r/>`,
      ` <?xml version="1.0"?><r/>`, `<r/><r/>`, `<r/>x`, `x<r/>`, `<r>`, `<r></s>`, '', `<?xml version="1.0"?>`,
    ]) expect(scanPlainXml(doc, 1024), doc).toBeUndefined();
    expect(scanPlainXml(root(`<a v="${'x'.repeat(30)}"/>`), 20)).toBeUndefined(); // past the markup limit
    expect(scanPlainXml(root('a&#xD;b&amp;&#65;'), 1024)).toEqual([
      { kind: 'instruction', name: 'xml', body: 'version="1.0" encoding="UTF-8"' }, { kind: 'open', qname: 'r', attributes: {} },
      { kind: 'text', text: 'a\rb&A' }, { kind: 'close' },
    ]);
  });
});
