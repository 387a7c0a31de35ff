import { describe, expect, it } from 'vitest';
import { useFaultServices } from './harness/fault-services.js';
import { faultConfig, RECEIVERS, SENDER } from './harness/hub-processes.js';
import { acceptedCount, tallyReceivers, waitAllDelivered, type ReceiverTally } from './harness/ledger.js';
import { driveLoad, refusalsOf, whenAccepted, type LoadRun } from './harness/load.js';
import { report } from './harness/report.js';
import { waitFor } from './harness/services.js';

// Redis losing everything (FLUSHALL, or a restart of a server without persistence) and PostgreSQL
// going down, each in the middle of a load of thousands of documents. The database is the truth:
// every accepted document reaches every recipient, once.

const MAILBOXES = { [RECEIVERS.healthy]: 'healthy', [RECEIVERS.other]: 'other' };
const TO_BOTH = (): string[] => [RECEIVERS.healthy, RECEIVERS.other];
const DOCUMENTS = 2_000;
const RATE = 200;

describe('the queue and the database lost mid-load', () => {
  const faults = useFaultServices();

  /** A fresh hub (own database, queue prefix), API and worker processes, and a load under way. */
  const underLoad = async (workerConcurrency = 32) => {
    const hub = await faults.hub({ config: (s) => faultConfig({ simulatorUrl: s.sim.url }), env: { LIENTHONG_WORKER_CONCURRENCY: String(workerConcurrency) } });
    const { api } = hub;
    const load = driveLoad({ url: () => api.url, apiKey: hub.apiKey, sender: SENDER, total: DOCUMENTS, rate: RATE, recipients: TO_BOTH });
    const finish = async (): Promise<{ tallies: ReceiverTally[]; messages: number; deliveries: number }> => {
      await load.done;
      const { messages, deliveries } = acceptedCount(load.documents);
      expect(messages).toBe(DOCUMENTS);
      await waitAllDelivered(hub, deliveries, 150_000);
      await new Promise((r) => setTimeout(r, 1_500)); // a late repeat would show now
      const tallies = tallyReceivers(faults.services().sim, load.documents, MAILBOXES);
      for (const t of tallies) {
        expect(t.missing, `${t.recipient} never got ${t.missing.length} accepted messages`).toEqual([]);
        expect(t.unexpected).toEqual([]);
        expect(t.distinct).toBe(t.expected);
        // Repeats can only be attempts in flight when the fault struck, each dropped by its key.
        expect(t.repeats).toBeLessThanOrEqual(workerConcurrency);
      }
      await hub.stop();
      return { tallies, messages, deliveries };
    };
    return { load, finish };
  };

  it('Redis FLUSHALL: the sweeper re-enqueues from the database; every accepted document delivered', async () => {
    const { load, finish } = await underLoad();
    await whenAccepted(load, 700);
    const client = await faults.services().redis.client();
    await client.flushall();
    const result = await finish();
    report('Redis FLUSHALL', { ...result, refusals: refusalsOf(load.documents) });
  });

  it('Redis restart (kill -9, 2 s down, back empty): intake goes on, the sweeper reconciles', async () => {
    const { load, finish } = await underLoad();
    await whenAccepted(load, 700);
    const before = load.accepted();
    await faults.services().redis.kill();
    await new Promise((r) => setTimeout(r, 2_000));
    const acceptedWhileDown = load.accepted() - before;
    await faults.services().redis.start();
    const result = await finish();
    // The database takes documents while the queue is away: the API keeps answering 202.
    expect(acceptedWhileDown).toBeGreaterThan(0);
    report('Redis restart', { ...result, acceptedWhileRedisDown: acceptedWhileDown, refusals: refusalsOf(load.documents) });
  });

  it('PostgreSQL restart: 503 while it is down, nothing accepted lost, every document delivered', async () => {
    const { load, finish } = await underLoad();
    await whenAccepted(load, 700);
    const before = load.accepted();
    await faults.services().db.crash();
    const downAt = Date.now();
    await waitRefusedWhileDown(load, 3_000);
    const acceptedWhileDown = load.accepted() - before;
    await faults.services().db.start();
    const downMs = Date.now() - downAt;
    const result = await finish();
    const refusals = refusalsOf(load.documents);
    // While the database is away the API answers 503 with a code; never 500, never a dropped connection.
    const unexpected = Object.keys(refusals).filter((k) => !/^503 HUB_ERR_(STORE_UNAVAILABLE|AUDIT_UNAVAILABLE|NOT_READY)$/.test(k));
    expect(unexpected, JSON.stringify(refusals)).toEqual([]);
    expect(refusals['503 HUB_ERR_STORE_UNAVAILABLE'] ?? 0).toBeGreaterThan(0);
    report('PostgreSQL restart', { ...result, postgresDownMs: downMs, acceptedWhileDown, refusals });
  });
});

/** Waits `ms` while the database is down, checking that the load generator is being refused meanwhile. */
async function waitRefusedWhileDown(load: LoadRun, ms: number): Promise<void> {
  const refused = (): number => load.documents.reduce((n, d) => n + d.refusals.length, 0);
  const start = refused();
  await waitFor('the API refusing documents while PostgreSQL is down', () => refused() > start, 10_000);
  await new Promise((r) => setTimeout(r, ms));
}
