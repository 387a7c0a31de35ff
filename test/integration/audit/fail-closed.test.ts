import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countRows, quiesce } from '../../helpers/hub-queries.js';
import { STORES } from '../../helpers/test-db.js';
import { documentBody, startTestHub, type TestHub } from '../../helpers/test-hub.js';

// The hub checks the audit log every 100 ms and calls a sealer that made no progress for 1 s stalled.
const AUDIT_ENV = { LIENTHONG_AUDIT_PROBE_INTERVAL_MS: '100', LIENTHONG_AUDIT_MAX_UNSEALED_MS: '1000', LIENTHONG_AUDIT_SEAL_INTERVAL_MS: '50' };

describe.each(STORES)('the hub fails closed when the audit log cannot be written (%s store)', (store) => {
  let t: TestHub;
  const post = () => t.call('POST', '/v1/messages', { key: t.keys.g22, body: documentBody('000.00.00.G22', ['000.00.00.H41']) });
  const readyz = () => t.call('GET', '/readyz');

  beforeAll(async () => {
    t = await startTestHub(store, { env: AUDIT_ENV });
    await t.hub.db.query(`CREATE FUNCTION refuse_audit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'no space left for the audit log (test)'; END $$`);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('is ready and accepts while the log takes rows', async () => {
    expect((await post()).status).toBe(202);
    expect(await readyz()).toMatchObject({ status: 200, json: { checks: { audit: 'ok' } } });
  });

  it('refuses new messages with 503 and stores nothing while audit rows cannot be inserted, and says so on /readyz', async () => {
    await quiesce(t);
    const before = await countRows(t.hub.db);
    await t.hub.db.query('CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_events FOR EACH ROW EXECUTE FUNCTION refuse_audit()');
    try {
      const refused = await post();
      expect(refused.status).toBe(503);
      expect(refused.json.code).toBe('HUB_ERR_AUDIT_UNAVAILABLE');
      expect(refused.json.message).toContain('no space left for the audit log');
      expect(await countRows(t.hub.db)).toEqual(before);
      const ready = await readyz();
      expect(ready.status).toBe(503);
      expect(ready.json.checks.audit).toContain('audit_events does not take rows');
    } finally {
      await t.hub.db.query('DROP TRIGGER refuse_audit ON audit_events');
    }
    // Back as soon as the probe finds the log writable again.
    await t.until(async () => (await readyz()).status === 200);
    expect((await post()).status).toBe(202);
  });

  it('refuses new messages once events wait unsealed too long (the chain cannot be written), and recovers', async () => {
    await quiesce(t);
    await t.hub.db.query('CREATE TRIGGER refuse_seal BEFORE INSERT ON audit_chain FOR EACH ROW EXECUTE FUNCTION refuse_audit()');
    try {
      expect((await post()).status).toBe(202); // its events cannot be sealed
      const refused = await t.until(async () => {
        const r = await post();
        return r.status === 503 ? r : undefined;
      }, 10_000);
      expect(refused.json.code).toBe('HUB_ERR_AUDIT_UNAVAILABLE');
      expect(refused.json.message).toMatch(/no audit event sealed for \d+ s/);
      expect((await readyz()).json.checks.audit).toMatch(/no audit event sealed/);
    } finally {
      await t.hub.db.query('DROP TRIGGER refuse_seal ON audit_chain');
    }
    await t.until(async () => (await readyz()).status === 200, 10_000);
    expect((await post()).status).toBe(202);
    const report = await t.call('GET', '/v1/audit/verify', { key: t.keys.auditor });
    expect(report.status).toBe(200);
    expect(report.json).toMatchObject({ ok: true });
  });
});
