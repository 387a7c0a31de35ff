import { SafeReader } from './safe-reader.js';
import type { XmlEventHandler } from './xml-event-handler.js';
import type { XmlLimits } from './xml-limits.js';

export type { XmlEventHandler } from './xml-event-handler.js';

/** Bytes handed to sax at a time; sax flushes text nodes past 64 Ki characters, so pieces stay small. */
const SLICE_BYTES = 64 * 1024;
/** Documents up to this size are read whole first, for the plain-XML fast path (see `scanPlainXml`). */
const WHOLE_MAX_BYTES = 256 * 1024;

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
 *
 * A document of at most 256 KiB is read whole first and, when it is in the plain subset edXML
 * packets are written in (`scanPlainXml`), its events come from native string searches instead of
 * sax, with the same checks, limits and handler calls; anything else goes through sax as above.
 */
export async function readXmlSafely(
  source: Uint8Array | AsyncIterable<Uint8Array | string>,
  limits: XmlLimits,
  handler: XmlEventHandler,
): Promise<void> {
  const chunks = (source instanceof Uint8Array ? [source] : source) as AsyncIterable<Uint8Array | string>;
  const iterator = chunks[Symbol.asyncIterator]?.() ?? toAsync((chunks as unknown as Iterable<Uint8Array>)[Symbol.iterator]());
  let done = false;
  const next = async (): Promise<Uint8Array | undefined> => {
    const step = await iterator.next();
    if (step.done) {
      done = true;
      return undefined;
    }
    return typeof step.value === 'string' ? Buffer.from(step.value) : step.value;
  };
  try {
    // 1. small and plain: whole
    const head: Uint8Array[] = [];
    let headBytes = 0;
    // Never more than the size limit: past it, the streamed read refuses the document without reading on.
    while (headBytes <= Math.min(WHOLE_MAX_BYTES, limits.maxBytes)) {
      const chunk = await next();
      if (!chunk) break;
      head.push(chunk);
      headBytes += chunk.length;
    }
    if (done && headBytes <= limits.maxBytes && new SafeReader(limits, handler).readWhole(Buffer.concat(head, headBytes))) {
      await handler.drain();
      return;
    }
    // 2. anything else: streamed through sax
    const reader = new SafeReader(limits, handler);
    const feed = async (bytes: Uint8Array): Promise<void> => {
      for (let at = 0; at < bytes.length; at += SLICE_BYTES) {
        reader.feed(bytes.subarray(at, at + SLICE_BYTES));
        await handler.drain();
      }
    };
    for (const chunk of head) await feed(chunk);
    for (let chunk = done ? undefined : await next(); chunk; chunk = await next()) await feed(chunk);
    reader.finish();
    await handler.drain();
  } finally {
    // Stopped early (an error): release the source, as `for await` would (a request body is destroyed).
    if (!done) await iterator.return?.();
  }
}

async function* toAsync<T>(it: Iterator<T>): AsyncGenerator<T> {
  for (let step = it.next(); !step.done; step = it.next()) yield step.value;
}

