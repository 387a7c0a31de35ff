import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { samplePayload } from '../../../adapters/judicial-records/index.js';
import { createAccount } from '../../../src/auth/console-accounts.js';
import { registeredRoutes } from '../../helpers/registered-routes.js';
import { STORES } from '../../helpers/test-db.js';
import { documentBody, startTestHub, type TestHub } from '../../helpers/test-hub.js';

/** What a principal must get: 401, 403, or P — past authorisation (any other status but 500: 2xx, 400, 404, 422, 503 …). */
type Outcome = 401 | 403 | 'P';
const P = 'P';

const PRINCIPALS = ['none', 'agency', 'admin', 'operator', 'auditor', 'operatorSession'] as const;
type PrincipalName = (typeof PRINCIPALS)[number];

const G22 = '000.00.00.G22';
const H41 = '000.00.00.H41';
const ID = randomUUID(); // an id nothing has: reads answer 404 once past authorisation

// Bodies valid enough to reach the handler, where the agency-or-role checks are.
const dossier = () => ({
  procedure: { code: '2.000488.000.00.00.H56', name: 'Cấp Phiếu lý lịch tư pháp' },
  applicant: { fullName: 'Lê Thị Hương', kind: 1, identities: [{ type: 1, number: '038190012345' }] },
  channel: 1, summary: 'Phiếu lý lịch tư pháp', receivedAt: '2026-12-06T08:45:00+07:00', dueAt: '2026-12-16T17:00:00+07:00',
  documents: [], target: { system: 'judicial-records', payloadType: 'judicial-record', payload: samplePayload() },
});

interface Row { path: string; body?: () => unknown; expect: readonly [Outcome, Outcome, Outcome, Outcome, Outcome, Outcome] }

/**
 * The expected answer of every route the app registers, for each principal. A route registered
 * without a row here fails the test (and so does a row for a route that is gone). HEAD routes are
 * Fastify's automatic twins of the GET ones, with the same hooks, and are left out.
 */
