import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { adapters } from '../../../adapters/index.js';
import type { EndpointConfig } from '../../../src/config/hub-config.js';
import { parseHubConfig } from '../../../src/config/load-hub-config.js';
import { hubError } from '../../../src/errors.js';
import type { EdxmlMessageFields } from '../../../src/formats/edxml/index.js';
import { polledRecipients, type EdxmlIntake } from '../../../src/intake/edxml-intake.js';
import { createMetrics } from '../../../src/metrics.js';
import { createPolledPacketIntake, polledPacketKey } from '../../../src/queue/polled-packet-intake.js';
import { createSchemaCatalogue, type IdentifiedSchema } from '../../../src/schema-catalogue.js';

// What a receive loop is told to acknowledge, for each answer of the hub's edXML intake.

const endpoint = { id: 'axis' } as EndpointConfig;
const source = { remoteId: '68edb8c8c2dcb14db773ce44', messageType: 'edoc' as const };

function setup(answer: () => Promise<unknown>) {
  const metrics = createMetrics({ defaultMetrics: false });
  const calls: unknown[][] = [];
  const edxmlIntake = (async (...args: unknown[]) => {
    calls.push(args);
    return answer();
  }) as unknown as EdxmlIntake;
  const intake = createPolledPacketIntake({ edxmlIntake, metrics, log: pino({ level: 'silent' }) });
  const counted = async (outcome: string) => (await metrics.receivedPackets.get()).values.find((v) => v.labels.outcome === outcome && v.labels.endpoint === 'axis')?.value ?? 0;
  return { intake, calls, counted };
}

describe('polled packet intake', () => {
  it('hands the packet in as submitted by the endpoint, keyed by its bytes; taken in → accepted with the new message id', async () => {
    const { intake, calls, counted } = setup(async () => ({ id: 'm-1', receipt: 'jws', kind: 'document', signature: { status: 'absent' } }));
    const packet = Buffer.from('<edXML/>');
    expect(await intake(endpoint, packet, source)).toEqual({ kind: 'accepted', messageId: 'm-1' });
    expect(calls).toEqual([[packet, { kind: 'endpoint', endpointId: 'axis' }, { idempotencyKey: polledPacketKey('axis', packet) }]]);
    expect(await counted('accepted')).toBe(1);
  });

  it('keys a packet by endpoint and bytes, never like an API Idempotency-Key', () => {
    const key = polledPacketKey('axis', Buffer.from('<edXML/>'));
    expect(key).toBe('endpoint:axis sha256:8d55f6c7bf7cd534cf027a10e1bb5731c68279c3cb991c0f4844774c685b3758');
    expect(polledPacketKey('axis', Buffer.from('<edXML/>'))).toBe(key);
    expect(polledPacketKey('axis-2', Buffer.from('<edXML/>'))).not.toBe(key);
    expect(polledPacketKey('axis', Buffer.from('<edXML />'))).not.toBe(key);
    expect(key).not.toMatch(/^[\x21-\x7e]{1,255}$/); // the API's Idempotency-Key form
  });

  it.each([
    ['HUB_ERR_DUPLICATE', 'document-id'],
    ['HUB_ERR_DUPLICATE', 'idempotency-key'],
    // The same bytes again, though the hub would now make another message of them (configuration changed).
    ['HUB_ERR_IDEMPOTENCY_KEY_REUSED', 'idempotency-key'],
  ] as const)('%s (by %s) → duplicate of the message already held', async (code, by) => {
    const { intake, counted } = setup(async () => { throw hubError(code, ['m-0'], { messageId: 'm-0', by }); });
    expect(await intake(endpoint, Buffer.from('x'), source)).toEqual({ kind: 'duplicate', messageId: 'm-0' });
    expect(await counted('duplicate')).toBe(1);
  });

  it.each([
    ['HUB_ERR_XML_MALFORMED', ['unexpected end']],
    ['HUB_ERR_EDXML_INVALID', ['no From']],
    ['HUB_ERR_UNKNOWN_AGENCY', ['000.00.00.Z99']],
    ['HUB_ERR_SIGNATURE_REQUIRED', ['no signature']],
    ['HUB_ERR_XML_LIMIT', ['too deep']],
    ['HUB_ERR_NOT_FOUND', ['Document x']],
  ] as const)('a coded 4xx refusal (%s) → rejected with its code and message', async (code, args) => {
    const refusal = hubError(code, [...args]);
    const { intake, counted } = setup(async () => { throw refusal; });
    expect(await intake(endpoint, Buffer.from('x'), source)).toEqual({ kind: 'rejected', code, reason: refusal.message });
    expect(await counted('rejected')).toBe(1);
  });

  it('rethrows what is not the packet\'s fault (5xx hub errors, anything uncoded), so the packet stays pending', async () => {
    for (const err of [hubError('HUB_ERR_NOT_READY', ['database']), new Error('connection terminated'), hubError('HUB_ERR_DUPLICATE', ['?'])]) {
      const { intake, counted } = setup(async () => { throw err; });
      await expect(intake(endpoint, Buffer.from('x'), source)).rejects.toBe(err);
      expect(await counted('error')).toBe(1);
    }
  });
});

