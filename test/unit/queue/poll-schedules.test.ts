import { describe, expect, it } from 'vitest';
import { adapters } from '../../../adapters/index.js';
import { parseHubConfig } from '../../../src/config/load-hub-config.js';
import { isHubError } from '../../../src/errors.js';
import { pollSchedulesOf, repeatFor } from '../../../src/queue/schedule-polls.js';
import { createSchemaCatalogue, type IdentifiedSchema } from '../../../src/schema-catalogue.js';

// An endpoint's `poll` from the authored configuration to the queue's job schedulers.

const catalogue = createSchemaCatalogue(Object.values(adapters).map((a) => a.settingsSchema as IdentifiedSchema));
const axisSettings = { endpoint: 'https://axis.example.vn/vxp', systemId: 'vxp.saas.02', secret: 's3cret', from: '000.00.00.LT1' };
const authored = (poll: Record<string, unknown> | undefined, extra: Record<string, unknown>[] = []) => ({
  agencies: [{ code: '000.00.00.G22', name: 'Văn phòng Chính phủ' }],
  endpoints: [{ id: 'axis', adapter: 'vdxp', settings: axisSettings, ...(poll ? { poll } : {}) }, ...extra],
  routes: [],
});
const parse = (config: unknown) => parseHubConfig(config, { catalogue, adapters, env: {} });

function problemsOf(config: unknown): string[] {
  try {
    parse(config);
  } catch (err) {
    if (isHubError(err) && err.code === 'HUB_ERR_CONFIG_INVALID') return (err.details as { problems: string[] }).problems;
    throw err;
  }
  throw new Error('config was accepted');
}

describe('endpoint poll configuration', () => {
  it('normalises receiveEvery and directoryEvery to milliseconds', () => {
    const config = parse(authored({ receiveEvery: '30s', directoryEvery: '1d' }));
    expect(config.endpoints.get('axis')!.poll).toEqual({ receiveEveryMs: 30_000, directoryEveryMs: 86_400_000 });
    expect(parse(authored({ receiveEvery: 2_000 })).endpoints.get('axis')!.poll).toEqual({ receiveEveryMs: 2_000 });
  });

  it('leaves poll out when the endpoint has none or an empty one', () => {
    expect(parse(authored(undefined)).endpoints.get('axis')!.poll).toBeUndefined();
    expect(parse(authored({})).endpoints.get('axis')!.poll).toBeUndefined();
  });

  it('refuses receiveEvery and directoryEvery on an adapter without receive loop or directory, with JSON pointers', () => {
    const http = { id: 'eoffice', adapter: 'http-endpoint', settings: { url: 'https://eoffice.example.vn/in' }, poll: { receiveEvery: '5s', directoryEvery: '1h' } };
    expect(problemsOf(authored({ receiveEvery: '5s' }, [http]))).toEqual([
      '/endpoints/1/poll/receiveEvery adapter "http-endpoint" has no receive loop',
      '/endpoints/1/poll/directoryEvery adapter "http-endpoint" serves no agency directory',
    ]);
  });

  it('refuses intervals under one second, unknown keys and malformed durations', () => {
    expect(problemsOf(authored({ receiveEvery: '500ms' }))).toEqual(['/endpoints/0/poll/receiveEvery must be at least 1s']);
    expect(problemsOf(authored({ receiveEvery: 0 }))).toEqual(['/endpoints/0/poll/receiveEvery must be at least 1s']);
    expect(problemsOf(authored({ every: '5s' })).join('\n')).toMatch(/\/endpoints\/0\/poll.*every/);
    expect(problemsOf(authored({ receiveEvery: 'soon' })).join('\n')).toMatch(/\/endpoints\/0\/poll\/receiveEvery/);
  });
});

describe('pollSchedulesOf', () => {
  it('gives one schedule per configured job and endpoint, nothing for endpoints without poll', () => {
    const second = { id: 'axis-2', adapter: 'vdxp', settings: axisSettings, poll: { directoryEvery: '6h' } };
    const plain = { id: 'axis-3', adapter: 'vdxp', settings: axisSettings };
    const config = parse(authored({ receiveEvery: '2s', directoryEvery: '1d' }, [second, plain]));
    expect(pollSchedulesOf(config)).toEqual([
      { endpointId: 'axis', job: 'receive', everyMs: 2_000 },
      { endpointId: 'axis', job: 'sync-directory', everyMs: 86_400_000 },
      { endpointId: 'axis-2', job: 'sync-directory', everyMs: 21_600_000 },
    ]);
    expect(pollSchedulesOf(parse(authored(undefined)))).toEqual([]);
  });
});

describe('repeatFor (what a boot asks BullMQ for, given the scheduler Redis holds)', () => {
  const now = Date.UTC(2026, 10, 22, 2, 0, 0);
  const hourly = { endpointId: 'axis', job: 'receive' as const, everyMs: 3_600_000 };

  it('a first-ever schedule: just the interval (BullMQ runs the first job at once)', () => {
    expect(repeatFor(hourly, undefined, now)).toEqual({ every: 3_600_000 });
  });

  it('a restart with the same interval: just the interval (BullMQ keeps the time the pending job has)', () => {
    expect(repeatFor(hourly, { every: 3_600_000, next: now + 1_234_000 }, now)).toEqual({ every: 3_600_000 });
  });

  it('a changed interval starts at the earlier of the run already planned and one new interval from now, never in the past', () => {
    // Shorter: one new interval from now comes first.
    expect(repeatFor({ ...hourly, everyMs: 60_000 }, { every: 3_600_000, next: now + 1_800_000 }, now)).toEqual({ every: 60_000, startDate: now + 60_000 });
    // Longer: the run already planned comes first.
    expect(repeatFor({ ...hourly, everyMs: 86_400_000 }, { every: 3_600_000, next: now + 1_800_000 }, now)).toEqual({ every: 86_400_000, startDate: now + 1_800_000 });
    // A run missed while no worker ran is due now.
    expect(repeatFor({ ...hourly, everyMs: 60_000 }, { every: 3_600_000, next: now - 5_000 }, now)).toEqual({ every: 60_000, startDate: now });
  });
});
