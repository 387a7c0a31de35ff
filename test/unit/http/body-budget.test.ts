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
    const big = budget.reserve(250)!; // alone: admitted although over
    expect(budget.reserve(1)).toBeUndefined();
    big();
    big();
    expect(budget.inFlight).toBe(0);
    const a = budget.reserve(60)!;
    const b = budget.reserve(40)!;
    expect(budget.reserve(1)).toBeUndefined();
    a();
    expect(budget.reserve(61)).toBeUndefined();
    expect(budget.reserve(60)).toBeTypeOf('function');
    b();
    expect(seen).toEqual([250, 0, 60, 100, 40, 100, 60]);
    expect(() => createBodyBudget(0)).toThrow(RangeError);
  });
});

describe('installBodyBudget on a server', () => {
  it('answers 503 HUB_ERR_OVERLOADED with Retry-After before reading the body, and frees the bytes when a response closes', async () => {
    const app = Fastify({ logger: false });
    installErrorHandler(app, { bodyLimit: LIMIT, attachmentLimit: LIMIT });
    let shed = 0;
    const budget = createBodyBudget(LIMIT);
    installBodyBudget(app, budget, { bodyLimit: LIMIT, onShed: () => { shed += 1; } });
    let releaseHandler!: () => void;
    const handlerWaits = new Promise<void>((resolve) => { releaseHandler = resolve; });
    app.post('/slow', async () => { await handlerWaits; return { ok: true }; });
    app.post('/fast', async (request) => ({ got: request.body }));
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    try {
      const post = (path: string, body: string) => fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      const slow = post('/slow', JSON.stringify({ pad: 'x'.repeat(900) }));
      await expect.poll(() => budget.inFlight).toBeGreaterThan(900);

      const refused = await post('/fast', JSON.stringify({ pad: 'y'.repeat(200) }));
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toBe('1');
      expect(await refused.json()).toMatchObject({ code: 'HUB_ERR_OVERLOADED' });
      expect(shed).toBe(1);
      // A small body still fits beside the slow one; a body-less request needs nothing.
      expect((await post('/fast', '{"a":1}')).status).toBe(200);

      releaseHandler();
      expect((await slow).status).toBe(200);
      await expect.poll(() => budget.inFlight).toBe(0);
      expect((await post('/fast', JSON.stringify({ pad: 'y'.repeat(200) }))).status).toBe(200);
    } finally {
      await app.close();
    }
  });
});
