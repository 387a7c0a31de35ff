import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { AttachmentSink, AttachmentSinkMeta } from '../../../../src/formats/edxml/attachment-sink.js';
import { buildEdxml } from '../../../../src/formats/edxml/build-edxml.js';
import type { EdocPacket } from '../../../../src/formats/edxml/edxml-packet.js';
import { parseEdxml } from '../../../../src/formats/edxml/parse-edxml.js';
import { resolveAttachmentContent } from '../../../../src/formats/edxml/resolve-attachment-content.js';
import { BUILT_DIR, expectHubError, vendorSample } from './edxml-test-support.js';
import { ownFixtures } from './own-packets.js';

/** A stream of `bytes` cut into pieces of `size` bytes. */
function chunked(bytes: Buffer, size: number): Readable {
  return Readable.from(
    (function* () {
      for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
    })(),
  );
}

/** A sink that spools into memory slowly, recording the call sequence. */
function spoolingSink(log: string[], delayMs = 0) {
  return (meta: AttachmentSinkMeta): AttachmentSink<{ meta: AttachmentSinkMeta; bytes: Buffer; largest: number }> => {
    const chunks: Uint8Array[] = [];
    let busy = false;
    let largest = 0;
    return {
      async write(chunk) {
        expect(busy, 'writes never overlap').toBe(false);
        busy = true;
        if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
        chunks.push(chunk);
        largest = Math.max(largest, chunk.length);
        busy = false;
      },
      end() {
        log.push(`end ${meta.index}`);
        return { meta, bytes: Buffer.concat(chunks), largest };
      },
      abort(reason) {
        log.push(`abort ${meta.index}: ${(reason as Error & { code?: string }).code}`);
      },
    };
  };
}

describe('parseEdxml streaming', () => {
  it('gives the same result however the input is chunked (1, 7, 4096 bytes, one buffer)', async () => {
    const status = vendorSample('status_rejection_02.edxml');
    const whole = await parseEdxml(status);
    expect((await parseEdxml(chunked(status, 1))).packet).toEqual(whole.packet);
    const update = vendorSample('edoc_update.edxml');
    const reference = await parseEdxml(update);
    for (const size of [7, 4096]) {
      const streamed = await parseEdxml(chunked(update, size));
      expect(streamed.packet, `chunks of ${size}`).toEqual(reference.packet);
      expect(streamed.attachmentResults[0]!.payload.equals(reference.attachmentResults[0]!.payload)).toBe(true);
    }
  });

  it('a custom sink gets the raw payload in bounded pieces, awaited in order; a ZIP is settled in a second step', async () => {
    const log: string[] = [];
    const { packet, attachmentResults } = await parseEdxml(chunked(vendorSample('edoc_update.edxml'), 65_536), { attachmentSink: spoolingSink(log, 1) });
    const [result] = attachmentResults;
    expect(result!.meta).toEqual({ index: 0, contentId: 'cid:209', attachmentName: '1896_QD-TTg_m_294779.doc', contentType: 'application/zip' });
    expect(result!.largest).toBeLessThan(128 * 1024);
    expect(log).toEqual(['end 0']);
    const attachment = (packet as EdocPacket).attachments[0]!;
    expect(attachment.payload).toEqual({ size: result!.bytes.length, sha256: createHash('sha256').update(result!.bytes).digest('hex') });
    expect(attachment.content).toBeUndefined(); // starts with PK\3\4: unknown until the whole ZIP can be read

    const resolved = resolveAttachmentContent(attachment, result!.bytes);
    const byDefault = await parseEdxml(vendorSample('edoc_update.edxml'));
    expect(resolved.attachment).toEqual((byDefault.packet as EdocPacket).attachments[0]);
    expect(Buffer.from(resolved.content).equals(Buffer.from(byDefault.attachmentResults[0]!.content))).toBe(true);
    await expectHubError(() => resolveAttachmentContent(attachment, result!.bytes.subarray(1)), 'HUB_ERR_INVALID_ATTACHMENT', /differ/);
  });

  it('a raw payload is settled while streaming, even with a custom sink', async () => {
    const { packet } = await parseEdxml(readFileSync(`${BUILT_DIR}edoc-new.edxml`), { attachmentSink: spoolingSink([]) });
    expect((packet as EdocPacket).attachments.map((a) => a.content?.zipped)).toEqual([false, false]);
  });

  it('aborts every sink still open when the packet turns out bad, and never ends it', async () => {
    const update = vendorSample('edoc_update.edxml');
    const cut = update.subarray(0, update.length - 200); // stops inside the payload
    const log: string[] = [];
    await expectHubError(parseEdxml(cut, { attachmentSink: spoolingSink(log) }), 'HUB_ERR_XML_MALFORMED');
    expect(log).toEqual(['abort 0: HUB_ERR_XML_MALFORMED']);

    const twoPayloads = update.toString('utf8').replace('</ContentType>', '</ContentType><edXML:ContentTransferEncoded xmlns:edXML="http://www.mic.gov.vn/TBT/QCVN_102_2016">QUJD</edXML:ContentTransferEncoded>');
    const log2: string[] = [];
    await expectHubError(parseEdxml(Buffer.from(twoPayloads), { attachmentSink: spoolingSink(log2) }), 'HUB_ERR_EDXML_INVALID', /more than one ContentTransferEncoded/);
    expect(log2).toEqual(['abort 0: HUB_ERR_EDXML_INVALID']);
  });
});

describe('buildEdxml streaming', () => {
  it('refuses attachment bytes that are not the payload the packet describes (HUB_ERR_INVALID_ATTACHMENT)', async () => {
    const fixture = ownFixtures().find((f) => f.name === 'edoc-update.edxml')!;
    const built = buildEdxml(fixture.packet, { openAttachment: () => Readable.from([Buffer.from('not the pdf')]) });
    const drain = async () => {
      for await (const _chunk of built.afterSignature()) void _chunk;
    };
    await expectHubError(drain(), 'HUB_ERR_INVALID_ATTACHMENT', /differ from the packet's payload/);
  });

  it('encodes the same whatever the chunking of the attachment stream', async () => {
    const fixture = ownFixtures().find((f) => f.name === 'edoc-new.edxml')!;
    const read = async (size: number) => {
      const built = buildEdxml(fixture.packet, { openAttachment: (_a, i) => chunked(fixture.payloads[i]!, size) });
      const parts: Buffer[] = [Buffer.from(built.xmlDeclaration + built.beforeSignature)];
      for await (const chunk of built.afterSignature()) parts.push(chunk);
      return Buffer.concat(parts);
    };
    const expected = readFileSync(`${BUILT_DIR}edoc-new.edxml`);
    for (const size of [1, 2, 3, 5, 1000]) expect((await read(size)).equals(expected), `chunks of ${size}`).toBe(true);
  });

  it('needs openAttachment when there are attachments', () => {
    const fixture = ownFixtures().find((f) => f.name === 'edoc-new.edxml')!;
    expect(() => buildEdxml(fixture.packet)).toThrow(/openAttachment/);
  });
});
