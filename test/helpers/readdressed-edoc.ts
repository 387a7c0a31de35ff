import { readFile } from 'node:fs/promises';
import { parseEdxml, type EdocPacket } from '../../src/formats/edxml/index.js';

let serial = 0;

/**
 * The fixture edoc (`test/fixtures/edxml/built/edoc-new.edxml`) re-addressed from `from` to `to`,
 * with a document id and code of its own (`<from>,<date>,<n>/<notation>`), so each packet is a new
 * document; its attachments' payloads beside it, for building it again.
 */
export async function readdressedEdoc(from: string, to: string[], opts: { date: string; notation: string }): Promise<{ packet: EdocPacket; payloads: Buffer[] }> {
  const { packet, attachmentResults } = await parseEdxml(await readFile('test/fixtures/edxml/built/edoc-new.edxml'));
  const source = packet as EdocPacket;
  serial += 1;
  const organ = (code: string) => ({ ...source.header.from, organId: code });
  return {
    packet: {
      ...source,
      header: {
        ...source.header, from: organ(from), to: to.map(organ),
        documentId: `${from},${opts.date},${serial}/${opts.notation}`, code: { codeNumber: String(serial), codeNotation: opts.notation },
      },
    },
    payloads: attachmentResults.map((a) => a.payload),
  };
}
