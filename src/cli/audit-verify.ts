import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { checkpointTrust, verifyAuditChain, type ChainReport } from '../audit/verify-audit-chain.js';
import type { HubEnv } from '../config/load-env.js';
import { certificatesFromPem, loadHubKeys } from '../crypto/hub-keys.js';
import { keyIdOf } from '../crypto/key-id.js';
import type { PublishedHubKey } from '../crypto/verify-receipt.js';
import { openDb } from '../store/open-db.js';

/** The report in words, one fact per line. */
export function describeChainReport(report: ChainReport): string {
  const cp = report.lastCheckpoint;
  const lines = [
    `events verified:   ${report.eventsVerified} (seq 1–${report.head.seq}), chain hash ${report.head.hash}`,
    `checkpoints:       ${report.checkpointsVerified} verified${cp ? `, the last at seq ${cp.seq} (${cp.at}${cp.timestamped ? ', an RFC 3161 timestamp token stored (not re-checked here: verify.sh --tsa-ca does)' : ''})` : ', none yet'}`,
    `not yet checkpointed: ${report.eventsAfterLastCheckpoint} event(s); not yet sealed: ${report.unsealed}`,
  ];
  if (report.problem) {
    const p = report.problem;
    lines.push(`FIRST PROBLEM: ${p.kind} at seq ${p.seq}${p.eventId ? ` (event id ${p.eventId})` : ''}: ${p.detail}`);
  } else {
    lines.push('the audit chain is intact');
  }
  return lines.join('\n');
}

/**
 * The hub's keys checkpoints may be signed with: every end-entity certificate in `path` (e.g. the
 * `chainPem`s of `GET /v1/hub/keys`), else the keys the environment configures, active and retired.
 */
async function hubKeysFor(env: HubEnv, path: string | undefined): Promise<readonly PublishedHubKey[]> {
  if (path === undefined) return (await loadHubKeys(env.keys)).all;
  const leaves = certificatesFromPem(await readFile(path, 'utf8')).filter((cert) => !cert.ca);
  if (leaves.length === 0) throw new Error(`${path} holds no hub certificate (only CA certificates, or none)`);
  return leaves.map((leaf) => ({ kid: keyIdOf(leaf), chainPem: leaf.toString() }));
}

/**
 * `lienthong audit verify [--ca FILE] [--hub-keys FILE] [--json]`: walks the chain in the database
 * named by the environment, checks every checkpoint against the CA certificates in `--ca` (default:
 * the CA certificates of the hub's own chain, LIENTHONG_HUB_CERT) and requires its signer to be one of
 * the hub's keys (`--hub-keys`: a PEM file of the hub's certificates; default: the keys the
 * environment configures, active and retired), prints progress to stderr and the report to stdout.
 * Exit status 0 when intact, 1 when a problem was found.
 */
export async function runAuditVerify(env: HubEnv, args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { ca: { type: 'string' }, 'hub-keys': { type: 'string' }, json: { type: 'boolean', default: false } } });
  const caPath = values.ca ?? ('certPath' in env.keys ? env.keys.certPath : undefined);
  if (!caPath) throw new Error('give --ca FILE: the PEM CA certificates checkpoint signers must chain to');
  const trust = checkpointTrust(await readFile(caPath, 'utf8'));
  if (trust.anchors.length === 0) throw new Error(`${caPath} holds no CA certificate`);
  const hubKeys = await hubKeysFor(env, values['hub-keys']);
  const db = await openDb({ ...(env.databaseUrl ? { databaseUrl: env.databaseUrl } : {}), dataDir: env.dataDir, poolSize: 1 });
  try {
    const started = Date.now();
    let shown = 0;
    const report = await verifyAuditChain(db, {
      trust,
      hubKeys,
      onProgress: (seq) => {
        if (seq - shown >= 100_000) {
          shown = seq;
          process.stderr.write(`  … ${seq} events verified (${Math.round(seq / ((Date.now() - started) / 1000 || 1))}/s)\n`);
        }
      },
    });
    console.log(values.json ? JSON.stringify(report, null, 2) : describeChainReport(report));
    return report.ok ? 0 : 1;
  } finally {
    await db.close();
  }
}
