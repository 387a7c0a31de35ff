import type { HubKeys } from '../crypto/hub-keys.js';
import type { CheckpointSigner } from './audit-checkpoints.js';

/** Checkpoints are signed with the hub's active key and name it by its key id. */
export function checkpointSignerOf(keys: HubKeys, issuer: string): CheckpointSigner {
  return { privateKey: keys.signer.privateKey, kid: keys.kid, chainPem: keys.chainPem, issuer };
}
