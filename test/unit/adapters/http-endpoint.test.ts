import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { Ajv } from 'ajv';
import addFormatsImport from 'ajv-formats';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import type { AdapterSettings } from '../../../adapters/index.js';
import { classifyHttpResponse, closeHttpEndpointDispatchers } from '../../../adapters/http-endpoint/adapter.js';
import { parseRetryAfter } from '../../../src/adapters/retry-after.js';
import {
  AttachmentIntegrityError,
  buildDeliveryEnvelope,
  createEnvelopeEncoder,
  encodeDeliveryEnvelope,
  type DeliveryEnvelope,
} from '../../../adapters/http-endpoint/delivery-envelope.js';
import { httpEndpointAdapter } from '../../../adapters/http-endpoint/index.js';
import { httpEndpointSettingsSchema, type HttpEndpointSettings } from '../../../adapters/http-endpoint/settings.js';
import type { DeliveryContext } from '../../../src/adapters/adapter-contract.js';
import { decodeJws } from '../../../src/crypto/jws.js';
import type { Message } from '../../../src/domain/message.js';
import { allowLoopbackOutbound } from '../../helpers/loopback-outbound.js';

// The simulators listen on loopback, which the outbound guard refuses unless allowed.
allowLoopbackOutbound();

// ajv-formats is CommonJS with a default export; NodeNext sees the module object (as in src/schema-catalogue.ts).
const addFormats = addFormatsImport as unknown as (ajv: Ajv) => Ajv;

const NOW = new Date('2025-03-01T10:00:00Z');
const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

const pdf = Buffer.from('%PDF-1.7 '.repeat(5000));
const xml = Buffer.from('<PhuLuc>Bảng tổng hợp</PhuLuc>');
const blobs = new Map([
  [sha256(pdf), pdf],
  [sha256(xml), xml],
]);

function sampleMessage(overrides: Partial<Message> = {}): Message {
  return {
    id: 'msg-1',
    kind: 'document',
    sender: '000.00.01.H29',
    recipients: ['000.00.02.H29', '000.00.03.H29'],
    document: {
      number: '45',
      notation: 'QĐ-UBND',
      promulgation: { place: 'Đà Nẵng', date: '2025-02-28' },
      documentType: { name: 'Quyết định' },
      subject: 'Về việc phê duyệt kế hoạch',
      signer: { fullName: 'Trần Thị B', position: 'Chủ tịch', competence: 'TM.' },
      urgency: 'urgent',
    },
    attachments: [
      { index: 0, name: 'qd.pdf', contentType: 'application/pdf', size: pdf.length, sha256: sha256(pdf) },
      { index: 1, name: 'phu-luc.xml', contentType: 'application/xml', description: 'Phụ lục', size: xml.length, sha256: sha256(xml) },
    ],
    contentSha256: 'c'.repeat(64),
    createdAt: new Date('2025-03-01T09:00:00Z'),
    ...overrides,
  };
}

/** A stream that hands out `bytes` in small chunks, so the envelope cannot assume one buffer. */
function chunked(bytes: Buffer): Readable {
  const parts: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += 1000) parts.push(bytes.subarray(i, i + 1000));
  return Readable.from(parts);
}

