import { describe, expect, it } from 'vitest';
import type { HttpEndpointSimulatorHandle } from '../../adapters/http-endpoint/simulator.js';
import { useFaultServices, type RunningHub } from './harness/fault-services.js';
import { faultConfig, RECEIVERS, SENDER } from './harness/hub-processes.js';
import { acceptedCount, tallyReceivers, waitAllDelivered, type Queryable } from './harness/ledger.js';
import { driveLoad, type LoadRun, type SentDocument } from './harness/load.js';
import { report } from './harness/report.js';

// One receiving endpoint in trouble — down for a (simulated) hour, or answering in 10 s — while the
// hub carries a steady load to it and to a healthy one. The healthy one must not notice; the one in
// trouble gets everything once it recovers, in the order the hub accepted it.

const TO_BOTH = (): string[] => [RECEIVERS.healthy, RECEIVERS.trouble];
// The endpoint in trouble is another agency's server: a simulator of its own (another origin).
const HEALTHY = { [RECEIVERS.healthy]: 'healthy' };
const TROUBLE = { [RECEIVERS.trouble]: 'trouble' };
/** The simulated hour passes in 3600 / SCALE s. */
const SCALE = 360;
const RATE = 60;
/**
 * "Keeps its latency" = the healthy endpoint's accept→delivered p99 within twice the baseline's, or
 * within twice this, whichever is more. The p99 of a few hundred deliveries on two cores shared by the
 * hub, its databases and the load moves this much run to run with the worker doing the same work:
 * measured 50–100 ms for the baseline and 47–163 ms for the slow phase, at 0.33 and 0.34–0.37 of a
 * core of worker CPU. What the check is for costs far more: with the slow endpoint's `maxConcurrency`
 * raised to the worker's concurrency (32), the healthy p99 was 9,461 ms.
 */
const P99_FLOOR_MS = 100;

