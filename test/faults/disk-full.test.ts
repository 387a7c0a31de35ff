import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpEndpointSimulator, type HttpEndpointSimulatorHandle } from '../../adapters/http-endpoint/simulator.js';
import { documentBody } from '../helpers/test-hub.js';
import { killAll } from '../e2e/cli-process.js';
import { apiProcess, faultConfig, hubProcess, RECEIVERS, SENDER, setUpHub, type HubSetup } from './harness/hub-processes.js';
import { waitAllDelivered } from './harness/ledger.js';
import { report } from './harness/report.js';
import { startPrivatePostgres, startPrivateRedis, type PrivatePostgres, type PrivateRedis } from './harness/services.js';

// The blob folder's file system fills up (a 4 MiB tmpfs mounted over it, with a filler file): intake
// refuses with 507 HUB_ERR_STORAGE_FULL, stores nothing of the refused document — no message row, no
// blob, no temp file — and takes documents again once there is room.

const TMPFS_BYTES = 4 * 1024 * 1024;
const ATTACHMENT_BYTES = 300 * 1024;

function run(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${String(r.status)}): ${r.stderr}${r.error?.message ?? ''} — the fault suite mounts a small tmpfs as root`);
}

/** Every file under the blob folder: name → sha256 of its bytes. */
async function blobFiles(dir: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    files.set(path.slice(dir.length + 1), createHash('sha256').update(await readFile(path)).digest('hex'));
  }
  return files;
}

describe('the blob store’s disk full', () => {
  let db: PrivatePostgres;
  let redis: PrivateRedis;
  let sim: HttpEndpointSimulatorHandle;
  let hub: HubSetup;
  let blobs: string;
  let mounted = false;

  beforeAll(async () => {
    [db, redis] = await Promise.all([startPrivatePostgres(), startPrivateRedis()]);
    sim = await startHttpEndpointSimulator({ recordBodies: false });
    hub = await setUpHub({ db, redisUrl: redis.url, config: faultConfig({ simulatorUrl: sim.url }) });
    blobs = join(hub.dataDir, 'blobs');
    await mkdir(blobs, { recursive: true });
    run('mount', ['-t', 'tmpfs', '-o', `size=${TMPFS_BYTES}`, 'tmpfs', blobs]);
    mounted = true;
  });
  afterAll(async () => {
    await killAll();
    if (mounted) run('umount', [blobs]);
    await sim?.close();
    await hub?.close();
    await redis?.stop();
    await db?.stop();
  });

  it('refuses with 507 HUB_ERR_STORAGE_FULL, keeps nothing of the refused document, takes documents again when there is room', async () => {
    const api = await apiProcess(hub.vars);
    const worker = hubProcess('worker', hub.vars);
    await Promise.all([api.start(), worker.start()]);
    const filler = join(blobs, 'filler');
    await writeFile(filler, Buffer.alloc(TMPFS_BYTES - 5 * ATTACHMENT_BYTES));

    const post = async (how: 'json' | 'multipart'): Promise<{ status: number; code?: string; message?: string; id?: string; sha256: string }> => {
      const bytes = randomBytes(ATTACHMENT_BYTES);
      const message = documentBody(SENDER, [RECEIVERS.healthy]);
      let body: string | FormData;
      const headers: Record<string, string> = { authorization: `Bearer ${hub.apiKey}` };
      if (how === 'json') {
        message.attachments = [{ name: 'scan.pdf', contentType: 'application/pdf', content: bytes.toString('base64') }];
        body = JSON.stringify(message);
        headers['content-type'] = 'application/json';
      } else {
        message.attachments = [];
        body = new FormData();
        body.append('message', JSON.stringify(message));
        body.append('file', new Blob([new Uint8Array(bytes)], { type: 'application/pdf' }), 'scan.pdf');
      }
      const response = await fetch(`${api.url}/v1/messages`, { method: 'POST', headers, body });
      const answer = (await response.json()) as { id?: string; code?: string; message?: string };
      return { status: response.status, ...(answer.code ? { code: answer.code, message: answer.message } : {}), ...(answer.id ? { id: answer.id } : {}), sha256: createHash('sha256').update(bytes).digest('hex') };
    };

    // Fill the disk: accepted until there is no room, then refused, the same way for JSON and multipart.
    const results = [];
    for (let i = 0; i < 12; i++) results.push(await post(i % 2 === 0 ? 'json' : 'multipart'));
    const accepted = results.filter((r) => r.status === 202);
    const refused = results.filter((r) => r.status !== 202);
    expect(accepted.length).toBeGreaterThan(0);
    expect(refused.length).toBeGreaterThan(0);
    for (const r of refused) expect(r, JSON.stringify(results)).toMatchObject({ status: 507, code: "HUB_ERR_STORAGE_FULL" });

    // Nothing half-written: no temp file, every blob whole (its name is its digest) and one of an
    // accepted document; the database holds the accepted documents only.
    const files = await blobFiles(blobs);
    files.delete('filler');
    expect([...files.keys()].filter((name) => name.includes('.tmp-'))).toEqual([]);
    for (const [name, digest] of files) expect(name.endsWith(digest)).toBe(true);
    expect(new Set(files.values())).toEqual(new Set(accepted.map((r) => r.sha256)));
    const [row] = await hub.query<{ n: string }>('SELECT count(*) AS n FROM messages');
    expect(Number(row?.n)).toBe(accepted.length);

    // Room again: the same documents are taken and delivered.
    await rm(filler);
    const again = [await post('json'), await post('multipart')];
    expect(again.map((r) => r.status)).toEqual([202, 202]);
    await waitAllDelivered(hub, accepted.length + again.length);
    report('blob store disk full', { tmpfsBytes: TMPFS_BYTES, attachmentBytes: ATTACHMENT_BYTES, accepted: accepted.length, refused: refused.length, codes: refused.map((r) => r.code), acceptedAfterRoom: again.length });
    await Promise.all([api.stop(), worker.stop()]);
  });
});
