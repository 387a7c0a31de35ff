import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { send, viewWhen } from '../../helpers/hub-queries.js';
import { STORES } from '../../helpers/test-db.js';
import { documentBody, startTestHub, type TestHub } from '../../helpers/test-hub.js';

const G22 = '000.00.00.G22';
const H41 = '000.00.00.H41';
const H14 = '000.00.00.H14';

type LogLine = Record<string, unknown> & { level: number; msg: string };

// The worker makes a delivery's logger (bound to its delivery, message and endpoint) only when the
// delivery has something to log; what it logs must still carry those bindings.
describe.each(STORES)("a delivery's log lines (%s store)", (store) => {
  let t: TestHub;
  const lines: LogLine[] = [];
  beforeAll(async () => {
    t = await startTestHub(store, { log: { level: 'info', destination: { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) } } });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('a given-up delivery logs its delivery, message and endpoint; a delivered one logs nothing', async () => {
    t.sim.setBehaviour('h14', { mode: 'fail', status: 400 });
    const id = await send(t, t.keys.g22, documentBody(G22, [H41, H14]));
    const view = await viewWhen(t, id, t.keys.g22, (v) => v.deliveries.every((d: { state: string }) => d.state === 'delivered' || d.state === 'failed'));
    const of = (recipient: string): { id: string; state: string } => view.deliveries.find((d: { recipient: string }) => d.recipient === recipient);
    expect(of(H41).state).toBe('delivered');
    expect(of(H14).state).toBe('failed');

    const failed = await t.until(async () => {
      const found = lines.filter((l) => l.msg === 'delivery failed');
      return found.length > 0 && found;
    });
    expect(failed).toEqual([expect.objectContaining({
      level: 40, component: 'worker', deliveryId: of(H14).id, messageId: id, endpoint: 'h14', reason: expect.stringContaining('HTTP 400'),
    })]);
    expect(lines.filter((l) => l.deliveryId === of(H41).id)).toEqual([]);
  });
});