describe('an endpoint in trouble under load', () => {
  const faults = useFaultServices();

  it('down for a simulated hour: delivered after recovery in acceptance order; the healthy endpoint keeps its latency', async () => {
    const hub = await faults.hub({
      // The shipped default policy: 0 s, 5 s, 5 min, 30 min, 2 h …, give up after 48 h; circuit 5 failures, 30 s open.
      config: (s) => faultConfig({
        simulatorUrl: s.sim.url, troubleSimulatorUrl: s.troubleSim.url,
        troubleRetry: { schedule: ['0s', '5s', '5m', '30m', '2h', '5h', '10h', '10h'], jitter: 0.2, giveUpAfter: '48h' },
        troubleCircuit: { failureThreshold: 5, openFor: '30s' },
      }),
      env: { LIENTHONG_POLICY_TIME_SCALE: String(SCALE), LIENTHONG_WORKER_CONCURRENCY: '32' },
    });
    const { sim, troubleSim } = faults.services();
    const { send, warmUp, baseline } = await steadyLoad(hub);

    // The endpoint refuses everything (503) for a simulated hour while documents keep coming.
    troubleSim.setBehaviour('trouble', { mode: 'fail', status: 503 });
    const outage = send(3_600 / SCALE);
    await outage.done;
    troubleSim.setBehaviour('trouble', { mode: 'ok' });
    const recoveredAt = Date.now();
    const all = [...warmUp.documents, ...baseline.documents, ...outage.documents];
    await waitAllDelivered(hub, acceptedCount(all).deliveries, 60_000);
    const backlogClearedMs = Date.now() - recoveredAt;
    const releases = hub.worker.proc().logs().filter((l) => String(l.msg).startsWith('endpoint answering again')).map((l) => ({ promoted: l.promoted, ms: l.ms }));

    const tallies = [...tallyReceivers(sim, all, HEALTHY), ...tallyReceivers(troubleSim, all, TROUBLE)];
    for (const t of tallies) {
      expect(t.missing).toEqual([]);
      expect(t.distinct).toBe(t.expected);
      expect(t.repeats).toBeLessThanOrEqual(32);
    }
    // Order: what the endpoint took after it recovered, against the order the hub accepted it in.
    const order = arrivalOrder(troubleSim, 'trouble', await acceptanceOrder(hub, outage.documents.map((d) => d.id!)));
    const healthyBaseline = await latencies(hub, RECEIVERS.healthy, baseline.documents.map((d) => d.id!));
    const healthyDuringOutage = await latencies(hub, RECEIVERS.healthy, outage.documents.map((d) => d.id!));
    const attempts = troubleSim.requests('trouble').length;
    report('endpoint down for a simulated hour', {
      scale: SCALE, documents: all.length, troubleRequests: attempts,
      backlogClearedMs, releases, order, healthyBaseline, healthyDuringOutage, tallies,
    });
    // The backlog went as soon as the endpoint answered, not at each delivery's next retry (up to 2 h away: 20 s here).
    expect(backlogClearedMs).toBeLessThan(10_000);
    // In acceptance order: the oldest is woken to be the trial, and once it finds the endpoint back the
    // release queues the rest oldest first. Exceptions: deliveries whose own timers brought them back
    // in the moment of recovery, and jobs parked while the trial was reserved. The simulated hour
    // makes every parked job come back every few seconds, so there are more of those here than an
    // hour of real time would see (measured: 8–11 % out of the longest in-order run; without the
    // release half of them are).
    expect(order.outOfOrder, JSON.stringify(order)).toBeLessThanOrEqual(Math.ceil(0.15 * order.messages));
    expect(order.messages).toBe(outage.documents.length);
    expect(healthyDuringOutage.p99).toBeLessThanOrEqual(2 * Math.max(healthyBaseline.p99, P99_FLOOR_MS));
    await hub.stop();
  });

  it('answering in 10 s: the healthy endpoint keeps its latency; the slow one gets everything', async () => {
    const hub = await faults.hub({
      config: (s) => faultConfig({ simulatorUrl: s.sim.url, troubleSimulatorUrl: s.troubleSim.url, troubleTimeout: '15s' }),
      env: { LIENTHONG_WORKER_CONCURRENCY: '32' },
    });
    const { sim, troubleSim } = faults.services();
    const { send, warmUp, baseline } = await steadyLoad(hub);

    troubleSim.setBehaviour('trouble', { mode: 'slow', delayMs: 10_000 });
    const slow = send(15);
    await slow.done;
    const healthyBaseline = await latencies(hub, RECEIVERS.healthy, baseline.documents.map((d) => d.id!));
    // Measured once the healthy deliveries of the slow phase are done (the slow ones take minutes).
    const slowIds = slow.documents.map((d) => d.id!);
    await waitHealthyDelivered(hub, slowIds);
    const healthyDuringSlow = await latencies(hub, RECEIVERS.healthy, slowIds);
    troubleSim.setBehaviour('trouble', { mode: 'ok' });
    const all = [...warmUp.documents, ...baseline.documents, ...slow.documents];
    await waitAllDelivered(hub, acceptedCount(all).deliveries, 120_000);
    const tallies = [...tallyReceivers(sim, all, HEALTHY), ...tallyReceivers(troubleSim, all, TROUBLE)];
    for (const t of tallies) {
      expect(t.missing).toEqual([]);
      expect(t.distinct).toBe(t.expected);
    }
    report('endpoint answering in 10 s', { documents: all.length, healthyBaseline, healthyDuringSlow, tallies });
    expect(healthyDuringSlow.p99).toBeLessThanOrEqual(2 * Math.max(healthyBaseline.p99, P99_FLOOR_MS));
    await hub.stop();
  });
});

/**
 * Documents to both receivers at RATE per second: a warm-up (compiling, connection pools), then a
 * baseline with both endpoints healthy, each delivered before going on.
 */
