import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STORES } from '../../helpers/test-db.js';
import { documentBody, startTestHub, type TestHub } from '../../helpers/test-hub.js';

const G22 = '000.00.00.G22';
const H41 = '000.00.00.H41';
const H56 = '000.00.00.H56';
const NEW = '000.00.00.H62';
const retry = { schedule: ['0s', '1s'], giveUpAfter: '1m' };

interface AuditRow { actor: string; kind: string; data: Record<string, unknown> }

describe.each(STORES)('configuration admin API (%s store)', (store) => {
  let t: TestHub;
  beforeAll(async () => {
    t = await startTestHub(store);
  });
  afterAll(async () => {
    await t?.close();
  });

  const admin = (method: string, path: string, body?: unknown, headers?: Record<string, string>) =>
    t.call(method, path, { key: t.keys.admin, ...(body !== undefined ? { body } : {}), ...(headers ? { headers } : {}) });
  const version = async (): Promise<number> => (await admin('GET', '/v1/admin/config')).json.version;
  const configEvents = async (): Promise<AuditRow[]> =>
    (await t.hub.db.query<AuditRow>(`SELECT actor, kind, data FROM audit_events WHERE kind = 'config.changed' ORDER BY id`)).rows;
  const adminActor = async (): Promise<string> => {
    const { rows } = await t.hub.db.query<{ id: string }>(`SELECT id FROM api_keys WHERE role = 'admin'`);
    return `admin:${rows[0]!.id}`;
  };
  const send = (recipients: string[]) => t.call('POST', '/v1/messages', { key: t.keys.g22, body: documentBody(G22, recipients) });

  it('starts from the config file as revision 1, imported by the config file', async () => {
    const doc = await admin('GET', '/v1/admin/config');
    expect(doc.status).toBe(200);
    expect(doc.json).toMatchObject({ version: 1, actor: 'config-file' });
    expect(doc.json.document.endpoints.find((e: { id: string }) => e.id === 'h41')).toMatchObject({ adapter: 'http-endpoint', settings: { url: '${SIM_URL}/inbox/h41' } });
    const history = await admin('GET', '/v1/admin/config/history');
    expect(history.json.items).toEqual([expect.objectContaining({ version: 1, entity: 'file', action: 'imported', actor: 'config-file', source: 'file' })]);
    expect(await configEvents()).toEqual([expect.objectContaining({ kind: 'config.changed', data: expect.objectContaining({ version: 1, action: 'imported' }) })]);
  });

  it('adds an agency: versioned, audited with its actor, and known to intake on the next message', async () => {
    expect((await send([NEW])).status).toBe(422);
    const created = await admin('POST', '/v1/admin/agencies', { code: NEW, name: 'UBND tỉnh Quảng Nam' });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ version: 2, item: { code: NEW, name: 'UBND tỉnh Quảng Nam' } });
    expect(created.json.changes).toEqual(expect.arrayContaining([{ path: '/code', after: NEW }, { path: '/name', after: 'UBND tỉnh Quảng Nam' }]));
    const accepted = await send([NEW]);
    expect(accepted.status).toBe(202); // no endpoint: pull mode
    const actor = await adminActor();
    expect((await configEvents()).at(-1)).toEqual({ actor, kind: 'config.changed', data: { version: 2, entity: 'agency', entityId: NEW, action: 'created', paths: ['/code', '/name'] } });
    const history = await admin('GET', `/v1/admin/config/history?entity=agency&id=${NEW}`);
    expect(history.json.items).toEqual([expect.objectContaining({ version: 2, actor, entity: 'agency', entityId: NEW, action: 'created', source: 'api' })]);
  });

  it('refuses an invalid change with every problem, and stores nothing', async () => {
    const before = await version();
    const events = (await configEvents()).length;
    const bad = await admin('POST', '/v1/admin/endpoints', { id: 'bad', adapter: 'http-endpoint', settings: { url: 'ftp://example' } });
    expect(bad.status).toBe(422);
    expect(bad.json.code).toBe('HUB_ERR_CONFIG_REJECTED');
    expect(bad.json.details.problems.join(' ')).toMatch(/settings\/url/);
    const unknownAdapter = await admin('POST', '/v1/admin/endpoints', { id: 'bad', adapter: 'fax', settings: {} });
    expect(unknownAdapter.status).toBe(422);
    expect(unknownAdapter.json.details.problems.join(' ')).toContain('unknown adapter "fax"');
    const dangling = await admin('POST', '/v1/admin/routes', { id: 'dangling', match: { recipient: H41 }, endpoint: 'nowhere' });
    expect(dangling.status).toBe(422);
    expect(dangling.json.details.problems.join(' ')).toContain('unknown endpoint "nowhere"');
    const unsendable = await admin('POST', '/v1/admin/endpoints', { id: 'bad', adapter: 'http-endpoint', settings: { url: 'http://127.0.0.1:9/in', headers: { authorization: 'Bearer bí-mật' } } });
    expect(unsendable.status).toBe(422); // a header value no HTTP client sends would fail every delivery
    expect(unsendable.json.details.problems.join(' ')).toMatch(/settings\/headers\/authorization/);
    const schema = await admin('POST', '/v1/admin/routes', { id: 'Bad Id', match: {}, endpoint: 'h41' });
    expect(schema.status).toBe(400);
    expect(schema.json.code).toBe('HUB_ERR_VALIDATION');
    const duplicate = await admin('POST', '/v1/admin/agencies', { code: H41, name: 'Again' });
    expect(duplicate.status).toBe(409);
    expect(duplicate.json.code).toBe('HUB_ERR_CONFIG_CONFLICT');
    const missing = await admin('PUT', '/v1/admin/routes/none', { id: 'none', match: {}, endpoint: 'h41' });
    expect(missing.status).toBe(404);
    const renamed = await admin('PUT', '/v1/admin/agencies/000.00.00.H14', { code: '000.00.00.H15', name: 'x' });
    expect(renamed.status).toBe(409);
    expect(await version()).toBe(before);
    expect((await configEvents()).length).toBe(events);
  });

  it('applies a change only to the version it was based on (If-Match)', async () => {
    const current = await version();
    const stale = await admin('PUT', `/v1/admin/agencies/${NEW}`, { code: NEW, name: 'Tên cũ' }, { 'if-match': `"${current - 1}"` });
    expect(stale.status).toBe(409);
    expect(stale.json.message).toContain(`at version ${current}`);
    const fresh = await admin('PUT', `/v1/admin/agencies/${NEW}`, { code: NEW, name: 'UBND tỉnh Quảng Nam (mới)' }, { 'if-match': `"${current}"` });
    expect(fresh.status).toBe(200);
    expect(fresh.json).toMatchObject({ version: current + 1, changes: [{ path: '/name', before: 'UBND tỉnh Quảng Nam', after: 'UBND tỉnh Quảng Nam (mới)' }] });
    const same = await admin('PUT', `/v1/admin/agencies/${NEW}`, { code: NEW, name: 'UBND tỉnh Quảng Nam (mới)' });
    expect(same.json).toMatchObject({ version: current + 1, changes: [] }); // nothing changed: no new revision
  });

  it('routes the next message through an endpoint and route added at run time, and a dry run says so first', async () => {
    const endpoint = await admin('POST', '/v1/admin/endpoints', {
      id: 'h41-alt', adapter: 'http-endpoint', settings: { url: '${SIM_URL}/inbox/h41-alt', headers: { authorization: 'Bearer bi-mat-h41' } },
      retry,
    });
    expect(endpoint.status).toBe(201);
    expect(endpoint.json.item.settings).toEqual({ url: '${SIM_URL}/inbox/h41-alt', headers: '********' });
    expect(JSON.stringify(endpoint.json.changes)).not.toContain('bi-mat');
    expect(endpoint.json.changes).toContainEqual({ path: '/settings/headers', after: '(secret)' });
    const route = await admin('POST', '/v1/admin/routes?position=0', { id: 'h41-via-alt', match: { sender: G22, recipient: H41 }, endpoint: 'h41-alt' });
    expect(route.status).toBe(201);
    const dry = await admin('POST', '/v1/admin/routing/dry-run', { sender: G22, recipients: [H41, '000.00.00.H14', H56, '000.00.00.Z00'] });
    expect(dry.status).toBe(200);
    expect(dry.json.recipients).toEqual([
      { recipient: H41, outcome: 'endpoint', endpoint: { id: 'h41-alt', adapter: 'http-endpoint' }, routeId: 'h41-via-alt' },
      { recipient: '000.00.00.H14', outcome: 'endpoint', endpoint: { id: 'h14', adapter: 'http-endpoint' } },
      { recipient: H56, outcome: 'inbox' },
      { recipient: '000.00.00.Z00', outcome: 'refused', reason: 'unknown recipient 000.00.00.Z00' },
    ]);
    const sent = await send([H41]);
    expect(sent.status).toBe(202);
    await t.until(async () => t.sim.requests('h41-alt').length === 1);
    expect(t.sim.requests('h41-alt')[0]!.headers.authorization).toBe('Bearer bi-mat-h41');
    // The secret is stored, but no read, history entry or audit event shows it.
    const reads = [await admin('GET', '/v1/admin/endpoints/h41-alt'), await admin('GET', '/v1/admin/endpoints'), await admin('GET', '/v1/admin/config'), await admin('GET', '/v1/admin/config/history')];
    for (const read of reads) expect(JSON.stringify(read.json)).not.toContain('bi-mat');
    const { rows } = await t.hub.db.query<{ data: unknown }>(`SELECT data FROM audit_events WHERE kind = 'config.changed'`);
    expect(JSON.stringify(rows)).not.toContain('bi-mat');
  });

  it('keeps a secret an update leaves out or masks, and records only that it changed when it does', async () => {
    const kept = await admin('PUT', '/v1/admin/endpoints/h41-alt', { id: 'h41-alt', adapter: 'http-endpoint', settings: { url: '${SIM_URL}/inbox/h41-alt', headers: '********' }, retry, timeout: '5s' });
    expect(kept.status).toBe(200);
    expect(kept.json.changes).toEqual([{ path: '/timeout', after: '5s' }]);
    const omitted = await admin('PUT', '/v1/admin/endpoints/h41-alt', { id: 'h41-alt', adapter: 'http-endpoint', settings: { url: '${SIM_URL}/inbox/h41-alt' }, retry, timeout: '5s' });
    expect(omitted.json.changes).toEqual([]);
    const changed = await admin('PUT', '/v1/admin/endpoints/h41-alt', { id: 'h41-alt', adapter: 'http-endpoint', settings: { url: '${SIM_URL}/inbox/h41-alt', headers: { authorization: 'Bearer moi-2' } }, retry, timeout: '5s' });
    expect(changed.json.changes).toEqual([{ path: '/settings/headers', before: '(secret)', after: '(secret)' }]);
    await send([H41]);
    await t.until(async () => t.sim.requests('h41-alt').length === 2);
    expect(t.sim.requests('h41-alt')[1]!.headers.authorization).toBe('Bearer moi-2');
  });

  it('disables and enables: a disabled route is skipped, a disabled agency unknown, an endpoint in use cannot be disabled', async () => {
    const inUse = await admin('POST', '/v1/admin/endpoints/h41-alt/disable');
    expect(inUse.status).toBe(422);
    expect(inUse.json.details.problems.join(' ')).toContain('endpoint "h41-alt" is disabled');
    expect((await admin('POST', '/v1/admin/routes/h41-via-alt/disable')).status).toBe(200);
    expect((await admin('GET', '/v1/admin/routes/h41-via-alt')).json.item).toMatchObject({ disabled: true });
    const direct = (await admin('POST', '/v1/admin/routing/dry-run', { sender: G22, recipients: [H41] })).json.recipients[0];
    expect(direct).toEqual({ recipient: H41, outcome: 'endpoint', endpoint: { id: 'h41', adapter: 'http-endpoint' } });
    expect((await admin('POST', `/v1/admin/agencies/${NEW}/disable`)).status).toBe(200);
    expect((await send([NEW])).status).toBe(422);
    expect((await admin('POST', `/v1/admin/agencies/${NEW}/enable`)).status).toBe(200);
    expect((await send([NEW])).status).toBe(202);
    const history = await admin('GET', `/v1/admin/config/history?entity=agency&id=${NEW}`);
    expect(history.json.items.map((e: { action: string }) => e.action)).toEqual(['enabled', 'disabled', 'updated', 'created']);
    const actor = await adminActor();
    const audited = (await configEvents()).filter((e) => e.data.entityId === NEW || e.data.entityId === 'h41-via-alt').map((e) => [e.actor, e.data.entity, e.data.action]);
    expect(audited).toEqual([
      [actor, 'agency', 'created'], [actor, 'agency', 'updated'], [actor, 'route', 'created'], [actor, 'route', 'disabled'], [actor, 'agency', 'disabled'], [actor, 'agency', 'enabled'],
    ]);
  });

  it('refuses to disable an endpoint that still has deliveries to make', async () => {
    t.sim.setBehaviour('h14', { mode: 'fail', status: 503 });
    try {
      expect((await send(['000.00.00.H14'])).status).toBe(202);
      // Re-point the agency first, so that only the unfinished delivery stands in the way.
      expect((await admin('PUT', '/v1/admin/agencies/000.00.00.H14', { code: '000.00.00.H14', name: 'UBND tỉnh Cao Bằng', endpoint: 'h41' })).status).toBe(200);
      const refused = await admin('POST', '/v1/admin/endpoints/h14/disable');
      expect(refused.status).toBe(409);
      expect(refused.json.message).toMatch(/h14 has 1 unfinished deliveries: pause it/);
    } finally {
      t.sim.setBehaviour('h14', { mode: 'ok' });
    }
  });

  it('shows any earlier version of the document, secrets masked', async () => {
    const first = await admin('GET', '/v1/admin/config?version=1');
    expect(first.json.version).toBe(1);
    expect(first.json.document.agencies.some((a: { code: string }) => a.code === NEW)).toBe(false);
    expect((await admin('GET', '/v1/admin/config?version=9999')).status).toBe(404);
  });
});

describe('configuration changes reach another process without a restart (postgres store)', () => {
  let a: TestHub;
  let b: TestHub;
  beforeAll(async () => {
    a = await startTestHub('postgres');
    b = await startTestHub('postgres', { shared: a.shared, roles: { api: true, worker: false }, env: { LIENTHONG_CONFIG_POLL_MS: '100' } });
  });
  afterAll(async () => {
    await b?.close({ keepData: true });
    await a?.close();
  });

  it('a route added through one process is in effect in the other within its poll interval', async () => {
    const created = await a.call('POST', '/v1/admin/routes?position=0', { key: a.keys.admin, body: { id: 'h41-to-h14', match: { recipient: H41 }, endpoint: 'h14' } });
    expect(created.status).toBe(201);
    const reached = await b.until(async () => {
      const dry = await b.call('POST', '/v1/admin/routing/dry-run', { key: b.keys.admin, body: { sender: G22, recipients: [H41] } });
      return dry.json.version === created.json.version ? dry.json : undefined;
    }, 5_000);
    expect(reached.recipients[0]).toMatchObject({ endpoint: { id: 'h14' }, routeId: 'h41-to-h14' });
    expect(b.hub.live.version()).toBe(created.json.version);
  });
});
