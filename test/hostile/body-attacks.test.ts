import { randomBytes, randomUUID } from 'node:crypto';
import { readdir, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documentBody, startTestHub, type TestHub } from '../helpers/test-hub.js';
import { documentPacket } from './hostile-packets.js';
import { MemoryProbe } from './memory-probe.js';
import { chunksOf, rawRequest, type RawAnswer } from './raw-request.js';
import { expectRefused, storedState } from './refused-attack.js';

// Bodies that are not what they claim, too deep, too large, or not text at all, thrown at a real hub
// (API only: nothing changes the database behind the tests' back, so "nothing stored" is exact).
// Default body limit (25 MiB); the attachment limit is lowered to 8 MiB so a file over it is quick to send.

const G22 = '000.00.00.G22';
const H56 = '000.00.00.H56';
const ATTACHMENT_LIMIT = 8 * 1024 * 1024;
const JUNK_BYTES = 50 * 1024 * 1024;
const DEPTH = 100_000;
const BOUNDARY = 'hostile-b0undary';

/** `{"a":{"a":…1…}}`, `depth` levels. */
const deepObject = (depth: number, inner = '1'): string => `${'{"a":'.repeat(depth)}${inner}${'}'.repeat(depth)}`;

/** One multipart part (a field, or a file when `filename` is given). */
function part(name: string, content: string | Buffer, filename?: string, extraHeaders = ''): Buffer {
  const disposition = `Content-Disposition: form-data; name="${name}"${filename !== undefined ? `; filename="${filename}"` : ''}\r\n`;
  const type = filename !== undefined ? 'Content-Type: application/pdf\r\n' : '';
  return Buffer.concat([Buffer.from(`--${BOUNDARY}\r\n${disposition}${extraHeaders}${type}\r\n`), Buffer.from(content), Buffer.from('\r\n')]);
}
const END = Buffer.from(`--${BOUNDARY}--\r\n`);
const messagePart = (body: Record<string, unknown> = documentBody(G22, [H56])): Buffer => part('message', JSON.stringify(body));
const tinyFile = (i: number): Buffer => part('file', `tệp ${i} ${randomUUID()}`, `tep-${i}.pdf`);

