import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { ReceivedOutcome } from '../adapters/adapter-contract.js';
import type { EndpointConfig } from '../config/hub-config.js';
import { isHubError } from '../errors.js';
import type { EdxmlIntake } from '../intake/edxml-intake.js';
import type { Metrics } from '../metrics.js';

export interface PolledPacketIntakeDeps {
  edxmlIntake: EdxmlIntake;
  metrics: Pick<Metrics, 'receivedPackets'>;
  log: Logger;
}

/** Where a polled packet came from: the remote system's id of it, and the list it was on. */
export interface PolledPacketSource {
  remoteId: string;
  messageType: 'edoc' | 'status';
}

export type PolledPacketIntake = (endpoint: EndpointConfig, packet: Buffer, source: PolledPacketSource) => Promise<ReceivedOutcome>;

/**
 * Hands a packet a receive loop fetched to the hub's edXML intake, as submitted by the endpoint, and
 * says what the adapter should acknowledge:
 *
 * - taken in → `accepted` (the new message: a document, or the status message of a status packet);
 * - `HUB_ERR_DUPLICATE` → `duplicate` with the message the hub already holds (acknowledge `done`):
 *   the same bytes from the same endpoint (however often the remote system offers them, under
 *   whatever remote id — see {@link polledPacketKey}), or a document id the sender already used;
 * - any other coded 4xx (unreadable, invalid, unknown agency, signature policy …) → `rejected`, the
 *   remote system is told `fail` and stops offering it;
 * - anything else (database or blob store down, a bug) is rethrown: the packet stays pending remotely
 *   and the next run tries again.
 */
export function createPolledPacketIntake(deps: PolledPacketIntakeDeps): PolledPacketIntake {
  return async (endpoint, packet, source) => {
    const log = deps.log.child({ endpointId: endpoint.id, remoteId: source.remoteId, messageType: source.messageType });
    const count = (outcome: ReceivedOutcome['kind'] | 'error'): void => deps.metrics.receivedPackets.inc({ endpoint: endpoint.id, outcome });
    try {
      const accepted = await deps.edxmlIntake(packet, { kind: 'endpoint', endpointId: endpoint.id }, { idempotencyKey: polledPacketKey(endpoint.id, packet) });
      count('accepted');
      log.info({ messageId: accepted.id, kind: accepted.kind }, 'received packet accepted');
      return { kind: 'accepted', messageId: accepted.id };
    } catch (err) {
      const outcome = outcomeOfRefusal(err);
      if (!outcome) {
        count('error');
        throw err;
      }
      count(outcome.kind);
      if (outcome.kind === 'rejected') log.warn({ code: outcome.code, reason: outcome.reason }, 'received packet refused');
      else log.info({ messageId: outcome.messageId }, 'received packet is a duplicate');
      return outcome;
    }
  };
}

/**
 * The identity of a packet an endpoint's system served: the endpoint and the SHA-256 of the bytes.
 * Intake keeps it as the message's idempotency key, so a redelivery — the remote system lost the
 * acknowledgement, or delivers the same packet twice under two remote ids — is a duplicate of the
 * first. Identical bytes are the same packet; a status the recipient reports again (the same code
 * later, another code) is another packet: its timestamp differs. The space keeps it apart from
 * every API `Idempotency-Key` (visible ASCII only).
 */
export function polledPacketKey(endpointId: string, packet: Uint8Array): string {
  return `endpoint:${endpointId} sha256:${createHash('sha256').update(packet).digest('hex')}`;
}

/** The outcome a refusal of intake stands for, or `undefined` when it is not the packet's fault. */
export function outcomeOfRefusal(err: unknown): Exclude<ReceivedOutcome, { kind: 'accepted' }> | undefined {
  if (!isHubError(err)) return undefined;
  // The same bytes from the same endpoint are the same packet, even if the hub would now make another
  // message of them (its configuration changed in between): a duplicate too.
  if (err.code === 'HUB_ERR_DUPLICATE' || err.code === 'HUB_ERR_IDEMPOTENCY_KEY_REUSED') {
    const messageId = (err.details as { messageId?: unknown } | undefined)?.messageId;
    // A duplicate without the original's id would be a bug in intake: let it surface.
    return typeof messageId === 'string' ? { kind: 'duplicate', messageId } : undefined;
  }
  if (err.statusCode >= 400 && err.statusCode < 500) return { kind: 'rejected', code: err.code, reason: err.message };
  return undefined;
}
