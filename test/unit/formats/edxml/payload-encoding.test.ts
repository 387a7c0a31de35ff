import { randomBytes } from 'node:crypto';
import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { Base64Decoder } from '../../../../src/formats/edxml/base64-decoder.js';
import { encodeBase64Stream } from '../../../../src/formats/edxml/base64-encode-stream.js';
import { unwrapSingleEntryZip } from '../../../../src/formats/edxml/unwrap-single-entry-zip.js';

/** Cuts `text` at the given offsets. */
const cut = (text: string, at: number[]) => [0, ...at, text.length].slice(1).map((end, i, ends) => text.slice(i === 0 ? 0 : ends[i - 1], end));

function decodeAll(pieces: string[]): { bytes: Buffer; skipped: number } {
  const d = new Base64Decoder();
  const bytes = Buffer.concat([...pieces.map((p) => d.push(p)), d.end()]);
  return { bytes, skipped: d.skipped };
}

async function encodeAll(pieces: Uint8Array[]): Promise<string> {
  const out: Buffer[] = [];
  for await (const chunk of encodeBase64Stream((async function* () { yield* pieces; })())) out.push(chunk);
  return Buffer.concat(out).toString('latin1');
}

describe('Base64Decoder (incremental, carries the remainder)', () => {
  const data = randomBytes(1000);
  const text = data.toString('base64');

  it('decodes the same wherever the text is cut', () => {
    for (const at of [[1], [2], [3], [1, 2, 3], [5, 9, 401, 402, 1331]]) {
      expect(decodeAll(cut(text, at)).bytes.equals(data), `cut at ${at.join(',')}`).toBe(true);
    }
    for (let i = 0; i < text.length; i += 37) expect(decodeAll(cut(text, [i])).bytes.equals(data)).toBe(true);
  });

  it('skips whitespace and padding silently, counts other stray characters', () => {
    const wrapped = text.replace(/.{76}/g, '$&\r\n');
    expect(decodeAll(cut(wrapped, [77, 78, 500]))).toEqual({ bytes: data, skipped: 0 });
    expect(decodeAll(['QUJD', 'RA=', '=', '\n'])).toEqual({ bytes: Buffer.from('ABCD'), skipped: 0 });
    expect(decodeAll(['QU*J', 'D!'])).toEqual({ bytes: Buffer.from('ABC'), skipped: 2 });
    expect(decodeAll(['QUJDR'])).toEqual({ bytes: Buffer.from('ABC'), skipped: 1 }); // a lone trailing character cannot encode a byte
  });

  it('decodes exactly as "drop what is not the alphabet, then decode", whatever the characters and the cuts', () => {
    // Characters Node's own decoder would take (base64url, non-ASCII read by its low byte) must be skipped, not decoded.
    const strays = ['-', '_', '=', ' ', '\n', '\t', '\u00a0', '\u0141', '\u4141', '\u0000', '*', '.', 'é', '\ufeff'];
    const reference = (t: string) => {
      const clean = t.replace(/[^A-Za-z0-9+/]/g, '');
      return { bytes: Buffer.from(clean.slice(0, clean.length - (clean.length % 4 === 1 ? 1 : 0)), 'base64'), skipped: t.replace(/[\s=]/g, '').length - clean.length + (clean.length % 4 === 1 ? 1 : 0) };
    };
    let seed = 7;
    const random = (n: number) => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) >>> 8) % n;
    for (let round = 0; round < 300; round++) {
      const chars = [...randomBytes(30 + random(60)).toString('base64')];
      for (let k = random(5); k > 0; k--) chars.splice(random(chars.length + 1), 0, strays[random(strays.length)]!);
      const mixed = chars.join('');
      const at = [...new Set([random(mixed.length), random(mixed.length), random(mixed.length)])].sort((a, b) => a - b);
      expect(decodeAll(cut(mixed, at)), JSON.stringify({ mixed, at })).toEqual(reference(mixed));
    }
  });
});

describe('encodeBase64Stream (one line, carries 0–2 bytes)', () => {
  it('matches Buffer base64 whatever the chunking, with no line breaks', async () => {
    const data = randomBytes(10_007);
    const expected = data.toString('base64');
    for (const sizes of [[1], [2], [3], [4096], [10_007]]) {
      const size = sizes[0]!;
      const pieces: Uint8Array[] = [];
      for (let at = 0; at < data.length; at += size) pieces.push(data.subarray(at, at + size));
      const encoded = await encodeAll(pieces);
      expect(encoded, `chunks of ${size}`).toBe(expected);
      expect(encoded).not.toMatch(/\s/);
    }
    expect(await encodeAll([])).toBe('');
  });

  it('does not keep a reference to a chunk the caller reuses', async () => {
    const reused = Buffer.from('ABCDE');
    const gen = encodeBase64Stream((async function* () {
      yield reused;
      reused.fill(0x5a); // the caller overwrites its buffer after handing it over
      yield Buffer.from('F');
    })());
    const out: Buffer[] = [];
    for await (const c of gen) out.push(c);
    expect(Buffer.concat(out).toString('latin1')).toBe(Buffer.from('ABCDEF').toString('base64'));
  });
});

describe('unwrapSingleEntryZip ("ZIP single entry, else raw", docs/domain-vn.md §1.5)', () => {
  const file = Buffer.from('%PDF-1.7 nội dung '.repeat(50));
  const mtime = new Date('2020-01-01T00:00:00Z');

  it('unwraps a single deflated or stored entry', () => {
    for (const level of [0, 6] as const) {
      const zip = zipSync({ 'van-ban.pdf': [file, { level, mtime }] });
      const result = unwrapSingleEntryZip(zip);
      expect(result.zipped).toBe(true);
      expect(result.zipped && result.entryName).toBe('van-ban.pdf');
      expect(Buffer.from(result.bytes).equals(file)).toBe(true);
    }
  });

  it('keeps raw: not a ZIP, two entries, a directory entry, a damaged archive, an entry over the size cap', () => {
    expect(unwrapSingleEntryZip(file)).toEqual({ zipped: false, bytes: file });
    const two = zipSync({ 'a.txt': [file, { mtime }], 'b.txt': [file, { mtime }] });
    expect(unwrapSingleEntryZip(two)).toMatchObject({ zipped: false, bytes: two, reason: 'ZIP archive with 2 entries' });
    const dir = zipSync({ 'thu-muc': {} }, { mtime });
    expect(unwrapSingleEntryZip(dir)).toMatchObject({ zipped: false });
    const one = zipSync({ 'a.txt': [file, { mtime }] });
    const damaged = one.subarray(0, one.length - 30);
    expect(unwrapSingleEntryZip(damaged)).toMatchObject({ zipped: false, reason: expect.stringMatching(/not a readable ZIP/) });
    expect(unwrapSingleEntryZip(one, 100)).toMatchObject({ zipped: false, reason: `ZIP entry of ${file.length} bytes exceeds 100` });
  });
});
