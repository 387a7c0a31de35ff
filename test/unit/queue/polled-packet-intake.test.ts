import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { EndpointConfig } from '../../../src/config/hub-config.js';
import { hubError } from '../../../src/errors.js';
import type { EdxmlIntake } from '../../../src/intake/edxml-intake.js';
import { createMetrics } from '../../../src/metrics.js';
import { createPolledPacketIntake } from '../../../src/queue/polled-packet-intake.js';

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
  it('hands the packet in as submitted by the endpoint; taken in → accepted with the new message id', async () => {
    const { intake, calls, counted } = setup(async () => ({ id: 'm-1', receipt: 'jws', kind: 'document', signature: { status: 'absent' } }));
    const packet = Buffer.from('<edXML/>');
    expect(await intake(endpoint, packet, source)).toEqual({ kind: 'accepted', messageId: 'm-1' });
    expect(calls).toEqual([[packet, { kind: 'endpoint', endpointId: 'axis' }]]);
    expect(await counted('accepted')).toBe(1);
  });

  it('HUB_ERR_DUPLICATE → duplicate of the message already held', async () => {
    const { intake, counted } = setup(async () => { throw hubError('HUB_ERR_DUPLICATE', ['m-0'], { messageId: 'm-0', by: 'document-id' }); });
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
