import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { Logger } from 'pino';
import { classifyAxisCall } from '../../adapters/vdxp/axis-call-result.js';
import { asText } from '../../adapters/vdxp/axis-answer.js';
import { sendEdoc } from '../../adapters/vdxp/axis-operations.js';
import { vdxpAdapter } from '../../adapters/vdxp/index.js';
import type { VdxpMessageType } from '../../adapters/vdxp/operations.js';
import { resolveVdxpSettings, type VdxpSettings } from '../../adapters/vdxp/settings.js';

/** A packet another system took off the axis. */
export interface PeerPacket {
  docId: string;
  messageType: VdxpMessageType;
  bytes: Buffer;
}

/** Another connected system on the national axis: what the hub exchanges edXML with in the demo and tests. */
export interface AxisPeer {
  settings: VdxpSettings;
  /** One receive run (`getReceivedEdocList` → `getEdoc` → `updateStatus done`), the packets it took. */
  receive(): Promise<PeerPacket[]>;
  /** One `sendEdoc` of `bytes` to `to`; resolves with the axis `DocId`. */
  send(to: string, messageType: VdxpMessageType, bytes: Buffer): Promise<string>;
}

/**
 * A system on the axis speaking the same protocol as the hub (the `vdxp` adapter's client): its own
 * `systemId`, secret and agency code, so everything it sends and fetches is authenticated by the axis
 * exactly like the hub's calls.
 */
export function axisPeer(settings: VdxpSettings, log: Logger): AxisPeer {
  const resolved = resolveVdxpSettings(settings);
  const options = () => ({ signal: AbortSignal.timeout(30_000), now: () => new Date() });
  return {
    settings,
    async receive() {
      const taken: PeerPacket[] = [];
      await vdxpAdapter.receive!({
        endpoint: { id: settings.systemId, settings },
        signal: AbortSignal.timeout(30_000),
        log,
        now: () => new Date(),
        intake: async (bytes, source) => {
          taken.push({ docId: source.remoteId, messageType: source.messageType, bytes });
          return { kind: 'accepted', messageId: source.remoteId };
        },
      });
      return taken;
    },
    async send(to, messageType, bytes) {
      const packet = { size: bytes.length, sha256: createHash('sha256').update(bytes).digest(), open: () => Readable.from([bytes]) };
      const verdict = classifyAxisCall(await sendEdoc(resolved, { to, messageType, packet }, options()), resolved.transientErrorCodes);
      if (verdict.kind !== 'ok') throw new Error(`sendEdoc to ${to} was refused: ${verdict.reason}`);
      const docId = asText(verdict.answer.body.DocId);
      if (!docId) throw new Error('the axis answered sendEdoc without a DocId');
      return docId;
    },
  };
}
