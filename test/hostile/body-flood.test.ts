import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documentBody, startTestHub, type TestHub } from '../helpers/test-hub.js';
import { MemoryProbe } from './memory-probe.js';
import { rawRequest, type RawAnswer } from './raw-request.js';

// A burst of the largest JSON documents the body limit allows, all at once, from one agency: each is
// read whole and decoded, so without a bound the API would hold them all (~4× each) until it runs out
// of memory. With LIENTHONG_BODY_MEMORY the ones over it — or over the sender's half of it — are
// refused before their body is read (503 HUB_ERR_OVERLOADED, Retry-After), nothing of them stored;
// another agency's documents still get in meanwhile; retried, every one is accepted once.

const G22 = '000.00.00.G22';
const H56 = '000.00.00.H56';
const MiB = 1024 * 1024;
const BUDGET = 48 * MiB;
const AT_ONCE = 16;
const ATTACHMENT = 15 * MiB; // ~20 MiB of base64 JSON per document, under the 25 MiB body limit

describe('a burst of the largest JSON documents at once (postgres store)', () => {
  let t: TestHub;
  const memory = new MemoryProbe();
  let bodies: Buffer[];

  beforeAll(async () => {
    t = await startTestHub('postgres', { roles: { api: true, worker: false }, env: { LIENTHONG_BODY_MEMORY: String(BUDGET) } });
    // Made before any measurement: the attack's own buffers are not the hub's.
    bodies = Array.from({ length: AT_ONCE }, (_, i) => Buffer.from(JSON.stringify(documentBody(G22, [H56], {
      attachments: [{ name: `lon-${i}.pdf`, contentType: 'application/pdf', content: randomBytes(ATTACHMENT).toString('base64') }],
    }))));
  });
  afterAll(async () => {
    console.log(memory.table('body flood'));
    await t?.close();
  });

  const post = (i: number): Promise<RawAnswer> => rawRequest(t.url, {
    path: '/v1/messages',
    headers: { authorization: `Bearer ${t.keys.g22}`, 'content-type': 'application/json', 'idempotency-key': `flood-${i}-${t.url}` },
    body: bodies[i]!,
  });
  const accepted = async (): Promise<number> =>
    (await t.hub.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM messages m JOIN attachments a ON a.message_id = m.id WHERE a.name LIKE 'lon-%'`)).rows[0]!.n;

  it(`sheds what goes over ${BUDGET / MiB} MiB with 503 HUB_ERR_OVERLOADED, stores exactly what it accepted, memory bounded; others get in; retries all get in`, async () => {
    let answers: RawAnswer[] = [];
    let other: RawAnswer | undefined;
    const growth = await memory.measure(`${AT_ONCE} × ${(bodies[0]!.length / MiB).toFixed(0)} MiB JSON at once`, 200, async () => {
      const flood = Promise.all(bodies.map((_, i) => post(i)));
      // Meanwhile another agency sends an ordinary document: the flood's sender holds at most half.
      other = await rawRequest(t.url, {
        path: '/v1/messages',
        headers: { authorization: `Bearer ${t.keys.h56}`, 'content-type': 'application/json' },
        body: Buffer.from(JSON.stringify(documentBody(H56, [G22]))),
      });
      answers = await flood;
    });
    expect(other?.status, JSON.stringify(other?.json)).toBe(202);
    const statuses = answers.map((a) => a.status);
    expect(statuses.every((s) => s === 202 || s === 503), statuses.join(' ')).toBe(true);
    const shed = answers.filter((a) => a.status === 503);
    expect(shed.length).toBeGreaterThan(0);
    expect(shed.length).toBeLessThan(AT_ONCE);
    console.log(`body flood: ${AT_ONCE - shed.length} accepted, ${shed.length} shed of ${AT_ONCE} at once`);
    for (const a of shed) {
      expect(a.json).toMatchObject({ code: 'HUB_ERR_OVERLOADED', errorId: expect.any(String) });
      expect(a.headers['retry-after']).toBe('1');
      expect(a.headers.connection).toBe('close'); // 20 MiB left unread: the answer closes the connection
    }
    expect(await accepted()).toBe(AT_ONCE - shed.length);
    expect(growth).toBeLessThan(200); // without the budget: 540 MiB (34 MiB per document held)

    // The client's part: come back after Retry-After with the same Idempotency-Key.
    const again = await Promise.all(answers.map(async (a, i) => {
      for (let tries = 0; ; tries += 1) {
        const r = a.status === 202 ? a : await post(i);
        if (r.status !== 503 || tries > 40) return r;
        await new Promise((resolve) => setTimeout(resolve, 250));
        a = r;
      }
    }));
    expect(again.map((a) => a.status).every((s) => s === 202), again.map((a) => a.status).join(' ')).toBe(true);
    expect(await accepted()).toBe(AT_ONCE);
    const metrics = await (await fetch(`${t.url}/metrics`)).text();
    const value = (name: string): number => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(metrics)?.[1]);
    expect(value('lienthong_requests_shed_total')).toBeGreaterThanOrEqual(shed.length); // and the retries' own 503s
    expect(value('lienthong_request_body_bytes_in_flight')).toBe(0);
  });
});
