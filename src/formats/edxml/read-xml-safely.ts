import sax from 'sax';
import { hubError } from '../../errors.js';
import { NamespaceScope, type XmlAttribute, type XmlName } from './namespace-scope.js';
import type { XmlLimits } from './xml-limits.js';

/** What {@link readXmlSafely} reports, in document order. Handlers may throw a hub error to stop. */
export interface XmlEventHandler {
  openElement(name: XmlName, attributes: XmlAttribute[]): void;
  /** Character data (text and CDATA) inside the root element, in pieces; line ends normalised. */
  text(text: string): void;
  closeElement(): void;
  warning(message: string): void;
  /** Awaited after each slice of input: where asynchronous work queued by the events gets done. */
  drain(): Promise<void>;
}

/** Bytes handed to sax at a time; sax flushes text nodes past 64 Ki characters, so pieces stay small. */
const SLICE_BYTES = 64 * 1024;
const DECLARATION_KEYWORD = /^\s*(DOCTYPE|ENTITY|ELEMENT|ATTLIST|NOTATION)/i;

/** The sax internals we read (not in its typings): the state machine and its current buffers. */
interface SaxInternals {
  state: number;
  entity: string;
  sgmlDecl: string;
  comment: string;
  attribName: string;
  attribValue: string;
  tagName: string;
  procInstName: string;
  procInstBody: string;
}
/** sax buffers that grow with one piece of markup; text and CDATA are flushed to us in pieces instead. */
const MARKUP_BUFFERS = ['comment', 'attribName', 'attribValue', 'tagName', 'procInstName', 'procInstBody', 'sgmlDecl', 'entity'] as const;
const STATE = (sax as unknown as { STATE: Record<string, number> }).STATE;
const DTD_STATES = new Set(['DOCTYPE', 'DOCTYPE_QUOTED', 'DOCTYPE_DTD', 'DOCTYPE_DTD_QUOTED'].map((s) => STATE[s]));
const SGML_STATES = new Set(['SGML_DECL', 'SGML_DECL_QUOTED'].map((s) => STATE[s]));

/**
 * Streams untrusted XML through sax (strict mode, only the five predefined entities) and reports
 * elements with resolved namespaces. Refuses, before anything is expanded:
 * - any DOCTYPE (hence DTDs, entity declarations, external entities) and any markup declaration,
 *   and references to entities other than the predefined five → `HUB_ERR_XML_FORBIDDEN`;
 * - input beyond the {@link XmlLimits} → `HUB_ERR_XML_LIMIT`;
 * - anything not well-formed, invalid UTF-8, bytes or whitespace before the XML declaration,
 *   a second root → `HUB_ERR_XML_MALFORMED`.
 * Undeclared namespace prefixes are tolerated (names get `ns: null`, one warning per prefix).
 * Line ends are normalised (CRLF and CR to LF) before parsing, as XML 1.0 §2.11 requires.
 * Known gap: sax silently keeps the first of duplicate attributes instead of failing.
 */
export async function readXmlSafely(
  source: Uint8Array | AsyncIterable<Uint8Array | string>,
  limits: XmlLimits,
  handler: XmlEventHandler,
): Promise<void> {
  const reader = new SafeReader(limits, handler);
  const chunks = source instanceof Uint8Array ? [source] : source;
  for await (const chunk of chunks) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    for (let at = 0; at < bytes.length; at += SLICE_BYTES) {
      reader.feed(bytes.subarray(at, at + SLICE_BYTES));
      await handler.drain();
    }
  }
  reader.finish();
  await handler.drain();
}

