import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import pino from 'pino';
import { describe, expect, it, vi } from 'vitest';
import { adapters } from '../../../adapters/index.js';
import type { AdapterTable, DeliveryContext, DeliveryOutcome } from '../../../src/adapters/adapter-contract.js';
import { parseHubConfig } from '../../../src/config/load-hub-config.js';
import { decodeJws, type JwsSigner } from '../../../src/crypto/jws.js';
import type { Message } from '../../../src/domain/message.js';
import { createMetrics } from '../../../src/metrics.js';
import { createCircuitRegistry } from '../../../src/queue/circuit-registry.js';
import { REMOTE_ID_CHARS } from '../../../src/adapters/storable-outcome.js';
import { createDeliveryProcessor, type DeliveryProcessorDeps, type GivenUpDelivery } from '../../../src/queue/delivery-processor.js';
import type { DeliverJobData } from '../../../src/queue/job-catalogue.js';
import { RetryLaterError } from '../../../src/queue/retry-later-error.js';
import type { ClaimedDelivery } from '../../../src/store/claim-deliveries.js';
import type { GroupCommit } from '../../../src/store/group-commit.js';
import type { DeliveryOutcomeRecord, OutcomeWrite } from '../../../src/store/write-delivery-outcomes.js';
import { createSchemaCatalogue, type IdentifiedSchema } from '../../../src/schema-catalogue.js';

const HOUR = 3_600_000;
const catalogue = createSchemaCatalogue(Object.values(adapters).map((a) => a.settingsSchema as IdentifiedSchema));
const endpoint = (id: string, schedule: string[], extra: Record<string, unknown> = {}) =>
  ({ id, adapter: 'http-endpoint', settings: { url: `https://${id}.example.vn/inbox` }, timeout: '30s', retry: { schedule, jitter: 0, giveUpAfter: '72h' }, ...extra });
const config = parseHubConfig({
  agencies: [{ code: '000.00.00.G22', name: 'Văn phòng Chính phủ' }],
  endpoints: [
    // Three attempts, 30 min and 2 h apart: attempt 1 is an early one.
    endpoint('early', ['0s', '30m', '2h'], { circuitBreaker: { failureThreshold: 1, openFor: '30s' } }),
    // One attempt only: attempt 1 is the last.
    endpoint('last', ['0s'], { circuitBreaker: { failureThreshold: 1, openFor: '30s' } }),
    // Down for days: its circuit opens after 2 failures.
    endpoint('down', ['0s', '30m', '2h', '10h', '10h', '10h', '10h', '10h', '10h', '10h', '10h'], { circuitBreaker: { failureThreshold: 2, openFor: '30s' } }),
  ],
  routes: [],
}, { catalogue, adapters, env: {} });
const GIVE_UP_MS = 72 * HOUR;

const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const signer: JwsSigner = { alg: 'ES256', kid: 'test', privateKey, x5c: [] };

/** A delivery as the claim returns it: waiting (never attempted unless said), its cycle begun `ageMs` ago. */
function claimed(endpointId: string, opts: { attempts?: number; ageMs?: number } = {}): ClaimedDelivery {
  const cycleStartedAt = new Date(Date.now() - (opts.ageMs ?? 1_000));
  const message = { id: randomUUID(), sender: '000.00.00.G22', contentSha256: 'a'.repeat(64), createdAt: cycleStartedAt, attachments: [] } as unknown as Message;
  return {
    id: randomUUID(), recipient: '000.00.00.H41', endpointId, state: opts.attempts ? 'retrying' : 'queued', attempts: opts.attempts ?? 0, generation: 0,
    cycleStartedAt, message, inlineBlobs: new Map(),
  };
}

type Deliver = (message: Message, ctx: DeliveryContext<unknown>) => Promise<DeliveryOutcome>;

/** A processor whose claim serves `delivery`, whose outcomes are kept, and whose http-endpoint adapter is `deliver`. */
function setup(delivery: ClaimedDelivery, deliver: Deliver, extra: Partial<DeliveryProcessorDeps> = {}, write: OutcomeWrite = 'recorded') {
  const table = { ...adapters, 'http-endpoint': { ...adapters['http-endpoint'], deliver } } as unknown as AdapterTable;
  const claims = vi.fn(async (id: string) => (id === delivery.id ? delivery : undefined));
  const written: DeliveryOutcomeRecord[] = [];
  const givenUp: GivenUpDelivery[] = [];
  const shutdown = new AbortController();
  const circuits = extra.circuits ?? createCircuitRegistry();
  const processor = createDeliveryProcessor({
    config, adapters: table, blobs: {} as never, signer, issuer: 'lienthong-test',
    claims: { submit: claims } as unknown as GroupCommit<string, ClaimedDelivery | undefined>,
    outcomes: { submit: async (o: DeliveryOutcomeRecord): Promise<OutcomeWrite> => { written.push(o); return write; } } as unknown as GroupCommit<DeliveryOutcomeRecord, OutcomeWrite>,
    metrics: createMetrics({ defaultMetrics: false }), log: pino({ level: 'silent' }), now: () => new Date(), shutdown: shutdown.signal,
    forwardedEdxml: (() => Promise.reject(new Error('not used'))) as never, circuits, givenUp: (f) => { givenUp.push(f); },
    ...extra,
  });
  return { processor, claims, written, givenUp, shutdown, circuits };
}

