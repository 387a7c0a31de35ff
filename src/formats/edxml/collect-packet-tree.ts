import { createHash, type Hash } from 'node:crypto';
import { hubError } from '../../errors.js';
import type { AttachmentSink, AttachmentSinkFactory } from './attachment-sink.js';
import { Base64Decoder } from './base64-decoder.js';
import { EDXML_NS } from './edxml-namespaces.js';
import type { XmlAttribute, XmlName } from './namespace-scope.js';
import type { XmlEventHandler } from './read-xml-safely.js';
import { startsWithZipLocalHeader } from './unwrap-single-entry-zip.js';
import { pathOf, type XmlNode } from './xml-node.js';
import type { XmlLimits } from './xml-limits.js';

interface OpenPayload<R> {
  node: XmlNode;
  index: number;
  sink: AttachmentSink<R>;
  decoder: Base64Decoder;
  hash: Hash;
  size: number;
  head: number[];
}

/** `AttachmentEncoded/Attachment/ContentTransferEncoded` right under the root, in any namespace (§1.9). */
function isPayload(node: XmlNode): boolean {
  const attachment = node.parent;
  const encoded = attachment?.parent;
  return node.local === 'ContentTransferEncoded' && attachment?.local === 'Attachment' && encoded?.local === 'AttachmentEncoded' && encoded.parent !== undefined && encoded.parent.parent === undefined;
}

function textOf(parent: XmlNode, local: string): string | undefined {
  return parent.children.find((c) => c.local === local)?.text;
}

/**
 * Turns reader events into an {@link XmlNode} tree, except attachment payloads: their base64 text
 * is decoded as it arrives (remainder carried between pieces), hashed, and written to a sink, so
 * a 50 MB attachment is never held as one string. Sink calls are queued and run by `drain()`.
 */
export class PacketTreeCollector<R> implements XmlEventHandler {
  root: XmlNode | undefined;
  readonly results: R[] = [];
  readonly warnings: string[] = [];
  private readonly stack: XmlNode[] = [];
  private readonly queue: (() => unknown)[] = [];
  private readonly openSinks = new Set<AttachmentSink<R>>();
  private payload: OpenPayload<R> | undefined;
  private payloads = 0;

  constructor(
    private readonly limits: XmlLimits,
    private readonly sinkFactory: AttachmentSinkFactory<R>,
  ) {}

  openElement(name: XmlName, attributes: XmlAttribute[]): void {
    const parent = this.stack.at(-1);
    if (this.payload) throw hubError('HUB_ERR_EDXML_INVALID', [`element <${name.qname}> inside ${pathOf(this.payload.node)}`]);
    const ns = name.ns ?? '';
    // Tolerance (§1.9): `Business…` is read as the wire's `Bussiness…`.
    const local = ns === EDXML_NS ? name.local.replace(/^Business/, 'Bussiness') : name.local;
    const node: XmlNode = { ns, local, attributes, children: [], text: '', parent };
    parent?.children.push(node);
    this.root ??= node;
    this.stack.push(node);
    if (isPayload(node)) this.startPayload(node);
  }

  text(text: string): void {
    if (this.payload) return this.consume(this.payload.decoder.push(text));
    const node = this.stack.at(-1)!;
    node.text += text;
    if (node.text.length > this.limits.maxTextLength) {
      throw hubError('HUB_ERR_XML_LIMIT', [`text of ${pathOf(node)} longer than ${this.limits.maxTextLength} characters`]);
    }
  }

  closeElement(): void {
    const node = this.stack.pop();
    if (this.payload && this.payload.node === node) this.endPayload();
  }

  warning(message: string): void {
    this.warnings.push(message);
  }

  /** Inside an attachment payload: base64 text the decoder takes in whatever pieces. */
  opaqueText(): boolean {
    return this.payload !== undefined;
  }

  async drain(): Promise<void> {
    for (let op = this.queue.shift(); op; op = this.queue.shift()) await op();
  }

  /** The parse failed: let every sink still open drop what it stored. */
  async abort(reason: Error): Promise<void> {
    this.queue.length = 0;
    for (const sink of this.openSinks) await sink.abort?.(reason);
    this.openSinks.clear();
  }

  private startPayload(node: XmlNode): void {
    const attachment = node.parent!;
    if (attachment.children.some((c) => c !== node && c.local === 'ContentTransferEncoded')) {
      throw hubError('HUB_ERR_EDXML_INVALID', [`${pathOf(attachment)} has more than one ContentTransferEncoded`]);
    }
    const index = this.payloads++;
    const meta = { index, contentId: textOf(attachment, 'ContentId'), attachmentName: textOf(attachment, 'AttachmentName'), contentType: textOf(attachment, 'ContentType') };
    const sink = this.sinkFactory(meta);
    this.openSinks.add(sink);
    this.payload = { node, index, sink, decoder: new Base64Decoder(), hash: createHash('sha256'), size: 0, head: [] };
  }

  private consume(bytes: Buffer): void {
    const p = this.payload!;
    if (bytes.length === 0) return;
    p.hash.update(bytes);
    p.size += bytes.length;
    for (let i = 0; p.head.length < 4 && i < bytes.length; i++) p.head.push(bytes[i]!);
    const { sink } = p;
    this.queue.push(() => sink.write(bytes));
  }

  private endPayload(): void {
    const p = this.payload!;
    this.consume(p.decoder.end());
    this.payload = undefined;
    if (p.decoder.skipped > 0) {
      this.warnings.push(`${pathOf(p.node)}: ${p.decoder.skipped} characters outside the base64 alphabet ignored`);
    }
    p.node.payload = { index: p.index, size: p.size, sha256: p.hash.digest('hex'), zipHeader: startsWithZipLocalHeader(Uint8Array.from(p.head)) };
    this.queue.push(async () => {
      this.results[p.index] = await p.sink.end();
      this.openSinks.delete(p.sink);
    });
  }
}
