import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { RecordedRequest } from '../src/adapters/adapter-contract.js';

const run = promisify(execFile);

export interface EdxmlSampleVerdict {
  sampled: number;
  /** Packets whose bytes equal the delivered body (SHA-256 against the recorded `Content-Digest`). */
  sameAsDelivered: number;
  /** Packets `xmlsec1 --verify` accepted with the hub's CA as the only trust anchor. */
  verified: number;
  failures: string[];
}

/**
 * Checks a sample of what the hub delivered in edXML: for each sampled delivery (spread over the
 * run) it fetches `GET /v1/messages/:id/edxml`, checks that its SHA-256 is the `Content-Digest` of the
 * body the endpoint received (so the bytes checked are the bytes delivered; the simulator keeps no
 * bodies at load), and runs `xmlsec1 --verify --enabled-reference-uris empty --enabled-key-data x509
 * --trusted-pem <hub CA>` on them, the independent judge of the hub's signature.
 */
export async function verifyDeliveredEdxml(opts: {
  base: string; key: string; caPem: string; deliveries: readonly RecordedRequest[]; sample: number;
}): Promise<EdxmlSampleVerdict> {
  const ok = opts.deliveries.filter((r) => r.status === 200 && r.headers['lienthong-message-id'] && r.headers['content-digest']);
  const step = Math.max(1, Math.floor(ok.length / Math.max(1, opts.sample)));
  const picked = ok.filter((_, i) => i % step === 0).slice(0, opts.sample);
  const dir = await mkdtemp(join(tmpdir(), 'lienthong-bench-xmlsec-'));
  const verdict: EdxmlSampleVerdict = { sampled: picked.length, sameAsDelivered: 0, verified: 0, failures: [] };
  try {
    const caPath = join(dir, 'hub-ca.pem');
    await writeFile(caPath, opts.caPem);
    for (const [i, delivery] of picked.entries()) {
      const id = delivery.headers['lienthong-message-id']!;
      const response = await fetch(`${opts.base}/v1/messages/${id}/edxml`, { headers: { authorization: `Bearer ${opts.key}` } });
      const bytes = Buffer.from(await response.arrayBuffer());
      if (!response.ok) {
        verdict.failures.push(`${id}: GET /edxml answered ${response.status}`);
        continue;
      }
      if (`sha-256=:${createHash('sha256').update(bytes).digest('base64')}:` === delivery.headers['content-digest']) verdict.sameAsDelivered += 1;
      else verdict.failures.push(`${id}: the packet served differs from the one delivered`);
      const file = join(dir, `packet-${i}.edxml`);
      await writeFile(file, bytes);
      try {
        await run('xmlsec1', ['--verify', '--enabled-reference-uris', 'empty', '--enabled-key-data', 'x509', '--trusted-pem', caPath, file]);
        verdict.verified += 1;
      } catch (err) {
        const e = err as NodeJS.ErrnoException & { stderr?: string };
        if (e.code === 'ENOENT') throw new Error('xmlsec1 is not installed (apt-get install xmlsec1)');
        verdict.failures.push(`${id}: xmlsec1 refused it: ${(e.stderr ?? String(err)).trim().split('\n').slice(-2).join(' ')}`);
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return verdict;
}