/** A job of `delivery`, added `ageMs` ago, that remembers where it was moved to. */
function jobOf(delivery: ClaimedDelivery, ageMs = 1_000) {
  const delays: number[] = [];
  const job = {
    id: `${delivery.id}-g0`, timestamp: Date.now() - ageMs, data: { deliveryId: delivery.id, endpointId: delivery.endpointId },
    moveToDelayed: async (at: number) => { delays.push(at - Date.now()); },
  } as unknown as Job<DeliverJobData>;
  return { job, delays };
}

/** An adapter call that waits for its abort, then answers as the http-endpoint adapter does. */
const untilAborted = (started: () => void): Deliver => (_message, ctx) => new Promise((resolve) => {
  started();
  ctx.signal.addEventListener('abort', () => resolve({ kind: 'transient', reason: `attempt aborted: ${(ctx.signal.reason as Error).message}` }), { once: true });
});

describe('delivery processor: texts from a remote answer', () => {
  it('stores a remote id holding U+0000 cleaned (PostgreSQL refuses NUL), in the delivery and in its audit event', async () => {
    const delivery = claimed('early');
    const { processor, written } = setup(delivery, async () => ({ kind: 'delivered', httpStatus: 200, remoteId: 'r-1\u0000' }));
    await processor(jobOf(delivery).job, 'token');
    expect(written).toHaveLength(1);
    expect(written[0]).toMatchObject({ state: 'delivered', remoteId: 'r-1' });
    expect(written[0]!.audit[0]!.data).toMatchObject({ remoteId: 'r-1' });
    expect(JSON.stringify(written[0])).not.toContain('\\u0000');
  });

  it('an adapter signs with the hub\'s key any JWS but a receipt: a lienthong-receipt+jws is refused', async () => {
    const delivery = claimed('early');
    const signed: string[] = [];
    const { processor } = setup(delivery, async (_message, ctx) => {
      signed.push(await ctx.signJws({ messageId: 'm' }, 'lienthong-delivery+jws'));
      await expect(ctx.signJws({ event: 'delivered', messageId: 'm' }, 'lienthong-receipt+jws')).rejects.toThrow(/may not sign a JWS of typ lienthong-receipt\+jws/);
      return { kind: 'delivered', httpStatus: 200 };
    });
    await processor(jobOf(delivery).job, 'token');
    expect(decodeJws(signed[0]!).header).toMatchObject({ typ: 'lienthong-delivery+jws' });
  });

  it('cleans every remote text of an outcome: control characters, unpaired surrogates, an overlong id; an id left empty is dropped', async () => {
    const cases: [DeliveryOutcome, (o: DeliveryOutcomeRecord) => void][] = [
      [{ kind: 'delivered', remoteId: `x\ud800y\u0007z`, detail: 'took it\u0000\r\n again' }, (o) => {
        expect(o.remoteId).toBe('x\ufffdy z');
        expect(o.attempt.detail).toBe('took it  again');
      }],
      [{ kind: 'delivered', remoteId: 'é'.repeat(10_000) }, (o) => {
        expect(o.remoteId).toBe(`${'é'.repeat(REMOTE_ID_CHARS)}…`);
      }],
      // An astral character cut in half at the bound must not leave half a surrogate pair.
      [{ kind: 'delivered', remoteId: `${'a'.repeat(REMOTE_ID_CHARS - 1)}😀` }, (o) => {
        expect(o.remoteId).toBe(`${'a'.repeat(REMOTE_ID_CHARS - 1)}\ufffd…`);
      }],
      [{ kind: 'delivered', remoteId: '\u0000\u0000' }, (o) => {
        expect(o).not.toHaveProperty('remoteId');
        expect(o.audit[0]!.data).not.toHaveProperty('remoteId');
      }],
      [{ kind: 'permanent', httpStatus: 400, reason: 'HTTP 400: bad\u0000\udc00input' }, (o) => {
        expect(o.lastError).toBe('HTTP 400: bad \ufffdinput');
        expect(o.attempt.detail).toBe('HTTP 400: bad \ufffdinput');
        expect(o.audit[0]!.data).toMatchObject({ reason: 'HTTP 400: bad \ufffdinput' });
      }],
    ];
    for (const [outcome, check] of cases) {
      const delivery = claimed('early');
      const { processor, written } = setup(delivery, async () => outcome);
      await processor(jobOf(delivery).job, 'token').catch((err: unknown) => { if (!(err instanceof UnrecoverableError)) throw err; });
      expect(written).toHaveLength(1);
      check(written[0]!);
    }
  });
});