const MATRIX: Record<string, Row> = {
  // expect: [no key, agency key (G22), admin key, operator key, auditor key, operator console session (cookie + CSRF token)]
  'GET /docs':                                { path: '/docs',                                            expect: [P, P, P, P, P, P] },
  'GET /docs/':                               { path: '/docs/',                                           expect: [P, P, P, P, P, P] },
  'GET /docs/*':                              { path: '/docs/static/missing.css',                         expect: [P, P, P, P, P, P] },
  'GET /docs/json':                           { path: '/docs/json',                                       expect: [P, P, P, P, P, P] },
  'GET /docs/yaml':                           { path: '/docs/yaml',                                       expect: [P, P, P, P, P, P] },
  'GET /docs/static/index.html':              { path: '/docs/static/index.html',                          expect: [P, P, P, P, P, P] },
  'GET /docs/static/swagger-initializer.js':  { path: '/docs/static/swagger-initializer.js',              expect: [P, P, P, P, P, P] },
  'GET /healthz':                             { path: '/healthz',                                         expect: [P, P, P, P, P, P] },
  'GET /readyz':                              { path: '/readyz',                                          expect: [P, P, P, P, P, P] },
  'GET /metrics':                             { path: '/metrics',                                         expect: [P, P, P, P, P, P] },
  'GET /v1/hub/certificate':                  { path: '/v1/hub/certificate',                              expect: [P, P, P, P, P, P] },
  'GET /v1/hub/keys':                         { path: '/v1/hub/keys',                                     expect: [P, P, P, P, P, P] },
  // messages: agencies send; parties and roles read (anyone else gets 404, as for an unknown id)
  'POST /v1/messages':                        { path: '/v1/messages', body: () => documentBody(G22, [H41]), expect: [401, P, 403, 403, 403, 403] },
  'GET /v1/messages/:id':                     { path: `/v1/messages/${ID}`,                               expect: [401, P, P, P, P, P] },
  'GET /v1/messages/:id/receipts':            { path: `/v1/messages/${ID}/receipts`,                      expect: [401, P, P, P, P, P] },
  'GET /v1/messages/:id/progress':            { path: `/v1/messages/${ID}/progress`,                      expect: [401, P, P, P, P, P] },
  'GET /v1/messages/:id/edxml':               { path: `/v1/messages/${ID}/edxml`,                         expect: [401, P, P, P, P, P] },
  'GET /v1/messages/:id/evidence':            { path: `/v1/messages/${ID}/evidence`,                      expect: [401, P, P, P, P, P] },
  'POST /v1/messages/:id/status':             { path: `/v1/messages/${ID}/status`, body: () => ({ code: '03' }), expect: [401, P, 403, 403, 403, 403] },
  // inbox: agencies only
  'GET /v1/inbox':                            { path: '/v1/inbox',                                        expect: [401, P, 403, 403, 403, 403] },
  'GET /v1/inbox/:id':                        { path: `/v1/inbox/${ID}`,                                  expect: [401, P, 403, 403, 403, 403] },
  'GET /v1/inbox/:id/attachments/:index':     { path: `/v1/inbox/${ID}/attachments/0`,                    expect: [401, P, 403, 403, 403, 403] },
  'POST /v1/inbox/:id/ack':                   { path: `/v1/inbox/${ID}/ack`,                              expect: [401, P, 403, 403, 403, 403] },
  // operations: every role reads failures; admin and operator replay
  'GET /v1/admin/deliveries/failed':          { path: '/v1/admin/deliveries/failed',                      expect: [401, 403, P, P, P, P] },
  'POST /v1/admin/deliveries/:id/replay':     { path: `/v1/admin/deliveries/${ID}/replay`,                expect: [401, 403, P, P, 403, P] },
  // operations API: every role reads the deliveries, queue depth and circuits; admin and operator resend, pause, resume
  'GET /v1/admin/deliveries':                 { path: '/v1/admin/deliveries?state=failed&state=retrying', expect: [401, 403, P, P, P, P] },
  'POST /v1/admin/deliveries/resend':         { path: '/v1/admin/deliveries/resend', body: () => ({ ids: [ID] }), expect: [401, 403, P, P, 403, P] },
  'POST /v1/admin/endpoints/:id/pause':       { path: '/v1/admin/endpoints/missing/pause', body: () => ({ reason: 'ma trận' }), expect: [401, 403, P, P, 403, P] },
  'POST /v1/admin/endpoints/:id/resume':      { path: '/v1/admin/endpoints/missing/resume',               expect: [401, 403, P, P, 403, P] },
  'GET /v1/admin/queue':                      { path: '/v1/admin/queue',                                  expect: [401, 403, P, P, P, P] },
  'GET /v1/admin/circuits':                   { path: '/v1/admin/circuits',                               expect: [401, 403, P, P, P, P] },
  // configuration: admin changes it; admin, operator and auditor read it (an operator session too)
  'GET /v1/admin/config':                     { path: '/v1/admin/config',                                 expect: [401, 403, P, P, P, P] },
  'GET /v1/admin/config/history':             { path: '/v1/admin/config/history',                         expect: [401, 403, P, P, P, P] },
  'GET /v1/admin/config/status':              { path: '/v1/admin/config/status',                          expect: [401, 403, P, P, P, P] },
  'POST /v1/admin/routing/dry-run':           { path: '/v1/admin/routing/dry-run', body: () => ({ sender: G22, recipients: [H41] }), expect: [401, 403, P, P, P, P] },
  'GET /v1/admin/agencies':                   { path: '/v1/admin/agencies',                               expect: [401, 403, P, P, P, P] },
  'GET /v1/admin/agencies/:id':               { path: `/v1/admin/agencies/${H41}`,                        expect: [401, 403, P, P, P, P] },
  'POST /v1/admin/agencies':                  { path: '/v1/admin/agencies', body: () => ({ code: '000.00.00.Z99', name: 'Cơ quan thử ma trận' }), expect: [401, 403, P, 403, 403, 403] },
  'PUT /v1/admin/agencies/:id':               { path: '/v1/admin/agencies/000.00.00.Z98', body: () => ({ code: '000.00.00.Z98', name: 'Không có' }), expect: [401, 403, P, 403, 403, 403] },
  'POST /v1/admin/agencies/:id/disable':      { path: '/v1/admin/agencies/000.00.00.Z98/disable',         expect: [401, 403, P, 403, 403, 403] },
  'POST /v1/admin/agencies/:id/enable':       { path: '/v1/admin/agencies/000.00.00.Z98/enable',          expect: [401, 403, P, 403, 403, 403] },
  'GET /v1/admin/endpoints':                  { path: '/v1/admin/endpoints',                              expect: [401, 403, P, P, P, P] },
  'GET /v1/admin/endpoints/:id':              { path: '/v1/admin/endpoints/missing',                      expect: [401, 403, P, P, P, P] },
  'POST /v1/admin/endpoints':                 { path: '/v1/admin/endpoints', body: () => ({ id: 'matrix', adapter: 'http-endpoint', settings: { url: 'http://127.0.0.1:9/in' } }), expect: [401, 403, P, 403, 403, 403] },
  'PUT /v1/admin/endpoints/:id':              { path: '/v1/admin/endpoints/missing', body: () => ({ id: 'missing', adapter: 'http-endpoint', settings: { url: 'http://127.0.0.1:9/in' } }), expect: [401, 403, P, 403, 403, 403] },
  'POST /v1/admin/endpoints/:id/disable':     { path: '/v1/admin/endpoints/missing/disable',              expect: [401, 403, P, 403, 403, 403] },
  'POST /v1/admin/endpoints/:id/enable':      { path: '/v1/admin/endpoints/missing/enable',               expect: [401, 403, P, 403, 403, 403] },
  'GET /v1/admin/routes':                     { path: '/v1/admin/routes',                                 expect: [401, 403, P, P, P, P] },
  'GET /v1/admin/routes/:id':                 { path: '/v1/admin/routes/missing',                         expect: [401, 403, P, P, P, P] },
  'POST /v1/admin/routes':                    { path: '/v1/admin/routes', body: () => ({ id: 'matrix', match: { recipient: H41 }, endpoint: 'missing' }), expect: [401, 403, P, 403, 403, 403] },
  'PUT /v1/admin/routes/:id':                 { path: '/v1/admin/routes/missing', body: () => ({ id: 'missing', match: {}, endpoint: 'missing' }), expect: [401, 403, P, 403, 403, 403] },
  'POST /v1/admin/routes/:id/disable':        { path: '/v1/admin/routes/missing/disable',                 expect: [401, 403, P, 403, 403, 403] },
  'POST /v1/admin/routes/:id/enable':         { path: '/v1/admin/routes/missing/enable',                  expect: [401, 403, P, 403, 403, 403] },
  // audit trail: auditor and admin
  'GET /v1/audit/deliveries':                 { path: '/v1/audit/deliveries',                             expect: [401, 403, P, 403, P, 403] },
  'GET /v1/audit/events':                     { path: '/v1/audit/events',                                 expect: [401, 403, P, 403, P, 403] },
  'GET /v1/audit/verify':                     { path: '/v1/audit/verify',                                 expect: [401, 403, P, 403, P, 403] },
  'GET /v1/audit/checkpoints':                { path: '/v1/audit/checkpoints',                            expect: [401, 403, P, 403, P, 403] },
  // directory: any authenticated caller
  'GET /v1/directory/agencies':               { path: '/v1/directory/agencies',                           expect: [401, P, P, P, P, P] },
  'GET /v1/directory/agencies/:code':         { path: '/v1/directory/agencies/000.00.00.H41',             expect: [401, P, P, P, P, P] },
  // dossiers: agencies file and record progress; parties and roles read
  'POST /v1/dossiers':                        { path: '/v1/dossiers', body: dossier,                      expect: [401, P, 403, 403, 403, 403] },
  'GET /v1/dossiers/:id':                     { path: `/v1/dossiers/${ID}`,                               expect: [401, P, P, P, P, P] },
  'POST /v1/dossiers/:id/progress':           { path: `/v1/dossiers/${ID}/progress`, body: () => ({ status: 3 }), expect: [401, P, 403, 403, 403, 403] },
  // dashboard figures: every role (an operator session too); not agencies
  'GET /v1/stats/overview':                   { path: '/v1/stats/overview',                               expect: [401, 403, P, P, P, P] },
  'GET /v1/stats/agencies':                   { path: '/v1/stats/agencies',                               expect: [401, 403, P, P, P, P] },
  // the web console's page and files: public (they hold no data; the API behind them checks the session)
  'GET /console':                             { path: '/console',                                         expect: [P, P, P, P, P, P] },
  'GET /console/':                            { path: '/console/',                                        expect: [P, P, P, P, P, P] },
  'GET /console/*':                           { path: '/console/v/0000000000000000/app/main.js',          expect: [P, P, P, P, P, P] },
  // console session: anyone may try to log in; only a session reads or ends itself
  'POST /v1/session':                         { path: '/v1/session', body: () => ({}),                    expect: [P, P, P, P, P, P] },
  'GET /v1/session':                          { path: '/v1/session',                                      expect: [401, 401, 401, 401, 401, P] },
  'DELETE /v1/session':                       { path: '/v1/session',                                      expect: [401, 401, 401, 401, 401, P] },
};

