import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startVdxpSimulator, type VdxpSimulatorHandle } from '../../../adapters/vdxp/index.js';
import { axisPeer, type AxisPeer } from '../../../src/demo/axis-peer.js';
import { send, viewWhen } from '../../helpers/hub-queries.js';
import { STORES } from '../../helpers/test-db.js';
import { documentBody, startTestHub, type TestHub } from '../../helpers/test-hub.js';

// GET /v1/messages/:id/progress: what the national axis (simulated) says, asked live, of each
// delivery it took — per recipient, scoped like the message view, and a failing axis reported on
// its deliveries rather than failing the request.

const LT1 = '000.00.00.LT1';
const G22 = '000.00.00.G22';
const H41 = '000.00.00.H41';
const G13 = '000.00.00.G13';
const HUB_SYSTEM = { systemId: 'lienthong.test', secret: 'test-axis-secret-of-the-hub', agencies: [LT1, G22, H41, '000.00.00.H14', '000.00.00.H30', '000.00.00.H56', '000.00.04.G14'] };
const PEER_SYSTEM = { systemId: 'vxp.peer.01', secret: 'test-axis-secret-of-the-peer', agencies: [G13] };

interface ProgressAnswer {
  deliveries: { deliveryId: string; recipient: string; endpointId: string; remoteId: string; progress?: Record<string, string>[]; error?: string }[];
}

describe.each(STORES)('GET /v1/messages/:id/progress (%s store)', (store) => {
  let axis: VdxpSimulatorHandle;
  let t: TestHub;
  let peer: AxisPeer;
  let configDir: string;
  let messageId: string;
  let axisDocId: string;

  const progress = async (key: string, id = messageId) => t.call('GET', `/v1/messages/${id}/progress`, { key });

  beforeAll(async () => {
    axis = await startVdxpSimulator({ systems: [HUB_SYSTEM, PEER_SYSTEM] });
    configDir = await mkdtemp(join(tmpdir(), 'lienthong-progress-config-'));
    const configPath = join(configDir, 'hub.json');
    const fixture = await readFile(resolve('test/fixtures/config/test-hub-axis.json'), 'utf8');
    await writeFile(configPath, fixture.replace('@AXIS_URL@', axis.url));
    t = await startTestHub(store, { env: { LIENTHONG_CONFIG: configPath } });
    await t.hub.polls!.ready;
    peer = axisPeer({ endpoint: axis.url, systemId: PEER_SYSTEM.systemId, secret: PEER_SYSTEM.secret, from: G13, timeoutMs: 2_000 }, pino({ level: 'silent' }));

    // One document to an agency on the axis (G13) and one behind an HTTP endpoint (H41).
    messageId = await send(t, t.keys.g22, documentBody(G22, [G13, H41]));
    await viewWhen(t, messageId, t.keys.g22, (v) => v.deliveries.every((d: { state: string }) => d.state === 'delivered'));
    axisDocId = axis.sent(HUB_SYSTEM.systemId).at(-1)!.senderDocId;
  });

  afterAll(async () => {
    await t?.close();
    await axis?.close();
    if (configDir) await rm(configDir, { recursive: true, force: true });
  });

  it('lists the delivery the axis took, with the axis\'s own per-recipient status, before and after the other system takes it', async () => {
    const before = await progress(t.keys.g22);
    expect(before.status).toBe(200);
    const { deliveries } = before.json as ProgressAnswer;
    // Only the axis delivery: the HTTP endpoint gave no remote id and cannot be asked.
    expect(deliveries).toEqual([{
      deliveryId: expect.any(String), recipient: G13, endpointId: 'axis', remoteId: axisDocId,
      progress: [expect.objectContaining({ recipient: G13, sendStatus: 'done', receiveStatus: 'initial' })],
    }]);

    expect((await peer.receive()).map((p) => p.messageType)).toEqual(['edoc']);
    const after = (await progress(t.keys.g22)).json as ProgressAnswer;
    expect(after.deliveries[0]!.progress).toEqual([expect.objectContaining({ recipient: G13, receiveStatus: 'done', receivedTime: expect.any(String) })]);
  });

  it('asks the axis at each request, signed as the hub\'s system', async () => {
    const asked = () => axis.requests(HUB_SYSTEM.systemId).filter((r) => r.operation === 'getSentEdocList' && r.status === 200).length;
    const n = asked();
    await progress(t.keys.auditor);
    expect(asked()).toBe(n + 1);
  });

  it('is scoped like the message: roles see every delivery, a recipient only its own, a stranger gets 404', async () => {
    expect(((await progress(t.keys.auditor)).json as ProgressAnswer).deliveries.map((d) => d.recipient)).toEqual([G13]);
    // H41's own delivery went to its HTTP endpoint: nothing to ask.
    const h41 = await progress(t.keys.h41);
    expect(h41.status).toBe(200);
    expect((h41.json as ProgressAnswer).deliveries).toEqual([]);
    const stranger = await progress(t.keys.h14);
    expect(stranger.status).toBe(404);
    expect(stranger.json).toMatchObject({ code: 'HUB_ERR_NOT_FOUND' });
    expect((await progress(t.keys.g22, '00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await t.call('GET', `/v1/messages/${messageId}/progress`)).status).toBe(401);
  });

  it('an axis that fails is reported on its deliveries, the request still answers 200', async () => {
    axis.setBehaviour(HUB_SYSTEM.systemId, { mode: 'fail', status: 503 }, ['getSentEdocList']);
    try {
      const answer = await progress(t.keys.g22);
      expect(answer.status).toBe(200);
      const [delivery] = (answer.json as ProgressAnswer).deliveries;
      expect(delivery).toMatchObject({ recipient: G13, endpointId: 'axis', remoteId: axisDocId, error: expect.stringMatching(/503/) });
      expect(delivery!.progress).toBeUndefined();
    } finally {
      axis.setBehaviour(HUB_SYSTEM.systemId, { mode: 'ok' });
    }
  });
});
