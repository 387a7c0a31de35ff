import { createHash } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { Readable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { closeVdxpPools, startVdxpSimulator, vdxpAdapter, vdxpSimulatorSecret, type VdxpSimulatorHandle } from '../../../adapters/vdxp/index.js';
import type { VdxpSettings } from '../../../adapters/vdxp/settings.js';
import type { BuiltPacket, ReceiveContext } from '../../../src/adapters/adapter-contract.js';
import { CAPTURE, captured, capturedRequests, edocPacket, statusPacket, type CapturedRequest } from './vdxp-captures.js';
import { allowLoopbackOutbound } from '../../helpers/loopback-outbound.js';

// The simulators listen on loopback, which the outbound guard refuses unless allowed.
allowLoopbackOutbound();

// The docId the captured getEdoc/updateStatus asked for (the capture server had listed it).
const LISTED_DOC_ID = '68edb8c8c2dcb14db773ce45';

interface Reply {
  status: number;
  body: Record<string, unknown>;
}

/**
 * Sends a captured request as it was recorded: same method, path, raw headers (in order, as cased)
 * and body — but without `Expect: 100-continue`, which only changes when the body is written.
 */
function replay(base: string, captured: CapturedRequest, change: { headers?: Record<string, string | undefined>; body?: Buffer } = {}): Promise<Reply> {
  const raw: string[] = [];
  const overridden = new Set(Object.keys(change.headers ?? {}));
  const body = change.body ?? Buffer.from(captured.bodyBase64, 'base64');
  for (let i = 0; i < captured.rawHeaders.length; i += 2) {
    const name = captured.rawHeaders[i] as string;
    if (name.toLowerCase() === 'expect' || overridden.has(name.toLowerCase())) continue;
    // A replaced body keeps its header's place, with its own length.
    raw.push(name, name.toLowerCase() === 'content-length' ? String(body.length) : (captured.rawHeaders[i + 1] as string));
  }
  for (const [name, value] of Object.entries(change.headers ?? {})) if (value !== undefined) raw.push(name, value);
  const url = new URL(captured.url, base);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, path: url.pathname, method: captured.method, headers: raw, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown> }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('the simulated axis against the requests the real SDK sent', () => {
  let sim: VdxpSimulatorHandle;

  beforeAll(async () => {
    sim = await startVdxpSimulator({
      systems: [
        { systemId: CAPTURE.systemId, secret: CAPTURE.secret, agencies: [CAPTURE.from] },
        { systemId: 'vxp.test.02', secret: 'another-secret', agencies: [CAPTURE.to] },
      ],
      directory: [{ id: '1', pid: '0', code102: CAPTURE.from, name: 'Văn phòng Chính phủ' }],
    });
  });
  afterEach(() => sim.reset());
  afterAll(() => sim.close());

  it('accepts every captured request, in order, with the effects the SDK expected', async () => {
    sim.inject({ bytes: statusPacket, from: CAPTURE.to, to: CAPTURE.from, messageType: 'edoc', docId: LISTED_DOC_ID });
    const replies: Reply[] = [];
    for (const request of capturedRequests) replies.push(await replay(sim.url, request));

    for (const [i, reply] of replies.entries()) {
      expect(reply, capturedRequests[i]?.url).toMatchObject({ status: 200, body: { status: 'OK', ErrorCode: '0' } });
    }
    const [sent, listed, fetched, , progress, agencies] = replies as [Reply, Reply, Reply, Reply, Reply, Reply];
    // sendEdoc: relayed to the system serving the recipient, byte for byte without the CRLF.
    expect(sent.body.DocId).toMatch(/^[0-9a-f]{24}$/);
    const relayed = sim.pending(CAPTURE.to);
    expect(relayed).toHaveLength(1);
    expect(sim.packet(relayed[0]!.docId)?.equals(edocPacket)).toBe(true);
    // getReceivedEdocList (messagetype edoc, lingering keys and all): what waits for the system's agency.
    expect(listed.body.data).toEqual([expect.objectContaining({ docId: LISTED_DOC_ID, serviceType: 'eDoc', messageType: 'edoc', from: CAPTURE.to, to: CAPTURE.from, status: 'initial' })]);
    // getEdoc: base64 of the packet; updateStatus done: off the pending list.
    expect(Buffer.from(fetched.body.data as string, 'base64').equals(statusPacket)).toBe(true);
    expect(sim.pending(CAPTURE.from)).toEqual([]);
    // getSentEdocList asked for the capture server's DocId, which this axis never issued.
    expect(progress.body.data).toEqual([]);
    expect(agencies.body.data).toEqual([{ id: '1', pid: '0', code: CAPTURE.from, name: 'Văn phòng Chính phủ', mail: '', oldCode: '' }]);
  });

  it.each(capturedRequests.map((r) => [r.url, r] as const))('%s: a changed signed header is refused with the axis’s error answer', async (_url, request) => {
    const timestamp = request.headers['xroadvnpt-timestamp'] as string;
    const reply = await replay(sim.url, request, { headers: { 'xroadvnpt-timestamp': timestamp.replace(/.$/, (d) => String((Number(d) + 1) % 10)) } });
    expect(reply).toMatchObject({ status: 401, body: { status: 'FAIL', ErrorCode: '401' } });
    expect(String(reply.body.ErrorDesc)).toMatch(/XroadVnpt-timestamp is not the signed value/);
  });

  it.each(capturedRequests.map((r) => [r.url, r] as const))('%s: a changed sign-header string fails the HMAC', async (_url, request) => {
    const signHeader = (request.headers['xroadvnpt-sign-header'] as string).replace('vxp.test.01', 'vxp.test.02');
    const reply = await replay(sim.url, request, { headers: { 'xroadvnpt-sign-header': signHeader } });
    expect(reply).toMatchObject({ status: 401, body: { status: 'FAIL' } });
    expect(String(reply.body.ErrorDesc)).toMatch(/hash-header/);
  });

  it('sendEdoc: one changed body byte fails hash-file', async () => {
    const body = Buffer.from(captured('sendEdoc').bodyBase64, 'base64');
    body[100] = (body[100] as number) ^ 0x01;
    const reply = await replay(sim.url, captured('sendEdoc'), { body });
    expect(reply).toMatchObject({ status: 400, body: { status: 'FAIL', ErrorCode: '400', ErrorDesc: 'hash-file does not match the body' } });
    expect(sim.sent()).toEqual([]);
  });

  it('sendEdoc: the packet without the SDK’s trailing CRLF is refused', async () => {
    // The vendor sample ends with its own CRLF: without the SDK's, the axis hashes one line short.
    expect(edocPacket.subarray(-2).toString()).toBe('\r\n');
    const short = await replay(sim.url, captured('sendEdoc'), { body: edocPacket });
    expect(short).toMatchObject({ status: 400, body: { ErrorDesc: 'hash-file does not match the body' } });
    const unterminated = await replay(sim.url, captured('sendEdoc'), { body: edocPacket.subarray(0, -2) });
    expect(unterminated).toMatchObject({ status: 400, body: { ErrorDesc: 'the body must be the packet followed by CRLF' } });
  });

  it.each<[string, Record<string, string | undefined>, RegExp]>([
    ['no hash-header', { 'xroadvnpt-hash-header': undefined }, /missing/],
    ['an invalid hash-header', { 'xroadvnpt-hash-header': '0'.repeat(64) }, /hash-header/],
    ['an unknown systemid', { 'xroadvnpt-systemid': 'vxp.unknown' }, /unknown system vxp.unknown/],
    ['a signed header left out', { 'xroadvnpt-messagetype': undefined }, /XroadVnpt-messagetype/],
  ])('refuses a request with %s', async (_name, headers, reason) => {
    const reply = await replay(sim.url, captured('getReceivedEdocList'), { headers });
    expect(reply).toMatchObject({ status: 401, body: { status: 'FAIL', ErrorCode: '401' } });
    expect(String(reply.body.ErrorDesc)).toMatch(reason);
  });

  it('records each request under its system, with the operation it called', async () => {
    await replay(sim.url, captured('getAgenciesList'));
    expect(sim.requests(CAPTURE.systemId).map((r) => [r.operation, r.status])).toEqual([['getAgenciesList', 200]]);
    expect(sim.requests('vxp.test.02')).toEqual([]);
  });

  it('refuses a sendEdoc from an agency the system does not serve, and to an unknown recipient', async () => {
    const other = await startVdxpSimulator({ systems: [{ systemId: CAPTURE.systemId, secret: CAPTURE.secret, agencies: ['000.00.00.G13'] }] });
    try {
      expect(await replay(other.url, captured('sendEdoc'))).toMatchObject({ status: 403, body: { status: 'FAIL' } });
      other.registerSystem({ systemId: CAPTURE.systemId, secret: CAPTURE.secret, agencies: [CAPTURE.from] });
      const unknown = await replay(other.url, captured('sendEdoc'));
      expect(unknown).toMatchObject({ status: 400, body: { ErrorDesc: `unknown recipient ${CAPTURE.to}` } });
    } finally {
      await other.close();
    }
  });

  it('enforces a timestamp window only when configured', async () => {
    const strict = await startVdxpSimulator({
      systems: [{ systemId: CAPTURE.systemId, secret: CAPTURE.secret, agencies: [CAPTURE.from] }],
      timestampWindowMs: 5 * 60_000,
      now: () => new Date(CAPTURE.clock.getTime() + 10 * 60_000),
    });
    try {
      const late = await replay(strict.url, captured('getAgenciesList'));
      expect(late).toMatchObject({ status: 401, body: { ErrorDesc: 'authentication failed: timestamp outside the accepted window' } });
    } finally {
      await strict.close();
    }
  });

  it('answers every refusal with HTTP 200 when configured so', async () => {
    const lenient = await startVdxpSimulator({ refusalStatus: 'always-200' });
    try {
      expect(await replay(lenient.url, captured('getAgenciesList'))).toMatchObject({ status: 200, body: { status: 'FAIL', ErrorCode: '401' } });
    } finally {
      await lenient.close();
    }
  });
});

describe('simulator modes', () => {
  afterAll(() => closeVdxpPools());
  const packet: BuiltPacket = { contentType: 'application/xml', size: edocPacket.length, sha256: createHash('sha256').update(edocPacket).digest(), open: () => Readable.from([edocPacket]) };
  const settings = (url: string, systemId: string, secret: string, from: string): VdxpSettings => ({ endpoint: url, systemId, secret, from, timeoutMs: 2000 });
  const deliver = (s: VdxpSettings, recipient: string) =>
    vdxpAdapter.deliver(
      { id: 'm', kind: 'document', sender: s.from, recipients: [recipient], attachments: [], contentSha256: 'a'.repeat(64), createdAt: new Date() },
      {
        deliveryId: 'd', attempt: 1, idempotencyKey: 'k', recipient, endpoint: { id: 'e', settings: s }, signal: new AbortController().signal,
        signJws: () => Promise.reject(new Error('unused')), openAttachment: () => Readable.from([]), edxml: () => Promise.resolve(packet), dossier: () => Promise.reject(new Error('not a dossier message')), log: pino({ level: 'silent' }), now: () => new Date(),
      },
    );

  it('open enrolment admits an unknown system with its derived secret only, and routes to any code', async () => {
    const sim = await startVdxpSimulator({ enrolment: 'open' });
    try {
      expect(await deliver(settings(sim.url, 'sys.new', vdxpSimulatorSecret('sys.new'), '000.00.01.H29'), '000.00.77.H77')).toMatchObject({ kind: 'delivered' });
      expect(await deliver(settings(sim.url, 'sys.other', 'guessed', '000.00.01.H29'), '000.00.77.H77')).toMatchObject({ kind: 'permanent', httpStatus: 401 });
      expect(sim.pending('000.00.77.H77')).toHaveLength(1);
      expect(vdxpSimulatorSecret('sys.new')).not.toBe(vdxpSimulatorSecret('sys.other'));
    } finally {
      await sim.close();
    }
  });

  it('recordBodies: false keeps no bodies: deliveries count, packets cannot be fetched', async () => {
    const sim = await startVdxpSimulator({
      recordBodies: false,
      systems: [
        { systemId: 'a', secret: 'sa', agencies: ['000.00.01.H29'] },
        { systemId: 'b', secret: 'sb', agencies: ['000.00.02.H29'] },
      ],
    });
    try {
      expect(await deliver(settings(sim.url, 'a', 'sa', '000.00.01.H29'), '000.00.02.H29')).toMatchObject({ kind: 'delivered' });
      expect(sim.requests('a')[0]?.body.length).toBe(0);
      expect(sim.uniqueDeliveries('a')).toBe(1);
      const ctx: ReceiveContext<VdxpSettings> = {
        endpoint: { id: 'b', settings: settings(sim.url, 'b', 'sb', '000.00.02.H29') },
        signal: new AbortController().signal,
        intake: () => Promise.reject(new Error('not reached')),
        log: pino({ level: 'silent' }),
        now: () => new Date(),
      };
      expect(await vdxpAdapter.receive!(ctx)).toMatchObject({ fetched: 0, failed: 1 });
      expect(sim.requests('b').map((r) => [r.operation, r.status])).toContainEqual(['getEdoc', 410]);
    } finally {
      await sim.close();
    }
  });
});
