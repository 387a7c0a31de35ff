import type { Job } from 'bullmq';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { adapters } from '../../../adapters/index.js';
import type { AdapterTable, DossierPollContext, ReceiveContext, ReceiveSummary } from '../../../src/adapters/adapter-contract.js';
import type { DossierUpdate, PendingDossier } from '../../../src/domain/dossier.js';
import { parseHubConfig } from '../../../src/config/load-hub-config.js';
import type { DirectoryAgency } from '../../../src/domain/directory-agency.js';
import { createMetrics } from '../../../src/metrics.js';
import type { PollJobData } from '../../../src/queue/job-catalogue.js';
import { createPollProcessor, type PollProcessorDeps } from '../../../src/queue/poll-processor.js';
import { createSchemaCatalogue, type IdentifiedSchema } from '../../../src/schema-catalogue.js';

const catalogue = createSchemaCatalogue(Object.values(adapters).map((a) => a.settingsSchema as IdentifiedSchema));
const settings = { endpoint: 'https://axis.example.vn', systemId: 'vxp.saas.02', secret: 's3cret', from: '000.00.00.LT1' };
const config = parseHubConfig({
  agencies: [{ code: '000.00.00.G22', name: 'Văn phòng Chính phủ' }],
  endpoints: [
    { id: 'axis', adapter: 'vdxp', settings, poll: { receiveEvery: '2s', directoryEvery: '1d' } },
    { id: 'axis-2', adapter: 'vdxp', settings },
    { id: 'eoffice', adapter: 'http-endpoint', settings: { url: 'https://eoffice.example.vn' } },
  ],
  routes: [],
}, { catalogue, adapters, env: {} });

const EMPTY: ReceiveSummary = { fetched: 0, accepted: 0, duplicates: 0, rejected: 0, failed: 0 };
const job = (name: string, endpointId: string, progress: unknown[] = []) =>
  ({ name, data: { endpointId }, updateProgress: async (p: unknown) => { progress.push(p); } }) as unknown as Job<PollJobData>;
const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

/** The adapter table with the axis adapter's receive loop and directory replaced. */
function setup(
  vdxp: { receive?: (ctx: ReceiveContext<unknown>) => Promise<ReceiveSummary>; fetchDirectory?: () => Promise<DirectoryAgency[]>; pollDossiers?: (ctx: DossierPollContext<unknown>) => Promise<DossierUpdate[]> },
  extra: Partial<PollProcessorDeps> = {},
) {
  const table = { ...adapters, vdxp: { ...adapters.vdxp, ...vdxp } } as unknown as AdapterTable;
  const metrics = createMetrics({ defaultMetrics: false });
  const intakes: unknown[][] = [];
  const stored: unknown[][] = [];
  const shutdown = new AbortController();
  const processor = createPollProcessor({
    config, adapters: table, metrics, log: pino({ level: 'silent' }), now: () => new Date(), shutdown: shutdown.signal,
    intakePacket: async (endpoint, packet, source) => {
      intakes.push([endpoint.id, packet.toString(), source]);
      return { kind: 'accepted', messageId: `m-${intakes.length}` };
    },
    storeDirectory: async (endpoint, agencies, onProgress) => {
      stored.push([endpoint.id, agencies.length]);
      onProgress(agencies.length, agencies.length);
      return { inserted: agencies.length };
    },
    ...extra,
  });
  const runs = async (result: string) => (await metrics.pollRuns.get()).values.filter((v) => v.labels.result === result).reduce((n, v) => n + v.value, 0);
  return { processor, intakes, stored, shutdown, runs };
}

