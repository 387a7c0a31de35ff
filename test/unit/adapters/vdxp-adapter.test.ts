import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { Ajv } from 'ajv';
import addFormatsImport from 'ajv-formats';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import type { AdapterSettings } from '../../../adapters/index.js';
import { sendEdoc } from '../../../adapters/vdxp/axis-operations.js';
import {
  classifyAxisCall,
  closeVdxpPools,
  generateAgencies,
  mergeDirectoryLists,
  sentProgress,
  startVdxpSimulator,
  syncUnits,
  VdxpCallError,
  VdxpReceiveError,
  vdxpAdapter,
  type VdxpSettings,
  type VdxpSimulatorHandle,
} from '../../../adapters/vdxp/index.js';
import { resolveVdxpSettings, vdxpSettingsSchema } from '../../../adapters/vdxp/settings.js';
import type { BuiltPacket, DeliveryContext, ReceiveContext, ReceivedOutcome } from '../../../src/adapters/adapter-contract.js';
import type { Message } from '../../../src/domain/message.js';
import { edocPacket, statusPacket } from './vdxp-captures.js';
import { allowLoopbackOutbound } from '../../helpers/loopback-outbound.js';

// The simulators listen on loopback, which the outbound guard refuses unless allowed.
allowLoopbackOutbound();

// ajv-formats is CommonJS with a default export; NodeNext sees the module object (as in src/schema-catalogue.ts).
const addFormats = addFormatsImport as unknown as (ajv: Ajv) => Ajv;
const silent = pino({ level: 'silent' });
const NOW = new Date('2025-03-01T10:00:00Z');

const A = { systemId: 'vxp.hub.a', secret: 'secret-a', agency: '000.00.01.H29' };
const B = { systemId: 'vxp.agency.b', secret: 'secret-b', agency: '000.00.02.H29' };
const C = { systemId: 'vxp.agency.c', secret: 'secret-c', agency: '000.00.03.H29' };

function packetOf(bytes: Buffer, chunk = 1024): BuiltPacket & { opened: () => number } {
  let opened = 0;
  return {
    contentType: 'application/xml',
    size: bytes.length,
    sha256: createHash('sha256').update(bytes).digest(),
    open: () => {
      opened += 1;
      return Readable.from(Array.from({ length: Math.ceil(bytes.length / chunk) }, (_, i) => bytes.subarray(i * chunk, (i + 1) * chunk)));
    },
    opened: () => opened,
  };
}

function message(kind: 'document' | 'status' = 'document'): Message {
  return { id: `m-${kind}`, kind, sender: A.agency, recipients: [B.agency], attachments: [], contentSha256: 'a'.repeat(64), createdAt: NOW };
}

describe('vdxp settings schema', () => {
  const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false, removeAdditional: false });
  addFormats(ajv);
  const validate = ajv.compile(vdxpSettingsSchema);
  const base = { endpoint: 'https://vxp.example.gov.vn/vxp', systemId: 'vxp.saas.02', secret: 's', from: '000.00.01.H29' };

  it('has a description on every property', () => {
    for (const [name, property] of Object.entries(vdxpSettingsSchema.properties)) expect(property.description, name).toBeTruthy();
  });

  it.each<[string, boolean, unknown]>([
    ['the four required', true, base],
    [
      'all settings',
      true,
      { ...base, timeoutMs: 500, maxConnections: 2, pageSize: 50, maxItemsPerRun: 10, timestampUtcOffset: '+00:00', transientErrorCodes: ['99'], qd20Level: '1', maxResponseBytes: 4096, directoryTimeoutMs: 1000 },
    ],
    ['no secret', false, { ...base, secret: undefined }],
    ['an empty secret', false, { ...base, secret: '' }],
    ['no from', false, { ...base, from: undefined }],
    ['a system id with a space', false, { ...base, systemId: 'vxp saas' }],
    ['an ftp endpoint', false, { ...base, endpoint: 'ftp://vxp.example.gov.vn/' }],
    ['an endpoint with a query', false, { ...base, endpoint: 'https://vxp.example.gov.vn/?a=1' }],
    ['an offset without a sign', false, { ...base, timestampUtcOffset: '07:00' }],
    ['an unknown property', false, { ...base, retries: 3 }],
  ])('%s → valid %s', (_name, valid, settings) => {
    const value = JSON.parse(JSON.stringify(settings)) as unknown;
    expect(validate(value)).toBe(valid);
  });

  it('marks the secret as secret and applies the defaults', () => {
    expect(vdxpAdapter.secretSettings).toEqual(['secret']);
    expect(resolveVdxpSettings(base)).toMatchObject({ timeoutMs: 10_000, maxConnections: 4, maxItemsPerRun: 200, timestampOffsetMinutes: 420, transientErrorCodes: [] });
  });

  it('keeps the settings type on its table row', () => {
    expectTypeOf<AdapterSettings<'vdxp'>>().toEqualTypeOf<VdxpSettings>();
  });
});

