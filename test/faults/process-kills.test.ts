import { describe, expect, it } from 'vitest';
import { useFaultServices } from './harness/fault-services.js';
import { faultConfig, RECEIVERS, SENDER } from './harness/hub-processes.js';
import { acceptedCount, tallyReceivers, waitAllDelivered, type ReceiverTally } from './harness/ledger.js';
import { driveLoad, whenAccepted } from './harness/load.js';
import { report } from './harness/report.js';

// `kill -9` of the API process and of the worker process in the middle of a load of thousands of
// documents: after a restart every accepted document reaches every recipient, and no recipient takes
// one twice (a repeat of an attempt whose outcome the killed worker never recorded carries the same
// Idempotency-Key, which the receiver drops).

const MAILBOXES = { [RECEIVERS.healthy]: 'healthy', [RECEIVERS.other]: 'other' };
const TO_BOTH = (): string[] => [RECEIVERS.healthy, RECEIVERS.other];

describe('kill -9 mid-load', () => {
  const faults = useFaultServices();

  const expectExactlyOnce = (tallies: ReceiverTally[], repeatsAllowed: number): void => {
    for (const t of tallies) {
      expect(t.missing, `${t.recipient} never got ${t.missing.length} accepted messages`).toEqual([]);
      expect(t.unexpected).toEqual([]);
      expect(t.distinct).toBe(t.expected);
      expect(t.repeats).toBeLessThanOrEqual(repeatsAllowed);
    }
  };

  it('of the API: every accepted document delivered once; clients retrying with their key lose nothing', async () => {
    const hub = await faults.hub({ config: (s) => faultConfig({ simulatorUrl: s.sim.url }) });
    const { api, worker } = hub;

    const load = driveLoad({ url: () => api.url, apiKey: hub.apiKey, sender: SENDER, total: 3_000, rate: 250, recipients: TO_BOTH });
    await whenAccepted(load, 1_000);
    await api.kill9();
    const killedAt = Date.now();
    await new Promise((r) => setTimeout(r, 1_000));
    await api.start();
    const downMs = Date.now() - killedAt;
    await load.done;
    const { messages, deliveries } = acceptedCount(load.documents);
    expect(messages).toBe(3_000);
    await waitAllDelivered(hub, deliveries);
    await new Promise((r) => setTimeout(r, 1_000)); // a late repeat would show now

    const tallies = tallyReceivers(faults.services().sim, load.documents, MAILBOXES);
    // Repeats are attempts that timed out at the hub after the receiver took them (this machine's two
    // cores are shared by everything here); each carries its delivery's key and is dropped.
    expectExactlyOnce(tallies, 64);
    const retried = load.documents.filter((d) => d.tries > 1).length;
    report('kill -9 of the API', { documents: messages, deliveries, apiDownMs: downMs, documentsRetriedByClient: retried, tallies });
    await hub.stop();
  });

  it('of the worker: every accepted document delivered; repeats only of the attempts in flight, dropped by their key', async () => {
    const workerConcurrency = 32;
    const hub = await faults.hub({ config: (s) => faultConfig({ simulatorUrl: s.sim.url }), env: { LIENTHONG_WORKER_CONCURRENCY: String(workerConcurrency) } });
    const { api, worker } = hub;

    const load = driveLoad({ url: () => api.url, apiKey: hub.apiKey, sender: SENDER, total: 3_000, rate: 250, recipients: TO_BOTH });
    await whenAccepted(load, 1_000);
    await worker.kill9();
    await new Promise((r) => setTimeout(r, 1_000));
    await worker.start();
    await load.done;
    const { messages, deliveries } = acceptedCount(load.documents);
    expect(messages).toBe(3_000);
    // Jobs the killed worker held come back when their lock expires (30 s).
    await waitAllDelivered(hub, deliveries, 150_000);
    await new Promise((r) => setTimeout(r, 1_000));

    const tallies = tallyReceivers(faults.services().sim, load.documents, MAILBOXES);
    expectExactlyOnce(tallies, workerConcurrency);
    report('kill -9 of the worker', { documents: messages, deliveries, workerConcurrency, tallies });
    await hub.stop();
  });
});
