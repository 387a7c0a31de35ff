import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attemptRows, send } from '../../helpers/hub-queries.js';
import { STORES } from '../../helpers/test-db.js';
import { documentBody, startTestHub, type TestHub } from '../../helpers/test-hub.js';

const G22 = '000.00.00.G22';
const H41 = '000.00.00.H41';
const H14 = '000.00.00.H14';
const SHUTDOWN_CONFIG = resolve('test/fixtures/config/test-hub-shutdown.json');

interface DeliveryRow { id: string; recipient: string; state: string; attempts: number; remote_id: string | null }

const deliveriesOf = async (t: TestHub, messageId: string): Promise<DeliveryRow[]> =>
  (await t.hub.db.query<DeliveryRow>('SELECT id, recipient, state, attempts, remote_id FROM deliveries WHERE message_id = $1 ORDER BY recipient', [messageId])).rows;
const receiptEvents = async (t: TestHub, deliveryId: string): Promise<string[]> =>
  (await t.hub.db.query<{ event: string }>('SELECT event FROM receipts WHERE delivery_id = $1 ORDER BY created_at', [deliveryId])).rows.map((r) => r.event);

/** A receiver that takes every request and answers 200 with an id holding U+0000. */
async function startNulReceiver(): Promise<{ url: string; keys: string[]; close(): Promise<void> }> {
  const keys: string[] = [];
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      keys.push(String(req.headers['idempotency-key']));
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"id":"r-1\\u0000","received":true}');
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    keys,
    close: () => new Promise<void>((done) => { server.closeAllConnections(); server.close(() => done()); }),
  };
}

describe.each(STORES)('delivery processor against a real store and queue (%s store)', (store) => {
  describe('a receiver whose id holds U+0000', () => {
    let receiver: Awaited<ReturnType<typeof startNulReceiver>>;
    let t: TestHub;
    beforeAll(async () => {
      receiver = await startNulReceiver();
      t = await startTestHub(store, { configEnv: { SIM_URL: receiver.url } });
    });
    afterAll(async () => {
      await t?.close();
      await receiver?.close();
    });

    it('the delivery ends delivered once, with the id stored cleaned, not sent again and again', async () => {
      const id = await send(t, t.keys.g22, documentBody(G22, [H41]));
      const [delivered] = await t.until(async () => {
        const rows = await deliveriesOf(t, id);
        return rows[0]?.state === 'delivered' ? rows : undefined;
      });
      expect(delivered).toMatchObject({ state: 'delivered', attempts: 1, remote_id: 'r-1' });
      const { rows: audit } = await t.hub.db.query<{ remote_id: string }>(
        `SELECT data->>'remoteId' AS remote_id FROM audit_events WHERE delivery_id = $1 AND kind = 'delivery.delivered'`, [delivered!.id]);
      expect(audit).toEqual([{ remote_id: 'r-1' }]);
      expect(await receiptEvents(t, delivered!.id)).toEqual(['delivered']);
      // Give a retry the time to happen (the queue retries after 1 s at the least): there is none.
      await new Promise((r) => setTimeout(r, 2_500));
      expect(receiver.keys).toEqual([delivered!.id]);
      expect(await attemptRows(t.hub.db, delivered!.id)).toEqual([expect.objectContaining({ attempt: 1, outcome: 'delivered', http_status: 200 })]);
    });
  });

  it('attempts cut short by a worker\'s shutdown are not counted: neither failed on the last attempt nor put off on an early one, no breaker failure; the next worker delivers them at once', async () => {
    const first = await startTestHub(store, { env: { LIENTHONG_CONFIG: SHUTDOWN_CONFIG } });
    let firstOpen = true;
    let second: TestHub | undefined;
    try {
      // Both receivers take their time: the attempts are in flight when the worker shuts down.
      first.sim.setBehaviour('early', { mode: 'slow', delayMs: 30_000 });
      first.sim.setBehaviour('last', { mode: 'slow', delayMs: 30_000 });
      const id = await send(first, first.keys.g22, documentBody(G22, [H41, H14]));
      await first.until(async () => first.sim.requests('early').length === 1 && first.sim.requests('last').length === 1);

      await first.close({ keepData: true });
      firstOpen = false;
      // This worker's breakers were told of no failure (one would open them: failureThreshold 1).
      const circuits = first.hub.oversight!.circuits.snapshot().filter((c) => c.endpoint === 'early' || c.endpoint === 'last');
      expect(circuits).toEqual([
        expect.objectContaining({ endpoint: 'early', state: 'closed', consecutiveFailures: 0 }),
        expect.objectContaining({ endpoint: 'last', state: 'closed', consecutiveFailures: 0 }),
      ]);

      // The next worker attempts both at once (not 30 min later), and the last attempt is not failed.
      second = await startTestHub(store, { env: { LIENTHONG_CONFIG: SHUTDOWN_CONFIG }, shared: first.shared });
      const s = second;
      const rows = await s.until(async () => {
        const found = await deliveriesOf(s, id);
        return found.length === 2 && found.every((d) => d.state === 'delivered' || d.state === 'failed') ? found : undefined;
      }, 15_000);
      expect(rows.map((d) => [d.recipient, d.state, d.attempts])).toEqual([[H14, 'delivered', 1], [H41, 'delivered', 1]]);
      for (const d of rows) {
        expect(await attemptRows(s.hub.db, d.id)).toEqual([expect.objectContaining({ attempt: 1, outcome: 'delivered' })]);
        expect(await receiptEvents(s, d.id)).toEqual(['delivered']);
      }
      const { rows: failedEvents } = await s.hub.db.query('SELECT 1 FROM audit_events WHERE message_id = $1 AND kind IN (\'delivery.failed\', \'delivery.retrying\')', [id]);
      expect(failedEvents).toEqual([]);
      expect(s.sim.requests('early').map((r) => r.headers['idempotency-key'])).toEqual([rows[1]!.id]);
      expect(s.sim.requests('last').map((r) => r.headers['idempotency-key'])).toEqual([rows[0]!.id]);
    } finally {
      if (firstOpen) await first.close();
      await second?.close();
    }
  });
});
