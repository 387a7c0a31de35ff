import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimDeliveries } from '../../../src/store/claim-deliveries.js';
import { openTestDb, STORES, type TestDb } from '../../helpers/test-db.js';

describe.each(STORES)('claiming a batch of deliveries (%s store)', (kind) => {
  let t: TestDb;
  beforeAll(async () => {
    t = await openTestDb(kind);
    await t.db.query(`INSERT INTO endpoints (id, adapter, settings, retry) VALUES ('ep-claim', 'http-endpoint', '{}'::jsonb, '{}'::jsonb)`);
  });
  afterAll(async () => {
    await t?.cleanup();
  });

  /** A message to `recipients`, one delivery each (state `queued`), with one attachment. */
  async function message(recipients: string[], state = 'queued'): Promise<{ id: string; deliveries: string[] }> {
    const id = randomUUID();
    await t.db.query(`INSERT INTO messages (id, kind, sender, recipients, document, content_sha256) VALUES ($1, 'document', '000.00.00.G22', $2, $3, $4)`,
      [id, recipients, JSON.stringify({ subject: `Văn bản ${id}` }), `sha-${id}`]);
    await t.db.query(`INSERT INTO attachments (message_id, idx, name, content_type, size, sha256) VALUES ($1, 0, 'a.pdf', 'application/pdf', 3, $2)`, [id, 'ab'.repeat(32)]);
    const deliveries: string[] = [];
    for (const recipient of recipients) {
      const did = randomUUID();
      await t.db.query(`INSERT INTO deliveries (id, message_id, recipient, endpoint_id, state, next_attempt_at, cycle_started_at) VALUES ($1, $2, $3, 'ep-claim', $4, now(), now())`, [did, id, recipient, state]);
      deliveries.push(did);
    }
    return { id, deliveries };
  }

  it('gives every delivery its own message, read once per message in the batch, and marks the waiting ones sending', async () => {
    const fanout = await message(Array.from({ length: 40 }, (_, i) => `000.00.${String(i).padStart(2, '0')}.H41`));
    const single = await message(['000.00.00.H14']);
    const delivered = await message(['000.00.00.H30'], 'delivered');
    const ids = [...fanout.deliveries.slice(0, 25), single.deliveries[0]!, delivered.deliveries[0]!, ...fanout.deliveries.slice(25)];

    const claimed = await claimDeliveries(t.db, ids, new Date());

    expect([...claimed.keys()].sort()).toEqual([...ids].sort());
    for (const [i, did] of fanout.deliveries.entries()) {
      const c = claimed.get(did)!;
      expect(c.recipient).toBe(`000.00.${String(i).padStart(2, '0')}.H41`);
      expect(c.state).toBe('queued');
      expect(c.message).toMatchObject({ id: fanout.id, contentSha256: `sha-${fanout.id}`, document: { subject: `Văn bản ${fanout.id}` } });
      expect(c.message.recipients).toHaveLength(40);
      expect(c.message.attachments).toEqual([{ index: 0, name: 'a.pdf', contentType: 'application/pdf', size: 3, sha256: 'ab'.repeat(32) }]);
    }
    expect(claimed.get(single.deliveries[0]!)!.message).toMatchObject({ id: single.id, recipients: ['000.00.00.H14'] });
    expect(claimed.get(delivered.deliveries[0]!)).toMatchObject({ state: 'delivered', message: { id: delivered.id } });

    const { rows } = await t.db.query<{ state: string; n: number }>(
      'SELECT state, count(*)::int AS n FROM deliveries WHERE id = ANY($1::uuid[]) GROUP BY state ORDER BY state', [ids]);
    expect(rows).toEqual([{ state: 'delivered', n: 1 }, { state: 'sending', n: 41 }]);
  });

  it('hands out again a delivery already sending (an attempt cut short by a crash resumes), with the attempt it is on', async () => {
    const one = await message(['000.00.00.H57']);
    const did = one.deliveries[0]!;
    await t.db.query(`UPDATE deliveries SET attempts = 2, generation = 1 WHERE id = $1`, [did]);
    expect((await claimDeliveries(t.db, [did], new Date())).get(did)).toMatchObject({ state: 'queued', attempts: 2, generation: 1 });
    // The worker died mid-attempt; its job comes back and is claimed again.
    expect((await claimDeliveries(t.db, [did], new Date())).get(did)).toMatchObject({ state: 'sending', attempts: 2, generation: 1 });
  });

  it('leaves out ids it does not know', async () => {
    const one = await message(['000.00.00.H56']);
    const claimed = await claimDeliveries(t.db, [randomUUID(), one.deliveries[0]!], new Date());
    expect([...claimed.keys()]).toEqual([one.deliveries[0]]);
  });
});
