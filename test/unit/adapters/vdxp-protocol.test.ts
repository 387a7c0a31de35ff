import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { BuiltPacket, DeliveryContext } from '../../../src/adapters/adapter-contract.js';
import type { Message } from '../../../src/domain/message.js';
import { gsonObjectString, gsonString } from '../../../adapters/vdxp/gson-json.js';
import { sdkHashFile } from '../../../adapters/vdxp/hash-file.js';
import { closeVdxpPools, vdxpAdapter } from '../../../adapters/vdxp/index.js';
import { javaHashMapOrder, javaStringHashCode } from '../../../adapters/vdxp/java-hash-map-order.js';
import { formatSdkTimestamp, parseSdkTimestamp } from '../../../adapters/vdxp/sdk-timestamp.js';
import type { VdxpSettings } from '../../../adapters/vdxp/settings.js';
import { buildSignedHeaders, hmacHex, signedParam, verifySignedHeaders } from '../../../adapters/vdxp/signed-headers.js';
import { CAPTURE, captured, capturedRequests, edocPacket } from './vdxp-captures.js';
import { allowLoopbackOutbound } from '../../helpers/loopback-outbound.js';

// The simulators listen on loopback, which the outbound guard refuses unless allowed.
allowLoopbackOutbound();

const sha256 = (bytes: Buffer): Buffer => createHash('sha256').update(bytes).digest();
// Headers the SDK's HTTP client adds on its own (not part of the protocol).
const TRANSPORT_HEADERS = new Set(['cache-control', 'pragma', 'host', 'accept', 'connection', 'content-length', 'accept-encoding', 'expect']);

/** The captured raw headers the SDK itself wrote (its HTTP client's own headers left out). */
function sdkHeaderPairs(raw: readonly string[]): string[] {
  const pairs: string[] = [];
  for (let i = 0; i < raw.length; i += 2) if (!TRANSPORT_HEADERS.has((raw[i] as string).toLowerCase())) pairs.push(raw[i] as string, raw[i + 1] as string);
  return pairs;
}

describe('Java HashMap order', () => {
  it('computes String.hashCode like Java', () => {
    expect(javaStringHashCode('')).toBe(0);
    expect(javaStringHashCode('systemid')).toBe(1976086410);
    expect(javaStringHashCode('Content-Type')).toBe(949037134);
    expect(javaStringHashCode('x'.repeat(40))).toBe(847293440); // 32-bit overflow wraps like Java
    expect(javaStringHashCode('XroadVnpt-sign-header')).toBe(-1444675932);
    expect(javaStringHashCode('Aa')).toBe(javaStringHashCode('BB')); // the classic Java collision
    expect(javaStringHashCode('hello')).toBe(99162322);
  });

  it('reproduces every captured sign-header key order from the SDK’s insertion order', () => {
    // Constructor: timestamp, systemid; sendEdoc: Content-Type, from, servicetype, messagetype, to, hash-file;
    // later calls add docId, filePath, status to the same (lingering) map.
    const sendEdoc = ['timestamp', 'systemid', 'Content-Type', 'from', 'servicetype', 'messagetype', 'to', 'hash-file'];
    expect(javaHashMapOrder(sendEdoc).join(';')).toBe(captured('sendEdoc').headers['xroadvnpt-sign-header-key']);
    expect(javaHashMapOrder([...sendEdoc, 'filePath', 'docId']).join(';')).toBe(captured('getEdoc').headers['xroadvnpt-sign-header-key']);
    expect(javaHashMapOrder([...sendEdoc, 'filePath', 'docId', 'status']).join(';')).toBe(captured('updateStatus').headers['xroadvnpt-sign-header-key']);
    expect(javaHashMapOrder(['timestamp', 'systemid', 'Content-Type']).join(';')).toBe(captured('getAgenciesList').headers['xroadvnpt-sign-header-key']);
  });

  it('keeps insertion order within a bucket, first position for a repeated key, and resizes past 12 keys', () => {
    expect(javaHashMapOrder(['Aa', 'BB'])).toEqual(['Aa', 'BB']);
    expect(javaHashMapOrder(['BB', 'Aa'])).toEqual(['BB', 'Aa']);
    expect(javaHashMapOrder(['to', 'from', 'to'])).toEqual(['from', 'to']);
    const many = Array.from({ length: 13 }, (_, i) => `k${i}`);
    // 13 keys: capacity 32, so k0…k9 (hash 3366…) spread over 32 buckets, not 16.
    expect(javaHashMapOrder(many)).toHaveLength(13);
    expect(new Set(javaHashMapOrder(many))).toEqual(new Set(many));
  });
});

