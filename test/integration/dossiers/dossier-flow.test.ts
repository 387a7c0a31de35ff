import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleBirthPayload, startCivilRegistrySimulator, civilRegistrySimulatorSecret, type CivilRegistrySimulatorHandle } from '../../../adapters/civil-registry/index.js';
import { dvcqgSimulatorPassword, startDvcqgSimulator, type DvcqgSimulatorHandle } from '../../../adapters/dvcqg/index.js';
import { judicialSimulatorSecret, samplePayload, startJudicialRecordsSimulator, type JudicialRecordsSimulatorHandle } from '../../../adapters/judicial-records/index.js';
import type { PollWorker } from '../../../src/queue/start-poll-worker.js';
import { STORES } from '../../helpers/test-db.js';
import { startTestHub, type TestHub } from '../../helpers/test-hub.js';

// A dossier from a province's one-stop system through the hub to the Ministry of Justice's systems
// (simulated) and back, with the National Public Service Portal (simulated) kept in sync at each step.

const H56 = '000.00.00.H56';
const CONSUMER = 'motcua-h56';

interface DossierView {
  dossier: { id: string; number: string; status: number; remoteId?: string; result?: { data: Record<string, unknown>; documents: { name: string; sha256: string }[] } };
  history: { seq: number; at: string; status: number; source: string; systemStatus?: string }[];
  exchanges: { op: string; deliveries: { state: string; endpointId: string | null }[] }[];
}

const judicialDossier = (extra: Record<string, unknown> = {}) => ({
  procedure: { code: '2.000488.000.00.00.H56', name: 'Cấp Phiếu lý lịch tư pháp', field: { code: 'LLTP', name: 'Lý lịch tư pháp' } },
  applicant: { fullName: 'Lê Thị Hương', kind: 1, identities: [{ type: 1, number: '038190012345' }], phone: '0912345678' },
  channel: 1,
  summary: 'Yêu cầu cấp Phiếu lý lịch tư pháp số 1 - Lê Thị Hương',
  receivedAt: '2026-12-06T08:45:00+07:00',
  dueAt: '2026-12-16T17:00:00+07:00',
  fees: [{ name: 'Phí cung cấp thông tin lý lịch tư pháp', amount: 200000 }],
  documents: [{ name: 'to-khai.pdf', contentType: 'application/pdf', content: Buffer.from('%PDF-1.7 tờ khai yêu cầu cấp phiếu LLTP').toString('base64'), componentCode: 'TK01' }],
  target: { system: 'judicial-records', payloadType: 'judicial-record', payload: samplePayload() },
  ...extra,
});

