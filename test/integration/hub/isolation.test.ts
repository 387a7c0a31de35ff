import { resolve } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { deliverJobId } from '../../../src/queue/job-catalogue.js';
import { send } from '../../helpers/hub-queries.js';
import { STORES } from '../../helpers/test-db.js';
import { documentBody, startTestHub, type TestHub } from '../../helpers/test-hub.js';

const G22 = '000.00.00.G22';
const H41 = '000.00.00.H41';
const H30 = '000.00.00.H30';
const G14 = '000.00.04.G14';
/** The test config, except that h30's circuit opens after 3 failures and stays open for 4 s. */
const BREAKER_CONFIG = resolve('test/fixtures/config/test-hub-breaker.json');
const OPEN_FOR_MS = 4_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(STORES)('one endpoint never holds up the others (%s store)', (store) => {
  let t: TestHub;
  beforeAll(async () => {
    t = await startTestHub(store, { env: { LIENTHONG_CONFIG: BREAKER_CONFIG } });
  });
  afterAll(async () => {
    await t?.close();
  });
  beforeEach(() => {
    t.sim.reset();
  });
  const deliveries = async (ids: string[]) => (await t.hub.db.query<{ id: string; recipient: string; state: string; attempts: number; delivered_at: Date | null }>(
    'SELECT id, recipient, state, attempts, delivered_at FROM deliveries WHERE message_id = ANY($1::uuid[])', [ids])).rows;

  it('a slow endpoint (1.5 s per answer) does not delay deliveries to a healthy one', async () => {
    t.sim.setBehaviour('g14', { mode: 'slow', delayMs: 1_500 });
    const started = Date.now();
    const ids = await Promise.all(Array.from({ length: 40 }, (_, i) =>
      i % 2 === 0 ? send(t, t.keys.g22, documentBody(G22, [G14])) : send(t, t.keys.g22, documentBody(G22, [H41]))));
    const rows = await t.until(async () => {
      const r = await deliveries(ids);
      return r.every((d) => d.state === 'delivered') ? r : undefined;
    }, 30_000);
    const at = (recipient: string) => rows.filter((d) => d.recipient === recipient).map((d) => d.delivered_at!.getTime());
    const h41 = at(H41);
    const g14 = at(G14);
    expect(h41).toHaveLength(20);
    expect(g14).toHaveLength(20);
    // The slow endpoint takes three 1.5 s rounds (20 deliveries, 8 at a time); h41 is done well before,
    // within its first round.
    g14.sort((a, b) => a - b);
    expect(g14[0]! - started).toBeGreaterThanOrEqual(1_500);
    expect(g14[19]! - g14[0]!).toBeGreaterThanOrEqual(2 * 1_500);
    expect(Math.max(...g14) - Math.max(...h41)).toBeGreaterThan(2_000);
    expect(Math.max(...h41)).toBeLessThan(g14[8]!);
    expect(rows.every((d) => d.attempts === 1)).toBe(true);
    expect(t.sim.uniqueDeliveries('g14')).toBe(20);
    expect(t.sim.uniqueDeliveries('h41')).toBe(20);
  });

  it('an open circuit stops attempts to a dead endpoint and parks the jobs (not failed) until it closes again', async () => {
    t.sim.setBehaviour('h30', { mode: 'down' });
    const ids = await Promise.all(Array.from({ length: 5 }, () => send(t, t.keys.g22, documentBody(G22, [H30]))));
    // The first attempts fail; after 3 of them the circuit is open.
    await t.until(async () => t.sim.requests('h30').length >= 3);
    await sleep(200);
    const made = t.sim.requests('h30').length;
    expect(made).toBeLessThanOrEqual(5);
    // The schedule alone (0, 200, 400, 800 ms) would have made all 20 attempts within this window.
    await sleep(2_000);
    expect(t.sim.requests('h30')).toHaveLength(made);
    const parked = await deliveries(ids);
    expect(parked.every((d) => d.state !== 'failed' && d.state !== 'delivered' && d.attempts <= 1)).toBe(true);
    expect(parked.reduce((n, d) => n + d.attempts, 0)).toBe(made);
    const jobStates = await Promise.all(parked.map(async (d) => (await t.hub.queue.getJob(deliverJobId(d.id, 0)))?.getState()));
    expect(jobStates).toEqual(Array(5).fill('delayed'));
    const metrics = (await t.call('GET', '/metrics')).json as string;
    expect(metrics).toMatch(/lienthong_circuit_open\{endpoint="h30"\} 1/);

    // The endpoint recovers: after openFor one trial goes through, the circuit closes, every job is delivered once.
    t.sim.setBehaviour('h30', { mode: 'ok' });
    const delivered = await t.until(async () => {
      const r = await deliveries(ids);
      return r.every((d) => d.state === 'delivered') ? r : undefined;
    }, OPEN_FOR_MS + 10_000);
    expect(t.sim.uniqueDeliveries('h30')).toBe(5);
    expect(t.sim.requests('h30')).toHaveLength(made + 5);
    const firstSuccess = Math.min(...t.sim.requests('h30').filter((r) => r.status === 200).map((r) => r.at.getTime()));
    const lastFailure = Math.max(...t.sim.requests('h30').filter((r) => r.status === 0).map((r) => r.at.getTime()));
    expect(firstSuccess - lastFailure).toBeGreaterThanOrEqual(OPEN_FOR_MS - 100);
    expect(delivered.every((d) => d.attempts === 2 || d.attempts === 1)).toBe(true);
  });
});