describe('SDK timestamp', () => {
  it('formats ddMMyyyy’T’HHmmss+SSSS with four-digit milliseconds, in the configured offset', () => {
    expect(formatSdkTimestamp(CAPTURE.clock, 420)).toBe('22112026T022102+0584');
    expect(formatSdkTimestamp(new Date('2025-01-05T00:00:00.007Z'), 0)).toBe('05012025T000000+0007');
    expect(formatSdkTimestamp(new Date('2025-01-05T00:00:00.007Z'), -60)).toBe('04012025T230000+0007');
  });

  it('parses it back, refusing impossible dates and shapes', () => {
    expect(parseSdkTimestamp('22112026T022102+0584', 420)?.toISOString()).toBe(CAPTURE.clock.toISOString());
    for (const bad of ['31022025T000000+0000', '22112026T242102+0584', '22112026T022102+1000', '22112026T022102', '2211202T022102+0584', '']) {
      expect(parseSdkTimestamp(bad, 420), bad).toBeUndefined();
    }
  });
});

describe('hash-file', () => {
  it('drops each byte’s leading zero, as the captured SDK did for the vendor sample', () => {
    const digest = sha256(edocPacket);
    expect(digest.toString('hex')).toBe('7e4a746b898d9b054749de74b58e7bd24c8b86287a3806653f06593adf9db5eb');
    expect(sdkHashFile(digest)).toBe(captured('sendEdoc').headers['xroadvnpt-hash-file']);
    expect(sdkHashFile(Uint8Array.from([0x00, 0x05, 0x10, 0xff]))).toBe('0510ff');
  });

  it('covers the file without the CRLF the SDK appends to the body', () => {
    const body = Buffer.from(captured('sendEdoc').bodyBase64, 'base64');
    expect(body.equals(Buffer.concat([edocPacket, Buffer.from('\r\n')]))).toBe(true);
  });
});

describe('Gson JSON', () => {
  it('writes compact objects in the given order and escapes like Gson', () => {
    expect(gsonObjectString([['b', '1'], ['a', '"x"']])).toBe('{"b":"1","a":"\\"x\\""}');
    expect(gsonString('<a&b>=\'')).toBe('"<a&b>=\'"'); // no HTML escaping
    expect(gsonString('\u2028\u2029\t\u0001')).toBe('"\\u2028\\u2029\\t\\u0001"');
    expect(gsonString('Văn phòng')).toBe('"Văn phòng"');
  });
});