describe('classifyAxisCall', () => {
  const answer = (status: string, errorCode: string, body: Record<string, unknown> = {}) => ({ status, errorCode, errorDesc: 'x', body });
  it.each<[string, string, Parameters<typeof classifyAxisCall>[0]]>([
    ['OK / 0', 'ok', { kind: 'answer', httpStatus: 200, answer: answer('OK', '0') }],
    ['FAIL at HTTP 200', 'permanent', { kind: 'answer', httpStatus: 200, answer: answer('FAIL', '12') }],
    ['FAIL with a listed transient code', 'transient', { kind: 'answer', httpStatus: 200, answer: answer('FAIL', 'BUSY') }],
    ['status FAIL but ErrorCode 0', 'permanent', { kind: 'answer', httpStatus: 200, answer: answer('FAIL', '0') }],
    ['401', 'permanent', { kind: 'http-error', httpStatus: 401, excerpt: '' }],
    ['404', 'permanent', { kind: 'http-error', httpStatus: 404, excerpt: '' }],
    ['302', 'permanent', { kind: 'http-error', httpStatus: 302, excerpt: '' }],
    ['408', 'transient', { kind: 'http-error', httpStatus: 408, excerpt: '' }],
    ['429', 'transient', { kind: 'http-error', httpStatus: 429, excerpt: '' }],
    ['502', 'transient', { kind: 'http-error', httpStatus: 502, excerpt: '<html>' }],
    ['a 2xx that is not an axis answer', 'transient', { kind: 'unreadable', httpStatus: 200, reason: 'html', tooLarge: false }],
    ['a 2xx answer too large', 'permanent', { kind: 'unreadable', httpStatus: 200, reason: 'big', tooLarge: true }],
    ['connection refused', 'transient', { kind: 'network-error', code: 'ECONNREFUSED', reason: 'refused' }],
    ['an invalid header value', 'permanent', { kind: 'network-error', code: 'UND_ERR_INVALID_ARG', reason: 'bad header' }],
    ['a timeout', 'transient', { kind: 'timeout', timeoutMs: 5 }],
    ['an abort', 'transient', { kind: 'aborted', reason: 'shutdown' }],
  ])('%s → %s', (_name, kind, result) => {
    expect(classifyAxisCall(result, ['BUSY']).kind).toBe(kind);
  });

  it('passes Retry-After on', () => {
    expect(classifyAxisCall({ kind: 'http-error', httpStatus: 503, excerpt: '', retryAfterMs: 7000 }, [])).toMatchObject({ kind: 'transient', retryAfterMs: 7000 });
  });
});

