import { createHash } from 'node:crypto';
import type { HubKeys } from '../crypto/hub-keys.js';
import type { CheckpointSigner } from './audit-checkpoints.js';

/** Checkpoints are signed with the hub's active key and name it by its key id. */
export function checkpointSignerOf(keys: HubKeys, issuer: string): CheckpointSigner {
  const kid = (keys as HubKeys & { kid?: string }).kid ?? createHash('sha256').update(keys.leaf.raw).digest('base64url');
  return { privateKey: keys.signer.privateKey, kid, chainPem: keys.chainPem, issuer };
}
