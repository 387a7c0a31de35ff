import sax from 'sax';
import { hubError } from '../../errors.js';
import { NamespaceScope } from './namespace-scope.js';
import { scanPlainXml, type PlainXmlEvent } from './scan-plain-xml.js';
import type { XmlEventHandler } from './xml-event-handler.js';
import type { XmlLimits } from './xml-limits.js';

const DECLARATION_KEYWORD = /^\s*(DOCTYPE|ENTITY|ELEMENT|ATTLIST|NOTATION)/i;
/**
 * A character XML 1.0 does not allow anywhere in a document (outside its `Char` production): C0
 * controls but tab, LF and CR, and U+FFFE/U+FFFF (valid UTF-8 cannot hold a lone surrogate). sax
 * passes them through as text; U+0000 would then fail the database write, the others be stored.
 */
const NOT_XML_CHAR = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;

/** The sax internals we read (not in its typings): the state machine and its current buffers. */
interface SaxInternals {
  state: number;
  textNode: string;
  sawRoot: boolean;
  closedRoot: boolean;
  position: number;
  line: number;
  column: number;
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
const TEXT_STATE = STATE.TEXT;
/** Where a payload's start tag is: input is cut after its `>` so that its text can go in bulk. */
const PAYLOAD_TAG = 'ContentTransferEncoded';

/**
 * One document's reading for `readXmlSafely`: sax in strict mode fed slice by slice (`feed`, then
 * `finish`), or the whole document at once through the plain-XML fast path (`readWhole`); either way
 * the same checks, limits and handler calls.
 */
export class SafeReader {
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

  /**
   * Reads a complete document through the plain-XML fast path. False, having reported nothing,
   * when the document is not in the plain subset (or not valid UTF-8): read it with `feed` then.
   */
  readWhole(bytes: Uint8Array): boolean {
    let text: string;
    try {
      text = this.decoder.decode(bytes);
    } catch {
      return false; // the streamed read reports where
    }
    if (NOT_XML_CHAR.test(text)) return false; // the streamed read reports where
    if (text.includes('\r')) text = text.replace(/\r\n?/g, '\n');
    const events = scanPlainXml(text, this.limits.maxTextLength);
    if (!events) return false;
    this.bytes = bytes.length;
    this.firstChar = text[0];
    for (const event of events) this.report(event);
    if (this.elements === 0) throw hubError('HUB_ERR_XML_MALFORMED', ['no root element']);
    return true;
  }

  private report(event: PlainXmlEvent): void {
    switch (event.kind) {
      case 'instruction':
        return this.processingInstruction(event.name, event.body);
      case 'open':
        return this.open(event.qname, event.attributes);
      case 'close':
        return this.close();
      case 'text':
        return this.text(event.text);
      default: {
        const unknown: never = event;
        throw new Error(`unknown XML event ${JSON.stringify(unknown)}`);
      }
    }
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
    const bad = NOT_XML_CHAR.exec(text);
    if (bad) throw hubError('HUB_ERR_XML_MALFORMED', [`U+${bad[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')} is not an XML character (near byte ${this.bytes})`]);
    if (this.firstChar === undefined && text.length > 0) this.firstChar = text[0];
    if (this.pendingCr) text = '\r' + text;
    this.pendingCr = stream && text.endsWith('\r');
    if (this.pendingCr) text = text.slice(0, -1);
    return text.includes('\r') ? text.replace(/\r\n?/g, '\n') : text;
  }

  /** Feeds sax, except opaque text, which goes to the handler directly (see `opaqueText`). */
  private write(text: string): void {
    let rest = text;
    while (rest.length > 0) {
      const bulk = this.opaqueTextLength(rest);
      if (bulk > 0) {
        this.passText(rest.slice(0, bulk));
        rest = rest.slice(bulk);
        continue;
      }
      // Up to the end of the next payload start tag (or of the input): sax reads it, and the payload's
      // text, if this was its start tag, is taken in bulk on the next turn.
      const tag = rest.indexOf(PAYLOAD_TAG);
      const close = tag < 0 ? -1 : rest.indexOf('>', tag);
      const cut = close < 0 ? rest.length : close + 1;
      this.writeSax(rest.slice(0, cut));
      rest = rest.slice(cut);
    }
  }

  /** How many characters at the start of `text` are opaque character data the handler takes in bulk (0: none). */
  private opaqueTextLength(text: string): number {
    const sax = this.internals;
    if (!this.handler.opaqueText?.() || sax.state !== TEXT_STATE || sax.textNode !== '' || !sax.sawRoot || sax.closedRoot) return 0;
    const lt = text.indexOf('<');
    const amp = text.indexOf('&');
    const end = lt < 0 ? (amp < 0 ? text.length : amp) : amp < 0 ? lt : Math.min(lt, amp);
    return end;
  }

  /** Character data sax would have passed on as is: keep its position (for error messages) and hand it over. */
  private passText(text: string): void {
    const sax = this.internals;
    sax.position += text.length;
    let lineEnd = text.indexOf('\n');
    if (lineEnd < 0) sax.column += text.length;
    else {
      let last = lineEnd;
      for (; lineEnd >= 0; lineEnd = text.indexOf('\n', lineEnd + 1)) {
        sax.line += 1;
        last = lineEnd;
      }
      sax.column = text.length - last - 1;
    }
    this.handler.text(text);
  }

  private writeSax(text: string): void {
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
    let count = 0;
    for (const attr in rawAttributes) {
      count++;
      if (rawAttributes[attr]!.length > this.limits.maxTextLength) {
        throw hubError('HUB_ERR_XML_LIMIT', [`attribute value on <${qname}> longer than ${this.limits.maxTextLength} characters`]);
      }
    }
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
