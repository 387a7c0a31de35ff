import { readFile } from 'node:fs/promises';
import { requestTimestamp } from '../crypto/timestamp/request-timestamp.js';
import { hubError } from '../errors.js';
import type { Timestamper } from './audit-chain.js';

/** The configured TSA, ready for the audit chain: its timestamper and the CA PEM evidence bundles carry. */
export interface CheckpointTsa {
  timestamper: Timestamper;
  caPem: string;
}

/** Reads the TSA's CA bundle and returns a timestamper that refuses tokens not chaining to it. */
export async function loadCheckpointTsa(settings: { url: string; caPath: string; timeoutMs: number }): Promise<CheckpointTsa> {
  let caPem: string;
  try {
    caPem = await readFile(settings.caPath, 'utf8');
  } catch (err) {
    throw hubError('HUB_ERR_CONFIG_INVALID', [`cannot read LIENTHONG_TSA_CA ${settings.caPath}: ${(err as Error).message}`]);
  }
  const timestamper: Timestamper = async (data) => {
    const stamp = await requestTimestamp({ url: settings.url, data, timeoutMs: settings.timeoutMs, trustAnchorsPem: caPem });
    return { token: stamp.token, genTime: stamp.genTime };
  };
  return { timestamper, caPem };
}