describe('delivery processor: an attempt cut short by shutdown', () => {
  for (const [name, endpointId] of [['the last attempt', 'last'], ['an early attempt', 'early']] as const) {
    it(`on ${name}: not counted, not failed, no breaker failure; the job goes back to the queue at once and is attempted again`, async () => {
      const delivery = claimed(endpointId);
      let started!: () => void;
      const inFlight = new Promise<void>((resolve) => { started = resolve; });
      const first = setup(delivery, untilAborted(() => started()));
      const { job, delays } = jobOf(delivery);
      const run = first.processor(job, 'token');
      await inFlight;
      first.shutdown.abort();
      await expect(run).rejects.toBeInstanceOf(DelayedError);

      expect(first.written).toEqual([]); // no attempt, no state change, no receipt
      expect(first.givenUp).toEqual([]);
      expect(delays).toHaveLength(1);
      expect(delays[0]).toBeLessThanOrEqual(0); // back at once, not a schedule step later
      const breaker = first.circuits.snapshot().find((c) => c.endpoint === endpointId);
      expect(breaker).toMatchObject({ state: 'closed', consecutiveFailures: 0 });

      // The next worker claims it as the first left it and makes the attempt: attempt 1, delivered.
      const second = setup(delivery, async () => ({ kind: 'delivered', httpStatus: 200 }));
      await second.processor(job, 'token');
      expect(second.written.map((o) => [o.state, o.attempt.attempt, o.receipt?.event])).toEqual([['delivered', 1, 'delivered']]);
    });
  }

  it('a job claimed while the worker is already shutting down is put back without calling the adapter', async () => {
    const delivery = claimed('early');
    const deliver = vi.fn<Deliver>(async () => ({ kind: 'delivered' }));
    const { processor, shutdown, written } = setup(delivery, deliver);
    shutdown.abort();
    const { job, delays } = jobOf(delivery);
    await expect(processor(job, 'token')).rejects.toBeInstanceOf(DelayedError);
    expect(deliver).not.toHaveBeenCalled();
    expect(written).toEqual([]);
    expect(delays).toHaveLength(1);
  });

  it('an answer that came in before the abort stands: delivered is recorded', async () => {
    const delivery = claimed('last');
    const holder: { shutdown?: AbortController } = {};
    const { processor, shutdown, written } = setup(delivery, async () => {
      holder.shutdown!.abort();
      return { kind: 'delivered', httpStatus: 200 };
    });
    holder.shutdown = shutdown;
    await processor(jobOf(delivery).job, 'token');
    expect(written.map((o) => o.state)).toEqual(['delivered']);
  });

  it('a timeout is an attempt like any other, even when shutdown follows', async () => {
    const delivery = claimed('early', { attempts: 0 });
    const fast = parseHubConfig({
      agencies: [{ code: '000.00.00.G22', name: 'Văn phòng Chính phủ' }],
      endpoints: [endpoint('early', ['0s', '30m'], { timeout: '50ms' })],
      routes: [],
    }, { catalogue, adapters, env: {} });
    const holder: { shutdown?: AbortController } = {};
    const { processor, shutdown, written } = setup(delivery, (_m, ctx) => new Promise((resolve) => {
      ctx.signal.addEventListener('abort', () => {
        holder.shutdown!.abort();
        resolve({ kind: 'transient', reason: 'timed out after 50 ms' });
      }, { once: true });
    }), { config: fast });
    holder.shutdown = shutdown;
    await expect(processor(jobOf(delivery).job, 'token')).rejects.toThrow(/timed out/);
    expect(written.map((o) => [o.state, o.attempt.outcome])).toEqual([['retrying', 'transient']]);
  });
});