describe('hostile bodies: each refused with its code, nothing stored, memory bounded (postgres store)', () => {
  let t: TestHub;
  let junk: Buffer;
  const memory = new MemoryProbe();
  const auth = (key?: string): Record<string, string> => ({ authorization: `Bearer ${key ?? t.keys.g22}` });
  const post = (path: string, headers: Record<string, string>, body: Buffer | (() => AsyncIterable<Buffer>)): Promise<RawAnswer> => rawRequest(t.url, { path, headers, body });
  const json = (path: string, text: string, key?: string): Promise<RawAnswer> => post(path, { ...auth(key), 'content-type': 'application/json' }, Buffer.from(text));
  const multipart = (...parts: Buffer[]): Promise<RawAnswer> => post('/v1/messages', { ...auth(), 'content-type': `multipart/form-data; boundary=${BOUNDARY}` }, Buffer.concat(parts));

  beforeAll(async () => {
    t = await startTestHub('postgres', { roles: { api: true, worker: false }, env: { LIENTHONG_ATTACHMENT_LIMIT: String(ATTACHMENT_LIMIT) } });
    junk = randomBytes(JUNK_BYTES); // made before any measurement: the attack's own buffer is not the hub's
  });
  afterAll(async () => {
    console.log(memory.table('body attacks'));
    await t?.close();
  });

  describe(`deeply nested JSON (${DEPTH.toLocaleString('en')} levels) → 400 HUB_ERR_MALFORMED_BODY on every JSON route`, () => {
    const cases: [string, () => Promise<RawAnswer>][] = [
      ['POST /v1/messages, an array', () => json('/v1/messages', `${'['.repeat(DEPTH)}${']'.repeat(DEPTH)}`)],
      ['POST /v1/messages, an object', () => json('/v1/messages', deepObject(DEPTH))],
      ['POST /v1/messages, inside document.subject', () => json('/v1/messages', JSON.stringify(documentBody(G22, [H56])).replace(/"subject":"[^"]*"/, `"subject":${deepObject(DEPTH)}`))],
      ['POST /v1/messages, "__proto__" at the bottom', () => json('/v1/messages', deepObject(DEPTH, '{"__proto__":{"admin":true}}'))],
      ['POST /v1/messages/:id/status', () => json(`/v1/messages/${randomUUID()}/status`, deepObject(DEPTH), t.keys.h56)],
      ['POST /v1/admin/endpoints (settings)', () => json('/v1/admin/endpoints', `{"id":"deep","adapter":"http-endpoint","settings":{"url":"https://x.example.vn/in","headers":${deepObject(DEPTH)}}}`, t.keys.admin)],
      ['PUT /v1/admin/endpoints/h41 (settings)', () => json('/v1/admin/endpoints/h41', `{"id":"h41","adapter":"http-endpoint","settings":${deepObject(DEPTH)}}`, t.keys.admin)],
      ['POST /v1/dossiers (payload)', () => json('/v1/dossiers', `{"target":{"system":"civil-registry","payloadType":"birth","payload":${deepObject(DEPTH)}}}`, t.keys.h56)],
      ['POST /v1/admin/deliveries/resend (filter)', () => json('/v1/admin/deliveries/resend', `{"filter":${deepObject(DEPTH)}}`, t.keys.admin)],
      ['POST /v1/session (login)', () => json('/v1/session', deepObject(DEPTH))],
    ];
    it.each(cases)('%s', async (_label, attack) => {
      await expectRefused(t, attack, { status: 400, code: 'HUB_ERR_MALFORMED_BODY' });
    });

    it('a multipart `message` field nested as deep → 400 HUB_ERR_MALFORMED_BODY', async () => {
      await expectRefused(t, () => multipart(part('message', deepObject(DEPTH)), tinyFile(0), END), { status: 400, code: 'HUB_ERR_MALFORMED_BODY' });
    });

    it('memory: the whole group, repeated 5 times, stays bounded', async () => {
      const growth = await memory.measure(`deep JSON, 100,000 levels: ${cases.length} routes × 5`, 96, async () => {
        for (let i = 0; i < 5; i++) for (const [, attack] of cases) expect((await attack()).status).toBe(400);
      });
      expect(growth).toBeLessThan(96);
    });
  });

  describe('50 MB of random junk', () => {
    const cases: [string, string | undefined, 'length' | 'chunked', number, string][] = [
      ['application/json', 'application/json', 'length', 413, 'HUB_ERR_BODY_TOO_LARGE'],
      ['application/json', 'application/json', 'chunked', 413, 'HUB_ERR_BODY_TOO_LARGE'],
      ['application/xml', 'application/xml', 'length', 400, 'HUB_ERR_XML_MALFORMED'],
      ['application/xml', 'application/xml', 'chunked', 400, 'HUB_ERR_XML_MALFORMED'],
      ['multipart/form-data', `multipart/form-data; boundary=${BOUNDARY}`, 'length', 400, 'HUB_ERR_MALFORMED_BODY'],
      ['multipart/form-data', `multipart/form-data; boundary=${BOUNDARY}`, 'chunked', 400, 'HUB_ERR_MALFORMED_BODY'],
      ['text/plain', 'text/plain', 'length', 415, 'HUB_ERR_UNSUPPORTED_MEDIA_TYPE'],
      ['no content type', undefined, 'chunked', 415, 'HUB_ERR_UNSUPPORTED_MEDIA_TYPE'],
    ];
    const send = (contentType: string | undefined, framing: 'length' | 'chunked'): Promise<RawAnswer> =>
      post('/v1/messages', { ...auth(), ...(contentType ? { 'content-type': contentType } : {}) }, framing === 'length' ? junk : chunksOf(junk, junk.length));

    it.each(cases)('as %s (%s framing: %s) → %i %s', async (_label, contentType, framing, status, code) => {
      await expectRefused(t, () => send(contentType, framing), { status, code });
    });

    it('memory: every case once more, measured', async () => {
      const growth = await memory.measure('50 MB junk: json, xml, multipart, text, none × framing', 160, async () => {
        for (const [, contentType, framing, status] of cases) expect((await send(contentType, framing)).status).toBe(status);
      });
      expect(growth).toBeLessThan(160);
    });
  });

  describe('text that is not UTF-8, or not Unicode', () => {
    const withSubjectBytes = (bytes: number[]): Buffer => {
      const body = Buffer.from(JSON.stringify(documentBody(G22, [H56])).replace('"subject":"', '"subject":"@@@@'));
      const at = body.indexOf('@@@@');
      return Buffer.concat([body.subarray(0, at), Buffer.from(bytes), body.subarray(at + 4)]);
    };
    it.each([
      ['a byte that starts no character (0xC3 0x28)', [0xc3, 0x28]],
      ['an overlong encoding of "/" (0xC0 0xAF)', [0xc0, 0xaf]],
      ['an encoded surrogate (CESU-8, 0xED 0xA0 0x80)', [0xed, 0xa0, 0x80]],
      ['a truncated sequence (0xE1 0xBB)', [0xe1, 0xbb]],
      ['a byte 0xFF', [0xff]],
    ])('invalid UTF-8 in a JSON string: %s → 400 HUB_ERR_MALFORMED_BODY', async (_label, bytes) => {
      await expectRefused(t, () => post('/v1/messages', { ...auth(), 'content-type': 'application/json' }, withSubjectBytes(bytes)), { status: 400, code: 'HUB_ERR_MALFORMED_BODY' });
    });

    it.each([
      ['a lone high surrogate', '\\ud800 '],
      ['a lone low surrogate', 'x\\udc00'],
      ['a reversed pair', '\\udc00\\ud800'],
    ])('an escaped %s in a JSON string → 400 HUB_ERR_MALFORMED_BODY (PostgreSQL would refuse it: a 500 before)', async (_label, escape) => {
      await expectRefused(t, () => json('/v1/messages', JSON.stringify(documentBody(G22, [H56])).replace('"subject":"', `"subject":"${escape}`)), { status: 400, code: 'HUB_ERR_MALFORMED_BODY' });
    });

    it('a lone surrogate in a property name → 400 HUB_ERR_MALFORMED_BODY', async () => {
      await expectRefused(t, () => json('/v1/messages', JSON.stringify(documentBody(G22, [H56])).replace('"sender"', '"\\ud83dsender":1,"sender"')), { status: 400, code: 'HUB_ERR_MALFORMED_BODY' });
    });

    it('a well-formed pair (an emoji) and Vietnamese text are accepted as sent', async () => {
      const r = await json('/v1/messages', JSON.stringify(documentBody(G22, [H56])).replace('"subject":"', '"subject":"\\ud83d\\udcc4 Về việc '));
      expect(r.status).toBe(202);
    });
  });

  describe('wrong, missing and lying content types', () => {
    const body = (): Buffer => Buffer.from(JSON.stringify(documentBody(G22, [H56])));
    it.each([
      ['text/plain', 415, 'HUB_ERR_UNSUPPORTED_MEDIA_TYPE'],
      ['application/x-www-form-urlencoded', 415, 'HUB_ERR_UNSUPPORTED_MEDIA_TYPE'],
      ['application/octet-stream', 415, 'HUB_ERR_UNSUPPORTED_MEDIA_TYPE'],
      ['application/soap+xml', 415, 'HUB_ERR_UNSUPPORTED_MEDIA_TYPE'],
      ['application/json; charset=iso-8859-1', 415, 'HUB_ERR_UNSUPPORTED_MEDIA_TYPE'],
      ['application/json; charset=utf-16', 415, 'HUB_ERR_UNSUPPORTED_MEDIA_TYPE'],
      ['application/xml (a JSON body labelled XML)', 400, 'HUB_ERR_XML_MALFORMED'],
      ['multipart/form-data (no boundary)', 400, 'HUB_ERR_MALFORMED_BODY'],
      [`multipart/form-data; boundary=${BOUNDARY} (a JSON body labelled multipart)`, 400, 'HUB_ERR_MALFORMED_BODY'],
    ])('a JSON document sent as %s → %i %s', async (label, status, code) => {
      const contentType = label.replace(/ \(.*\)$/, '');
      await expectRefused(t, () => post('/v1/messages', { ...auth(), 'content-type': contentType }, body()), { status, code });
    });

    it('no content type at all → 415 HUB_ERR_UNSUPPORTED_MEDIA_TYPE', async () => {
      await expectRefused(t, () => post('/v1/messages', auth(), body()), { status: 415, code: 'HUB_ERR_UNSUPPORTED_MEDIA_TYPE' });
    });

    it('an edXML packet labelled application/json → 400 HUB_ERR_MALFORMED_BODY', async () => {
      const packet = await documentPacket(G22, [H56]);
      await expectRefused(t, () => post('/v1/messages', { ...auth(), 'content-type': 'application/json' }, packet), { status: 400, code: 'HUB_ERR_MALFORMED_BODY' });
    });
  });

  describe('multipart bombs', () => {
    it('5,000 tiny files → 413 HUB_ERR_BODY_TOO_LARGE at the 101st; the 100 already streamed are not kept', async () => {
      await expectRefused(t, () => multipart(messagePart(), ...Array.from({ length: 5_000 }, (_, i) => tinyFile(i)), END), { status: 413, code: 'HUB_ERR_BODY_TOO_LARGE' });
    });

    it('101 files (one over the count) → 413 HUB_ERR_BODY_TOO_LARGE, nothing kept', async () => {
      await expectRefused(t, () => multipart(messagePart(), ...Array.from({ length: 101 }, (_, i) => tinyFile(i)), END), { status: 413, code: 'HUB_ERR_BODY_TOO_LARGE' });
    });

    it('5,000 fields → 413 HUB_ERR_BODY_TOO_LARGE', async () => {
      await expectRefused(t, () => multipart(messagePart(), ...Array.from({ length: 5_000 }, (_, i) => part(`f${i}`, 'x')), END), { status: 413, code: 'HUB_ERR_BODY_TOO_LARGE' });
    });

    it('a file over LIENTHONG_ATTACHMENT_LIMIT after a good one → 413 HUB_ERR_BODY_TOO_LARGE, neither kept (the parser truncates the big one: it was stored before)', async () => {
      await expectRefused(t, () => multipart(messagePart(), tinyFile(1), part('file', randomBytes(ATTACHMENT_LIMIT + 1), 'lon.pdf'), END), { status: 413, code: 'HUB_ERR_BODY_TOO_LARGE' });
    });

    it('an empty file after a good one → 400 HUB_ERR_INVALID_ATTACHMENT, neither kept', async () => {
      await expectRefused(t, () => multipart(messagePart(), tinyFile(2), part('file', '', 'rong.pdf'), END), { status: 400, code: 'HUB_ERR_INVALID_ATTACHMENT' });
    });

    it.each([
      ['unterminated: the last file never closed', () => Buffer.concat([messagePart(), tinyFile(3), Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="b.pdf"\r\n\r\nabc`)])],
      ['unterminated: the body ends inside the part headers', () => Buffer.concat([messagePart(), Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-da`)])],
      ['no closing boundary after the message field', () => Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="message"\r\n\r\n${JSON.stringify(documentBody(G22, [H56]))}`)],
      ['junk after the message field', () => Buffer.concat([messagePart(), randomBytes(1_000_000)])],
      ['a boundary that is never used', () => Buffer.concat([Buffer.from('--other\r\n'), messagePart().subarray(BOUNDARY.length + 4)])],
    ])('%s → 400 HUB_ERR_MALFORMED_BODY (a 500 before), nothing kept', async (_label, build) => {
      await expectRefused(t, () => multipart(build()), { status: 400, code: 'HUB_ERR_MALFORMED_BODY' });
    });

    it('a file before the message field → 400 HUB_ERR_VALIDATION', async () => {
      await expectRefused(t, () => multipart(tinyFile(4), messagePart(), END), { status: 400, code: 'HUB_ERR_VALIDATION' });
    });

    it('tolerated, bounded: a 1 MiB part header is cut to 80 KiB by the parser and the file read as usual (202); a multipart body inside a file is the file\'s content', async () => {
      const before = await storedState(t);
      const padded = await multipart(messagePart(), part('file', `đệm ${randomUUID()}`, 'dem.pdf', `X-Pad: ${'a'.repeat(1024 * 1024)}\r\n`), END);
      expect(padded.status).toBe(202);
      // Another multipart body inside a file (it cannot hold the outer delimiter itself: that would end the part, RFC 2046).
      const nestedBody = `--inner\r\nContent-Type: multipart/mixed; boundary=deeper\r\n\r\n--deeper\r\nContent-Disposition: form-data; name="x"; filename="../../x"\r\n\r\n${randomUUID()}\r\n--deeper--\r\n--inner--\r\n`;
      const nested = await multipart(messagePart(), part('file', nestedBody, 'long-nhau.bin'), END);
      expect(nested.status).toBe(202);
      const view = await rawRequest(t.url, { method: 'GET', path: `/v1/messages/${nested.json.id}`, headers: auth() });
      expect(view.json.attachments.at(-1)).toEqual(expect.objectContaining({ name: 'long-nhau.bin', size: Buffer.byteLength(nestedBody) }));
      expect((await storedState(t)).rows.messages).toBe(before.rows.messages + 2);
    });

    it('memory: 5,000 files, 5,000 fields and a 9 MiB file, measured', async () => {
      const growth = await memory.measure('multipart bombs: 5,000 files, 5,000 fields, 9 MiB file', 128, async () => {
        expect((await multipart(messagePart(), ...Array.from({ length: 5_000 }, (_, i) => tinyFile(i)), END)).status).toBe(413);
        expect((await multipart(messagePart(), ...Array.from({ length: 5_000 }, (_, i) => part(`f${i}`, 'x')), END)).status).toBe(413);
        expect((await multipart(messagePart(), part('file', junk.subarray(0, ATTACHMENT_LIMIT + 1024 * 1024), 'lon.pdf'), END)).status).toBe(413);
      });
      expect(growth).toBeLessThan(128);
    });
  });

  describe('path traversal and tricks in attachment names: metadata only, never a path', () => {
    it.each([
      ['../../etc/passwd'], ['/etc/passwd'], ['..\\..\\windows\\win.ini'], ['C:\\Windows\\win.ini'], ['x'.repeat(256)],
    ])('inline (JSON) %j → 400 HUB_ERR_VALIDATION', async (name) => {
      const body = documentBody(G22, [H56], { attachments: [{ name, contentType: 'application/pdf', content: Buffer.from('%PDF-1.4').toString('base64') }] });
      await expectRefused(t, () => json('/v1/messages', JSON.stringify(body)), { status: 400, code: 'HUB_ERR_VALIDATION' });
    });

    it('inline (JSON) "a\\u0000.pdf" → 400 HUB_ERR_MALFORMED_BODY (U+0000 is refused anywhere in a JSON body, before its schema)', async () => {
      const body = documentBody(G22, [H56], { attachments: [{ name: 'a\u0000.pdf', contentType: 'application/pdf', content: Buffer.from('%PDF-1.4').toString('base64') }] });
      await expectRefused(t, () => json('/v1/messages', JSON.stringify(body)), { status: 400, code: 'HUB_ERR_MALFORMED_BODY' });
    });

    it('multipart file names are reduced to their last segment by the parser; an RTL override stays as text; edXML names are kept as sent', async () => {
      const names: [string, string][] = [['../../etc/passwd', 'passwd'], ['/etc/shadow', 'shadow'], ['..\\..\\windows\\win.ini', 'win.ini']];
      for (const [sent, kept] of names) {
        const r = await multipart(messagePart(), part('file', `${sent} ${randomUUID()}`, sent), END);
        expect(r.status).toBe(202);
        const view = await rawRequest(t.url, { method: 'GET', path: `/v1/messages/${r.json.id}`, headers: auth() });
        expect(view.json.attachments.at(-1).name).toBe(kept); // after the inline attachment of the message field
      }
      const rtl = 'hop-dong\u202Efdp.exe';
      const inline = await json('/v1/messages', JSON.stringify(documentBody(G22, [H56], { attachments: [{ name: rtl, contentType: 'application/pdf', content: Buffer.from(randomUUID()).toString('base64') }] })));
      expect(inline.status).toBe(202);
      const packet = await documentPacket(G22, [H56], { attachment: { name: '../../../../tmp/lienthong-pwned.pdf', bytes: randomBytes(100_000) } });
      const edxml = await post('/v1/messages', { ...auth(), 'content-type': 'application/xml' }, packet);
      expect(edxml.status).toBe(202);
      const view = await rawRequest(t.url, { method: 'GET', path: `/v1/messages/${edxml.json.id}`, headers: auth() });
      expect(view.json.attachments.map((a: { name: string }) => a.name)).toEqual(['../../../../tmp/lienthong-pwned.pdf']);

      // Whatever the names, the data folder holds only content-addressed blobs (and the database),
      // and nothing was written where a name points.
      const blobs = join(t.hub.env.dataDir, 'blobs');
      const files = (await readdir(blobs, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).map((e) => relative(blobs, join(e.parentPath, e.name)));
      expect(files.length).toBeGreaterThan(0);
      for (const file of files) expect(file).toMatch(/^[0-9a-f]{2}\/[0-9a-f]{2}\/[0-9a-f]{64}$/);
      await expect(stat('/tmp/lienthong-pwned.pdf')).rejects.toMatchObject({ code: 'ENOENT' });
    });
  });
});
