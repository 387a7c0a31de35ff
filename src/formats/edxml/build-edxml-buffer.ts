import { buildEdxml } from './build-edxml.js';
import type { EdxmlPacket } from './edxml-packet.js';

export interface BuildEdxmlBufferOptions {
  /** A complete `<Signature …>…</Signature>` element to put in the signature slot. */
  signatureXml?: string;
}

/**
 * The whole packet in one buffer, for small packets and tests: XML declaration, canonical
 * document, and the signature when given. `payloads[i]` are the payload bytes of
 * `packet.attachments[i]` (for a parsed packet: `attachmentResults[i].payload`).
 */
export async function buildEdxmlBuffer(
  packet: EdxmlPacket,
  payloads: readonly Uint8Array[] = [],
  options: BuildEdxmlBufferOptions = {},
): Promise<Buffer> {
  const built = buildEdxml(packet, {
    openAttachment: (_attachment, index) => {
      const bytes = payloads[index];
      if (bytes === undefined) throw new TypeError(`buildEdxmlBuffer: no payload for attachment ${index}`);
      return [bytes];
    },
  });
  const parts: Buffer[] = [Buffer.from(built.xmlDeclaration + built.beforeSignature + (options.signatureXml ?? ''), 'utf8')];
  for await (const chunk of built.afterSignature()) parts.push(chunk);
  return Buffer.concat(parts);
}