describe('delivery processor: the give-up window behind an open circuit', () => {
  /** A registry whose `down` circuit is open (two transient failures). */
  const openCircuit = () => {
    const circuits = createCircuitRegistry();
    const breaker = circuits.forEndpoint(config.endpoints.get('down')!);
    breaker.recordFailure();
    breaker.recordFailure();
    expect(breaker.snapshot().state).toBe('open');
    return circuits;
  };

  it('a parked delivery whose cycle began beyond giveUpAfter is given up: failed, failed receipt, audit, alert, no attempt', async () => {
    const age = GIVE_UP_MS + HOUR;
    const delivery = claimed('down', { attempts: 3, ageMs: age });
    const deliver = vi.fn<Deliver>(async () => ({ kind: 'delivered' }));
    const { processor, written, givenUp } = setup(delivery, deliver, { circuits: openCircuit() });
    const { job, delays } = jobOf(delivery, age);
    const run = processor(job, 'token');
    await expect(run).rejects.toBeInstanceOf(UnrecoverableError);
    await expect(run).rejects.toThrow(/not attempted \(circuit open\); giving up: next attempt would fall after the give-up window/);

    expect(deliver).not.toHaveBeenCalled();
    expect(delays).toEqual([]); // not parked again
    expect(written).toHaveLength(1);
    const o = written[0]!;
    expect(o).toMatchObject({ state: 'failed', nextAttemptAt: null, lastError: expect.stringContaining('not attempted (circuit open); giving up') });
    expect(o.attempt).toMatchObject({ attempt: 4, outcome: 'transient', detail: 'not attempted (circuit open)' });
    expect(o.receipt?.event).toBe('failed');
    expect(decodeJws(o.receipt!.jws).payload).toMatchObject({ event: 'failed', deliveryId: delivery.id, detail: expect.stringContaining('giving up') });
    expect(o.audit.map((a) => a.kind)).toEqual(['delivery.failed']);
    expect(givenUp).toEqual([expect.objectContaining({ endpoint: 'down', deliveryId: delivery.id, attempts: 4, reason: expect.stringContaining('giving up') })]);
  });

  it('a parked delivery inside its window is parked, without touching the database', async () => {
    const delivery = claimed('down', { ageMs: GIVE_UP_MS - HOUR });
    const { processor, claims, written } = setup(delivery, async () => ({ kind: 'delivered' }), { circuits: openCircuit() });
    const { job, delays } = jobOf(delivery, GIVE_UP_MS - HOUR);
    await expect(processor(job, 'token')).rejects.toBeInstanceOf(DelayedError);
    expect(delays).toHaveLength(1);
    expect(delays[0]).toBeGreaterThan(0);
    expect(claims).not.toHaveBeenCalled();
    expect(written).toEqual([]);
  });

  it('an old job whose delivery\'s cycle the row says is younger (moved on by a resume) is parked, not given up', async () => {
    const delivery = claimed('down', { ageMs: HOUR });
    const { processor, written, givenUp } = setup(delivery, async () => ({ kind: 'delivered' }), { circuits: openCircuit() });
    const { job, delays } = jobOf(delivery, GIVE_UP_MS + HOUR);
    await expect(processor(job, 'token')).rejects.toBeInstanceOf(DelayedError);
    expect(delays).toHaveLength(1);
    expect(written).toEqual([]);
    expect(givenUp).toEqual([]);
  });
});

describe('delivery processor: two jobs of one delivery', () => {
  it('an outcome another job recorded first (superseded) ends the job quietly: no alert, no failure, no retry', async () => {
    const delivery = claimed('last');
    const { processor, written, givenUp } = setup(delivery, async () => ({ kind: 'permanent', httpStatus: 400, reason: 'refused' }), {}, 'superseded');
    await processor(jobOf(delivery).job, 'token');
    expect(written).toHaveLength(1);
    expect(givenUp).toEqual([]);
  });

  it('a job of an earlier generation (queued before a replay) ends without an attempt: the replay queued its own', async () => {
    const delivery = { ...claimed('early'), generation: 1 };
    const deliver = vi.fn(async () => ({ kind: 'delivered' as const }));
    const { processor, written } = setup(delivery, deliver);
    await processor(jobOf(delivery).job, 'token'); // its id ends -g0
    expect(deliver).not.toHaveBeenCalled();
    expect(written).toEqual([]);
    await processor(Object.assign(jobOf(delivery).job, { id: `${delivery.id}-g1` }), 'token');
    expect(deliver).toHaveBeenCalledTimes(1);
  });
});