const OPERATOR = { username: 'matrix.operator', password: 'mật khẩu của ma trận 2026' };

describe.each(STORES)('role × route matrix (%s store)', (store) => {
  let t: TestHub;
  beforeAll(async () => {
    t = await startTestHub(store, { roles: { api: true, worker: false } });
    await createAccount(t.hub.db, { ...OPERATOR, role: 'operator' });
  });
  afterAll(async () => {
    await t?.close();
  });

  /** A fresh operator session per request: a logout in one row cannot end the session of another. */
  const sessionHeaders = async (): Promise<Record<string, string>> => {
    const login = await t.call('POST', '/v1/session', { body: OPERATOR });
    expect(login.status).toBe(200);
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    return { cookie, 'x-csrf-token': login.json.csrfToken };
  };

  const call = async (method: string, row: Row, who: PrincipalName) => {
    const body = row.body?.();
    const opts = body === undefined ? {} : { body };
    switch (who) {
      case 'none': return t.call(method, row.path, opts);
      case 'agency': return t.call(method, row.path, { ...opts, key: t.keys.g22 });
      case 'admin': case 'operator': case 'auditor': return t.call(method, row.path, { ...opts, key: t.keys[who] });
      case 'operatorSession': return t.call(method, row.path, { ...opts, headers: await sessionHeaders() });
      default: { const never: never = who; throw new Error(`unknown principal ${String(never)}`); }
    }
  };

  it('has an expectation for every registered route, and none for a route that does not exist', () => {
    const registered = registeredRoutes(t.hub.app!).filter((route) => !route.startsWith('HEAD '));
    expect(registered).toEqual(Object.keys(MATRIX).sort());
  });

  it.each(Object.keys(MATRIX))('%s answers each principal as expected', async (route) => {
    const row = MATRIX[route]!;
    const method = route.split(' ')[0]!;
    const got: Record<string, number | string> = {};
    const want: Record<string, number | string> = {};
    for (const [i, who] of PRINCIPALS.entries()) {
      const response = await call(method, row, who);
      const outcome: Outcome = response.status === 401 || response.status === 403 ? response.status : P;
      got[who] = outcome === P ? `${P} (${response.status})` : outcome;
      want[who] = row.expect[i] === P ? `${P} (${response.status})` : row.expect[i]!;
      // Past authorisation is not a crash: a 500 would hide what the route does with this caller.
      expect(response.status, `${route} as ${who}: ${JSON.stringify(response.json)}`).not.toBe(500);
      // A 401/403 is always one of the hub's coded answers, never a framework default.
      if (outcome !== P) expect(response.json?.code, `${route} as ${who}`).toMatch(/^HUB_ERR_(UNAUTHENTICATED|FORBIDDEN|CSRF)$/);
    }
    expect(got).toEqual(want);
  });

  it('refuses a caller without the role before validating its request: an agency replaying a malformed id or paging checkpoints with limit=0 gets 403, not 400', async () => {
    const replay = await t.call('POST', '/v1/admin/deliveries/not-a-uuid/replay', { key: t.keys.g22 });
    expect(replay).toMatchObject({ status: 403, json: { code: 'HUB_ERR_FORBIDDEN' } });
    const checkpoints = await t.call('GET', '/v1/audit/checkpoints?limit=0', { key: t.keys.g22 });
    expect(checkpoints).toMatchObject({ status: 403, json: { code: 'HUB_ERR_FORBIDDEN' } });
    // The auditor, past the role check, gets the validation error — for a cursor beyond any seq too, not a 500.
    for (const path of ['/v1/audit/checkpoints?limit=0', '/v1/audit/checkpoints?after=99999999999999999999999', '/v1/audit/checkpoints?after=1e300']) {
      const r = await t.call('GET', path, { key: t.keys.auditor });
      expect({ path, status: r.status, code: r.json.code }).toEqual({ path, status: 400, code: 'HUB_ERR_VALIDATION' });
    }
  });
});