describe('polledRecipients: the To agencies of a document the axis served that the hub delivers to', () => {
  const catalogue = createSchemaCatalogue(Object.values(adapters).map((a) => a.settingsSchema as IdentifiedSchema));
  const axisSettings = { endpoint: 'https://axis.example.vn/vxp', systemId: 'vxp.saas.02', secret: 's3cret', from: '000.00.00.LT1' };
  const config = parseHubConfig({
    agencies: [
      { code: '000.00.00.H41', name: 'UBND tỉnh Nghệ An', endpoint: 'h41' },
      { code: '000.00.00.H14', name: 'UBND tỉnh Cao Bằng' },
      { code: '000.00.00.G05', name: 'Bộ trên trục', endpoint: 'axis' },
      { code: '000.00.00.G06', name: 'Bộ trên trục, qua tuyến', endpoint: 'h41' },
    ],
    endpoints: [
      { id: 'axis', adapter: 'vdxp', settings: axisSettings },
      { id: 'h41', adapter: 'http-endpoint', settings: { url: 'https://h41.example.vn/in' } },
    ],
    routes: [{ id: 'g06-via-axis', match: { recipient: '000.00.00.G06' }, endpoint: 'axis' }],
  }, { catalogue, adapters, env: {} });
  const fields = (recipients: string[]) => ({
    kind: 'document', sender: '000.00.00.G13', recipients, attachments: [], responseForDocumentIds: [],
    document: { number: '1', notation: 'TN', promulgation: { place: 'Hà Nội', date: '2026-11-20' }, documentType: { name: 'Công văn' }, subject: 's', signer: { fullName: 'A', position: 'B' }, urgency: 'normal' },
  }) as EdxmlMessageFields;

  it('delivers to the configured agencies (endpoint or inbox), records the unknown ones and those the same endpoint reaches itself', () => {
    expect(polledRecipients(config, 'axis', fields(['000.00.00.H41', '010.00.00.H01', '000.00.00.H14', '000.00.00.G05', '000.00.00.G06']))).toEqual({
      delivered: ['000.00.00.H41', '000.00.00.H14'],
      notDelivered: [
        { agency: '010.00.00.H01', reason: 'unknown-agency' },
        { agency: '000.00.00.G05', reason: 'reached-by-source' },
        { agency: '000.00.00.G06', reason: 'reached-by-source' }, // by a route, not its own endpoint
      ],
    });
    // From another endpoint, G05 is the hub's to deliver (to the axis).
    expect(polledRecipients(config, 'h41', fields(['000.00.00.G05'])).delivered).toEqual(['000.00.00.G05']);
  });

  it('refuses with HUB_ERR_UNKNOWN_AGENCY when no To agency is the hub\'s to deliver to', () => {
    let refusal: unknown;
    try {
      polledRecipients(config, 'axis', fields(['010.00.00.H01', '000.00.00.G05']));
    } catch (err) {
      refusal = err;
    }
    expect(refusal).toMatchObject({
      code: 'HUB_ERR_UNKNOWN_AGENCY', statusCode: 422,
      details: { agencies: ['010.00.00.H01'], notDelivered: [{ agency: '010.00.00.H01', reason: 'unknown-agency' }, { agency: '000.00.00.G05', reason: 'reached-by-source' }] },
    });
    expect((refusal as Error).message).toContain('000.00.00.G05 (routed back to endpoint axis)');
  });
});
