import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { adapters } from '../../../adapters/index.js';
import { startVdxpSimulator } from '../../../adapters/vdxp/index.js';
import type { AdapterTable, ReceiveSummary } from '../../../src/adapters/adapter-contract.js';
import type { HubConfig } from '../../../src/config/hub-config.js';
import { parseHubConfig } from '../../../src/config/load-hub-config.js';
import type { EdxmlIntake } from '../../../src/intake/edxml-intake.js';
import { createMetrics } from '../../../src/metrics.js';
import { POLL_QUEUE } from '../../../src/queue/job-catalogue.js';
import { startPollWorker, type PollWorker } from '../../../src/queue/start-poll-worker.js';
import { createSchemaCatalogue, type IdentifiedSchema } from '../../../src/schema-catalogue.js';
import type { Db } from '../../../src/store/db.js';
import { startTestHub } from '../../helpers/test-hub.js';

// The poll schedulers across restarts of the hub's worker (real Redis): a first boot polls promptly,
// a restart keeps the schedule Redis holds, a changed interval does not fire a run either.

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const EMPTY: ReceiveSummary = { fetched: 0, accepted: 0, duplicates: 0, rejected: 0, failed: 0 };
const catalogue = createSchemaCatalogue(Object.values(adapters).map((a) => a.settingsSchema as IdentifiedSchema));
const settings = { endpoint: 'https://axis.example.vn/vxp', systemId: 'vxp.saas.02', secret: 's3cret', from: '000.00.00.LT1' };
const configWith = (poll: Record<string, string>): HubConfig => parseHubConfig({
  agencies: [{ code: '000.00.00.G22', name: 'Văn phòng Chính phủ' }],
  endpoints: [{ id: 'axis', adapter: 'vdxp', settings, poll }],
  routes: [],
}, { catalogue, adapters, env: {} });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('poll schedules across restarts', () => {
  const prefix = `lt-test-${randomBytes(4).toString('hex')}`;
  /** Every run any boot's worker started, by job name. */
  const runs: string[] = [];
  // The axis adapter with its network calls replaced: a run only counts.
  const table = {
    ...adapters,
    vdxp: {
      ...adapters.vdxp,
      receive: async () => { runs.push('receive'); return EMPTY; },
      // A failed run is a run too (and keeps the directory store, a database, out of this test).
      fetchDirectory: async () => { runs.push('sync-directory'); throw new Error('no directory in this test'); },
    },
  } as unknown as AdapterTable;
  let running: { polls: PollWorker; redis: Redis } | undefined;

  async function boot(config: HubConfig): Promise<PollWorker> {
    const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
    const polls = startPollWorker({
      config, adapters: table, queueConnection: redis, redis: { url: REDIS_URL }, prefix,
      edxmlIntake: (async () => { throw new Error('no packets in this test'); }) as unknown as EdxmlIntake,
      db: {} as Db,
      metrics: createMetrics({ defaultMetrics: false }), log: pino({ level: 'silent' }), now: () => new Date(),
    });
    running = { polls, redis };
    await polls.ready;
    return polls;
  }
  async function shutdown(): Promise<void> {
    if (!running) return;
    await running.polls.close();
    await running.redis.quit();
    running = undefined;
  }
  const nextRuns = async (polls: PollWorker): Promise<Record<string, number | undefined>> =>
    Object.fromEntries((await polls.queue.getJobSchedulers()).map((s) => [s.key, s.next]));

  afterEach(shutdown);
  afterAll(async () => {
    const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
    const queue = new Queue(POLL_QUEUE, { connection: redis, prefix });
    await queue.obliterate({ force: true });
    await queue.close();
    await redis.quit();
  });

  let firstNext: Record<string, number | undefined>;

  it('a first-ever boot runs each job promptly, then every interval', async () => {
    const polls = await boot(configWith({ receiveEvery: '1h', directoryEvery: '1d' }));
    const started = Date.now();
    await expect.poll(() => [...runs].sort(), { timeout: 10_000 }).toEqual(['receive', 'sync-directory']);
    firstNext = await nextRuns(polls);
    expect(firstNext['receive-axis']).toBeGreaterThanOrEqual(started + HOUR - 1_000);
    expect(firstNext['sync-directory-axis']).toBeGreaterThanOrEqual(started + DAY - 1_000);
  });

  it('a restart with the same configuration keeps the schedule: no run at boot', async () => {
    const polls = await boot(configWith({ receiveEvery: '1h', directoryEvery: '1d' }));
    await sleep(1_500); // the worker takes a due job within milliseconds
    expect(runs).toHaveLength(2);
    expect(await nextRuns(polls)).toEqual(firstNext);

    // runNow still runs at once, outside the clock, and leaves the schedule alone.
    expect(await polls.runNow('receive', 'axis')).toEqual(EMPTY);
    expect(runs).toHaveLength(3);
    expect(await nextRuns(polls)).toEqual(firstNext);
  });

  it('a restart with a changed interval runs no job at boot: the next run is the earlier of the planned one and one new interval', async () => {
    const before = Date.now();
    const polls = await boot(configWith({ receiveEvery: '30m', directoryEvery: '7d' }));
    const after = Date.now();
    await sleep(1_500);
    expect(runs).toHaveLength(3);
    const next = await nextRuns(polls);
    // Shorter: 30 min from the restart, sooner than the hour planned.
    expect(next['receive-axis']).toBeGreaterThanOrEqual(before + HOUR / 2);
    expect(next['receive-axis']).toBeLessThanOrEqual(after + HOUR / 2);
    // Longer: the day already planned stays.
    expect(next['sync-directory-axis']).toBe(firstNext['sync-directory-axis']);
    expect((await polls.queue.getJobSchedulers()).map((s) => [s.key, s.every]).sort()).toEqual([['receive-axis', HOUR / 2], ['sync-directory-axis', 7 * DAY]]);
  });
});

describe('the test hub at close', () => {
  it('leaves no poll scheduler or poll job in Redis', async () => {
    const axis = await startVdxpSimulator({ systems: [{ systemId: 'lienthong.test', secret: 'test-axis-secret-of-the-hub', agencies: ['000.00.00.LT1'] }] });
    const configDir = await mkdtemp(join(tmpdir(), 'lienthong-axis-config-'));
    const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
    try {
      const configPath = join(configDir, 'hub.json');
      await writeFile(configPath, (await readFile(resolve('test/fixtures/config/test-hub-axis.json'), 'utf8')).replace('@AXIS_URL@', axis.url));
      const t = await startTestHub('postgres', { env: { LIENTHONG_CONFIG: configPath } });
      const pollKeys = () => redis.keys(`${t.queuePrefix}:${POLL_QUEUE}:*`);
      const polls = t.hub.polls!;
      await polls.ready;
      // The first runs (due at once) have finished: the worker is up and has written what it writes.
      await t.until(async () => {
        const counts = await polls.queue.getJobCounts('completed', 'failed');
        return (counts.completed ?? 0) + (counts.failed ?? 0) >= 2;
      });
      expect(await pollKeys()).not.toEqual([]);
      await t.close();
      expect(await pollKeys()).toEqual([]);
    } finally {
      await redis.quit();
      await axis.close();
      await rm(configDir, { recursive: true, force: true });
    }
  });
});
