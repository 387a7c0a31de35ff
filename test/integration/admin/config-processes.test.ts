import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documentBody, startTestHub, type TestHub } from '../../helpers/test-hub.js';

const G22 = '000.00.00.G22';
const H56 = '000.00.00.H56'; // pull mode in the test configuration
const H62 = '000.00.00.H62';
const H63 = '000.00.00.H63';
const TOKEN = 'bi-mat-chi-api-co';

/** Log lines of a hub, kept to be read. */
function logSink() {
  const lines: { level: number; msg: string; [key: string]: unknown }[] = [];
  const destination = new Writable({ write(chunk: Buffer, _enc, done) { for (const line of chunk.toString().split('\n')) if (line) lines.push(JSON.parse(line)); done(); } });
  return { lines, text: () => lines.map((l) => JSON.stringify(l)).join('\n'), destination };
}

/**
 * An API-only process A (it has TOKEN_X) and worker-only processes on one PostgreSQL schema and
 * queue that lack it: B polls the configuration only every minute, C every 100 ms.
 */
describe('configuration across processes (postgres store)', () => {
  let a: TestHub;
  let b: TestHub;
  const logB = logSink();
  beforeAll(async () => {
    a = await startTestHub('postgres', { roles: { api: true, worker: false }, configEnv: { TOKEN_X: TOKEN } });
    b = await startTestHub('postgres', { shared: a.shared, roles: { api: false, worker: true }, env: { LIENTHONG_CONFIG_POLL_MS: '60000' }, log: { level: 'info', destination: logB.destination } });
  });
  afterAll(async () => {
    await b?.close({ keepData: true });
    await a?.close();
  });

  const admin = (method: string, path: string, body?: unknown) => a.call(method, path, { key: a.keys.admin, ...(body !== undefined ? { body } : {}) });
  const delivery = async (messageId: string) =>
    (await a.hub.db.query<{ id: string; state: string; last_error: string | null; attempts: number }>('SELECT id, state, last_error, attempts FROM deliveries WHERE message_id = $1', [messageId])).rows[0]!;
  const send = async (recipient: string): Promise<string> => {
    const sent = await a.call('POST', '/v1/messages', { key: a.keys.g22, body: documentBody(G22, [recipient]) });
    expect(sent.status).toBe(202);
    return sent.json.id as string;
  };

  it('a worker that has not polled a new endpoint yet catches up and delivers, rather than failing the delivery', async () => {
    const before = b.hub.live.version();
    expect((await admin('POST', '/v1/admin/endpoints', { id: 'fresh', adapter: 'http-endpoint', settings: { url: '${SIM_URL}/inbox/fresh' } })).status).toBe(201);
    expect((await admin('PUT', `/v1/admin/agencies/${H56}`, { code: H56, name: 'UBND tỉnh Thanh Hóa', endpoint: 'fresh' })).status).toBe(200);
    expect(b.hub.live.version()).toBe(before); // B's next poll is a minute away
    const id = await send(H56);
    const done = await b.until(async () => { const d = await delivery(id); return d.state === 'delivered' || d.state === 'failed' ? d : undefined; });
    expect(done).toMatchObject({ state: 'delivered', last_error: null });
    expect(b.sim.requests('fresh')).toHaveLength(1);
    expect(b.hub.live.version()).toBeGreaterThan(before);
  });

  it('the routing dry run without a kind matches a route for documents, as intake does', async () => {
    expect((await admin('POST', '/v1/admin/routes?position=0', { id: 'g22-docs-to-fresh', match: { sender: G22, recipient: '000.00.00.H41', kind: 'document' }, endpoint: 'fresh' })).status).toBe(201);
    const dry = await admin('POST', '/v1/admin/routing/dry-run', { sender: G22, recipients: ['000.00.00.H41'] });
    expect(dry.status).toBe(200);
    expect(dry.json.recipients[0]).toMatchObject({ outcome: 'endpoint', endpoint: { id: 'fresh' }, routeId: 'g22-docs-to-fresh' });
    const status = await admin('POST', '/v1/admin/routing/dry-run', { sender: G22, recipients: ['000.00.00.H41'], kind: 'status' });
    expect(status.json.recipients[0]).toMatchObject({ outcome: 'endpoint', endpoint: { id: 'h41' } });
    expect((await admin('POST', '/v1/admin/routes/g22-docs-to-fresh/disable')).status).toBe(200);
  });

  it('refuses to replay a failed delivery whose endpoint is disabled (409), and replays it once enabled', async () => {
    b.sim.setBehaviour('refuser', { mode: 'fail', status: 400 });
    expect((await admin('POST', '/v1/admin/endpoints', { id: 'refuser', adapter: 'http-endpoint', settings: { url: '${SIM_URL}/inbox/refuser' } })).status).toBe(201);
    expect((await admin('POST', '/v1/admin/agencies', { code: H63, name: 'UBND tỉnh Quảng Ngãi', endpoint: 'refuser' })).status).toBe(201);
    const id = await send(H63);
    const failed = await b.until(async () => { const d = await delivery(id); return d.state === 'failed' ? d : undefined; });
    expect((await admin('PUT', `/v1/admin/agencies/${H63}`, { code: H63, name: 'UBND tỉnh Quảng Ngãi' })).status).toBe(200);
    expect((await admin('POST', '/v1/admin/endpoints/refuser/disable')).status).toBe(200);

    const refused = await a.call('POST', `/v1/admin/deliveries/${failed.id}/replay`, { key: a.keys.operator });
    expect(refused.status).toBe(409);
    expect(refused.json).toMatchObject({ code: 'HUB_ERR_ENDPOINT_UNAVAILABLE', details: { endpoint: 'refuser', presence: 'disabled' } });
    expect((await delivery(id)).state).toBe('failed');
    const resent = await a.call('POST', '/v1/admin/deliveries/resend', { key: a.keys.operator, body: { ids: [failed.id] } });
    expect(resent.json.items).toEqual([{ id: failed.id, result: 'skipped', reason: 'endpoint-disabled' }]);

    expect((await admin('POST', '/v1/admin/endpoints/refuser/enable')).status).toBe(200);
    b.sim.setBehaviour('refuser', { mode: 'ok' });
    expect((await a.call('POST', `/v1/admin/deliveries/${failed.id}/replay`, { key: a.keys.operator })).status).toBe(202);
    await b.until(async () => (await delivery(id)).state === 'delivered');
  });

  it('a revision with a placeholder only the API process has a value for: the workers follow it and later ones, that endpoint unavailable there, its deliveries waiting', async () => {
    const logC = logSink();
    let c: TestHub | undefined = await startTestHub('postgres', { shared: a.shared, roles: { api: false, worker: true }, env: { LIENTHONG_CONFIG_POLL_MS: '100' }, log: { level: 'info', destination: logC.destination } });
    try {
      const created = await admin('POST', '/v1/admin/endpoints', { id: 'secret', adapter: 'http-endpoint', settings: { url: '${SIM_URL}/inbox/secret', headers: { authorization: 'Bearer ${TOKEN_X}' } } });
      expect(created.status).toBe(201);
      const pointed = await admin('POST', '/v1/admin/agencies', { code: H62, name: 'UBND tỉnh Quảng Nam', endpoint: 'secret' });
      expect(pointed.status).toBe(201);
      const worker = c;
      await c.until(async () => worker.hub.live.version() === pointed.json.version, 5_000);
      expect(c.hub.config.endpoints.get('secret')?.unavailable?.variables).toEqual(['TOKEN_X']);
      expect(await c.hub.metrics.registry.getSingleMetricAsString('lienthong_endpoint_unavailable')).toContain('lienthong_endpoint_unavailable{endpoint="secret"} 1');

      const id = await send(H62);
      const waiting = await c.until(async () => { const d = await delivery(id); return d.state === 'retrying' && d.last_error ? d : undefined; });
      expect(waiting.last_error).toContain('environment variable TOKEN_X is not set');
      expect((await admin('GET', '/v1/admin/config/status')).json).toMatchObject({ unavailableEndpoints: [] }); // A has it

      // Restart a worker on this revision: it boots.
      await c.close({ keepData: true });
      c = undefined;
      c = await startTestHub('postgres', { shared: a.shared, roles: { api: false, worker: true }, env: { LIENTHONG_CONFIG_POLL_MS: '100' }, log: { level: 'info', destination: logC.destination } });
      expect(c.hub.live.version()).toBe(pointed.json.version);
      expect((await delivery(id)).state).not.toBe('failed');

      const errors = logC.lines.filter((l) => l.level === 50 && l.endpoint === 'secret');
      expect(errors.length).toBeGreaterThan(0);
      expect(errors[0]!.msg).toContain('TOKEN_X');
      expect(logC.text()).not.toContain(TOKEN);
      expect(logB.text()).not.toContain(TOKEN);
    } finally {
      await c?.close({ keepData: true });
    }
  });
});
