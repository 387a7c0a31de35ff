import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { AttachmentSink } from '../../../../src/formats/edxml/attachment-sink.js';
import { buildEdxml } from '../../../../src/formats/edxml/build-edxml.js';
import type { EdocPacket } from '../../../../src/formats/edxml/edxml-packet.js';
import { parseEdxml } from '../../../../src/formats/edxml/parse-edxml.js';
import { ownFixtures } from './own-packets.js';

const SIZE = 50 * 1024 * 1024;
const CHUNK = 64 * 1024;
const MB = 1024 * 1024;

/** 50 MB of deterministic pseudo-random bytes (xorshift32), produced chunk by chunk, never held whole. */
function* payload(): Generator<Buffer> {
  let x = 0x9e3779b9;
  for (let done = 0; done < SIZE; done += CHUNK) {
    const chunk = Buffer.allocUnsafe(Math.min(CHUNK, SIZE - done));
    for (let i = 0; i + 4 <= chunk.length; i += 4) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      chunk.writeUInt32LE(x >>> 0, i);
    }
    if (done === 0) chunk[0] = 0x25; // '%': not a ZIP local header
    yield chunk;
  }
}

/** A sink that only hashes: what a blob-store sink costs in memory, minus the disk. */
function hashingSink(onWrite: () => void): AttachmentSink<{ size: number; sha256: string }> {
  const hash = createHash('sha256');
  let size = 0;
  return {
    write(chunk) {
      hash.update(chunk);
      size += chunk.length;
      onWrite();
    },
    end: () => ({ size, sha256: hash.digest('hex') }),
  };
}

describe('a packet with a 50 MB attachment, built and parsed through the streaming paths', () => {
  it('never holds the attachment or its base64 text whole: peak RSS growth stays below one copy of either', async () => {
    const hash = createHash('sha256');
    for (const chunk of payload()) hash.update(chunk);
    const sha256 = hash.digest('hex');

    const base = ownFixtures().find((f) => f.name === 'edoc-new.edxml')!.packet as EdocPacket;
    const attachment = { contentId: 'cid:big', attachmentName: 'ho-so-lon.pdf', contentType: 'application/pdf', payload: { size: SIZE, sha256 }, content: { size: SIZE, sha256, zipped: false } };
    const packet: EdocPacket = { ...base, manifest: { version: '1.0', references: [{ contentId: 'cid:big', attachmentName: 'ho-so-lon.pdf' }] }, attachments: [attachment] };
    const built = buildEdxml(packet, { openAttachment: () => Readable.from(payload()) });
    let wireBytes = 0;
    const wire = Readable.from(
      (async function* () {
        yield Buffer.from(built.xmlDeclaration + built.beforeSignature);
        for await (const chunk of built.afterSignature()) {
          wireBytes += chunk.length;
          yield chunk;
        }
      })(),
    );

    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const sample = () => {
      peak = Math.max(peak, process.memoryUsage().rss);
    };
    const timer = setInterval(sample, 5);
    const started = performance.now();
    let writes = 0;
    const { packet: parsed, attachmentResults } = await parseEdxml(wire, {
      limits: { maxBytes: 80 * MB },
      attachmentSink: () => hashingSink(() => ++writes % 64 === 0 && sample()),
    }).finally(() => clearInterval(timer));
    sample();
    const seconds = (performance.now() - started) / 1000;
    const growth = (peak - baseline) / MB;

    console.log(
      `50 MB attachment (${(wireBytes / MB).toFixed(1)} MB on the wire): built + parsed in ${seconds.toFixed(1)} s, ` +
        `peak RSS growth ${growth.toFixed(1)} MB over a baseline of ${(baseline / MB).toFixed(0)} MB`,
    );
    expect(attachmentResults).toEqual([{ size: SIZE, sha256 }]);
    expect((parsed as EdocPacket).attachments[0]).toEqual(attachment);
    expect(wireBytes).toBeGreaterThan((SIZE * 4) / 3);
    // One copy of the base64 text alone would be 67 MB (50 MB for the decoded bytes).
    expect(growth).toBeLessThan(48);
  }, 180_000);
});