describe('signed headers', () => {
  const sendEdocInput = {
    systemId: CAPTURE.systemId,
    secret: CAPTURE.secret,
    timestamp: formatSdkTimestamp(CAPTURE.clock, 420),
    contentType: 'application/octet-stream',
    contentTypeFirst: true,
    params: [
      ['from', CAPTURE.from],
      ['servicetype', 'eDoc'],
      ['messagetype', 'edoc'],
      ['to', gsonString(CAPTURE.to)],
      ['hash-file', sdkHashFile(sha256(edocPacket))],
    ] as [string, string][],
  };

  it('reproduces the captured sendEdoc headers byte for byte from the same inputs', () => {
    const built = buildSignedHeaders(sendEdocInput);
    expect(built.headers.flat()).toEqual(sdkHeaderPairs(captured('sendEdoc').rawHeaders));
    expect(built.hashHeader).toBe('99a7d0b8d3364db81dcdbaae04c9ab0d7befce00d9454bf7bf9184d546b7c2a9');
  });

  it('puts the plain Content-Type next to its XroadVnpt- twin on the JSON calls, as captured', () => {
    const built = buildSignedHeaders({ systemId: CAPTURE.systemId, secret: CAPTURE.secret, timestamp: '22112026T022102+0629', contentType: 'application/json', params: [] });
    expect(built.headers.flat()).toEqual(sdkHeaderPairs(captured('getAgenciesList').rawHeaders));
  });

  it.each(capturedRequests.map((r) => [r.url, r] as const))('checks the captured HMAC of %s with the captured secret', (_url, request) => {
    expect(hmacHex(CAPTURE.secret, request.headers['xroadvnpt-sign-header'] as string)).toBe(request.headers['xroadvnpt-hash-header']);
    const check = verifySignedHeaders(request.headers, (id) => (id === CAPTURE.systemId ? CAPTURE.secret : undefined));
    expect(check).toMatchObject({ ok: true, systemId: CAPTURE.systemId });
  });

  it('round-trips: what it signs, it verifies; lingering extra keys are accepted', () => {
    const built = buildSignedHeaders({ ...sendEdocInput, contentType: 'application/json', contentTypeFirst: false, params: [['docId', 'x1'], ['filePath', './store'], ['status', 'done']] });
    const headers = Object.fromEntries(built.headers.map(([name, value]) => [name.toLowerCase(), value]));
    const check = verifySignedHeaders(headers, () => CAPTURE.secret);
    expect(check.ok).toBe(true);
    if (check.ok) {
      expect(signedParam(check.signed, 'docid')).toBe('x1');
      expect(signedParam(check.signed, 'status')).toBe('done');
    }
  });

  const valid = captured('updateStatus').headers;
  const secretOf = (id: string): string | undefined => (id === CAPTURE.systemId ? CAPTURE.secret : undefined);
  it.each<[string, Record<string, string | undefined>, RegExp]>([
    ['an unknown system', { 'xroadvnpt-systemid': 'vxp.other' }, /unknown system/],
    ['no hash-header', { 'xroadvnpt-hash-header': undefined }, /missing/],
    ['an uppercase hash-header', { 'xroadvnpt-hash-header': valid['xroadvnpt-hash-header']?.toUpperCase() }, /hash-header/],
    ['another secret’s HMAC', { 'xroadvnpt-hash-header': hmacHex('other', valid['xroadvnpt-sign-header'] as string) }, /hash-header/],
    ['a signed header changed', { 'xroadvnpt-status': 'fail' }, /XroadVnpt-status is not the signed value/],
    ['a signed header dropped', { 'xroadvnpt-docid': undefined }, /XroadVnpt-docId/],
    ['a key list that omits a signed key', { 'xroadvnpt-sign-header-key': 'systemid;servicetype' }, /disagree|not signed/],
    ['a plain Content-Type unlike the signed one', { 'content-type': 'text/plain' }, /Content-Type/],
  ])('refuses %s', (_name, change, reason) => {
    const headers: Record<string, string | undefined> = { ...valid, ...change };
    const check = verifySignedHeaders(headers, secretOf);
    expect(check.ok).toBe(false);
    if (!check.ok) expect(check.reason).toMatch(reason);
  });
});

