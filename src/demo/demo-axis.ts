import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { generateAgencies, startVdxpSimulator, type VdxpSimulatorHandle } from '../../adapters/vdxp/index.js';
import { axisPeer, type AxisPeer } from './axis-peer.js';
import type { PacketOrgan } from './axis-packets.js';
import type { AuthoredConfig, ConfigAddition } from './demo-config.js';

/** The simulated national axis of the demo: who is on it, and how the hub polls it. */
export const DEMO_AXIS = {
  /** The endpoint id the demo adds to the configuration. */
  endpointId: 'national-axis',
  /** The hub's connected-system id on the axis. */
  hubSystemId: 'lienthong.demo',
  /** Another connected system, and the agency it serves (routed to the axis in the demo's configuration). */
  peerSystemId: 'vxp.saas.03',
  peerAgency: { code: '000.00.00.G13', name: 'Cơ quan thử nghiệm trên trục liên thông' } satisfies PacketOrgan,
  /** Agencies in the axis directory (the real one lists ~111,000). */
  directorySize: 2_000,
  receiveEvery: '2s',
} as const;

/** A running simulated axis and the hub configuration that reaches it. */
export interface DemoAxis {
  sim: VdxpSimulatorHandle;
  /** Values of the configuration's `${…}` placeholders for the axis (its URL, the hub's secret). */
  configEnv: Record<string, string>;
  /** The other system, as a client of the axis. */
  peer: AxisPeer;
  /** What the demo's configuration gains: a `vdxp` endpoint and the peer agency routed to it. */
  config: ConfigAddition;
}

/**
 * Starts the simulated axis with two registered systems — the hub, serving every agency of the base
 * configuration, and a peer serving {@link DEMO_AXIS.peerAgency} — and a generated directory. The
 * demo's configuration (src/demo/demo-config.ts) gains a `vdxp` endpoint (receive loop every
 * {@link DEMO_AXIS.receiveEvery}, directory sync at start and hourly) that the peer agency is routed
 * to. The shipped `config/default.json` stays free of an axis nobody runs.
 *
 * @param opts.base the configuration the demo starts from (`config/default.json`)
 */
export async function startDemoAxis(opts: { base: AuthoredConfig; log: Logger }): Promise<DemoAxis> {
  const { base, log } = opts;
  const hubCode = base.hub?.organId ?? '000.00.00.LT1';
  const hubSecret = randomBytes(24).toString('base64url');
  const peerSecret = randomBytes(24).toString('base64url');
  const sim = await startVdxpSimulator({
    systems: [
      { systemId: DEMO_AXIS.hubSystemId, secret: hubSecret, agencies: [hubCode, ...base.agencies.map((a) => a.code)] },
      { systemId: DEMO_AXIS.peerSystemId, secret: peerSecret, agencies: [DEMO_AXIS.peerAgency.code] },
    ],
    directory: generateAgencies(DEMO_AXIS.directorySize),
  });
  const config: ConfigAddition = {
    agencies: [{ ...DEMO_AXIS.peerAgency, endpoint: DEMO_AXIS.endpointId }],
    endpoints: [{
      id: DEMO_AXIS.endpointId, adapter: 'vdxp',
      settings: { endpoint: '${LIENTHONG_AXIS_URL}', systemId: DEMO_AXIS.hubSystemId, secret: '${LIENTHONG_AXIS_SECRET}', from: hubCode },
      poll: { receiveEvery: DEMO_AXIS.receiveEvery, directoryEvery: '1h' },
    }],
  };
  const peer = axisPeer({ endpoint: sim.url, systemId: DEMO_AXIS.peerSystemId, secret: peerSecret, from: DEMO_AXIS.peerAgency.code }, log.child({ component: 'axis-peer' }));
  return { sim, configEnv: { LIENTHONG_AXIS_URL: sim.url, LIENTHONG_AXIS_SECRET: hubSecret }, peer, config };
}
