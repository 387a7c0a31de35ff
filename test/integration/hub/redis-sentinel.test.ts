import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Queryable } from '../../../src/store/db.js';
import { send } from '../../helpers/hub-queries.js';
import { startPrivateSentinel, type PrivateSentinel } from '../../helpers/private-sentinel.js';
import { documentBody, startTestHub, type TestHub } from '../../helpers/test-hub.js';

const G22 = '000.00.00.G22';
const H41 = '000.00.00.H41';

const states = async (db: Queryable, ids: string[]) => (await db.query<{ state: string }>(
  'SELECT state FROM deliveries WHERE message_id = ANY($1::uuid[])', [ids])).rows.map((r) => r.state);

describe('the queue on Redis Sentinel (REDIS_URL=redis+sentinel://…)', () => {
  let sentinel: PrivateSentinel;
  let t: TestHub;
  beforeAll(async () => {
    sentinel = await startPrivateSentinel();
    t = await startTestHub('postgres', { env: { REDIS_URL: sentinel.url }, sweepGraceMs: 1_000 });
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    await sentinel?.stop();
  });

  const deliveredAll = (ids: string[]) => t.until(async () => (await states(t.hub.db, ids)).every((s) => s === 'delivered'), 30_000);

  it('delivers through the master the Sentinel names', async () => {
    expect((await t.call('GET', '/readyz')).json.checks.redis).toBe('ok');
    const ids = await Promise.all(Array.from({ length: 5 }, () => send(t, t.keys.g22, documentBody(G22, [H41]))));
    await deliveredAll(ids);
    expect(t.sim.uniqueDeliveries('h41')).toBe(5);
  });

  it('after the master is killed and the replica promoted, follows it: what was accepted meanwhile and after is delivered, each once', async () => {
    const before = t.sim.requests('h41').length;
    const failover = sentinel.failOver();
    // Accepted while the Sentinel is still deciding (intake needs the database only).
    const during = await Promise.all(Array.from({ length: 5 }, () => send(t, t.keys.g22, documentBody(G22, [H41]))));
    const { from, to } = await failover;
    expect(to).not.toBe(from);
    const after = await Promise.all(Array.from({ length: 5 }, () => send(t, t.keys.g22, documentBody(G22, [H41]))));
    await deliveredAll([...during, ...after]);
    const ids = t.sim.requests('h41').slice(before).map((r) => r.headers['lienthong-message-id']);
    expect(new Set(ids)).toEqual(new Set([...during, ...after]));
    expect(t.sim.uniqueDeliveries('h41')).toBe(15);
    await t.until(async () => (await t.call('GET', '/readyz')).json.checks.redis === 'ok', 10_000);
  });
});