describe('the wire: what deliver() sends', () => {
  let server: Server;
  let url = '';
  const seen: { rawHeaders: string[]; body: Buffer; path: string }[] = [];
  const AXIS_OK = { status: 200, body: '{"status":"OK","ErrorCode":"0","ErrorDesc":"","DocId":"68edb8c8c2dcb14db773ce44"}' };
  let reply = AXIS_OK;

  beforeAll(async () => {
    server = createServer((req: IncomingMessage, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        seen.push({ rawHeaders: req.rawHeaders, body: Buffer.concat(chunks), path: req.url ?? '' });
        res.writeHead(reply.status, { 'content-type': 'application/json' });
        res.end(reply.body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await closeVdxpPools();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  afterEach(() => {
    reply = AXIS_OK;
  });

  function contextFor(settings: VdxpSettings, packet: BuiltPacket): DeliveryContext<VdxpSettings> {
    return {
      deliveryId: 'd1',
      attempt: 1,
      idempotencyKey: 'k1',
      recipient: CAPTURE.to,
      endpoint: { id: 'axis', settings },
      signal: new AbortController().signal,
      signJws: () => Promise.reject(new Error('not used')),
      openAttachment: () => Readable.from([]),
      edxml: () => Promise.resolve(packet),
      dossier: () => Promise.reject(new Error('not a dossier message')),
      log: pino({ level: 'silent' }),
      now: () => CAPTURE.clock,
    };
  }
  const message = { id: 'm1', kind: 'document', sender: CAPTURE.from, recipients: [CAPTURE.to], attachments: [], contentSha256: 'a'.repeat(64), createdAt: CAPTURE.clock } as Message;
  const packet: BuiltPacket = { contentType: 'application/xml', size: edocPacket.length, sha256: sha256(edocPacket), open: () => Readable.from([edocPacket]) };

  it.each<[string, { status: number; body: string }, Partial<VdxpSettings>, Record<string, unknown>]>([
    ['a 2xx page that is not an axis answer is transient', { status: 200, body: '<html>maintenance</html>' }, {}, { kind: 'transient', httpStatus: 200 }],
    ['a 2xx answer larger than maxResponseBytes is permanent', { status: 200, body: `{"status":"OK","ErrorCode":"0","pad":"${'x'.repeat(2000)}"}` }, { maxResponseBytes: 1024 }, { kind: 'permanent', httpStatus: 200 }],
    ['an OK answer without DocId is delivered, said in detail', { status: 200, body: '{"status":"OK","ErrorCode":"0","ErrorDesc":""}' }, {}, { kind: 'delivered', detail: 'the axis accepted the packet without a DocId' }],
    ['a 404 page is permanent', { status: 404, body: 'Not Found' }, {}, { kind: 'permanent', httpStatus: 404, reason: 'HTTP 404: Not Found' }],
  ])('%s', async (_name, answer, extra, expected) => {
    reply = answer;
    const settings: VdxpSettings = { endpoint: url, systemId: CAPTURE.systemId, secret: CAPTURE.secret, from: CAPTURE.from, ...extra };
    expect(await vdxpAdapter.deliver(message, contextFor(settings, packet))).toMatchObject(expected);
  });

  it('sends the captured SDK headers and body, streamed from the built packet', async () => {
    let opened = 0;
    const chunkedPacket: BuiltPacket = {
      contentType: 'application/xml',
      size: edocPacket.length,
      sha256: sha256(edocPacket),
      open: () => {
        opened += 1;
        // Small chunks: the adapter must not assume one buffer.
        return Readable.from(Array.from({ length: Math.ceil(edocPacket.length / 1000) }, (_, i) => edocPacket.subarray(i * 1000, (i + 1) * 1000)));
      },
    };
    const settings: VdxpSettings = { endpoint: `${url}/vxp/`, systemId: CAPTURE.systemId, secret: CAPTURE.secret, from: CAPTURE.from };
    const outcome = await vdxpAdapter.deliver(message, contextFor(settings, chunkedPacket));
    expect(outcome).toEqual({ kind: 'delivered', httpStatus: 200, remoteId: '68edb8c8c2dcb14db773ce44' });
    expect(opened).toBe(1);
    const request = seen.at(-1)!;
    expect(request.path).toBe('/vxp/sendEdoc');
    const expected = captured('sendEdoc');
    expect(sdkHeaderPairs(request.rawHeaders)).toEqual(sdkHeaderPairs(expected.rawHeaders));
    expect(request.body.equals(Buffer.from(expected.bodyBase64, 'base64'))).toBe(true);
    expect(request.rawHeaders[request.rawHeaders.findIndex((h) => h.toLowerCase() === 'content-length') + 1]).toBe(String(expected.bodyLength));
  });
});