describe('poll processor', () => {
  it('a receive run hands each packet to the hub\'s intake for its endpoint and returns the summary', async () => {
    const { processor, intakes, runs } = setup({
      receive: async (ctx) => {
        const outcome = await ctx.intake(Buffer.from('<edXML/>'), { remoteId: 'doc-1', messageType: 'edoc' });
        expect(outcome).toEqual({ kind: 'accepted', messageId: 'm-1' });
        expect(ctx.endpoint).toEqual({ id: 'axis', settings });
        return { ...EMPTY, fetched: 1, accepted: 1 };
      },
    });
    expect(await processor(job('receive', 'axis'))).toEqual({ ...EMPTY, fetched: 1, accepted: 1 });
    expect(intakes).toEqual([['axis', '<edXML/>', { remoteId: 'doc-1', messageType: 'edoc' }]]);
    expect(await runs('completed')).toBe(1);
  });

  it('a directory sync stores what the adapter fetched under its endpoint, reporting progress to the job', async () => {
    const agencies: DirectoryAgency[] = [{ id: '1', name: 'A', code102: '000.00.00.H41' }, { id: '2', name: 'B' }];
    const { processor, stored } = setup({ fetchDirectory: async () => agencies });
    const progress: unknown[] = [];
    expect(await processor(job('sync-directory', 'axis', progress))).toEqual({ inserted: 2 });
    expect(stored).toEqual([['axis', 2]]);
    expect(progress).toEqual([{ done: 2, total: 2 }]);
  });

  it('fails (counted) for an endpoint no longer configured, an adapter without the operation, an unknown job', async () => {
    const { processor, runs } = setup({});
    await expect(processor(job('receive', 'gone'))).rejects.toThrow(/no longer configured/);
    await expect(processor(job('receive', 'eoffice'))).rejects.toThrow(/has no receive loop/);
    await expect(processor(job('sync-directory', 'eoffice'))).rejects.toThrow(/serves no directory/);
    await expect(processor(job('bogus', 'axis'))).rejects.toThrow(/unknown poll job/);
    expect(await runs('failed')).toBe(3);
  });

  it('a result poll stores each update, then runs the adapter\'s follow-up with the dossiers stored; an update not stored fails the run', async () => {
    const pending = ['d-1', 'd-2', 'd-3'].map((dossierId) => ({ dossierId }) as PendingDossier);
    const update = (dossierId: string): DossierUpdate => ({ dossierId, status: 4, systemStatus: '4' });
    const followUps: string[][] = [];
    const { processor, runs } = setup({
      pollDossiers: async (ctx) => {
        expect(ctx.pending).toEqual(pending);
        ctx.afterStored(async (stored) => void followUps.push([...stored]));
        return [update('d-1'), update('d-2')];
      },
    }, {
      dossiers: {
        pending: async () => pending,
        // d-2's update could not be stored (the database refused it, say).
        applyUpdates: async (_endpoint, updates) => ({ applied: updates.length - 1, unchanged: 0, failed: ['d-2'] }),
      },
    });
    await expect(processor(job('poll-results', 'axis'))).rejects.toThrow('1 of 2 dossier updates could not be stored');
    expect(followUps).toEqual([['d-1', 'd-3']]);
    expect(await runs('failed')).toBe(1);
  });

  it('does not run for an endpoint this process cannot use (an environment variable it lacks), failing the run with the reason', async () => {
    const axis = config.endpoints.get('axis')!;
    const endpoints = new Map(config.endpoints);
    endpoints.set('axis', { ...axis, settings: {}, unavailable: { variables: ['AXIS_SECRET'], reason: 'environment variable AXIS_SECRET is not set in this process' } });
    let ran = false;
    const { processor } = setup({ receive: async () => ((ran = true), EMPTY) }, { config: { ...config, endpoints } });
    await expect(processor(job('receive', 'axis'))).rejects.toThrow('endpoint axis cannot be used by this process: environment variable AXIS_SECRET is not set');
    expect(ran).toBe(false);
  });

  it('runs of one job for one endpoint take turns; other endpoints and jobs run alongside', async () => {
    const active = new Map<string, number>();
    let most = 0;
    const releases: (() => void)[] = [];
    const { processor } = setup({
      receive: async (ctx) => {
        const n = (active.get(ctx.endpoint.id) ?? 0) + 1;
        active.set(ctx.endpoint.id, n);
        most = Math.max(most, n);
        await new Promise<void>((resolve) => releases.push(resolve));
        active.set(ctx.endpoint.id, n - 1);
        return EMPTY;
      },
    });
    const first = processor(job('receive', 'axis'));
    const second = processor(job('receive', 'axis'));
    const other = processor(job('receive', 'axis-2'));
    await tick();
    expect(releases).toHaveLength(2); // axis (first) and axis-2; the second axis run waits
    releases.shift()!();
    await first;
    await tick();
    expect(releases).toHaveLength(2); // now the second axis run has started
    releases.splice(0).forEach((release) => release());
    await Promise.all([second, other]);
    expect(most).toBe(1);
  });

  it('a run that fails does not block the next one', async () => {
    let calls = 0;
    const { processor } = setup({
      receive: async () => {
        calls += 1;
        if (calls === 1) throw new Error('list failed');
        return EMPTY;
      },
    });
    await expect(processor(job('receive', 'axis'))).rejects.toThrow('list failed');
    expect(await processor(job('receive', 'axis'))).toEqual(EMPTY);
  });

  it('aborts the run\'s signal at its time limit and at shutdown', async () => {
    const seen: string[] = [];
    const receive = async (ctx: ReceiveContext<unknown>) => {
      await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve, { once: true }));
      seen.push(String((ctx.signal.reason as Error).name));
      return EMPTY;
    };
    const timed = setup({ receive }, { runTimeoutMs: 20 });
    await timed.processor(job('receive', 'axis'));
    const stopped = setup({ receive });
    const running = stopped.processor(job('receive', 'axis'));
    await tick();
    stopped.shutdown.abort(new Error('shutdown'));
    await running;
    expect(seen).toEqual(['TimeoutError', 'Error']);
  });
});