describe('delivery processor: an endpoint this worker does not know, or cannot use', () => {
  const withFresh = parseHubConfig({
    agencies: [{ code: '000.00.00.G22', name: 'Văn phòng Chính phủ' }],
    endpoints: [
      endpoint('early', ['0s', '30m', '2h']),
      endpoint('fresh', ['0s', '5s']),
      { id: 'secret', adapter: 'http-endpoint', settings: { url: 'https://secret.example.vn/in', headers: { authorization: 'Bearer ${TOKEN_X}' } }, retry: { schedule: ['0s', '5s'], jitter: 0, giveUpAfter: '1h' } },
    ],
    routes: [],
  }, { catalogue, adapters, env: {}, unsetVariables: 'mark-unavailable' });

  /** A live configuration at `version` that catches up to `next` (when given) and then is the newest or not. */
  const liveAt = (version: number, opts: { next?: typeof config; newest: boolean }) => {
    const view = { current: config };
    const live = {
      catchUps: 0,
      version: () => (live.catchUps > 0 && opts.next ? version + 1 : version),
      catchUp: async () => {
        live.catchUps += 1;
        if (opts.next) view.current = opts.next;
        return opts.newest;
      },
    };
    const proxied = new Proxy({} as typeof config, { get: (_t, key) => view.current[key as keyof typeof config] });
    return { live, config: proxied };
  };

  it('catches up first: an endpoint created after its last poll is attempted at once', async () => {
    const delivery = claimed('fresh');
    const { live, config: view } = liveAt(4, { next: withFresh, newest: true });
    const { processor, written } = setup(delivery, async () => ({ kind: 'delivered', httpStatus: 200 }), { config: view, live });
    await processor(jobOf(delivery).job, 'token');
    expect(live.catchUps).toBe(1);
    expect(written.map((w) => w.state)).toEqual(['delivered']);
  });

  it('still unknown and its configuration not the newest: retried later (transient), never failed', async () => {
    const delivery = claimed('fresh');
    const { live, config: view } = liveAt(4, { newest: false });
    const deliver = vi.fn(async (): Promise<DeliveryOutcome> => ({ kind: 'delivered' }));
    const { processor, written, givenUp } = setup(delivery, deliver, { config: view, live });
    const err = await processor(jobOf(delivery).job, 'token').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RetryLaterError);
    expect((err as RetryLaterError).delayMs).toBeGreaterThan(0);
    expect(written).toHaveLength(1);
    expect(written[0]).toMatchObject({ state: 'retrying', attempt: { outcome: 'transient' } });
    expect(written[0]).not.toHaveProperty('receipt'); // no signed `failed` receipt
    expect(written[0]!.lastError).toMatch(/endpoint fresh is not in this worker's configuration \(version 4\)/);
    expect(givenUp).toEqual([]);
    expect(deliver).not.toHaveBeenCalled();
  });

  it('unknown in the newest configuration: failed for good, as before', async () => {
    const delivery = claimed('gone');
    const { live, config: view } = liveAt(4, { newest: true });
    const { processor, written, givenUp } = setup(delivery, async () => ({ kind: 'delivered' }), { config: view, live });
    await expect(processor(jobOf(delivery).job, 'token')).rejects.toBeInstanceOf(UnrecoverableError);
    expect(written[0]).toMatchObject({ state: 'failed', lastError: 'endpoint gone is no longer configured' });
    expect(givenUp).toHaveLength(1);
  });

  it('an endpoint whose settings need a variable this worker lacks: retried later naming the variable, past its schedule, until the give-up window', async () => {
    const { live } = liveAt(4, { newest: true });
    const deliver = vi.fn(async (): Promise<DeliveryOutcome> => ({ kind: 'delivered' }));
    // Attempt 1, and attempt 5 of a schedule of 2: still retried (nothing was attempted).
    for (const attempts of [0, 4]) {
      const delivery = claimed('secret', { attempts });
      const { processor, written, givenUp } = setup(delivery, deliver, { config: withFresh, live });
      const err = await processor(jobOf(delivery).job, 'token').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RetryLaterError);
      expect(written[0]).toMatchObject({ state: 'retrying', attempt: { attempt: attempts + 1, outcome: 'transient' } });
      expect(written[0]!.lastError).toBe('not attempted: endpoint secret cannot be used by this worker: environment variable TOKEN_X is not set in this process');
      expect(givenUp).toEqual([]);
    }
    // Past the endpoint's give-up window (1 h): given up, as any transient failure would be.
    const old = claimed('secret', { attempts: 3, ageMs: 2 * HOUR });
    const late = setup(old, deliver, { config: withFresh, live });
    await expect(late.processor(jobOf(old).job, 'token')).rejects.toBeInstanceOf(UnrecoverableError);
    expect(late.written[0]!.lastError).toMatch(/TOKEN_X.*giving up/);
    expect(deliver).not.toHaveBeenCalled();
    expect(live.catchUps).toBe(0);
  });
});
