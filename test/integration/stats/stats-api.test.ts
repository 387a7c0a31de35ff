import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STORES } from '../../helpers/test-db.js';
import { documentBody, startTestHub, type TestHub } from '../../helpers/test-hub.js';

const G22 = '000.00.00.G22';
const H41 = '000.00.00.H41';
const H14 = '000.00.00.H14';
const H56 = '000.00.00.H56';

describe.each(STORES)('stats API (%s store)', (store) => {
  let t: TestHub;
  let start: Date;
  beforeAll(async () => {
    t = await startTestHub(store);
    start = new Date(Date.now() - 1_000);
    // Three documents: two delivered to H41, one that H14 refuses for good (400 → failed at once).
    t.sim.setBehaviour('h14', { mode: 'fail', status: 400 });
    const ids: string[] = [];
    for (const recipients of [[H41], [H41, H14]]) {
      const sent = await t.call('POST', '/v1/messages', { key: t.keys.g22, body: documentBody(G22, recipients) });
      expect(sent.status).toBe(202);
      ids.push(sent.json.id);
    }
    await t.until(async () => {
      const { rows } = await t.hub.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM deliveries WHERE state IN ('delivered', 'failed') AND message_id = ANY($1::uuid[])`, [ids]);
      return rows[0]!.n === 3;
    });
    // Dossiers filed by H56 (written directly: the stats read the tables, not the flow): one handled
    // before its due date, one after it, one open past it, one open and not due yet.
    const now = Date.now();
    const dossier = async (status: number, dueInMs: number, handledAtMs?: number): Promise<void> => {
      const id = randomUUID();
      const at = new Date(now);
      await t.hub.db.query(
        `INSERT INTO dossiers (id, number, agency, procedure_code, status, target_system, target_endpoint, payload_type, submit_message, data, created_at, updated_at)
         VALUES ($1, $2, $3, '2.000488', $4, 'judicial-records', 'lltp-h56', 'judicial-record', $5, $6, $7, $7)`,
        [id, `${H56}-261207-${id.slice(0, 4)}`, H56, status, randomUUID(), JSON.stringify({ dueAt: new Date(now + dueInMs).toISOString() }), at]);
      await t.hub.db.query(`INSERT INTO dossier_events (dossier_id, seq, at, status, source, step) VALUES ($1, 1, $2, 2, 'one-stop', '{}')`, [id, at]);
      if (handledAtMs !== undefined) {
        await t.hub.db.query(`INSERT INTO dossier_events (dossier_id, seq, at, status, source, step) VALUES ($1, 2, $2, 9, 'target', '{}')`, [id, new Date(now + handledAtMs)]);
      }
    };
    await dossier(9, 3_600_000, 1_000);
    await dossier(10, 1_000, 2_000);
    await dossier(4, -10_000);
    await dossier(2, 86_400_000);
  });
  afterAll(async () => {
    await t?.close();
  });

  const range = () => `from=${encodeURIComponent(start.toISOString())}&to=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`;

  it('overview: volumes per bucket, delivered share, latency percentiles and failures by endpoint', async () => {
    const response = await t.call('GET', `/v1/stats/overview?${range()}&bucket=hour`, { key: t.keys.operator });
    expect(response.status, JSON.stringify(response.json)).toBe(200);
    const o = response.json;
    expect(o).toMatchObject({ bucket: 'hour', timeZone: 'Asia/Ho_Chi_Minh', totals: { messages: 2, deliveries: 3, delivered: 2, failed: 1, pending: 0 } });
    expect(o.totals.deliveredShare).toBeCloseTo(2 / 3);
    expect(o.latency.count).toBe(2);
    expect(o.latency.p50Ms).toBeGreaterThanOrEqual(0);
    expect(o.latency.p99Ms).toBeGreaterThanOrEqual(o.latency.p50Ms);
    expect(o.latency.maxMs).toBeGreaterThanOrEqual(o.latency.p99Ms);
    expect(o.failuresByEndpoint).toEqual([{ endpoint: 'h14', adapter: 'http-endpoint', failed: 1, retrying: 0 }]);
    // Every hour of the range, in order, on the hour of Vietnam's clock (UTC+7: whole UTC hours too).
    const sum = o.series.reduce((n: number, b: { messages: number }) => n + b.messages, 0);
    expect(sum).toBe(2);
    for (const b of o.series) expect(new Date(b.start).getUTCMinutes()).toBe(0);
  });

  it('day buckets start at midnight in Hanoi', async () => {
    const response = await t.call('GET', '/v1/stats/overview?bucket=day', { key: t.keys.auditor });
    expect(response.status).toBe(200);
    expect(response.json.series.length).toBeGreaterThanOrEqual(30);
    for (const b of response.json.series) expect(new Date(b.start).getUTCHours()).toBe(17); // 00:00 +07:00
    expect(response.json.totals.messages).toBeGreaterThanOrEqual(2);
  });

  it('agencies: documents sent and received, dossiers handled on time', async () => {
    const response = await t.call('GET', `/v1/stats/agencies?${range()}`, { key: t.keys.admin });
    expect(response.status, JSON.stringify(response.json)).toBe(200);
    const of = (code: string) => response.json.agencies.find((a: { code: string }) => a.code === code);
    expect(of(G22)).toMatchObject({ name: 'Văn phòng Chính phủ', documentsSent: 2, documentsAddressed: 0, documentsReceived: 0 });
    expect(of(H41)).toMatchObject({ documentsSent: 0, documentsAddressed: 2, documentsReceived: 2 });
    expect(of(H14)).toMatchObject({ documentsAddressed: 1, documentsReceived: 0 });
    expect(of(H56)).toMatchObject({ dossiersFiled: 4, dossiersHandled: 2, dossiersOnTime: 1, dossiersLate: 2, dossiersOpen: 2 });
    // Every configured agency is listed, the busiest first.
    expect(response.json.agencies.map((a: { code: string }) => a.code)).toContain('000.00.04.G14');
    expect(response.json.agencies[0].code).toBe(H56);
  });

  it('refuses an inverted range, too many buckets, unknown parameters; agencies get 403 before validation', async () => {
    const inverted = await t.call('GET', '/v1/stats/overview?from=2026-12-02T00:00:00Z&to=2026-12-01T00:00:00Z', { key: t.keys.admin });
    expect(inverted.status).toBe(400);
    expect(inverted.json.code).toBe('HUB_ERR_VALIDATION');
    const tooMany = await t.call('GET', '/v1/stats/overview?from=2026-01-01T00:00:00Z&to=2026-12-01T00:00:00Z&bucket=hour', { key: t.keys.admin });
    expect(tooMany.status).toBe(400);
    expect(tooMany.json.details[0].message).toMatch(/more than 1000 hours/);
    expect((await t.call('GET', '/v1/stats/overview?bucket=week', { key: t.keys.admin })).status).toBe(400);
    expect((await t.call('GET', '/v1/stats/agencies?x=1', { key: t.keys.admin })).status).toBe(400);
    const agency = await t.call('GET', '/v1/stats/overview?bucket=week', { key: t.keys.g22 });
    expect(agency.status).toBe(403);
    expect(agency.json.code).toBe('HUB_ERR_FORBIDDEN');
  });
});
