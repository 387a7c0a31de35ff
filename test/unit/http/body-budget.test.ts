import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { bodyBytesOf, createBodyBudget, installBodyBudget } from '../../../src/http/body-budget.js';
import { installErrorHandler } from '../../../src/http/error-handler.js';

const LIMIT = 1000;
const bytes = (headers: Record<string, string>) => bodyBytesOf({ headers }, LIMIT);

describe('bodyBytesOf: what a request will hold in memory', () => {
  it('counts JSON and XML bodies by Content-Length, chunked ones at the body limit', () => {
    expect(bytes({ 'content-type': 'application/json', 'content-length': '120' })).toBe(120);
    expect(bytes({ 'content-type': 'application/json; charset=utf-8', 'content-length': '999' })).toBe(999);
    expect(bytes({ 'content-type': 'APPLICATION/JSON', 'transfer-encoding': 'chunked' })).toBe(LIMIT);
    expect(bytes({ 'content-type': 'application/xml', 'content-length': '700' })).toBe(700);
    expect(bytes({ 'content-type': 'text/xml; charset=utf-8', 'content-length': '5000' })).toBe(LIMIT); // streams past the limit
    expect(bytes({ 'content-type': 'text/xml', 'transfer-encoding': 'chunked' })).toBe(LIMIT);
  });

  it('counts nothing that is not held: no body, multipart, unparsed types, JSON over the limit, nonsense lengths', () => {
    expect(bytes({})).toBe(0);
    expect(bytes({ 'content-type': 'application/json' })).toBe(0);
    expect(bytes({ 'content-type': 'application/json', 'content-length': '0' })).toBe(0);
    expect(bytes({ 'content-type': 'multipart/form-data; boundary=x', 'content-length': '900' })).toBe(0);
    expect(bytes({ 'content-type': 'text/plain', 'content-length': '900' })).toBe(0);
    expect(bytes({ 'content-type': 'application/jsonx', 'content-length': '900' })).toBe(0);
    expect(bytes({ 'content-type': 'application/json', 'content-length': '1001' })).toBe(0); // 413 before a byte is read
    expect(bytes({ 'content-type': 'application/json', 'content-length': '12abc' })).toBe(0);
  });
});

describe('createBodyBudget', () => {
  it('admits up to the budget, always one when none is in flight, and frees once per release', () => {
    const seen: number[] = [];
    const budget = createBodyBudget(100, (n) => seen.push(n));
    const big = budget.reserve(250, 'a')!; // alone: admitted although over
    expect(budget.reserve(1, 'b')).toBeUndefined();
    big();
    big();
    expect(budget.inFlight).toBe(0);
    const a = budget.reserve(45, 'a')!;
    const b = budget.reserve(45, 'b')!;
    const c = budget.reserve(10, 'c')!;
    expect(budget.reserve(1, 'd')).toBeUndefined();
    a();
    expect(budget.reserve(46, 'd')).toBeUndefined();
    expect(budget.reserve(45, 'd')).toBeTypeOf('function');
    b();
    c();
    expect(seen).toEqual([250, 0, 45, 90, 100, 55, 100, 55, 45]);
    expect(() => createBodyBudget(0)).toThrow(RangeError);
  });

  it('gives one caller at most half the budget while it holds anything; its first request is always weighed only against the total', () => {
    const budget = createBodyBudget(100);
    const first = budget.reserve(60, 'agency:G22')!; // over its share, but its only one
    expect(first).toBeTypeOf('function');
    expect(budget.reserve(1, 'agency:G22')).toBeUndefined();
    const other = budget.reserve(40, 'agency:H56')!;
    expect(other).toBeTypeOf('function');
    first();
    const small = budget.reserve(30, 'agency:G22')!;
    expect(budget.reserve(20, 'agency:G22')).toBeTypeOf('function'); // 50: exactly its share
    expect(budget.reserve(1, 'agency:G22')).toBeUndefined();
    small();
    other();
    expect(budget.reserve(30, 'agency:G22')).toBeTypeOf('function');
  });
});

describe('installBodyBudget on a server', () => {
  it('answers 503 HUB_ERR_OVERLOADED with Retry-After before reading the body, per caller and in total, and frees the bytes when a response closes', async () => {
    const app = Fastify({ logger: false });
    installErrorHandler(app, { bodyLimit: LIMIT, attachmentLimit: LIMIT });
    // Stands in for authentication (an onRequest hook, as in the hub): the caller names its agency.
    app.addHook('onRequest', async (request) => {
      request.principal = { kind: 'agency', keyId: 'k', agency: String(request.headers['x-agency']) };
    });
    let shed = 0;
    const budget = createBodyBudget(LIMIT);
    installBodyBudget(app, budget, { bodyLimit: LIMIT, onShed: () => { shed += 1; } });
    let releaseHandler!: () => void;
    const handlerWaits = new Promise<void>((resolve) => { releaseHandler = resolve; });
    app.post('/slow', async () => { await handlerWaits; return { ok: true }; });
    app.post('/fast', async (request) => ({ got: request.body }));
    app.get('/read', async () => ({ ok: true }));
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    try {
      const post = (path: string, agency: string, body: string) =>
        fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-agency': agency }, body });
      const slow = post('/slow', 'G22', JSON.stringify({ pad: 'x'.repeat(700) })); // ~710 bytes, held until released
      await expect.poll(() => budget.inFlight).toBeGreaterThan(700);

      const overTotal = await post('/fast', 'H56', JSON.stringify({ pad: 'y'.repeat(400) }));
      expect(overTotal.status).toBe(503);
      expect(overTotal.headers.get('retry-after')).toBe('1');
      expect(await overTotal.json()).toMatchObject({ code: 'HUB_ERR_OVERLOADED', message: expect.stringMatching(/\(1 KiB of 1 KiB in use\)/) });
      // Another caller's small body fits in what is left; the same caller is past its half.
      expect((await post('/fast', 'H56', '{"a":1}')).status).toBe(200);
      const overShare = await post('/fast', 'G22', '{"a":1}');
      expect(overShare.status).toBe(503);
      expect(overShare.headers.get('connection')).toBe('keep-alive'); // a small remainder is read: the connection stays usable
      expect((await overShare.json() as { message: string }).message).toMatch(/your requests in progress hold .* one caller may hold half of/);
      expect(shed).toBe(2);
      // A request without a body needs nothing.
      expect((await fetch(`${url}/read`, { headers: { 'x-agency': 'G22' } })).status).toBe(200);

      releaseHandler();
      expect((await slow).status).toBe(200);
      await expect.poll(() => budget.inFlight).toBe(0);
      expect((await post('/fast', 'H56', JSON.stringify({ pad: 'y'.repeat(400) }))).status).toBe(200);
      expect((await post('/fast', 'G22', '{"a":1}')).status).toBe(200);
    } finally {
      await app.close();
    }
  });
});