describe.each(STORES)('dossiers end to end (%s store)', (store) => {
  let t: TestHub;
  let polls: PollWorker;
  let portal: DvcqgSimulatorHandle;
  let lltp: JudicialRecordsSimulatorHandle;
  let hotich: CivilRegistrySimulatorHandle;

  const view = async (id: string, key = t.keys.h56): Promise<DossierView> => {
    const r = await t.call('GET', `/v1/dossiers/${id}`, { key });
    expect(r.status).toBe(200);
    return r.json as DossierView;
  };
  /** Waits until every message the hub sent about the dossier is delivered. */
  const settled = (id: string): Promise<DossierView> => t.until(async () => {
    const v = await view(id);
    return v.exchanges.every((e) => e.deliveries.every((d) => d.state === 'delivered')) ? v : undefined;
  }, 15_000);
  const portalStatus = (number: string): unknown => portal.dossier(number)?.item.TrangThaiHoSo;

  beforeAll(async () => {
    portal = await startDvcqgSimulator({ accounts: [{ username: H56, password: dvcqgSimulatorPassword(H56) }] });
    lltp = await startJudicialRecordsSimulator({ consumers: [{ consumerKey: CONSUMER, consumerSecret: judicialSimulatorSecret(CONSUMER) }] });
    hotich = await startCivilRegistrySimulator({ clients: [{ consumerKey: CONSUMER, consumerSecret: civilRegistrySimulatorSecret(CONSUMER) }], maTinh: '38' });
    t = await startTestHub(store, {
      env: { LIENTHONG_CONFIG: 'test/fixtures/config/test-hub-dossiers.json' },
      configEnv: {
        DVCQG_URL: portal.url, DVCQG_PASSWORD: dvcqgSimulatorPassword(H56),
        LLTP_URL: lltp.url, LLTP_SECRET: judicialSimulatorSecret(CONSUMER),
        HOTICH_URL: hotich.url, HOTICH_SECRET: civilRegistrySimulatorSecret(CONSUMER),
      },
    });
    polls = t.hub.polls!;
    await polls.ready;
  });

  afterAll(async () => {
    await t?.close();
    await Promise.all([portal?.close(), lltp?.close(), hotich?.close()]);
  });

  describe('a criminal-record certificate request: one-stop → hub → LLTP → result → hub → one-stop, the portal in sync', () => {
    let id: string;
    let number: string;

    it('filing numbers the dossier, submits it to LLTP and syncs the portal (state 2)', async () => {
      const filed = await t.call('POST', '/v1/dossiers', { key: t.keys.h56, body: judicialDossier() });
      expect(filed.status).toBe(202);
      expect(filed.json).toMatchObject({ status: 2, number: expect.stringMatching(/^000\.00\.00\.H56-\d{6}-\d{4}$/), receipt: expect.any(String) });
      ({ id, number } = filed.json as { id: string; number: string });

      const v = await settled(id);
      expect(v.exchanges.map((e) => e.op).sort()).toEqual(['submit', 'sync']);
      expect(v.history).toMatchObject([{ seq: 1, status: 2, source: 'one-stop' }]);
      const [application] = lltp.applications('h56');
      expect(application).toMatchObject({ key: number });
      expect(v.dossier.remoteId).toBe(application!.id);
      expect(portalStatus(number)).toBe('2');
      expect(portal.progress(number)).toHaveLength(1);
    });

    it('LLTP\'s own "received" (3, the hub\'s state 2 already) is history only: no portal sync, not reported again', async () => {
      const exchanges = (await view(id)).exchanges.length;
      expect(await polls.runNow('poll-results', 'lltp-h56')).toEqual({ pending: 1, updated: 1, applied: 1 });
      const v = await view(id);
      expect(v.dossier.status).toBe(2);
      expect(v.history.at(-1)).toMatchObject({ status: 2, source: 'target', systemStatus: '3' });
      expect(v.exchanges).toHaveLength(exchanges);
      expect(await polls.runNow('poll-results', 'lltp-h56')).toMatchObject({ pending: 1, applied: 0 });
    });

    it('LLTP processing (4) reaches the hub on the next result poll and the portal', async () => {
      lltp.advance(number, '4');
      expect(await polls.runNow('poll-results', 'lltp-h56')).toEqual({ pending: 1, updated: 1, applied: 1 });
      const v = await settled(id);
      expect(v.dossier.status).toBe(4);
      expect(v.history.at(-1)).toMatchObject({ status: 4, source: 'target', systemStatus: '4' });
      expect(portalStatus(number)).toBe('4');
      // Asked again with nothing new: nothing changes.
      expect(await polls.runNow('poll-results', 'lltp-h56')).toMatchObject({ pending: 1, applied: 0 });
    });

    it('the certificate (5) becomes state 9 with its result; the result and the certificate go back to the one-stop system', async () => {
      lltp.advance(number, '5');
      expect(await polls.runNow('poll-results', 'lltp-h56')).toMatchObject({ pending: 1, applied: 1 });
      const v = await settled(id);
      expect(v.dossier.status).toBe(9);
      expect(v.dossier.result!.data).toMatchObject({ soPhieuLLTP: expect.any(String) });
      expect(v.dossier.result!.documents).toHaveLength(1);
      expect(v.exchanges.map((e) => e.op)).toContain('result');
      expect(portalStatus(number)).toBe('9');

      const delivered = t.sim.requests('h56').filter((r) => r.status === 200).map((r) => JSON.parse(r.body.toString('utf8')));
      const result = delivered.find((e) => e.kind === 'dossier' && e.dossier?.op === 'result' && e.dossier.dossierId === id);
      expect(result).toMatchObject({ recipient: H56, sender: '000.00.12.H56', dossier: { number, status: 9, data: { soPhieuLLTP: expect.any(String) } } });
      expect(Buffer.from(result.attachments[0].content, 'base64').subarray(0, 5).toString()).toBe('%PDF-');
      // Finished with: no longer polled.
      expect(await polls.runNow('poll-results', 'lltp-h56')).toMatchObject({ pending: 0 });
    });

    it('the one-stop records the hand-over (10): the portal ends at 10 with every step; nothing after a final state', async () => {
      const step = await t.call('POST', `/v1/dossiers/${id}/progress`, { key: t.keys.h56, body: { status: 10, officer: { name: 'Nguyễn Văn An', position: 'Chuyên viên', department: 'Bộ phận một cửa' }, content: 'Đã trả kết quả cho công dân' } });
      expect(step.status).toBe(202);
      const v = await settled(id);
      expect(v.history.map((h) => [h.status, h.source])).toEqual([[2, 'one-stop'], [2, 'target'], [4, 'target'], [9, 'target'], [10, 'one-stop']]);
      // History runs forward, whatever times the systems give (LLTP dates its certificate to the day).
      const times = v.history.map((h) => Date.parse(h.at));
      expect([...times].sort((a, b) => a - b)).toEqual(times);
      expect(portalStatus(number)).toBe('10');
      expect(portal.progress(number).map((p) => p.item.TrangThai)).toEqual(['2', '4', '9', '10']);

      // Each step is in the audit log, with who made it.
      const { rows } = await t.hub.db.query<{ kind: string; actor: string; status: number }>(
        `SELECT kind, actor, (data ->> 'status')::int AS status FROM audit_events WHERE kind LIKE 'dossier.%' AND data ->> 'dossierId' = $1 ORDER BY id`, [id]);
      expect(rows.map((r) => [r.kind, r.actor.split(':')[0], r.status])).toEqual([
        ['dossier.filed', 'agency', 2], ['dossier.status', 'endpoint', 2], ['dossier.status', 'endpoint', 4], ['dossier.status', 'endpoint', 9], ['dossier.status', 'agency', 10],
      ]);

      const late = await t.call('POST', `/v1/dossiers/${id}/progress`, { key: t.keys.h56, body: { status: 4 } });
      expect(late.status).toBe(409);
      expect(late.json.code).toBe('HUB_ERR_INVALID_STATE');
    });

    it('is readable by its agency and the roles only', async () => {
      expect((await t.call('GET', `/v1/dossiers/${id}`, { key: t.keys.h41 })).status).toBe(404);
      expect((await view(id, t.keys.auditor)).dossier.number).toBe(number);
      expect((await t.call('GET', `/v1/dossiers/${id}`)).status).toBe(401);
    });
  });

  /** Files a birth registration with the civil registry and waits until it is submitted there. */
  const fileBirthRegistration = async (): Promise<{ id: string; number: string }> => {
    const filed = await t.call('POST', '/v1/dossiers', {
      key: t.keys.h56,
      body: {
        ...judicialDossier(), documents: [],
        procedure: { code: '1.001193.000.00.00.H56', name: 'Đăng ký khai sinh' },
        target: { system: 'civil-registry', payloadType: 'birth', payload: sampleBirthPayload() },
      },
    });
    expect(filed.status).toBe(202);
    const dossier = filed.json as { id: string; number: string };
    await settled(dossier.id);
    return dossier;
  };

  it('a birth registration: submitted to the civil registry, its result (4) brings the dossier to 9 and the birth certificate back', async () => {
    const { id, number } = await fileBirthRegistration();
    expect(hotich.registrations('h56').map((r) => r.maHoSo)).toContain(number);
    hotich.advance(number, '4');
    expect(await polls.runNow('poll-results', 'hotich-h56')).toMatchObject({ applied: 1 });
    const v = await settled(id);
    expect(v.dossier.status).toBe(9);
    expect(v.history.at(-1)).toMatchObject({ status: 9, source: 'target', systemStatus: '4' });
    expect(portalStatus(number)).toBe('9');
    expect(v.exchanges.map((e) => e.op)).toContain('result');
  });

  it('a result whose data holds text no database can store (U+0000, a lone surrogate) is stored cleaned, and the dossiers after it get theirs', async () => {
    const damaged = await fileBirthRegistration();
    const sound = await fileBirthRegistration();
    hotich.advance(damaged.number, '4', { ketQuaXuLy: { soDangKy: '12\u0000/2026', 'ghi\u0000Chu': ['a\ud800b'] } });
    hotich.advance(sound.number, '4');
    expect(await polls.runNow('poll-results', 'hotich-h56')).toMatchObject({ applied: 2 });
    expect((await view(damaged.id)).dossier).toMatchObject({ status: 9, result: { data: { soDangKy: '12/2026', ghiChu: ['a\ufffdb'] } } });
    expect((await view(sound.id)).dossier.status).toBe(9);
  });

  describe('refusals store nothing', () => {
    const countDossiers = async (): Promise<number> => (await t.hub.db.query<{ n: number }>('SELECT count(*)::int AS n FROM dossiers')).rows[0]!.n;

    it('a payload that fails its schema (400, with the path), a number of another form or agency (422), no target for the agency (422)', async () => {
      const before = await countDossiers();
      const payload = samplePayload() as unknown as { declarationWSForm: Record<string, unknown> };
      payload.declarationWSForm.genderId = 7;
      const bad = await t.call('POST', '/v1/dossiers', { key: t.keys.h56, body: judicialDossier({ target: { system: 'judicial-records', payloadType: 'judicial-record', payload } }) });
      expect(bad.status).toBe(400);
      expect(bad.json.code).toBe('HUB_ERR_VALIDATION');
      expect(bad.json.details).toEqual(expect.arrayContaining([expect.objectContaining({ path: expect.stringMatching(/^target\/payload\/declarationWSForm\/genderId/) })]));
      const wrongType = await t.call('POST', '/v1/dossiers', { key: t.keys.h56, body: judicialDossier({ target: { system: 'judicial-records', payloadType: 'birth', payload: sampleBirthPayload() } }) });
      expect(wrongType.status).toBe(400);
      for (const number of ['000.00.00.H41-261206-0001', '000.00.00.H56-261306-0001', 'HOSO-261206-0001-H56']) {
        const r = await t.call('POST', '/v1/dossiers', { key: t.keys.h56, body: judicialDossier({ number }) });
        expect(r.status, number).toBe(422);
        expect(r.json.code).toBe('HUB_ERR_INVALID_DOSSIER_NUMBER');
      }
      const noTarget = await t.call('POST', '/v1/dossiers', { key: t.keys.h41, body: judicialDossier() });
      expect(noTarget.status).toBe(422);
      expect(noTarget.json.code).toBe('HUB_ERR_NO_DOSSIER_TARGET');
      expect((await t.call('POST', '/v1/dossiers', { key: t.keys.auditor, body: judicialDossier() })).status).toBe(403);
      expect(await countDossiers()).toBe(before);
    });

    it('a number already filed, or an Idempotency-Key used before, is a duplicate (409 with the dossier id)', async () => {
      const number = '000.00.00.H56-261206-0901';
      const headers = { 'idempotency-key': `dossier-${number}` };
      const first = await t.call('POST', '/v1/dossiers', { key: t.keys.h56, body: judicialDossier({ number }), headers });
      expect(first.status).toBe(202);
      const before = await countDossiers();
      const again = await t.call('POST', '/v1/dossiers', { key: t.keys.h56, body: judicialDossier({ number }), headers });
      expect(again.status).toBe(409);
      expect(again.json).toMatchObject({ code: 'HUB_ERR_DUPLICATE_DOSSIER', details: { dossierId: first.json.id } });
      const sameNumber = await t.call('POST', '/v1/dossiers', { key: t.keys.h56, body: judicialDossier({ number }) });
      expect(sameNumber.status).toBe(409);
      expect(await countDossiers()).toBe(before);
      await settled(first.json.id as string);
    });
  });
});
