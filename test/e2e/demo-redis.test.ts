import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/demo/free-port.js';
import { killAll, runCli } from './cli-process.js';

// The demo's Redis story: the one at REDIS_URL when it answers; else a private redis-server under the
// data folder; else a clear message on how to get Redis.

describe('lienthong demo without a Redis at REDIS_URL', () => {
  const dirs: string[] = [];
  const tempDir = async (): Promise<string> => {
    const dir = await mkdtemp(join(tmpdir(), 'lienthong-e2e-demo-redis-'));
    dirs.push(dir);
    return dir;
  };
  afterAll(async () => {
    await killAll();
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it('starts a private redis-server under the data folder, runs to the end and stops it', async () => {
    const dataDir = await tempDir();
    const run = await runCli(['demo'], { LIENTHONG_DATA_DIR: dataDir, REDIS_URL: `redis://127.0.0.1:${await freePort()}` }, 120_000);
    expect(run.code, run.stderr).toBe(0);
    const started = /redis: started a private redis-server at redis:\/\/127\.0\.0\.1:(\d+)/.exec(run.stdout);
    expect(started, run.stdout).not.toBeNull();
    expect(run.stdout).toMatch(/receipts verified against the development CA: (\d+)\/\1/);
    // Stopped at the end: nothing listens on its port any more.
    const port = Number(started![1]);
    const stillListening = await new Promise<boolean>((resolve) => {
      const probe = createServer();
      probe.once('error', () => resolve(true));
      probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(false)));
    });
    expect(stillListening).toBe(false);
  });

  it('exits 1 with instructions when nothing answers and redis-server is not installed', async () => {
    const dataDir = await tempDir();
    // The CLI runs from process.execPath; an empty PATH hides redis-server.
    const emptyPath = await tempDir();
    const run = await runCli(['demo'], { LIENTHONG_DATA_DIR: dataDir, REDIS_URL: `redis://127.0.0.1:${await freePort()}`, PATH: emptyPath }, 60_000);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('redis-server is not installed');
    expect(run.stderr).toMatch(/apt-get install redis-server|REDIS_URL/);
  });
});
