import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import type { AuditChain } from '../../../src/audit/audit-chain.js';
import { createExportSlots, type ExportSlots } from '../../../src/auditor/export-slots.js';
import { hubError } from '../../../src/errors.js';
import { installErrorHandler } from '../../../src/http/error-handler.js';
import { auditorRoutes } from '../../../src/http/routes/auditor-routes.js';
import { createSchemaCatalogue } from '../../../src/schema-catalogue.js';
import type { Queryable } from '../../../src/store/db.js';

// The auditor routes over a scripted store: the next page query waits at a gate the test opens, so a
// CSV export (its header row is out before its first page) can be held open mid-stream; audit inserts are recorded. What is checked: an export takes a slot
// until its response closes (finished or abandoned), one too many is 429 HUB_ERR_EXPORTS_BUSY with
// Retry-After, and every export is an audit event written before its first byte.

interface Gate { open(): void; wait: Promise<void> }
const gate = (): Gate => {
  let open!: () => void;
  const wait = new Promise<void>((resolve) => { open = resolve; });
  return { open, wait };
};

interface ScriptedStore extends Queryable { audits: { sql: string; params: unknown[] }[]; pagesRead: number; held?: Gate }

function scriptedStore(): ScriptedStore {
  const store: ScriptedStore = {
    audits: [],
    pagesRead: 0,
    async query(sql: string, params: unknown[] = []) {
      if (/INSERT INTO audit_events/i.test(sql)) {
        store.audits.push({ sql, params });
        return { rows: [] } as never;
      }
      store.pagesRead += 1;
      const held = store.held; // the next page query waits at the gate; later ones do not
      store.held = undefined;
      if (held) await held.wait;
      return { rows: [] } as never;
    },
  } as ScriptedStore;
  return store;
}