async function steadyLoad(hub: RunningHub): Promise<{ send(seconds: number): LoadRun; warmUp: LoadRun; baseline: LoadRun }> {
  const send = (seconds: number): LoadRun => driveLoad({ url: () => hub.api.url, apiKey: hub.apiKey, sender: SENDER, total: RATE * seconds, rate: RATE, recipients: TO_BOTH });
  const sent: SentDocument[] = [];
  const phase = async (seconds: number): Promise<LoadRun> => {
    const run = send(seconds);
    await run.done;
    sent.push(...run.documents);
    await waitAllDelivered(hub, acceptedCount(sent).deliveries);
    return run;
  };
  const warmUp = await phase(3);
  const baseline = await phase(8);
  return { send, warmUp, baseline };
}

/** Message ids in the order the hub accepted them (its own timestamps). */
async function acceptanceOrder(hub: Queryable, ids: string[]): Promise<string[]> {
  const rows = await hub.query<{ id: string }>('SELECT id FROM messages WHERE id = ANY($1::uuid[]) ORDER BY created_at, id', [ids]);
  return rows.map((r) => r.id);
}

/**
 * The order in which a mailbox first took (200) the given messages, compared with `expected`:
 * inversions between consecutive arrivals and the largest distance of a message from its place.
 */
function arrivalOrder(sim: HttpEndpointSimulatorHandle, mailbox: string, expected: string[]): { messages: number; inversions: number; maxDisplacement: number; outOfOrder: number; first: string } {
  const rank = new Map(expected.map((id, i) => [id, i]));
  const seen = new Set<string>();
  const arrived: number[] = [];
  for (const r of [...sim.requests(mailbox)].sort((a, b) => a.startedAt.getTime() - b.startedAt.getTime())) {
    const id = r.headers['lienthong-message-id'] ?? '';
    if (r.status !== 200 || seen.has(id) || !rank.has(id)) continue;
    seen.add(id);
    arrived.push(rank.get(id)!);
  }
  let inversions = 0;
  for (let i = 1; i < arrived.length; i++) if (arrived[i]! < arrived[i - 1]!) inversions += 1;
  const sorted = [...arrived].sort((a, b) => a - b);
  const maxDisplacement = arrived.reduce((m, r, i) => Math.max(m, Math.abs(sorted.indexOf(r) - i)), 0);
  // Messages outside the longest run that is in order (patience sorting).
  const tails: number[] = [];
  for (const r of arrived) {
    let lo = 0;
    let hi = tails.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (tails[mid]! < r) lo = mid + 1;
      else hi = mid;
    }
    tails[lo] = r;
  }
  return { messages: arrived.length, inversions, maxDisplacement, outOfOrder: arrived.length - tails.length, first: arrived.slice(0, 30).join(',') };
}

/** Accept → delivered latency (the hub's timestamps) of a recipient's deliveries of the given messages, ms. */
async function latencies(hub: Queryable, recipient: string, ids: string[]): Promise<{ n: number; p50: number; p99: number; max: number }> {
  const rows = await hub.query<{ ms: number }>(
    `SELECT extract(epoch FROM (d.delivered_at - m.created_at)) * 1000 AS ms FROM deliveries d JOIN messages m ON m.id = d.message_id
      WHERE d.recipient = $1 AND d.message_id = ANY($2::uuid[]) AND d.delivered_at IS NOT NULL ORDER BY 1`, [recipient, ids]);
  const ms = rows.map((r) => Number(r.ms));
  const at = (q: number): number => Math.round(ms[Math.min(ms.length - 1, Math.floor(q * ms.length))] ?? NaN);
  return { n: ms.length, p50: at(0.5), p99: at(0.99), max: Math.round(ms[ms.length - 1] ?? NaN) };
}

async function waitHealthyDelivered(hub: Queryable, ids: string[]): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const [row] = await hub.query<{ n: string }>(`SELECT count(*) AS n FROM deliveries WHERE recipient = $1 AND message_id = ANY($2::uuid[]) AND state = 'delivered'`, [RECEIVERS.healthy, ids]);
    if (Number(row?.n) === ids.length) return;
    if (Date.now() > deadline) throw new Error(`healthy deliveries of the slow phase not done within 60 s (${row?.n}/${ids.length})`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
