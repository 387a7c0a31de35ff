import { memorySink, type AttachmentSinkFactory } from './attachment-sink.js';
import { PacketTreeCollector } from './collect-packet-tree.js';
import type { EdxmlPacket } from './edxml-packet.js';
import { readPacketTree } from './read-packet-tree.js';
import { readXmlSafely } from './read-xml-safely.js';
import { resolveAttachmentContent } from './resolve-attachment-content.js';
import { resolveXmlLimits, type XmlLimits } from './xml-limits.js';

/** Bytes in memory, or a stream of them (a `Readable` qualifies). */
export type EdxmlSource = Uint8Array | AsyncIterable<Uint8Array | string>;

export interface ParseEdxmlOptions<R> {
  /** Overrides of `DEFAULT_XML_LIMITS`. */
  limits?: Partial<XmlLimits>;
  /**
   * Where attachment payloads go, one sink per attachment. Default: memory, and then the parser
   * itself unwraps single-entry ZIPs. With a custom sink a ZIP-looking payload keeps
   * `content: undefined` until the caller runs `resolveAttachmentContent` on the stored bytes.
   */
  attachmentSink?: AttachmentSinkFactory<R>;
  /** Largest ZIP entry the default path inflates (default 512 MiB); larger ones stay wrapped. */
  maxUnzippedBytes?: number;
}

export interface ParsedEdxml<R> {
  packet: EdxmlPacket;
  /** What each attachment's sink returned, in attachment order. */
  attachmentResults: R[];
  /** Tolerated oddities: ignored elements and attributes, skipped base64 characters, manifest mismatches. */
  warnings: string[];
}

/** What the default memory sink yields per attachment. */
export interface AttachmentBytes {
  /** The base64-decoded payload as carried. */
  payload: Buffer;
  /** The attachment: the single ZIP entry, or the payload itself. */
  content: Uint8Array;
}

/**
 * Parses an edXML packet (document or status), streaming: attachment payloads are decoded as they
 * arrive into sinks, never held as one base64 string. Pure: same bytes, same result.
 *
 * @throws `HUB_ERR_XML_MALFORMED` not well-formed (bytes before the declaration included);
 *   `HUB_ERR_XML_FORBIDDEN` DOCTYPE, entity declarations or non-predefined entity references;
 *   `HUB_ERR_XML_LIMIT` a limit of {@link XmlLimits} exceeded;
 *   `HUB_ERR_EDXML_INVALID` wrong root or namespace, missing required element, bad date or code
 *   (the detail names the element path). On any error every opened sink is aborted.
 */
export function parseEdxml(source: EdxmlSource, options?: Omit<ParseEdxmlOptions<never>, 'attachmentSink'>): Promise<ParsedEdxml<AttachmentBytes>>;
export function parseEdxml<R>(source: EdxmlSource, options: ParseEdxmlOptions<R> & { attachmentSink: AttachmentSinkFactory<R> }): Promise<ParsedEdxml<R>>;
export async function parseEdxml<R>(source: EdxmlSource, options: ParseEdxmlOptions<R> = {}): Promise<ParsedEdxml<R | AttachmentBytes>> {
  const limits = resolveXmlLimits(options.limits);
  const custom = options.attachmentSink;
  const collector = new PacketTreeCollector<R | Buffer>(limits, custom ?? memorySink);
  let read: ReturnType<typeof readPacketTree>;
  try {
    await readXmlSafely(source, limits, collector);
    read = readPacketTree(collector.root!);
  } catch (err) {
    await collector.abort(err as Error);
    throw err;
  }
  const warnings = [...collector.warnings, ...read.ignored];
  if (custom) return { packet: read.packet, attachmentResults: collector.results as R[], warnings };

  // Default sink: the payloads are in memory, so settle "ZIP single entry, else raw" now.
  const payloads = collector.results as Buffer[];
  const packet = read.packet;
  const results: AttachmentBytes[] = [];
  if (packet.kind === 'edoc') {
    packet.attachments = packet.attachments.map((attachment, i) => {
      const payload = payloads[i]!;
      const resolved = resolveAttachmentContent(attachment, payload, options.maxUnzippedBytes);
      if (resolved.note) warnings.push(`attachment ${attachment.contentId ?? i}: ${resolved.note}; kept raw`);
      results.push({ payload, content: resolved.content });
      return resolved.attachment;
    });
  }
  return { packet, attachmentResults: results, warnings };
}
