import { afterAll, beforeAll } from 'vitest';
import { startHttpEndpointSimulator, type HttpEndpointSimulatorHandle } from '../../../adapters/http-endpoint/simulator.js';
import { killAll } from '../../e2e/cli-process.js';
import { apiProcess, hubProcess, setUpHub, type HubProcess, type HubSetup } from './hub-processes.js';
import { startPrivatePostgres, startPrivateRedis, type PrivatePostgres, type PrivateRedis } from './services.js';

/** What a fault scenario runs against: its own servers and two simulated agency servers. */
export interface FaultServices {
  db: PrivatePostgres;
  redis: PrivateRedis;
  /** The receivers' server (healthy, other). */
  sim: HttpEndpointSimulatorHandle;
  /** A second agency server (another origin), for the endpoint in trouble. */
  troubleSim: HttpEndpointSimulatorHandle;
}

/** A hub of a scenario: its setup (database, keys, API key) and its API and worker processes, started. */
export interface RunningHub extends HubSetup {
  api: HubProcess & { url: string };
  worker: HubProcess;
  /** SIGTERM to both processes. */
  stop(): Promise<void>;
}

/**
 * Registers the suite's hooks: private PostgreSQL and Redis and two simulators before the file's
 * tests, every process and server stopped after them (also when a test failed half-way). `hub()`
 * starts a fresh hub for a scenario — its own database and queue prefix — replacing the previous one.
 */
export function useFaultServices(): { services(): FaultServices; hub(o: { config: (s: FaultServices) => Record<string, unknown>; env?: Record<string, string> }): Promise<RunningHub> } {
  let services: FaultServices | undefined;
  let current: RunningHub | undefined;
  beforeAll(async () => {
    const [db, redis, sim, troubleSim] = await Promise.all([
      startPrivatePostgres(), startPrivateRedis(),
      startHttpEndpointSimulator({ recordBodies: false }), startHttpEndpointSimulator({ recordBodies: false }),
    ]);
    services = { db, redis, sim, troubleSim };
  });
  afterAll(async () => {
    await killAll();
    await current?.close();
    await services?.sim.close();
    await services?.troubleSim.close();
    await services?.redis.stop();
    await services?.db.stop();
  });
  const get = (): FaultServices => {
    if (!services) throw new Error('fault services not started');
    return services;
  };
  return {
    services: get,
    async hub(o) {
      const s = get();
      if (current) {
        await current.stop();
        await current.close();
      }
      s.sim.reset();
      s.troubleSim.reset();
      const setup = await setUpHub({ db: s.db, redisUrl: s.redis.url, config: o.config(s), ...(o.env ? { env: o.env } : {}) });
      const api = await apiProcess(setup.vars);
      const worker = hubProcess('worker', setup.vars);
      await Promise.all([api.start(), worker.start()]);
      current = { ...setup, api, worker, stop: async () => { await Promise.all([api.stop(), worker.stop()]); } };
      return current;
    },
  };
}