describe('auditor exports: slots and their audit events', () => {
  let app: FastifyInstance | undefined;
  afterEach(async () => { await app?.close(); app = undefined; });

  async function serve(opts: { max: number; guard?: (write: () => Promise<unknown>) => Promise<unknown> }): Promise<{ url: string; store: ScriptedStore; slots: ExportSlots; gauge: number[] }> {
    const store = scriptedStore();
    const gauge: number[] = [];
    const slots = createExportSlots(opts.max, (n) => gauge.push(n));
    const catalogue = createSchemaCatalogue();
    app = Fastify({ logger: false });
    installErrorHandler(app, { bodyLimit: 1 << 20, attachmentLimit: 1 << 20 });
    app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? catalogue.strict : catalogue.coercing).compile(schema as object));
    for (const schema of catalogue.schemas) app.addSchema(schema);
    await app.register(auditorRoutes, {
      db: store, apiKeys: { resolve: async () => ({ kind: 'role', keyId: 'k-aud', role: 'auditor' }) },
      audit: { guard: (opts.guard ?? ((write: () => Promise<unknown>) => write())) as AuditChain['guard'] }, exportSlots: slots, now: () => new Date('2026-12-07T03:15:42Z'),
    });
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    return { url, store, slots, gauge };
  }
  const get = (url: string, path: string, init: RequestInit = {}) => fetch(`${url}${path}`, { ...init, headers: { authorization: 'Bearer k' } });

  it('holds a slot while an export streams; one more is 429 with Retry-After; the slot frees when the export ends', async () => {
    const { url, store, slots, gauge } = await serve({ max: 1 });
    const held = gate();
    store.held = held;
    const first = await get(url, '/v1/audit/deliveries?format=csv&agency=000.00.00.H41');
    expect(first.status).toBe(200); // headers are out; the body waits at the gate
    expect(slots.inUse).toBe(1);

    const busy = await get(url, '/v1/audit/events?format=jsonl');
    expect(busy.status).toBe(429);
    expect(busy.headers.get('retry-after')).toBe('5');
    expect(await busy.json()).toMatchObject({ code: 'HUB_ERR_EXPORTS_BUSY', message: expect.stringContaining('1 audit exports') });
    expect(store.audits).toHaveLength(1); // the refused one left no event
    // A page is not an export: it needs no slot.
    const page = await fetch(`${url}/v1/audit/events?limit=5`, { headers: { authorization: 'Bearer k' } });
    expect(page.status).toBe(200);

    held.open();
    expect(await first.text()).toMatch(/^id,messageId,/);
    await expect.poll(() => slots.inUse).toBe(0);
    const again = await get(url, '/v1/audit/events?format=jsonl');
    expect(again.status).toBe(200);
    expect(await again.text()).toBe('');
    expect(gauge).toEqual([1, 0, 1, 0]);
  });

  it('frees the slot of an export whose client went away mid-stream', async () => {
    const { url, store, slots } = await serve({ max: 1 });
    const held = gate();
    store.held = held;
    const abort = new AbortController();
    const first = await fetch(`${url}/v1/audit/deliveries?format=csv`, { headers: { authorization: 'Bearer k' }, signal: abort.signal });
    expect(first.status).toBe(200);
    expect(slots.inUse).toBe(1);
    abort.abort();
    await expect.poll(() => slots.inUse).toBe(0);
    held.open();
    expect((await get(url, '/v1/audit/deliveries?format=jsonl')).status).toBe(200);
  });

  it('records who exported what, with which filter, before the first byte', async () => {
    const { url, store } = await serve({ max: 2 });
    const r = await get(url, '/v1/audit/deliveries?format=csv&agency=000.00.00.H41&state=failed&order=asc');
    expect(r.status).toBe(200);
    await r.text();
    expect(store.audits).toHaveLength(1);
    const params = store.audits[0]!.params.map(String).join(' ');
    expect(params).toContain('auditor:k-aud');
    expect(params).toContain('audit.exported');
    const data = store.audits[0]!.params.find((p) => typeof p === 'string' && p.includes('"resource"')) ?? params;
    expect(String(data)).toContain('"resource":"deliveries"');
    expect(String(data)).toContain('"format":"csv"');
    expect(String(data)).toContain('"order":"asc"');
    expect(String(data)).toMatch(/"filter":\{"agency":"000\.00\.00\.H41","state":"failed"\}/);
  });

  it('refuses a bad cursor before taking a slot or writing an event', async () => {
    const { url, store, slots, gauge } = await serve({ max: 1 });
    const r = await get(url, '/v1/audit/events?format=jsonl&cursor=not-a-cursor');
    expect(r.status).toBe(400);
    expect((await r.json() as { code: string }).code).toBe('HUB_ERR_INVALID_CURSOR');
    expect(store.audits).toHaveLength(0);
    expect(slots.inUse).toBe(0);
    expect(gauge).toEqual([]);
  });

  it('fails closed when the audit log cannot be written: 503, nothing streamed, the slot given back', async () => {
    const { url, store, slots } = await serve({ max: 1, guard: async () => { throw hubError('HUB_ERR_AUDIT_UNAVAILABLE', ['test']); } });
    const r = await get(url, '/v1/audit/events?format=jsonl');
    expect(r.status).toBe(503);
    expect((await r.json() as { code: string }).code).toBe('HUB_ERR_AUDIT_UNAVAILABLE');
    expect(store.pagesRead).toBe(0);
    expect(slots.inUse).toBe(0);
  });
});

describe('createExportSlots', () => {
  it('gives at most max slots, frees one per release however often it is called, and refuses a bad max', () => {
    const slots = createExportSlots(2);
    const a = slots.take()!;
    const b = slots.take()!;
    expect(slots.take()).toBeUndefined();
    a();
    a();
    expect(slots.inUse).toBe(1);
    expect(slots.take()).toBeTypeOf('function');
    expect(slots.take()).toBeUndefined();
    b();
    expect(slots.inUse).toBe(1);
    expect(() => createExportSlots(0)).toThrow(RangeError);
    expect(() => createExportSlots(1.5)).toThrow(RangeError);
  });
});
