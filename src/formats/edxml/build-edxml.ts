import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { hubError } from '../../errors.js';
import { encodeBase64Stream } from './base64-encode-stream.js';
import { CanonicalXmlWriter } from './canonical-xml-writer.js';
import { EDXML_NS, EDXML_PREFIX } from './edxml-namespaces.js';
import type { EdocPacket, EdxmlAttachment, EdxmlPacket } from './edxml-packet.js';
import { writeEdocHeader, writeStatusHeader } from './write-message-header.js';
import { writeTraceHeaderList } from './write-trace-header-list.js';

/** Opens the payload bytes of one attachment (exactly what `attachment.payload` describes). */
export type OpenAttachment = (
  attachment: EdxmlAttachment,
  index: number,
) => PayloadSource | Promise<PayloadSource>;

/** A `Readable`, or any (async) iterable of byte chunks. */
export type PayloadSource = Readable | AsyncIterable<Uint8Array> | Iterable<Uint8Array>;

export interface BuildEdxmlOptions {
  /** Required when the packet has attachments. Called again on every `afterSignature()` run. */
  openAttachment?: OpenAttachment;
}

/**
 * A packet split at its signature slot. The document is
 * `xmlDeclaration + beforeSignature + [Signature] + afterSignature`, and
 * `beforeSignature + afterSignature` is already its Exclusive XML Canonicalization (without
 * comments): exactly the bytes an enveloped-signature + exc-c14n reference over `URI=""` digests.
 * A `<Signature xmlns="http://www.w3.org/2000/09/xmldsig#">…</Signature>` inserted between the two
 * parts, with no whitespace around it, becomes the last child of `edXML:edXMLHeader`.
 */
export interface BuiltEdxml {
  /** `<?xml version="1.0" encoding="UTF-8"?>` and a LF: outside the canonical form. */
  xmlDeclaration: string;
  /** From `<edXML …>` through the end of `TraceHeaderList` (or `MessageHeader`). */
  beforeSignature: string;
  /** From `</edXML:edXMLHeader>` to `</edXML>` (no trailing newline), attachments base64-encoded on the fly. A fresh stream on every call. */
  afterSignature(): AsyncIterable<Buffer>;
}

export const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n';
const NS_DECL = [[`xmlns:${EDXML_PREFIX}`, EDXML_NS]] as const;

type Segment = string | { attachment: EdxmlAttachment; index: number };

/** Body, and attachments split around their payloads. */
function afterSegments(w: CanonicalXmlWriter, packet: EdocPacket): Segment[] {
  if (packet.manifest) {
    w.open('edXMLBody').open('edXMLManifest', packet.manifest.version === undefined ? [] : [['version', packet.manifest.version]]);
    for (const r of packet.manifest.references) {
      w.open('Reference').leaf('ContentId', r.contentId).leaf('ContentType', r.contentType).leaf('Description', r.description).leaf('AttachmentName', r.attachmentName).close('Reference');
    }
    w.close('edXMLManifest').close('edXMLBody');
  }
  w.close('edXMLEnvelope');
  if (packet.attachments.length === 0) return [w.take()];
  const segments: Segment[] = [];
  // exc-c14n renders xmlns:edXML again here: no output ancestor of AttachmentEncoded declares it.
  w.open('AttachmentEncoded', NS_DECL);
  packet.attachments.forEach((a, index) => {
    w.open('Attachment').leaf('ContentId', a.contentId).leaf('AttachmentName', a.attachmentName).leaf('Description', a.description).leaf('ContentType', a.contentType);
    segments.push(w.raw(`<${EDXML_PREFIX}:ContentTransferEncoded>`).take(), { attachment: a, index });
    w.raw(`</${EDXML_PREFIX}:ContentTransferEncoded>\n`).close('Attachment');
  });
  w.close('AttachmentEncoded');
  segments.push(w.take());
  return segments;
}

/** Hashes and counts the bytes as they pass, and fails the stream if they are not the payload the packet describes. */
async function* checkedPayload(source: PayloadSource, attachment: EdxmlAttachment, index: number): AsyncGenerator<Uint8Array> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of source) {
    hash.update(chunk);
    size += chunk.length;
    yield chunk;
  }
  const sha256 = hash.digest('hex');
  if (size !== attachment.payload.size || sha256 !== attachment.payload.sha256) {
    throw hubError('HUB_ERR_INVALID_ATTACHMENT', [attachment.contentId ?? index, `bytes (${size} B, sha256 ${sha256}) differ from the packet's payload`]);
  }
}

/**
 * Builds a packet the way the VNPT reference builder orders it, directly in canonical form:
 * root `<edXML xmlns="…QCVN_102_2016">`, children prefixed `edXML:` with `xmlns:edXML` on
 * `edXMLEnvelope` and `AttachmentEncoded` only, `Bussiness` spelled so, no self-closing tags, no
 * comments, one LF after each start tag of a container and after each end tag, no indentation,
 * base64 payloads on one line. The `signature` summary of a parsed packet is not written back.
 *
 * @throws `HUB_ERR_EDXML_INVALID` (synchronously) when the model cannot be written as a valid
 *   packet: empty required field, bad date, bad code, a character XML cannot carry.
 */
export function buildEdxml(packet: EdxmlPacket, options: BuildEdxmlOptions = {}): BuiltEdxml {
  const w = new CanonicalXmlWriter();
  w.raw(`<edXML xmlns="${EDXML_NS}">\n`).open('edXMLEnvelope', NS_DECL).open('edXMLHeader');
  if (packet.kind === 'edoc') writeEdocHeader(w, packet.header);
  else writeStatusHeader(w, packet.header);
  if (packet.traceHeaderList) writeTraceHeaderList(w, packet.traceHeaderList);
  const beforeSignature = w.take();
  w.close('edXMLHeader');
  const segments = packet.kind === 'edoc' ? afterSegments(w, packet) : [w.close('edXMLEnvelope').take()];
  segments.push('</edXML>');
  const { openAttachment } = options;
  if (packet.kind === 'edoc' && packet.attachments.length > 0 && !openAttachment) {
    throw new TypeError('buildEdxml: the packet has attachments, pass options.openAttachment');
  }
  return {
    xmlDeclaration: XML_DECLARATION,
    beforeSignature,
    async *afterSignature() {
      for (const segment of segments) {
        if (typeof segment === 'string') {
          yield Buffer.from(segment, 'utf8');
          continue;
        }
        const source = await openAttachment!(segment.attachment, segment.index);
        yield* encodeBase64Stream(checkedPayload(source, segment.attachment, segment.index));
      }
    },
  };
}
