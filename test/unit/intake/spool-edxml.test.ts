import { describe, expect, it } from 'vitest';
import { spoolOf } from '../../../src/intake/edxml-intake.js';

async function drain(source: unknown): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of source as AsyncIterable<Uint8Array | string>) parts.push(Buffer.from(chunk));
  return Buffer.concat(parts);
}

async function* chunked(text: string, size: number): AsyncGenerator<Uint8Array> {
  const bytes = Buffer.from(text);
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

describe('spooling an edXML body for its signature check', () => {
  it('passes every byte through and keeps them up to the limit', async () => {
    const text = '<edXMLEnvelope>' + 'x'.repeat(1000) + '</edXMLEnvelope>';
    const spool = spoolOf(chunked(text, 7), 10_000);
    expect((await drain(spool.source)).toString()).toBe(text);
    expect(spool.result()).toEqual({ kind: 'bytes', bytes: Buffer.from(text), mentionsSignature: false });
  });

  it('finds the word Signature wherever the chunks split it', async () => {
    const text = '<a><ds:Signature xmlns:ds="x"/></a>';
    for (let size = 1; size <= text.length; size += 1) {
      const spool = spoolOf(chunked(text, size), 10_000);
      await drain(spool.source);
      expect(spool.result().mentionsSignature, `chunks of ${size}`).toBe(true);
    }
  });

  it('drops the bytes past the limit (too-large) but still notes a Signature', async () => {
    const text = 'y'.repeat(5000) + '<Signature/>';
    const spool = spoolOf(chunked(text, 64), 1000);
    expect((await drain(spool.source)).length).toBe(text.length);
    expect(spool.result()).toEqual({ kind: 'too-large', mentionsSignature: true });
    expect(spoolOf(Buffer.from(text), 1000).result()).toEqual({ kind: 'too-large', mentionsSignature: true });
    expect(spoolOf(Buffer.from('<a/>'), 1000).result()).toMatchObject({ kind: 'bytes', mentionsSignature: false });
  });
});