/** An unsigned stand-in for the hub signer: a decodable compact JWS with a fake signature. */
async function fakeSignJws(payload: Record<string, unknown>, typ: string): Promise<string> {
  const b64u = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${b64u({ alg: 'none', typ })}.${b64u(payload)}.c2ln`;
}

function contextFor(settings: HttpEndpointSettings, overrides: Partial<DeliveryContext<HttpEndpointSettings>> = {}): DeliveryContext<HttpEndpointSettings> {
  return {
    deliveryId: 'dlv-1',
    attempt: 1,
    idempotencyKey: 'idem-1',
    recipient: '000.00.02.H29',
    endpoint: { id: 'ep-1', settings },
    signal: new AbortController().signal,
    signJws: fakeSignJws,
    openAttachment: (key) => chunked(blobs.get(key) ?? Buffer.alloc(0)),
    edxml: () => Promise.reject(new Error('no edXML packet in this test')),
    dossier: () => Promise.reject(new Error('not a dossier message')),
    log: pino({ level: 'silent' }),
    now: () => NOW,
    ...overrides,
  };
}

describe('http-endpoint settings schema', () => {
  // The options of the hub's strict instance (src/schema-catalogue.ts).
  const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false, removeAdditional: false });
  addFormats(ajv);
  const validate = ajv.compile(httpEndpointSettingsSchema);

  it('has a description on every property', () => {
    for (const [name, property] of Object.entries(httpEndpointSettingsSchema.properties)) {
      expect(property.description, name).toBeTruthy();
    }
  });

  it.each<[string, unknown, boolean]>([
    ['url only', { url: 'https://vb.danang.gov.vn/api/inbox' }, true],
    ['all settings', { url: 'http://10.0.0.5:8080/x', headers: { Authorization: 'Bearer t' }, timeoutMs: 500, maxConnections: 4 }, true],
    ['no url', {}, false],
    ['ftp url', { url: 'ftp://example.gov.vn/' }, false],
    ['unknown property', { url: 'https://a.gov.vn/', retries: 3 }, false],
    ['timeout too small', { url: 'https://a.gov.vn/', timeoutMs: 99 }, false],
    ['timeout too large', { url: 'https://a.gov.vn/', timeoutMs: 120_001 }, false],
    ['header value with CRLF', { url: 'https://a.gov.vn/', headers: { 'X-A': 'a\r\nX-B: b' } }, false],
    ['header name with a space', { url: 'https://a.gov.vn/', headers: { 'X A': 'a' } }, false],
    ['zero connections', { url: 'https://a.gov.vn/', maxConnections: 0 }, false],
  ])('%s → valid %s', (_name, settings, valid) => {
    expect(validate(settings)).toBe(valid);
  });

  it('marks the headers as secret', () => {
    expect(httpEndpointAdapter.secretSettings).toEqual(['headers']);
  });

  it('keeps the settings type on its table row', () => {
    expectTypeOf<AdapterSettings<'http-endpoint'>>().toEqualTypeOf<HttpEndpointSettings>();
  });
});

describe('buildDeliveryEnvelope', () => {
  const ctx = contextFor({ url: 'http://unused.invalid/' });

  it('carries the message for this recipient with every attachment in base64', async () => {
    const envelope = await buildDeliveryEnvelope(sampleMessage(), ctx);
    expect(envelope).toEqual<DeliveryEnvelope>({
      messageId: 'msg-1',
      kind: 'document',
      sender: '000.00.01.H29',
      recipient: '000.00.02.H29',
      document: sampleMessage().document!,
      contentSha256: 'c'.repeat(64),
      createdAt: '2025-03-01T09:00:00.000Z',
      attachments: [
        { index: 0, name: 'qd.pdf', contentType: 'application/pdf', size: pdf.length, sha256: sha256(pdf), content: pdf.toString('base64') },
        {
          index: 1,
          name: 'phu-luc.xml',
          contentType: 'application/xml',
          description: 'Phụ lục',
          size: xml.length,
          sha256: sha256(xml),
          content: xml.toString('base64'),
        },
      ],
    });
    expect(Buffer.from(envelope.attachments[0]!.content, 'base64').equals(pdf)).toBe(true);
  });

  it('leaves absent optional fields out (no nulls) and carries status messages', async () => {
    const envelope = await buildDeliveryEnvelope(
      sampleMessage({
        kind: 'status',
        document: undefined,
        status: { code: '03', at: '2025-03-01T09:30:00Z' },
        relatedMessageId: 'msg-0',
        attachments: [],
      }),
      ctx,
    );
    const json = JSON.parse(JSON.stringify(envelope)) as Record<string, unknown>;
    expect(Object.keys(json)).not.toContain('document');
    expect(json).toMatchObject({ kind: 'status', status: { code: '03' }, relatedMessageId: 'msg-0', attachments: [] });
  });

  it('rejects bytes that do not match the recorded sha256', async () => {
    const damaged = contextFor({ url: 'http://unused.invalid/' }, { openAttachment: () => Readable.from([Buffer.from('tampered')]) });
    await expect(buildDeliveryEnvelope(sampleMessage(), damaged)).rejects.toBeInstanceOf(AttachmentIntegrityError);
  });

  it('stops reading when the signal aborts', async () => {
    const aborted = contextFor({ url: 'http://unused.invalid/' }, { signal: AbortSignal.abort() });
    await expect(buildDeliveryEnvelope(sampleMessage(), aborted)).rejects.toThrow();
  });
});

describe('createEnvelopeEncoder (the attachments of the last messages kept for their other recipients)', () => {
  const counting = () => {
    const opened: string[] = [];
    const ctxFor = (recipient: string, overrides: Partial<DeliveryContext<HttpEndpointSettings>> = {}) => contextFor({ url: 'http://unused.invalid/' }, {
      recipient, openAttachment: (key) => { opened.push(key); return chunked(blobs.get(key) ?? Buffer.alloc(0)); }, ...overrides,
    });
    return { opened, ctxFor };
  };

  it('gives the bytes buildDeliveryEnvelope + encodeDeliveryEnvelope give, for every recipient, and reads the attachments once', async () => {
    const encode = createEnvelopeEncoder({ entries: 4, maxBytes: 1 << 20 });
    const { opened, ctxFor } = counting();
    const message = sampleMessage({ recipients: ['000.00.02.H29', '000.00.03.H29', 'Sở Tư pháp "Đà Nẵng"'] });
    for (const recipient of message.recipients) {
      const expected = encodeDeliveryEnvelope(await buildDeliveryEnvelope(message, contextFor({ url: 'http://unused.invalid/' }, { recipient })));
      expect((await encode(message, ctxFor(recipient))).equals(expected), recipient).toBe(true);
    }
    expect(opened).toHaveLength(2); // two attachments, read for the first recipient only
    const status = sampleMessage({ id: 'msg-status', kind: 'status', document: undefined, status: { code: '03', at: '2025-03-01T09:30:00Z' }, attachments: [] });
    expect((await encode(status, ctxFor('000.00.02.H29'))).equals(encodeDeliveryEnvelope(await buildDeliveryEnvelope(status, ctxFor('000.00.02.H29'))))).toBe(true);
  });

  it('forgets the least recently used message beyond its entries, and keeps nothing over maxBytes', async () => {
    const { opened, ctxFor } = counting();
    const encode = createEnvelopeEncoder({ entries: 2, maxBytes: 1 << 20 });
    for (const id of ['a', 'b', 'a', 'c', 'a', 'b']) await encode(sampleMessage({ id }), ctxFor('000.00.02.H29'));
    // a, b read; a kept (used again), c evicts b; a still kept; b read again.
    expect(opened).toHaveLength(2 * 4);
    const tiny = createEnvelopeEncoder({ entries: 2, maxBytes: 100 });
    opened.length = 0;
    for (let i = 0; i < 3; i++) await tiny(sampleMessage(), ctxFor('000.00.02.H29'));
    expect(opened).toHaveLength(2 * 3);
  });

  it('refuses damaged bytes and does not keep them: the next delivery reads them again', async () => {
    const encode = createEnvelopeEncoder({ entries: 4, maxBytes: 1 << 20 });
    const damaged = contextFor({ url: 'http://unused.invalid/' }, { openAttachment: () => Readable.from([Buffer.from('tampered')]) });
    await expect(encode(sampleMessage(), damaged)).rejects.toBeInstanceOf(AttachmentIntegrityError);
    const { opened, ctxFor } = counting();
    await encode(sampleMessage(), ctxFor('000.00.03.H29'));
    expect(opened).toHaveLength(2);
  });
});

describe('parseRetryAfter', () => {
  it.each<[string | undefined, number | undefined]>([
    ['120', 120_000],
    [' 0 ', 0],
    ['Sat, 01 Mar 2025 10:00:30 GMT', 30_000],
    ['Sat, 01 Mar 2025 09:00:00 GMT', 0], // in the past: retry now
    ['Saturday, 01-Mar-25 10:01:00 GMT', 60_000], // obsolete RFC 850 form
    ['-5', undefined],
    ['1.5', undefined],
    ['soon', undefined],
    ['', undefined],
    [undefined, undefined],
  ])('%j → %j ms', (value, expected) => {
    expect(parseRetryAfter(value, NOW)).toBe(expected);
  });
});

describe('classifyHttpResponse', () => {
  const classify = (status: number, headers: Record<string, string> = {}, body = '', bodyError?: unknown) =>
    classifyHttpResponse({ status, headers, body, bodyError }, NOW);

  it('2xx is delivered with the remote id from JSON, else from Location', () => {
    expect(classify(200, {}, '{"id":"VB-77","received":true}')).toEqual({ kind: 'delivered', httpStatus: 200, remoteId: 'VB-77' });
    expect(classify(201, {}, '{"id": 42}')).toMatchObject({ remoteId: '42' });
    expect(classify(202, { location: '/docs/9' }, 'accepted')).toMatchObject({ kind: 'delivered', remoteId: '/docs/9' });
    expect(classify(204)).toEqual({ kind: 'delivered', httpStatus: 204 });
  });

  it('a 2xx whose body broke off is transient (the retry is de-duplicated)', () => {
    expect(classify(200, {}, '{"id":', new Error('other side closed'))).toMatchObject({ kind: 'transient', httpStatus: 200 });
  });

  it.each([301, 302, 307, 308, 304])('%i is permanent (redirects are a configuration error)', (status) => {
    expect(classify(status, { location: 'https://elsewhere.gov.vn/' })).toMatchObject({ kind: 'permanent', httpStatus: status });
  });

  it.each([408, 429, 500, 502, 503, 504])('%i is transient', (status) => {
    expect(classify(status)).toMatchObject({ kind: 'transient', httpStatus: status });
  });

  it.each([400, 401, 403, 404, 409, 410, 413, 422])('%i is permanent', (status) => {
    expect(classify(status, {}, '{"error":"x"}')).toMatchObject({ kind: 'permanent', httpStatus: status });
  });

  it('honours Retry-After as seconds and as an HTTP date', () => {
    expect(classify(429, { 'retry-after': '3' })).toMatchObject({ retryAfterMs: 3000 });
    expect(classify(503, { 'retry-after': 'Sat, 01 Mar 2025 10:02:00 GMT' })).toMatchObject({ retryAfterMs: 120_000 });
    expect(classify(503, { 'retry-after': 'garbage' })).not.toHaveProperty('retryAfterMs');
  });

  it('a 4xx whose body broke off stays permanent: the status is the answer', () => {
    expect(classify(400, {}, 'bad', new Error('reset'))).toMatchObject({ kind: 'permanent', reason: 'HTTP 400: bad (body broke off)' });
  });

  it('quotes at most 200 characters of the body, on one line', () => {
    const outcome = classify(500, {}, `line1\r\nline2\t${'x'.repeat(1000)}`);
    expect(outcome.kind).toBe('transient');
    const reason = (outcome as { reason: string }).reason;
    expect(reason.startsWith('HTTP 500: line1 line2 xxx')).toBe(true);
    expect(reason).not.toMatch(/[\r\n\t]/);
    expect(reason.length).toBeLessThanOrEqual('HTTP 500: '.length + 200 + 1);
  });
});

describe('deliver over HTTP (loopback server)', () => {
  type Handler = (req: IncomingMessage, body: Buffer, res: ServerResponse) => void;
  let server: Server;
  let base: string;
  let handler: Handler;
  const sockets = new Set<unknown>();

  beforeAll(async () => {
    server = createServer((req, res) => {
      sockets.add(req.socket);
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => handler(req, Buffer.concat(chunks), res));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await closeHttpEndpointDispatchers();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('POSTs the envelope once with the digest, the ids and a signature over them', async () => {
    let seen: { req: IncomingMessage; body: Buffer } | undefined;
    let calls = 0;
    handler = (req, body, res) => {
      calls += 1;
      seen = { req, body };
      res.writeHead(201, { 'content-type': 'application/json' }).end('{"id":"VB-1"}');
    };
    const ctx = contextFor({
      url: `${base}/api/inbox?tenant=7`,
      // A static header may not replace the hub's own.
      headers: { Authorization: 'Bearer s3cret', 'Idempotency-Key': 'forged', 'content-type': 'text/plain' },
    });
    const outcome = await httpEndpointAdapter.deliver(sampleMessage(), ctx);
    expect(outcome).toEqual({ kind: 'delivered', httpStatus: 201, remoteId: 'VB-1' });
    expect(calls).toBe(1);
    const { req, body } = seen!;
    expect(req.method).toBe('POST');
    expect(req.url).toBe('/api/inbox?tenant=7');
    const digest = `sha-256=:${createHash('sha256').update(body).digest('base64')}:`;
    expect(req.headers).toMatchObject({
      'content-type': 'application/json',
      'lienthong-message-id': 'msg-1',
      'lienthong-delivery-id': 'dlv-1',
      'idempotency-key': 'idem-1',
      'content-digest': digest,
      authorization: 'Bearer s3cret',
    });
    const jws = decodeJws(req.headers['lienthong-signature'] as string);
    expect(jws.header.typ).toBe('lienthong-delivery+jws');
    expect(jws.payload).toEqual({
      messageId: 'msg-1',
      deliveryId: 'dlv-1',
      recipient: '000.00.02.H29',
      idempotencyKey: 'idem-1',
      contentDigest: digest,
      iat: NOW.getTime() / 1000,
    });
    const envelope = JSON.parse(body.toString('utf8')) as DeliveryEnvelope;
    expect(envelope.recipient).toBe('000.00.02.H29');
    expect(Buffer.from(envelope.attachments[1]!.content, 'base64').equals(xml)).toBe(true);
  });

  it('reuses keep-alive connections to an origin', async () => {
    handler = (_req, _body, res) => res.writeHead(200).end('{"id":"x"}');
    sockets.clear();
    for (let i = 0; i < 10; i += 1) {
      const path = i % 2 === 0 ? '/a' : '/b'; // two endpoints, one origin, one pool
      expect((await httpEndpointAdapter.deliver(sampleMessage(), contextFor({ url: `${base}${path}` }))).kind).toBe('delivered');
    }
    // undici's pool may hand a back-to-back request to a second connection while the first one is
    // still settling; what matters is that connections are reused rather than opened per request.
    expect(sockets.size).toBeLessThanOrEqual(2);
  });

  it('truncates a 10 MB error body in the reason without reading it all', async () => {
    handler = (_req, _body, res) => {
      res.writeHead(500, { 'content-type': 'text/html' });
      res.on('error', () => undefined);
      res.end(Buffer.alloc(10 * 1024 * 1024, 'E'));
    };
    const outcome = await httpEndpointAdapter.deliver(sampleMessage(), contextFor({ url: `${base}/big` }));
    expect(outcome.kind).toBe('transient');
    const reason = (outcome as { reason: string }).reason;
    expect(reason).toMatch(/^HTTP 500: E{200}…$/);
  });

  it('passes on Retry-After given as an HTTP date', async () => {
    handler = (_req, _body, res) => res.writeHead(503, { 'retry-after': 'Sat, 01 Mar 2025 10:00:45 GMT' }).end();
    const outcome = await httpEndpointAdapter.deliver(sampleMessage(), contextFor({ url: `${base}/busy` }));
    expect(outcome).toEqual({ kind: 'transient', httpStatus: 503, reason: 'HTTP 503', retryAfterMs: 45_000 });
  });

  it('treats 408 as transient and a redirect as permanent, without following it', async () => {
    handler = (req, _body, res) =>
      req.url === '/moved' ? res.writeHead(302, { location: `${base}/elsewhere` }).end() : res.writeHead(408).end();
    expect(await httpEndpointAdapter.deliver(sampleMessage(), contextFor({ url: `${base}/slow-client` }))).toMatchObject({
      kind: 'transient',
      httpStatus: 408,
    });
    expect(await httpEndpointAdapter.deliver(sampleMessage(), contextFor({ url: `${base}/moved` }))).toMatchObject({
      kind: 'permanent',
      httpStatus: 302,
    });
  });

  it('is transient when the answer stops mid-body', async () => {
    handler = (_req, _body, res) => {
      res.writeHead(200, { 'content-length': '1000' });
      res.write('{"id":"partial');
      setTimeout(() => res.socket?.destroy(), 20);
    };
    expect(await httpEndpointAdapter.deliver(sampleMessage(), contextFor({ url: `${base}/cut` }))).toMatchObject({
      kind: 'transient',
      httpStatus: 200,
    });
  });

  it('is transient on connection refused and permanent on a non-http url, never throwing', async () => {
    expect((await httpEndpointAdapter.deliver(sampleMessage(), contextFor({ url: 'http://127.0.0.1:1/x' }))).kind).toBe('transient');
    expect((await httpEndpointAdapter.deliver(sampleMessage(), contextFor({ url: 'ftp://127.0.0.1/x' }))).kind).toBe('permanent');
  });

  it('sends nothing when the request cannot be prepared: damaged blob permanent, failing signer transient', async () => {
    let calls = 0;
    handler = (_req, _body, res) => {
      calls += 1;
      res.writeHead(200).end('{}');
    };
    // A message of its own in each case: the adapter keeps the attachments of the last messages it
    // read for their other recipients (a message's attachments never change), so a message already
    // read in this file would not be read again.
    const damaged = contextFor({ url: `${base}/x` }, { openAttachment: () => Readable.from([Buffer.from('rot')]) });
    const outcome = await httpEndpointAdapter.deliver(sampleMessage({ id: 'msg-damaged' }), damaged);
    expect(outcome).toMatchObject({ kind: 'permanent' });
    expect((outcome as { reason: string }).reason).toMatch(/^hub could not prepare the request: Attachment 0 \(qd\.pdf\)/);
    const unsigned = contextFor({ url: `${base}/x` }, { signJws: () => Promise.reject(new Error('HSM unavailable')) });
    expect(await httpEndpointAdapter.deliver(sampleMessage({ id: 'msg-unsigned' }), unsigned)).toEqual({
      kind: 'transient',
      reason: 'hub could not prepare the request: HSM unavailable',
    });
    const missing = contextFor({ url: `${base}/x` }, { openAttachment: () => { throw Object.assign(new Error('ENOENT: no blob'), { code: 'ENOENT' }); } });
    expect((await httpEndpointAdapter.deliver(sampleMessage({ id: 'msg-missing' }), missing)).kind).toBe('transient');
    expect(calls).toBe(0);
  });
});