class SafeReader {
  private readonly parser = sax.parser(true, { xmlns: false, position: true, strictEntities: true } as sax.SAXOptions);
  private readonly internals = this.parser as unknown as SaxInternals;
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });
  private readonly scope = new NamespaceScope();
  private bytes = 0;
  private elements = 0;
  private depth = 0;
  private events = 0;
  private firstChar: string | undefined;
  private pendingCr = false;
  private rootClosed = false;
  private readonly undeclared = new Set<string>();

  constructor(
    private readonly limits: XmlLimits,
    private readonly handler: XmlEventHandler,
  ) {
    const p = this.parser;
    p.onerror = (err) => {
      throw this.classify(err.message.split('\n')[0] ?? err.message);
    };
    p.ondoctype = () => {
      throw hubError('HUB_ERR_XML_FORBIDDEN', ['DOCTYPE declaration (DTDs and entity declarations are never accepted)']);
    };
    (p as unknown as { onsgmldeclaration: (d: string) => void }).onsgmldeclaration = (decl) => {
      throw this.markupDeclaration(decl) ?? hubError('HUB_ERR_XML_MALFORMED', [`unexpected markup <!${decl.slice(0, 40)}>`]);
    };
    p.onprocessinginstruction = ({ name, body }) => this.processingInstruction(name, body);
    p.onopentag = (tag) => this.open(tag.name, tag.attributes as Record<string, string>);
    p.onclosetag = () => this.close();
    p.ontext = (t) => this.text(t);
    p.oncdata = (t) => this.text(t);
    p.oncomment = () => {
      this.events++;
    };
  }

  feed(slice: Uint8Array): void {
    this.bytes += slice.length;
    if (this.bytes > this.limits.maxBytes) throw hubError('HUB_ERR_XML_LIMIT', [`document larger than ${this.limits.maxBytes} bytes`]);
    this.write(this.decode(slice, true));
  }

  finish(): void {
    this.write(this.decode(new Uint8Array(0), false)); // flushes a held-back CR as LF
    this.parser.close();
    if (this.elements === 0) throw hubError('HUB_ERR_XML_MALFORMED', ['no root element']);
  }

  private decode(bytes: Uint8Array, stream: boolean): string {
    let text: string;
    try {
      text = this.decoder.decode(bytes, { stream });
    } catch {
      throw hubError('HUB_ERR_XML_MALFORMED', [`invalid UTF-8 near byte ${this.bytes}`]);
    }
    if (this.firstChar === undefined && text.length > 0) this.firstChar = text[0];
    if (this.pendingCr) text = '\r' + text;
    this.pendingCr = stream && text.endsWith('\r');
    if (this.pendingCr) text = text.slice(0, -1);
    return text.replace(/\r\n?/g, '\n');
  }

  private write(text: string): void {
    if (text.length === 0) return;
    this.parser.write(text);
    const { state, sgmlDecl } = this.internals;
    if (DTD_STATES.has(state)) throw hubError('HUB_ERR_XML_FORBIDDEN', ['DOCTYPE declaration (DTDs and entity declarations are never accepted)']);
    if (SGML_STATES.has(state)) {
      const forbidden = this.markupDeclaration(sgmlDecl);
      if (forbidden) throw forbidden;
    }
    // sax only checks its buffers at coarse checkpoints; bound markup in progress ourselves.
    for (const buffer of MARKUP_BUFFERS) {
      if (this.internals[buffer].length > this.limits.maxTextLength) {
        throw hubError('HUB_ERR_XML_LIMIT', [`${buffer} longer than ${this.limits.maxTextLength} characters`]);
      }
    }
  }

  private markupDeclaration(decl: string): Error | undefined {
    const keyword = DECLARATION_KEYWORD.exec(decl)?.[1];
    return keyword ? hubError('HUB_ERR_XML_FORBIDDEN', [`<!${keyword.toUpperCase()} declaration`]) : undefined;
  }

  private classify(message: string): Error {
    const where = `line ${this.parser.line + 1}, column ${this.parser.column}`;
    if (message.startsWith('Max buffer length exceeded')) return hubError('HUB_ERR_XML_LIMIT', [`${message}, ${where}`]);
    if (message === 'Invalid character entity' && !this.internals.entity.startsWith('#')) {
      return hubError('HUB_ERR_XML_FORBIDDEN', [`reference to entity &${this.internals.entity}; (only &amp; &lt; &gt; &quot; &apos; are accepted), ${where}`]);
    }
    if (/doctype/i.test(message)) return hubError('HUB_ERR_XML_FORBIDDEN', ['DOCTYPE declaration (DTDs and entity declarations are never accepted)']);
    if (SGML_STATES.has(this.internals.state)) return this.markupDeclaration(this.internals.sgmlDecl) ?? hubError('HUB_ERR_XML_MALFORMED', [`${message}, ${where}`]);
    return hubError('HUB_ERR_XML_MALFORMED', [`${message}, ${where}`]);
  }

  private processingInstruction(name: string, body: string): void {
    if (name.toLowerCase() === 'xml') {
      if (name !== 'xml' || this.events > 0 || this.firstChar !== '<') {
        throw hubError('HUB_ERR_XML_MALFORMED', ['the XML declaration must come first, with nothing before it']);
      }
      const version = /version\s*=\s*["']([^"']*)["']/.exec(body)?.[1];
      const encoding = /encoding\s*=\s*["']([^"']*)["']/.exec(body)?.[1];
      if (version !== '1.0') throw hubError('HUB_ERR_XML_MALFORMED', [`XML version ${version ?? '(missing)'} (only 1.0 is read)`]);
      if (encoding !== undefined && encoding.toUpperCase() !== 'UTF-8') {
        throw hubError('HUB_ERR_EDXML_INVALID', [`encoding ${encoding}: edXML packets are UTF-8`]);
      }
    }
    this.events++;
  }

  private open(qname: string, rawAttributes: Record<string, string>): void {
    this.events++;
    if (this.rootClosed) throw hubError('HUB_ERR_XML_MALFORMED', [`element <${qname}> after the root element`]);
    if (++this.elements > this.limits.maxElements) throw hubError('HUB_ERR_XML_LIMIT', [`more than ${this.limits.maxElements} elements`]);
    if (++this.depth > this.limits.maxDepth) throw hubError('HUB_ERR_XML_LIMIT', [`elements nested deeper than ${this.limits.maxDepth}`]);
    const values = Object.values(rawAttributes);
    if (values.some((v) => v.length > this.limits.maxTextLength)) {
      throw hubError('HUB_ERR_XML_LIMIT', [`attribute value on <${qname}> longer than ${this.limits.maxTextLength} characters`]);
    }
    const count = values.length;
    if (count > this.limits.maxAttributesPerElement) {
      throw hubError('HUB_ERR_XML_LIMIT', [`${count} attributes on <${qname}> (limit ${this.limits.maxAttributesPerElement})`]);
    }
    const { name, attributes } = this.scope.enter(qname, rawAttributes, (prefix, where) => {
      if (this.undeclared.has(prefix)) return;
      this.undeclared.add(prefix);
      this.handler.warning(`undeclared namespace prefix "${prefix}" (first on ${where}): such names match by local name only`);
    });
    this.handler.openElement(name, attributes);
  }

  private close(): void {
    this.scope.leave();
    this.handler.closeElement();
    if (--this.depth === 0) this.rootClosed = true;
  }

  private text(text: string): void {
    if (this.depth > 0) this.handler.text(text);
  }
}
