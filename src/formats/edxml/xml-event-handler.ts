import type { XmlAttribute, XmlName } from './namespace-scope.js';

/** What `readXmlSafely` reports, in document order. Handlers may throw a hub error to stop. */
export interface XmlEventHandler {
  openElement(name: XmlName, attributes: XmlAttribute[]): void;
  /** Character data (text and CDATA) inside the root element, in pieces; line ends normalised. */
  text(text: string): void;
  closeElement(): void;
  warning(message: string): void;
  /** Awaited after each slice of input: where asynchronous work queued by the events gets done. */
  drain(): Promise<void>;
  /**
   * True while the open element's text is opaque to the handler (an attachment payload): the reader
   * then hands its character data over in bulk, up to the next `<` or `&`, without sax walking it
   * character by character (3/4 of a 20 KB packet's parse). Same `text()` calls, only in other pieces.
   */
  opaqueText?(): boolean;
}
