import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { send, viewWhen } from '../../helpers/hub-queries.js';
import { STORES } from '../../helpers/test-db.js';
import { documentBody, startTestHub, type TestHub } from '../../helpers/test-hub.js';

const CONFIG = resolve('test/fixtures/config/operations-hub.json');
const G22 = '000.00.00.G22';
const H03 = '000.00.00.H03'; // endpoint `held`: opens after 2 transient failures, for 4 s

interface EndpointCircuit { endpoint: string; state: string; since: string | null; consecutiveFailures: number; workers: { worker: string; state: string; since: string | null; consecutiveFailures: number; openUntil: string | null }[] }

/**
 * On PostgreSQL the worker and the API are two hub processes sharing the database and Redis, as in
 * production: the API reports what the worker holds in its memory. (PGlite is one process: both roles.)
 */
describe.each(STORES)('circuit breakers reported by the API (%s store)', (store) => {
  let worker: TestHub;
  let api: TestHub;
  let workerClosed = false;
  beforeAll(async () => {
    if (store === 'postgres') {
      worker = await startTestHub(store, { roles: { api: false, worker: true }, env: { LIENTHONG_CONFIG: CONFIG } });
      api = await startTestHub(store, { roles: { api: true, worker: false }, env: { LIENTHONG_CONFIG: CONFIG }, shared: worker.shared });
    } else {
      worker = api = await startTestHub(store, { env: { LIENTHONG_CONFIG: CONFIG } });
    }
  });
  afterAll(async () => {
    if (worker !== api && !workerClosed) await worker?.close({ keepData: true });
    await api?.close();
  });

  const circuits = async (key = api.keys.operator) => {
    const r = await api.call('GET', '/v1/admin/circuits', { key });
    expect(r.status, JSON.stringify(r.json)).toBe(200);
    return r.json as { workers: { worker: string; at: string }[]; endpoints: EndpointCircuit[] };
  };
  const held = async () => (await circuits()).endpoints.find((e) => e.endpoint === 'held')!;

  it('shows every configured endpoint closed, and the worker publishing', async () => {
    const report = await api.until(async () => {
      const r = await circuits();
      return r.workers.length === 1 ? r : undefined;
    });
    expect(report.workers[0]!.worker).toBe(worker.hub.oversight!.workerId);
    expect(report.endpoints.map((e) => e.endpoint)).toEqual(['flap', 'g14', 'g22', 'h14', 'h30', 'h41', 'held']);
    expect(report.endpoints.every((e) => e.state === 'closed' && e.consecutiveFailures === 0)).toBe(true);
  });

  it('shows an open circuit while the worker holds it open: since when, consecutive failures, until when; closed again after a good trial', async () => {
    worker.sim.setBehaviour('held', { mode: 'fail', status: 503 });
    const opened = Date.now();
    const ids = [await send(api, api.keys.g22, documentBody(G22, [H03])), await send(api, api.keys.g22, documentBody(G22, [H03]))];
    const open = await api.until(async () => {
      const e = await held();
      return e.state === 'open' ? e : undefined;
    }, 10_000);
    expect(open.consecutiveFailures).toBeGreaterThanOrEqual(2);
    expect(Date.parse(open.since!)).toBeGreaterThanOrEqual(opened - 1_000);
    expect(open.workers).toEqual([{
      worker: worker.hub.oversight!.workerId, state: 'open', since: open.since, consecutiveFailures: open.consecutiveFailures, openUntil: expect.any(String),
    }]);
    // openFor is 4 s (a failure still in flight when it opened pushes the trial back a little).
    expect(Date.parse(open.workers[0]!.openUntil!) - Date.parse(open.since!)).toBeGreaterThanOrEqual(4_000);
    expect(Date.parse(open.workers[0]!.openUntil!) - Date.parse(open.since!)).toBeLessThan(5_000);
    // Held open: no attempt is spent while it is (the jobs are parked), and it still says so a second later.
    const attempts = worker.sim.requests('held').length;
    await new Promise((r) => setTimeout(r, 1_000));
    expect(await held()).toMatchObject({ state: 'open', since: open.since });
    expect(worker.sim.requests('held')).toHaveLength(attempts);
    // Auditors read it too; agencies may not.
    expect((await circuits(api.keys.auditor)).endpoints.find((e) => e.endpoint === 'held')!.state).toBe('open');
    expect((await api.call('GET', '/v1/admin/circuits', { key: api.keys.g22 })).status).toBe(403);
    expect((await api.call('GET', '/v1/admin/circuits')).status).toBe(401);

    // The endpoint recovers: after openFor a trial goes through and the circuit closes.
    worker.sim.setBehaviour('held', { mode: 'ok' });
    const closed = await api.until(async () => {
      const e = await held();
      return e.state === 'closed' ? e : undefined;
    }, 15_000);
    expect(closed).toMatchObject({ consecutiveFailures: 0, since: expect.any(String) });
    expect(Date.parse(closed.since!)).toBeGreaterThanOrEqual(Date.parse(open.since!) + 4_000);
    for (const id of ids) await viewWhen(api, id, api.keys.g22, (v) => v.deliveries[0].state === 'delivered');
  });

  // Only where the worker is a process of its own (PostgreSQL): on PGlite there is no second process to stop.
  if (store === 'postgres') {
    it('a worker that stops drops out of the report', async () => {
      await worker.close({ keepData: true });
      workerClosed = true;
      const report = await circuits();
      expect(report.workers).toEqual([]);
      expect(report.endpoints.every((e) => e.state === 'closed' && e.workers.length === 0)).toBe(true);
    });
  }
});
