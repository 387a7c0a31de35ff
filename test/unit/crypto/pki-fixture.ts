import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDevPki, type DevPki, type DevPkiOptions } from '../../../src/crypto/dev-pki.js';
import { hubKeysFromPem, type HubKeys } from '../../../src/crypto/hub-keys.js';

/** A development PKI and the hub keys loaded from it. */
export interface HubPki {
  pki: DevPki;
  keys: HubKeys;
}

/** Creates a dev PKI (valid from the real current time unless `now` says otherwise) and loads its hub keys. */
export async function makeHubPki(opts: DevPkiOptions): Promise<HubPki> {
  const pki = await createDevPki(opts);
  return { pki, keys: hubKeysFromPem({ certChainPem: pki.chainPem, keyPem: pki.hubKeyPem }) };
}

/** Runs openssl and returns stdout. Throws (so the test fails, never skips) when openssl is missing or fails. */
export function openssl(args: string[], input?: string): string {
  return execFileSync('openssl', args, { encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe'] });
}

/** A fresh temporary directory and a function removing it. */
export async function tempDir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'lienthong-pki-'));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}
