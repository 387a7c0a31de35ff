import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccount, setAccountDisabled, unlockAccount } from '../../../src/auth/console-accounts.js';
import { checkpointTrust, verifyAuditChain } from '../../../src/audit/verify-audit-chain.js';
import { createConsoleSessions } from '../../../src/auth/console-sessions.js';
import { STORES } from '../../helpers/test-db.js';
import { startTestHub, type TestHub } from '../../helpers/test-hub.js';

const OPERATOR = { username: 'van.an', password: 'Mật khẩu vận hành 2026' };
const AUDITOR = { username: 'thu.ha', password: 'Mật khẩu kiểm toán 2026' };
const LOCKED = { username: 'bi.khoa', password: 'Mật khẩu sẽ bị khoá 2026' };

describe.each(STORES)('console accounts and sessions (%s store)', (store) => {
  let t: TestHub;
  beforeAll(async () => {
    t = await startTestHub(store, { roles: { api: true, worker: false } });
    await createAccount(t.hub.db, { ...OPERATOR, role: 'operator' });
    await createAccount(t.hub.db, { ...AUDITOR, role: 'auditor' });
    await createAccount(t.hub.db, { ...LOCKED, role: 'admin' });
  });
  afterAll(async () => {
    await t?.close();
  });

  const login = async (who: { username: string; password: string }) => {
    const response = await t.call('POST', '/v1/session', { body: who });
    expect(response.status, JSON.stringify(response.json)).toBe(200);
    const setCookie = response.headers.get('set-cookie')!;
    return { response, setCookie, cookie: setCookie.split(';')[0]!, csrfToken: response.json.csrfToken as string };
  };

  it('a login sets lt_session HttpOnly, Secure, SameSite=Strict, Path=/ and answers who, role, CSRF token and expiry', async () => {
    const { response, setCookie, cookie, csrfToken } = await login(OPERATOR);
    expect(cookie).toMatch(/^lt_session=lts_[A-Za-z0-9_-]{43}$/);
    const attributes = setCookie.split(';').slice(1).map((a) => a.trim());
    expect(attributes.sort()).toEqual(['HttpOnly', 'Max-Age=86400', 'Path=/', 'SameSite=Strict', 'Secure']);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.json).toEqual({ username: OPERATOR.username, role: 'operator', csrfToken, expiresAt: expect.any(String) });
    // Idle limit (8 h) from now.
    expect(Math.abs(Date.parse(response.json.expiresAt) - Date.now() - 8 * 3_600_000)).toBeLessThan(60_000);
    // The token itself is never stored: only its SHA-256.
    const { rows } = await t.hub.db.query<{ id: string }>('SELECT s.id FROM sessions s JOIN accounts a ON a.id = s.account_id WHERE a.username = $1', [OPERATOR.username]);
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.map((r) => r.id).join()).not.toContain(cookie.slice('lt_session='.length));
  });

  it('the session authenticates GETs; GET /v1/session says who and repeats the CSRF token', async () => {
    const { cookie, csrfToken } = await login(OPERATOR);
    const me = await t.call('GET', '/v1/session', { headers: { cookie } });
    expect(me.status).toBe(200);
    expect(me.json).toMatchObject({ username: OPERATOR.username, role: 'operator', csrfToken });
    const failed = await t.call('GET', '/v1/admin/deliveries/failed', { headers: { cookie } });
    expect(failed.status).toBe(200);
    expect(failed.json).toEqual({ items: expect.any(Array), nextCursor: null });
  });

  it('an unsafe method needs X-CSRF-Token: missing or wrong → 403 HUB_ERR_CSRF, right → past authentication', async () => {
    const { cookie, csrfToken } = await login(OPERATOR);
    const replay = `/v1/admin/deliveries/${randomUUID()}/replay`;
    const missing = await t.call('POST', replay, { headers: { cookie } });
    expect(missing.status).toBe(403);
    expect(missing.json.code).toBe('HUB_ERR_CSRF');
    const wrong = await t.call('POST', replay, { headers: { cookie, 'x-csrf-token': '-'.repeat(csrfToken.length) } });
    expect(wrong.json.code).toBe('HUB_ERR_CSRF');
    // Another session's token does not do either.
    const other = await login(OPERATOR);
    expect((await t.call('POST', replay, { headers: { cookie, 'x-csrf-token': other.csrfToken } })).json.code).toBe('HUB_ERR_CSRF');
    const right = await t.call('POST', replay, { headers: { cookie, 'x-csrf-token': csrfToken } });
    expect(right.status).toBe(404);
    expect(right.json.code).toBe('HUB_ERR_NOT_FOUND');
  });

  it('the session carries its account role: an auditor session may read failures but not replay (403 HUB_ERR_FORBIDDEN)', async () => {
    const { cookie, csrfToken } = await login(AUDITOR);
    expect((await t.call('GET', '/v1/admin/deliveries/failed', { headers: { cookie } })).status).toBe(200);
    const replay = await t.call('POST', `/v1/admin/deliveries/${randomUUID()}/replay`, { headers: { cookie, 'x-csrf-token': csrfToken } });
    expect(replay.status).toBe(403);
    expect(replay.json.code).toBe('HUB_ERR_FORBIDDEN');
  });

  it('bearer keys are not subject to CSRF, and a bearer key wins over a cookie', async () => {
    const { cookie } = await login(AUDITOR);
    const replay = await t.call('POST', `/v1/admin/deliveries/${randomUUID()}/replay`, { key: t.keys.operator, headers: { cookie } });
    expect(replay.status).toBe(404);
    // With a key, there is no console session to show.
    expect((await t.call('GET', '/v1/session', { key: t.keys.admin })).status).toBe(401);
  });

  it('logout (with the CSRF token) ends the session and clears the cookie; the old cookie → 401', async () => {
    const { cookie, csrfToken } = await login(OPERATOR);
    expect((await t.call('DELETE', '/v1/session', { headers: { cookie } })).json.code).toBe('HUB_ERR_CSRF');
    const out = await t.call('DELETE', '/v1/session', { headers: { cookie, 'x-csrf-token': csrfToken } });
    expect(out.status).toBe(204);
    expect(out.headers.get('set-cookie')).toMatch(/^lt_session=; Max-Age=0; Path=\/; HttpOnly; SameSite=Strict; Secure$/);
    for (const [method, path] of [['GET', '/v1/session'], ['GET', '/v1/admin/deliveries/failed']] as const) {
      const after = await t.call(method, path, { headers: { cookie } });
      expect(after.status).toBe(401);
      expect(after.json.code).toBe('HUB_ERR_UNAUTHENTICATED');
    }
  });

  it('an unknown or malformed session cookie → 401', async () => {
    for (const cookie of ['lt_session=lts_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', 'lt_session=garbage', 'lt_session=']) {
      const response = await t.call('GET', '/v1/directory/agencies', { headers: { cookie } });
      expect(response.status, cookie).toBe(401);
    }
  });

  it('a wrong password and an unknown user get the same 401, and both cost a password hash', async () => {
    const wrong = await t.call('POST', '/v1/session', { body: { username: OPERATOR.username, password: 'not the password' } });
    const started = performance.now();
    const unknown = await t.call('POST', '/v1/session', { body: { username: 'no.such.user', password: 'whatever it is' } });
    const unknownMs = performance.now() - started;
    for (const response of [wrong, unknown]) {
      expect(response.status).toBe(401);
      expect(response.headers.get('set-cookie')).toBeNull();
      expect({ ...response.json, errorId: undefined }).toEqual({ code: 'HUB_ERR_UNAUTHENTICATED', message: 'Missing or invalid credentials', errorId: undefined });
    }
    // scrypt N=2^15 takes ~80 ms here: an unknown username is not answered at once.
    expect(unknownMs).toBeGreaterThan(30);
  });

  it('after 5 failures the account is locked: the 6th attempt gets 423 HUB_ERR_ACCOUNT_LOCKED even with the right password; unlock lifts it', async () => {
    for (let i = 1; i <= 5; i++) {
      const failed = await t.call('POST', '/v1/session', { body: { username: LOCKED.username, password: `wrong guess ${i}` } });
      expect(failed.status, `attempt ${i}`).toBe(401);
    }
    const sixth = await t.call('POST', '/v1/session', { body: LOCKED });
    expect(sixth.status).toBe(423);
    expect(sixth.json.code).toBe('HUB_ERR_ACCOUNT_LOCKED');
    expect(sixth.headers.get('set-cookie')).toBeNull();
    const { rows: [lock] } = await t.hub.db.query<{ locked_until: Date }>('SELECT locked_until FROM accounts WHERE username = $1', [LOCKED.username]);
    expect(Math.abs(lock!.locked_until.getTime() - Date.now() - 15 * 60_000)).toBeLessThan(60_000);
    expect(await unlockAccount(t.hub.db, LOCKED.username)).toBe(true);
    await login(LOCKED);
    // Each failure, the lock and the login are in the audit trail, under the account's name.
    const { rows: trail } = await t.hub.db.query<{ kind: string }>(
      'SELECT kind FROM audit_events WHERE actor = $1 ORDER BY id', [`account:${LOCKED.username}`]);
    expect(trail.map((e) => e.kind)).toEqual([...Array(5).fill('account.login-failed'), 'account.locked', 'account.login']);
  });

  it('a locked account answers 423 at the cost of a password hash, as an unknown username answers 401', async () => {
    const account = { username: 'khoa.cham', password: 'Mật khẩu khoá chậm 2026' };
    await createAccount(t.hub.db, { ...account, role: 'operator' });
    for (let i = 1; i <= 5; i++) expect((await t.call('POST', '/v1/session', { body: { username: account.username, password: `wrong ${i}` } })).status).toBe(401);
    const started = performance.now();
    const locked = await t.call('POST', '/v1/session', { body: account });
    const lockedMs = performance.now() - started;
    expect(locked.status).toBe(423);
    // scrypt N=2^15 takes ~80 ms here; without it the answer took ~10 ms and told a locked account apart.
    expect(lockedMs).toBeGreaterThan(30);
  });

  it('an unknown username locks after 5 failures exactly like an account: 401 × 5, then 423 whatever the password; a disabled account too', async () => {
    const answers = async (username: string) => {
      const seen: { status: number; code: string; message: string }[] = [];
      for (let i = 1; i <= 7; i++) {
        const r = await t.call('POST', '/v1/session', { body: { username, password: `guess number ${i}` } });
        seen.push({ status: r.status, code: r.json.code, message: String(r.json.message).replace(/\d{4}-\d\d-\d\dT[\d:.]+Z/, '<until>') });
      }
      return seen;
    };
    await createAccount(t.hub.db, { username: 'co.that', password: 'Mật khẩu có thật 2026', role: 'auditor' });
    await createAccount(t.hub.db, { username: 'da.tat', password: 'Mật khẩu đã tắt 2026', role: 'auditor' });
    await t.hub.db.query('UPDATE accounts SET disabled = true WHERE username = $1', ['da.tat']);
    const real = await answers('co.that');
    expect(real.map((a) => a.status)).toEqual([401, 401, 401, 401, 401, 423, 423]);
    expect(await answers('khong.co.that')).toEqual(real);
    expect(await answers('da.tat')).toEqual(real);
    // A burst on a fresh unknown name: 5 admitted, the rest locked, as for an account.
    const burst = await Promise.all(Array.from({ length: 12 }, (_, i) =>
      t.call('POST', '/v1/session', { body: { username: 'loat.ao', password: `guess number ${i}` } })));
    expect(burst.map((r) => r.status).sort()).toEqual([...Array(5).fill(401), ...Array(7).fill(423)]);
  });

  it('logging in again ends the session named by the cookie the request carries', async () => {
    const first = await login(OPERATOR);
    const response = await t.call('POST', '/v1/session', { body: OPERATOR, headers: { cookie: first.cookie } });
    expect(response.status).toBe(200);
    const second = response.headers.get('set-cookie')!.split(';')[0]!;
    expect(second).not.toBe(first.cookie);
    expect((await t.call('GET', '/v1/session', { headers: { cookie: first.cookie } })).status).toBe(401);
    expect((await t.call('GET', '/v1/session', { headers: { cookie: second } })).status).toBe(200);
  });

  it('a burst of 12 parallel guesses gets 5 passwords checked, never more: 5 × 401, 7 × 423, and the right password after it is locked out too', async () => {
    const account = { username: 'loat.doan', password: 'Mật khẩu bị dò loạt 2026' };
    await createAccount(t.hub.db, { ...account, role: 'operator' });
    const burst = await Promise.all(Array.from({ length: 12 }, (_, i) =>
      t.call('POST', '/v1/session', { body: { username: account.username, password: `guess number ${i}` } })));
    const statuses = burst.map((r) => r.status).sort();
    expect(statuses).toEqual([...Array(5).fill(401), ...Array(7).fill(423)]);
    expect((await t.call('POST', '/v1/session', { body: account })).status).toBe(423);
    const { rows: trail } = await t.hub.db.query<{ kind: string }>('SELECT kind FROM audit_events WHERE actor = $1 ORDER BY id', [`account:${account.username}`]);
    expect(trail.map((e) => e.kind).sort()).toEqual([...Array(5).fill('account.login-failed'), 'account.locked'].sort());
  });

  it('a success resets the count of failures: 4 failures, a success, 4 failures do not lock', async () => {
    const account = { username: 'dat.lai', password: 'Mật khẩu đặt lại 2026' };
    await createAccount(t.hub.db, { ...account, role: 'operator' });
    const fail = () => t.call('POST', '/v1/session', { body: { username: account.username, password: 'wrong again' } });
    for (let i = 0; i < 4; i++) expect((await fail()).status).toBe(401);
    await login(account);
    for (let i = 0; i < 4; i++) expect((await fail()).status).toBe(401);
    await login(account);
  });

  it('a disabled account can neither log in nor use its open sessions', async () => {
    await createAccount(t.hub.db, { username: 'se.nghi', password: 'Mật khẩu tạm thời 2026', role: 'operator' });
    const { cookie } = await login({ username: 'se.nghi', password: 'Mật khẩu tạm thời 2026' });
    await t.hub.db.query('UPDATE accounts SET disabled = true WHERE username = $1', ['se.nghi']);
    expect((await t.call('GET', '/v1/session', { headers: { cookie } })).status).toBe(401);
    expect((await t.call('POST', '/v1/session', { body: { username: 'se.nghi', password: 'Mật khẩu tạm thời 2026' } })).status).toBe(401);
  });

  it('account and key changes made by the CLI are audit events (actor cli, no secret) that the chain seals and verifies', async () => {
    const account = { username: 'ghi.vet', password: 'Mật khẩu để lại dấu vết 2026' };
    const { id } = await createAccount(t.hub.db, { ...account, role: 'auditor' });
    expect(await unlockAccount(t.hub.db, account.username)).toBe(true);
    expect(await setAccountDisabled(t.hub.db, account.username, true)).toBe(true);
    expect(await setAccountDisabled(t.hub.db, account.username, false)).toBe(true);
    expect(await unlockAccount(t.hub.db, 'no.such.user')).toBe(false);
    const { rows } = await t.hub.db.query<{ actor: string; kind: string; data: Record<string, unknown> }>(
      `SELECT actor, kind, data FROM audit_events WHERE data ->> 'accountId' = $1 ORDER BY id`, [id]);
    expect(rows).toEqual([
      { actor: 'cli', kind: 'account.created', data: { accountId: id, username: account.username, role: 'auditor' } },
      { actor: 'cli', kind: 'account.unlocked', data: { accountId: id, username: account.username } },
      { actor: 'cli', kind: 'account.disabled', data: { accountId: id, username: account.username, sessionsEnded: 0 } },
      { actor: 'cli', kind: 'account.enabled', data: { accountId: id, username: account.username } },
    ]);
    // The test hub's keys were made by createApiKey, as `lienthong apikey create` makes them.
    const { rows: keys } = await t.hub.db.query<{ actor: string; data: Record<string, unknown> }>(`SELECT actor, data FROM audit_events WHERE kind = 'apikey.created'`);
    expect(keys).toHaveLength(Object.keys(t.keys).length);
    expect(keys).toContainEqual({ actor: 'cli', data: { keyId: expect.stringMatching(/^k_/), role: 'admin', label: 'test' } });
    const written = JSON.stringify(await t.hub.db.query('SELECT data FROM audit_events'));
    for (const secret of [account.password, ...Object.values(t.keys)]) expect(written).not.toContain(secret);
    // Written through the hub's audit path: sealed into the chain, which verifies.
    await t.hub.audit.checkpointNow();
    const report = await verifyAuditChain(t.hub.db, { trust: checkpointTrust(t.pki.caCertPem) });
    expect(report).toMatchObject({ ok: true, unsealed: 0 });
  });

  it('sessions end after 8 h idle or 24 h in all, and use keeps an idle session alive', async () => {
    let now = new Date('2026-12-07T08:00:00Z');
    const sessions = createConsoleSessions({ db: t.hub.db, now: () => now });
    const { rows: [account] } = await t.hub.db.query<{ id: string }>('SELECT id FROM accounts WHERE username = $1', [OPERATOR.username]);
    const at = (hours: number) => new Date(Date.parse('2026-12-07T08:00:00Z') + hours * 3_600_000);

    const idle = await sessions.open(account!.id);
    expect(idle.session.expiresAt).toEqual(at(8));
    now = at(7.9);
    expect(await sessions.resolve(idle.token)).toMatchObject({ username: OPERATOR.username, expiresAt: at(15.9) });
    now = at(15.95);
    expect(await sessions.resolve(idle.token)).toBeUndefined();

    now = at(0);
    const busy = await sessions.open(account!.id);
    for (const hours of [7, 14, 21, 23.9]) {
      now = at(hours);
      expect(await sessions.resolve(busy.token), `${hours} h`).toBeDefined();
    }
    expect((await sessions.resolve(busy.token))!.expiresAt).toEqual(at(24));
    now = at(24);
    expect(await sessions.resolve(busy.token)).toBeUndefined();
  });
});