describe('vdxp against the simulated axis', () => {
  let sim: VdxpSimulatorHandle;
  const settingsOf = (system: typeof A, extra: Partial<VdxpSettings> = {}): VdxpSettings => ({
    endpoint: sim.url,
    systemId: system.systemId,
    secret: system.secret,
    from: system.agency,
    timeoutMs: 2000,
    ...extra,
  });

  function deliveryContext(overrides: Partial<DeliveryContext<VdxpSettings>> & { packet?: BuiltPacket } = {}): DeliveryContext<VdxpSettings> {
    const packet = overrides.packet ?? packetOf(edocPacket);
    return {
      deliveryId: 'dlv-1',
      attempt: 1,
      idempotencyKey: 'idem-1',
      recipient: B.agency,
      endpoint: { id: 'axis', settings: settingsOf(A) },
      signal: new AbortController().signal,
      signJws: () => Promise.reject(new Error('not used')),
      openAttachment: () => Readable.from([]),
      edxml: () => Promise.resolve(packet),
      dossier: () => Promise.reject(new Error('not a dossier message')),
      log: silent,
      now: () => new Date(),
      ...overrides,
    };
  }

  function receiveContext(intake: (packet: Buffer, source: { remoteId: string; messageType: 'edoc' | 'status' }) => Promise<ReceivedOutcome>, extra: Partial<VdxpSettings> = {}, signal = new AbortController().signal): ReceiveContext<VdxpSettings> {
    return { endpoint: { id: 'axis-b', settings: settingsOf(B, extra) }, signal, intake, log: silent, now: () => new Date() };
  }

  const acceptAll = async (): Promise<ReceivedOutcome> => ({ kind: 'accepted', messageId: 'msg' });

  beforeAll(async () => {
    sim = await startVdxpSimulator({
      systems: [
        { systemId: A.systemId, secret: A.secret, agencies: [A.agency] },
        { systemId: B.systemId, secret: B.secret, agencies: [B.agency] },
        { systemId: C.systemId, secret: C.secret, agencies: [C.agency] },
      ],
    });
  });
  afterEach(() => sim.reset());
  afterAll(async () => {
    await closeVdxpPools();
    await sim.close();
  });

  describe('deliver', () => {
    it('sends the packet once and relays it to the recipient’s system, remoteId = DocId', async () => {
      const packet = packetOf(edocPacket);
      const outcome = await vdxpAdapter.deliver(message(), deliveryContext({ packet }));
      expect(outcome).toMatchObject({ kind: 'delivered', httpStatus: 200 });
      const [sent] = sim.sent(A.systemId);
      expect(outcome.kind === 'delivered' && outcome.remoteId).toBe(sent?.senderDocId);
      expect(sent).toMatchObject({ from: A.agency, to: [B.agency], messageType: 'edoc', size: edocPacket.length });
      expect(sim.pending(B.agency)).toHaveLength(1);
      expect(packet.opened()).toBe(1);
      expect(sim.requests(A.systemId).map((r) => r.operation)).toEqual(['sendEdoc']);
    });

    it('sends status messages with messagetype status', async () => {
      await vdxpAdapter.deliver(message('status'), deliveryContext({ packet: packetOf(statusPacket) }));
      expect(sim.pending(B.agency).map((c) => c.messageType)).toEqual(['status']);
      expect(sim.requests(A.systemId)[0]?.headers['xroadvnpt-messagetype']).toBe('status');
    });

    it('streams a 50 MB packet without holding it (Content-Length = size + 2)', async () => {
      const size = 50 * 1024 * 1024;
      const block = Buffer.alloc(64 * 1024, 0x61);
      const hash = createHash('sha256');
      for (let i = 0; i < size / block.length; i++) hash.update(block);
      const big: BuiltPacket = {
        contentType: 'application/xml',
        size,
        sha256: hash.digest(),
        open: () => Readable.from((function* () { for (let i = 0; i < size / block.length; i++) yield block; })()),
      };
      const outcome = await vdxpAdapter.deliver(message(), deliveryContext({ packet: big, endpoint: { id: 'axis', settings: settingsOf(A, { timeoutMs: 30_000 }) } }));
      expect(outcome.kind).toBe('delivered');
      expect(sim.requests(A.systemId)[0]?.headers['content-length']).toBe(String(size + 2));
      expect(sim.sent(A.systemId)[0]?.size).toBe(size);
    });

    it('is permanent when the axis does not know the recipient', async () => {
      const outcome = await vdxpAdapter.deliver(message(), deliveryContext({ recipient: '000.00.99.H99' }));
      expect(outcome).toMatchObject({ kind: 'permanent', httpStatus: 400 });
      expect(outcome.kind === 'permanent' && outcome.reason).toMatch(/unknown recipient 000.00.99.H99/);
    });

    it('is permanent (401) with a secret the axis does not hold', async () => {
      const outcome = await vdxpAdapter.deliver(message(), deliveryContext({ endpoint: { id: 'axis', settings: { ...settingsOf(A), secret: 'wrong' } } }));
      expect(outcome).toMatchObject({ kind: 'permanent', httpStatus: 401 });
      expect(sim.pending(B.agency)).toEqual([]);
    });

    it('is permanent when the packet does not match hash-file (the hub’s packet lied about its digest)', async () => {
      const lying = { ...packetOf(edocPacket), sha256: Buffer.alloc(32) };
      expect(await vdxpAdapter.deliver(message(), deliveryContext({ packet: lying }))).toMatchObject({ kind: 'permanent', httpStatus: 400 });
    });

    it('is transient when the built packet is not as long as it says (undici stops the upload)', async () => {
      const short = { ...packetOf(edocPacket), size: edocPacket.length + 10 };
      const outcome = await vdxpAdapter.deliver(message(), deliveryContext({ packet: short }));
      expect(outcome).toMatchObject({ kind: 'transient' });
      expect(outcome.kind === 'transient' && outcome.reason).toMatch(/UND_ERR_REQ_CONTENT_LENGTH_MISMATCH/);
      expect(sim.sent()).toEqual([]);
    });

    it('classifies a FAIL answer by ErrorCode: permanent, or transient when the endpoint lists it', async () => {
      sim.setBehaviour(A.systemId, { mode: 'fail-answer', errorCode: 'E-BUSY', errorDesc: 'he thong ban' });
      expect(await vdxpAdapter.deliver(message(), deliveryContext())).toMatchObject({ kind: 'permanent', httpStatus: 200 });
      const listed = deliveryContext({ endpoint: { id: 'axis', settings: settingsOf(A, { transientErrorCodes: ['E-BUSY'] }) } });
      expect(await vdxpAdapter.deliver(message(), listed)).toMatchObject({ kind: 'transient', httpStatus: 200 });
    });

    it('is transient on 503 with Retry-After, and on a dropped connection', async () => {
      sim.setBehaviour(A.systemId, { mode: 'fail', status: 503, retryAfterSeconds: 30 });
      expect(await vdxpAdapter.deliver(message(), deliveryContext())).toMatchObject({ kind: 'transient', httpStatus: 503, retryAfterMs: 30_000 });
      sim.setBehaviour(A.systemId, { mode: 'down' });
      expect((await vdxpAdapter.deliver(message(), deliveryContext())).kind).toBe('transient');
    });

    it('answers a re-sent document with its first DocId (the simulator’s de-duplication)', async () => {
      const first = await vdxpAdapter.deliver(message(), deliveryContext());
      const second = await vdxpAdapter.deliver(message(), deliveryContext({ attempt: 2 }));
      expect(second).toEqual(first);
      expect(sim.uniqueDeliveries(A.systemId)).toBe(1);
      expect(sim.pending(B.agency)).toHaveLength(1);
    });

    it('is permanent, without a request, when the hub cannot build the packet for good; transient otherwise', async () => {
      const invalid = Object.assign(new Error('edXML invalid'), { statusCode: 422, code: 'HUB_ERR_EDXML_INVALID' });
      expect(await vdxpAdapter.deliver(message(), deliveryContext({ edxml: () => Promise.reject(invalid) }))).toMatchObject({ kind: 'permanent' });
      expect(await vdxpAdapter.deliver(message(), deliveryContext({ edxml: () => Promise.reject(new Error('ENOSPC')) }))).toMatchObject({ kind: 'transient' });
      expect(sim.requests()).toEqual([]);
    });

    it('does not send when the signal is already aborted', async () => {
      expect((await vdxpAdapter.deliver(message(), deliveryContext({ signal: AbortSignal.abort() }))).kind).toBe('transient');
      expect(sim.requests()).toEqual([]);
    });
  });

  describe('receive', () => {
    async function sendToB(kind: 'document' | 'status', bytes: Buffer): Promise<string> {
      const outcome = await vdxpAdapter.deliver(message(kind), deliveryContext({ packet: packetOf(bytes) }));
      if (outcome.kind !== 'delivered' || !outcome.remoteId) throw new Error(`not delivered: ${JSON.stringify(outcome)}`);
      return outcome.remoteId;
    }
    // Another document: the simulated axis takes a packet with a known DocumentId for a re-sending.
    const edocVariant = (n: number): Buffer => Buffer.from(edocPacket.toString('utf8').replaceAll('9fbfbad2-f1f8-4256-a2eb-50fb1061cddb', `9fbfbad2-f1f8-4256-a2eb-${String(n).padStart(12, '0')}`));

    it('lists, fetches, hands in and acknowledges edoc and status packets', async () => {
      await sendToB('document', edocVariant(1));
      await sendToB('document', edocVariant(2));
      await sendToB('status', statusPacket);
      const seen: { bytes: Buffer; messageType: string }[] = [];
      const summary = await vdxpAdapter.receive!(
        receiveContext(async (bytes, source) => {
          seen.push({ bytes, messageType: source.messageType });
          return { kind: 'accepted', messageId: source.remoteId };
        }),
      );
      expect(summary).toEqual({ fetched: 3, accepted: 3, duplicates: 0, rejected: 0, failed: 0 });
      expect(seen.map((s) => s.messageType)).toEqual(['edoc', 'edoc', 'status']);
      expect(seen[0]?.bytes.equals(edocVariant(1))).toBe(true);
      expect(seen[2]?.bytes.equals(statusPacket)).toBe(true);
      expect(sim.pending(B.agency)).toEqual([]);
      const calls = sim.requests(B.systemId).map((r) => `${r.operation}${r.headers['xroadvnpt-status'] ? `:${r.headers['xroadvnpt-status']}` : ''}`);
      expect(calls).toEqual(['getReceivedEdocList', 'getEdoc', 'updateStatus:done', 'getEdoc', 'updateStatus:done', 'getReceivedEdocList', 'getEdoc', 'updateStatus:done']);
    });

    it('acknowledges duplicates as done and rejected packets as fail; the sender sees it in sentProgress', async () => {
      const dup = await sendToB('document', edocVariant(1));
      const bad = await sendToB('document', edocVariant(2));
      const outcomes: ReceivedOutcome[] = [{ kind: 'duplicate', messageId: 'm0' }, { kind: 'rejected', code: 'HUB_ERR_EDXML_INVALID', reason: 'no From' }];
      const summary = await vdxpAdapter.receive!(receiveContext(async () => outcomes.shift()!));
      expect(summary).toEqual({ fetched: 2, accepted: 0, duplicates: 1, rejected: 1, failed: 0 });
      expect(sim.pending(B.agency)).toEqual([]);
      const [dupProgress] = await sentProgress(settingsOf(A), dup);
      const [badProgress] = await sentProgress(settingsOf(A), bad);
      expect(dupProgress).toMatchObject({ recipient: B.agency, senderDocId: dup, receiveStatus: 'done', sendStatus: 'done' });
      expect(badProgress).toMatchObject({ recipient: B.agency, senderDocId: bad, receiveStatus: 'fail' });
      expect(dupProgress?.receivedTime).toBeTruthy();
    });

    it('leaves a packet it could not fetch pending, counted as failed, without acknowledging it', async () => {
      await sendToB('document', edocPacket);
      sim.setBehaviour(B.systemId, { mode: 'fail', status: 502 }, ['getEdoc']);
      const summary = await vdxpAdapter.receive!(receiveContext(acceptAll));
      expect(summary).toEqual({ fetched: 0, accepted: 0, duplicates: 0, rejected: 0, failed: 1 });
      expect(sim.pending(B.agency)).toHaveLength(1);
      expect(sim.requests(B.systemId).map((r) => r.operation)).not.toContain('updateStatus');
    });

    it('acknowledges fail a packet getEdoc refuses for good in failUnfetchableAfter runs in a row; never one it may get later', async () => {
      await sendToB('document', edocVariant(1));
      await sendToB('document', edocVariant(2));
      const acks = () => sim.requests(B.systemId).filter((r) => r.operation === 'updateStatus').map((r) => r.headers['xroadvnpt-status']);
      // Worth another try (502): however many runs, it stays pending and unacknowledged.
      sim.setBehaviour(B.systemId, { mode: 'fail', status: 502 }, ['getEdoc']);
      for (let run = 0; run < 4; run++) expect(await vdxpAdapter.receive!(receiveContext(acceptAll, { maxItemsPerRun: 1 }))).toMatchObject({ failed: 1, rejected: 0 });
      expect(acks()).toEqual([]);
      // Refused for good (404): pending for two runs, acknowledged fail on the third; the next packet then comes through.
      sim.setBehaviour(B.systemId, { mode: 'fail', status: 404 }, ['getEdoc']);
      for (let run = 0; run < 2; run++) expect(await vdxpAdapter.receive!(receiveContext(acceptAll, { maxItemsPerRun: 1 }))).toMatchObject({ failed: 1, rejected: 0 });
      expect(acks()).toEqual([]);
      expect(await vdxpAdapter.receive!(receiveContext(acceptAll, { maxItemsPerRun: 1 }))).toMatchObject({ failed: 0, rejected: 1 });
      expect(acks()).toEqual(['fail']);
      expect(sim.pending(B.agency)).toHaveLength(1);
      sim.setBehaviour(B.systemId, { mode: 'ok' }, ['getEdoc']);
      expect(await vdxpAdapter.receive!(receiveContext(acceptAll, { maxItemsPerRun: 1 }))).toMatchObject({ fetched: 1, accepted: 1 });
      expect(sim.pending(B.agency)).toEqual([]);
    });

    it('leaves a packet pending when the hub cannot take it now', async () => {
      await sendToB('document', edocPacket);
      const summary = await vdxpAdapter.receive!(receiveContext(() => Promise.reject(new Error('store down'))));
      expect(summary).toMatchObject({ fetched: 1, accepted: 0, failed: 1 });
      expect(sim.pending(B.agency)).toHaveLength(1);
    });

    it('handles an item the axis lists twice once', async () => {
      await sendToB('document', edocPacket);
      sim.setBehaviour(B.systemId, { mode: 'duplicate-listing' }, ['getReceivedEdocList']);
      let calls = 0;
      const summary = await vdxpAdapter.receive!(receiveContext(async () => ((calls += 1), { kind: 'accepted', messageId: 'm' })));
      expect(calls).toBe(1);
      expect(summary).toMatchObject({ fetched: 1, accepted: 1 });
    });

    it('counts a failed acknowledgement; the next run gets the packet again and settles it as a duplicate', async () => {
      await sendToB('document', edocPacket);
      sim.setBehaviour(B.systemId, { mode: 'fail', status: 500, count: 1 }, ['updateStatus']);
      const hub = new Set<string>();
      const intake = async (bytes: Buffer): Promise<ReceivedOutcome> => {
        const key = createHash('sha256').update(bytes).digest('hex');
        if (hub.has(key)) return { kind: 'duplicate', messageId: key };
        hub.add(key);
        return { kind: 'accepted', messageId: key };
      };
      expect(await vdxpAdapter.receive!(receiveContext(intake))).toMatchObject({ fetched: 1, accepted: 1, failed: 1 });
      expect(sim.pending(B.agency)).toHaveLength(1);
      expect(await vdxpAdapter.receive!(receiveContext(intake))).toMatchObject({ fetched: 1, duplicates: 1, failed: 0 });
      expect(sim.pending(B.agency)).toEqual([]);
    });

    it('settles a packet the axis offers again after its receipt as a duplicate', async () => {
      await sendToB('document', edocPacket);
      await vdxpAdapter.receive!(receiveContext(acceptAll));
      const [copy] = sim.sent(A.systemId)[0]!.copies;
      sim.redeliver(copy!);
      const summary = await vdxpAdapter.receive!(receiveContext(async () => ({ kind: 'duplicate', messageId: 'm' })));
      expect(summary).toMatchObject({ fetched: 1, duplicates: 1 });
      expect(sim.pending(B.agency)).toEqual([]);
    });

    it('stops after maxItemsPerRun items, and asks for a page when pageSize is set', async () => {
      for (let i = 0; i < 3; i++) await sendToB('document', edocVariant(i));
      expect(await vdxpAdapter.receive!(receiveContext(acceptAll, { maxItemsPerRun: 2 }))).toMatchObject({ fetched: 2 });
      expect(sim.pending(B.agency)).toHaveLength(1);
      sim.reset();
      // Each list has its own budget: a backlog of documents does not hold back the status packets.
      for (let i = 0; i < 3; i++) await sendToB('document', edocVariant(i));
      await sendToB('status', statusPacket);
      expect(await vdxpAdapter.receive!(receiveContext(acceptAll, { maxItemsPerRun: 2 }))).toMatchObject({ fetched: 3 });
      expect(sim.requests(B.systemId).filter((r) => r.operation === 'getReceivedEdocList')).toHaveLength(2);
      sim.reset();
      for (let i = 0; i < 3; i++) await sendToB('document', edocVariant(i));
      expect(await vdxpAdapter.receive!(receiveContext(acceptAll, { pageSize: 2 }))).toMatchObject({ fetched: 2 });
      expect(sim.requests(B.systemId)[0]?.headers).toMatchObject({ 'xroadvnpt-pagesize': '2', 'xroadvnpt-pageindex': '1' });
    });

    it('throws with its summary when a list call fails, after handling the other list', async () => {
      await sendToB('status', statusPacket);
      sim.setBehaviour(B.systemId, { mode: 'fail', status: 503, count: 1 }, ['getReceivedEdocList']);
      const run = vdxpAdapter.receive!(receiveContext(acceptAll));
      await expect(run).rejects.toBeInstanceOf(VdxpReceiveError);
      await run.catch((err: VdxpReceiveError) => {
        expect(err.summary).toMatchObject({ fetched: 1, accepted: 1 });
        expect(err.message).toMatch(/edoc/);
      });
    });

    it('returns what it did when its signal aborts', async () => {
      await sendToB('document', edocVariant(1));
      await sendToB('document', edocVariant(2));
      const controller = new AbortController();
      const summary = await vdxpAdapter.receive!(
        receiveContext(async () => {
          controller.abort(new Error('time limit'));
          return { kind: 'accepted', messageId: 'm' };
        }, {}, controller.signal),
      );
      expect(summary.accepted).toBe(1);
      expect(sim.pending(B.agency)).toHaveLength(2); // the acknowledgement was aborted too: offered again next run
      expect(summary.failed).toBe(1);
    });
  });

  describe('sentProgress', () => {
    it('reports each recipient of a packet sent to several', async () => {
      const result = await sendEdoc(
        resolveVdxpSettings(settingsOf(A)),
        { to: [B.agency, C.agency], messageType: 'edoc', packet: packetOf(edocPacket) },
        { signal: new AbortController().signal, now: () => new Date() },
      );
      expect(result.kind).toBe('answer');
      const docId = result.kind === 'answer' ? String(result.answer.body.DocId) : '';
      await vdxpAdapter.receive!(receiveContext(acceptAll));
      const progress = await sentProgress(settingsOf(A), docId);
      expect(progress.map((p) => [p.recipient, p.receiveStatus])).toEqual([
        [B.agency, 'done'],
        [C.agency, 'initial'],
      ]);
      expect(progress[0]).toMatchObject({ senderDocId: docId, fromCode: A.agency, title: 'Văn bản liên thông chỉ đạo - 190701', notation: 'PRO-TEST-CASE1' });
      expect(progress[0]?.receiverDocId).not.toBe(progress[1]?.receiverDocId);
    });

    it('throws a VdxpCallError that says whether to ask again', async () => {
      sim.setBehaviour(A.systemId, { mode: 'fail', status: 503 });
      const failed = await sentProgress(settingsOf(A), 'x').catch((err: unknown) => err);
      expect(failed).toBeInstanceOf(VdxpCallError);
      expect((failed as VdxpCallError).transient).toBe(true);
    });
  });

  describe('directory', () => {
    const directoryContext = (settings: VdxpSettings) => ({ endpoint: { id: 'axis', settings }, signal: new AbortController().signal, log: silent });

    it('merges getAgenciesList and getAgenciesListQD20 (111 339 agencies, as the real axis)', async () => {
      const agencies = generateAgencies(111_339);
      sim.loadDirectory([
        ...agencies,
        { id: 'q1', codeQd20: 'H29.99', name: 'Chỉ có mã QĐ20' },
        { id: 'l1', pid: '1', code102: '000.99.99.H29', name: 'Chỉ có mã QCVN 102', mail: 'a@b.gov.vn' },
      ]);
      const started = performance.now();
      const directory = await vdxpAdapter.fetchDirectory!(directoryContext(settingsOf(A)));
      expect(performance.now() - started).toBeLessThan(15_000);
      expect(directory).toHaveLength(111_341);
      expect(directory[0]).toEqual({ id: '1', code102: agencies[0]!.code102, codeQd20: agencies[0]!.codeQd20, name: agencies[0]!.name, mail: agencies[0]!.mail });
      expect(directory[11]).toMatchObject({ id: '12', parentId: '2' });
      expect(directory.find((a) => a.id === 'l1')).toEqual({ id: 'l1', parentId: '1', code102: '000.99.99.H29', name: 'Chỉ có mã QCVN 102', mail: 'a@b.gov.vn' });
      expect(directory.find((a) => a.id === 'q1')).toEqual({ id: 'q1', codeQd20: 'H29.99', name: 'Chỉ có mã QĐ20' });
      const operations = sim.requests(A.systemId).map((r) => r.operation).sort();
      expect(operations).toEqual(['getAgenciesList', 'getAgenciesListQD20']);
    });

    it('sends the QĐ20 level when configured', async () => {
      sim.loadDirectory([{ id: '1', codeQd20: 'H29', name: 'Tỉnh' }, { id: '2', codeQd20: 'H29.01', name: 'Sở' }]);
      const directory = await vdxpAdapter.fetchDirectory!(directoryContext(settingsOf(A, { qd20Level: '1' })));
      expect(directory.map((a) => a.codeQd20)).toEqual(['H29']);
    });

    it('mergeDirectoryLists: a QĐ20-only entry whose id the first list uses is kept under qd20:<id>', () => {
      const merged = mergeDirectoryLists([{ id: '7', pid: '0', code: '000.00.07.H29', name: 'A' }], [{ id: '7', code: 'H29.7', name: 'B', code102: '' }]);
      expect(merged).toEqual([
        { id: '7', code102: '000.00.07.H29', name: 'A' },
        { id: 'qd20:7', codeQd20: 'H29.7', name: 'B' },
      ]);
    });

    it('syncUnits reports everything once, then only what changed, deletions included', async () => {
      sim.loadDirectory(generateAgencies(3));
      const first = await syncUnits(settingsOf(A));
      expect(first.map((a) => a.id)).toEqual(['1', '2', '3']);
      expect(first[0]).toMatchObject({ code102: '000.00.00.H01', modifiedAt: '2025-01-01T00:00:00.000Z' });
      expect(first[0]).not.toHaveProperty('deleted');
      sim.changeDirectory({ upsert: [{ id: '2', code102: '000.00.02.H01', codeQd20: 'H01.0.0.2', name: 'Đổi tên' }], delete: ['3'] });
      const second = await syncUnits(settingsOf(A));
      expect(second).toEqual([
        expect.objectContaining({ id: '2', name: 'Đổi tên' }),
        expect.objectContaining({ id: '3', deleted: true }),
      ]);
      expect(await syncUnits(settingsOf(A))).toEqual([]);
      // Another system has its own cursor.
      expect(await syncUnits(settingsOf(B))).toHaveLength(3);
    });
  });
});
