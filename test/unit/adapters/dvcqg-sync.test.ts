import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { dvcqgAdapter, SIM_ERROR_CODES, startDvcqgSimulator } from '../../../adapters/dvcqg/index.js';
import type { Dossier } from '../../../src/domain/dossier.js';
import { sampleDossier, syncContext, syncMessage, UNIT, unitSettings, useDvcqgSimulator } from '../../fixtures/dvcqg/sync-context.js';
import { allowLoopbackOutbound } from '../../helpers/loopback-outbound.js';

// The simulators listen on loopback, which the outbound guard refuses unless allowed.
allowLoopbackOutbound();

const NUMBER = '000.00.00.H56-261206-0001';
const deliver = dvcqgAdapter.deliver.bind(dvcqgAdapter);

const sim = useDvcqgSimulator();

/** The services called, in order (`login` included). */
const sequence = (): string[] => sim().calls(UNIT.username).map((c) => (c.call === 'DongBoHoSoMC' ? `DongBoHoSoMC(${isUpdating(c.body)})` : c.call));
const isUpdating = (body: Buffer): string => String((JSON.parse(body.toString('utf8')) as { isUpdating?: unknown }).isUpdating);

describe('a sync, end to end against the simulated portal', () => {
  it('logs in, looks the dossier up, adds it, reports the step: delivered with MaHoSo as remoteId', async () => {
    const outcome = await deliver(syncMessage(), syncContext(unitSettings(sim())));
    expect(outcome).toMatchObject({ kind: 'delivered', remoteId: NUMBER, httpStatus: 200 });
    expect(sequence()).toEqual(['login', 'TraCuuHoSo', 'DongBoHoSoMC(False)', 'CapNhatTienDoHoSoMC']);
    expect(sim().dossier(NUMBER)?.item).toMatchObject({ MaTTHC: '1.001193.000.00.00.H56', TrangThaiHoSo: '2', NgayTiepNhan: '20261206082000' });
    expect(sim().progress(NUMBER).map((p) => p.item)).toEqual([expect.objectContaining({ TrangThai: '2', NguoiXuLy: 'Nguyễn Văn Bình', ThoiDiemXuLy: '20261206082000' })]);
    // Every call went through NGSP with the provider id, JSON headers and the session in the body.
    for (const call of sim().calls(UNIT.username)) {
      expect(call.headers).toMatchObject({ dstcode: 'VN:GOV:000.00.00.G22:vpcpdvcprovider', 'content-type': 'application/json', accept: 'application/json', charset: 'utf-8' });
      expect(call.path.startsWith('/XrdAdapter/RestService/forward/dvcqg/mapi/')).toBe(true);
    }
    expect(sim().requests(UNIT.username).map((r) => r.call)).toEqual(['CapNhatTienDoHoSoMC']);
  });

  it('updates a dossier the portal has, with the dossier as it is now, and keeps one session across attempts', async () => {
    const endpointId = 'ep-dvcqg-h56';
    let current: Dossier = sampleDossier();
    await deliver(syncMessage(), syncContext(unitSettings(sim()), { endpointId, dossier: () => current }));
    current = sampleDossier({ status: 4, updatedAt: '2026-12-06T03:00:00Z' });
    const outcome = await deliver(syncMessage({ status: 4, at: '2026-12-06T03:00:00Z', source: 'one-stop' }), syncContext(unitSettings(sim()), { endpointId, dossier: () => current }));
    expect(outcome.kind).toBe('delivered');
    expect(sequence()).toEqual(['login', 'TraCuuHoSo', 'DongBoHoSoMC(False)', 'CapNhatTienDoHoSoMC', 'TraCuuHoSo', 'DongBoHoSoMC(True)', 'CapNhatTienDoHoSoMC']);
    expect(sim().dossier(NUMBER)).toMatchObject({ updates: 1, item: { TrangThaiHoSo: '4' } });
    expect(sim().progress(NUMBER).map((p) => p.item.TrangThai)).toEqual(['2', '4']);
    expect(sim().uniqueDeliveries(UNIT.username)).toBe(2);
  });

  it('a late retry of an earlier step writes the current state, never the older one', async () => {
    const later = sampleDossier({ status: 9, updatedAt: '2026-12-07T01:00:00Z' });
    const outcome = await deliver(syncMessage(), syncContext(unitSettings(sim()), { dossier: () => later }));
    expect(outcome.kind).toBe('delivered');
    expect(sim().dossier(NUMBER)?.item).toMatchObject({ TrangThaiHoSo: '9', NgayKetThucXuLy: '20261207080000' });
    expect(sim().progress(NUMBER)[0]?.item.TrangThai).toBe('2');
  });
});

describe('duplicates', () => {
  it('a retried sync is delivered and never registers the dossier or its step twice', async () => {
    const message = syncMessage();
    const first = await deliver(message, syncContext(unitSettings(sim()), { endpointId: 'ep-a' }));
    const second = await deliver(message, syncContext(unitSettings(sim()), { endpointId: 'ep-a', attempt: 2 }));
    expect(first).toMatchObject({ kind: 'delivered', remoteId: NUMBER });
    expect(second).toMatchObject({ kind: 'delivered', remoteId: NUMBER, detail: expect.stringContaining('đã tồn tại') });
    expect(sim().progress(NUMBER)).toHaveLength(1);
    expect(sim().uniqueDeliveries(UNIT.username)).toBe(1);
    expect(sim().dossier(NUMBER)?.updates).toBe(1);
  });

  it('an add refused as "đã tồn tại" (added since the look-up) is sent again as an update', async () => {
    await deliver(syncMessage(), syncContext(unitSettings(sim())));
    // The look-up misses it this once, as if another attempt had added it in between.
    sim().setBehaviour(UNIT.username, { mode: 'answer', errorCode: '00', message: 'Không tìm thấy hồ sơ', count: 1 }, ['TraCuuHoSo']);
    const outcome = await deliver(syncMessage({ status: 4, at: '2026-12-06T02:00:00Z', source: 'hub' }), syncContext(unitSettings(sim())));
    expect(outcome.kind).toBe('delivered');
    expect(sequence().slice(-4)).toEqual(['TraCuuHoSo', 'DongBoHoSoMC(False)', 'DongBoHoSoMC(True)', 'CapNhatTienDoHoSoMC']);
    expect(sim().calls(UNIT.username).find((c) => c.errorCode === String(SIM_ERROR_CODES.exists))?.call).toBe('DongBoHoSoMC');
  });

  it('any "already received" text counts, with or without diacritics, and an endpoint may add phrases', async () => {
    sim().setBehaviour(UNIT.username, { mode: 'answer', errorCode: 7, message: 'Ho so da duoc tiep nhan truoc do' }, ['CapNhatTienDoHoSoMC']);
    expect((await deliver(syncMessage(), syncContext(unitSettings(sim())))).kind).toBe('delivered');
    sim().setBehaviour(UNIT.username, { mode: 'answer', errorCode: 7, message: 'Trùng tiến độ' }, ['CapNhatTienDoHoSoMC']);
    expect((await deliver(syncMessage(), syncContext(unitSettings(sim())))).kind).toBe('permanent');
    expect((await deliver(syncMessage(), syncContext(unitSettings(sim(), { extraDuplicatePhrases: ['trùng tiến độ'] })))).kind).toBe('delivered');
  });
});

describe('sessions', () => {
  it('a session that expired between attempts is renewed inside the next attempt, which succeeds', async () => {
    const endpointId = 'ep-expiry';
    expect((await deliver(syncMessage(), syncContext(unitSettings(sim()), { endpointId }))).kind).toBe('delivered');
    expect(sim().expireSessions(UNIT.username)).toBe(1);
    const outcome = await deliver(syncMessage({ status: 4, at: '2026-12-06T02:00:00Z', source: 'hub' }), syncContext(unitSettings(sim()), { endpointId, attempt: 2 }));
    expect(outcome.kind).toBe('delivered');
    expect(sequence().slice(4)).toEqual(['TraCuuHoSo', 'login', 'TraCuuHoSo', 'DongBoHoSoMC(True)', 'CapNhatTienDoHoSoMC']);
    expect(sim().calls(UNIT.username)[4]?.errorCode).toBe(String(SIM_ERROR_CODES.session));
  });

  it('a session the portal drops in the middle of an attempt is renewed once and the call repeated', async () => {
    sim().setBehaviour(UNIT.username, { mode: 'answer', errorCode: -2, message: 'Phiên làm việc đã hết hạn', count: 1 }, ['DongBoHoSoMC']);
    const outcome = await deliver(syncMessage(), syncContext(unitSettings(sim())));
    expect(outcome.kind).toBe('delivered');
    expect(sequence()).toEqual(['login', 'TraCuuHoSo', 'DongBoHoSoMC(False)', 'login', 'DongBoHoSoMC(False)', 'CapNhatTienDoHoSoMC']);
  });

  it('recognises a session refusal by its text too (setting), and gives up after one renewal: permanent 401', async () => {
    sim().setBehaviour(UNIT.username, { mode: 'answer', errorCode: 99, message: 'Phiên đăng nhập không tồn tại' }, ['TraCuuHoSo']);
    const outcome = await deliver(syncMessage(), syncContext(unitSettings(sim())));
    expect(outcome).toMatchObject({ kind: 'permanent', httpStatus: 401, reason: expect.stringContaining('TraCuuHoSo') });
    expect(sequence()).toEqual(['login', 'TraCuuHoSo', 'login', 'TraCuuHoSo']);
  });

  it('a password the portal refuses is permanent, HTTP 401, and nothing else is called', async () => {
    const outcome = await deliver(syncMessage(), syncContext(unitSettings(sim(), { password: 'sai-mat-khau' })));
    expect(outcome).toMatchObject({ kind: 'permanent', httpStatus: 401, reason: expect.stringContaining('login refused') });
    expect(sequence()).toEqual(['login']);
    expect(sim().requests(UNIT.username).map((r) => r.status)).toEqual([401]);
  });

  it('a login refused in the answer only (HTTP 200, error_code ≠ 0) is permanent 401 too; one without a session is transient', async () => {
    sim().setBehaviour(UNIT.username, { mode: 'answer', errorCode: 1, message: 'Tài khoản bị khóa', count: 1 }, ['login']);
    expect(await deliver(syncMessage(), syncContext(unitSettings(sim())))).toMatchObject({ kind: 'permanent', httpStatus: 401 });
    sim().setBehaviour(UNIT.username, { mode: 'answer', errorCode: 0, message: 'OK', count: 1 }, ['login']);
    expect(await deliver(syncMessage(), syncContext(unitSettings(sim())))).toMatchObject({ kind: 'transient', reason: expect.stringContaining('without a session') });
  });

  it('never puts the password or the session in an outcome or a log line', async () => {
    const lines: string[] = [];
    const log = pino({ level: 'trace' }, { write: (line: string) => lines.push(line) });
    const outcomes = [
      await deliver(syncMessage(), syncContext(unitSettings(sim(), { password: 'sai-mat-khau-bi-mat' }), { log })),
      await deliver(syncMessage(), syncContext(unitSettings(sim()), { log })),
    ];
    const sessions = sim()
      .calls(UNIT.username)
      .filter((c) => c.call !== 'login')
      .map((c) => String((JSON.parse(c.body.toString('utf8')) as { session?: unknown }).session));
    expect(sessions.length).toBeGreaterThan(0);
    expect(lines.length).toBeGreaterThan(0);
    const text = JSON.stringify(outcomes) + lines.join('');
    expect(text).not.toContain('sai-mat-khau-bi-mat');
    expect(text).not.toContain(UNIT.password);
    for (const session of sessions) expect(text).not.toContain(session);
  });
});

describe('failures', () => {
  it('a 5xx after the dossier was taken is transient; the retry updates it, one dossier, one step', async () => {
    sim().setBehaviour(UNIT.username, { mode: 'fail', status: 502, count: 1 }, ['CapNhatTienDoHoSoMC']);
    const message = syncMessage();
    expect(await deliver(message, syncContext(unitSettings(sim())))).toMatchObject({ kind: 'transient', httpStatus: 502, reason: expect.stringContaining('CapNhatTienDoHoSoMC') });
    expect(sim().dossier(NUMBER)).toBeDefined();
    expect(await deliver(message, syncContext(unitSettings(sim())))).toMatchObject({ kind: 'delivered' });
    expect(sim().dossier(NUMBER)?.updates).toBe(1);
    expect(sim().uniqueDeliveries(UNIT.username)).toBe(1);
  });

  it('passes Retry-After on, from whichever call answered 429 or 503', async () => {
    sim().setBehaviour(UNIT.username, { mode: 'fail', status: 503, retryAfterSeconds: 30 }, ['DongBoHoSoMC']);
    expect(await deliver(syncMessage(), syncContext(unitSettings(sim())))).toMatchObject({ kind: 'transient', httpStatus: 503, retryAfterMs: 30_000 });
  });

  it('times out as a whole attempt: a slow third call ends it on time, transient', async () => {
    sim().setBehaviour(UNIT.username, { mode: 'slow', delayMs: 3000 }, ['DongBoHoSoMC']);
    const started = performance.now();
    const outcome = await deliver(syncMessage(), syncContext(unitSettings(sim(), { timeoutMs: 600 })));
    expect(outcome).toMatchObject({ kind: 'transient', reason: expect.stringContaining('timed out after 600 ms') });
    expect(performance.now() - started).toBeLessThan(600 + 500);
  });

  it.each([
    ['not JSON (a gateway page)', 'not-json', 'not a portal answer'],
    ['JSON without error_code', 'no-error-code', 'not a portal answer'],
  ] as const)('an answer that is %s is transient: the portal may not have taken it', async (_name, body, reason) => {
    sim().setBehaviour(UNIT.username, { mode: 'malformed', body, count: 1 }, ['DongBoHoSoMC']);
    expect(await deliver(syncMessage(), syncContext(unitSettings(sim())))).toMatchObject({ kind: 'transient', httpStatus: 200, reason: expect.stringContaining(reason) });
    expect((await deliver(syncMessage(), syncContext(unitSettings(sim())))).kind).toBe('delivered');
  });

  it('a refusal of the input is permanent and quotes the portal; procedureCodes maps a local code so the portal takes it', async () => {
    const local = sampleDossier({ procedure: { code: 'KS-LOCAL', name: 'Đăng ký khai sinh' } });
    const refused = await deliver(syncMessage(), syncContext(unitSettings(sim()), { dossier: () => local }));
    expect(refused).toMatchObject({ kind: 'permanent', httpStatus: 200, reason: expect.stringContaining('KS-LOCAL không tồn tại') });
    expect(sim().dossier(NUMBER)).toBeUndefined();
    const mapped = await deliver(syncMessage(), syncContext(unitSettings(sim(), { procedureCodes: { 'KS-LOCAL': '1.001193.000.00.00.H56' } }), { dossier: () => local }));
    expect(mapped.kind).toBe('delivered');
  });

  it('an error_code the endpoint lists as transient is retried rather than failed', async () => {
    sim().setBehaviour(UNIT.username, { mode: 'answer', errorCode: -99, message: 'Hệ thống đang bận' }, ['DongBoHoSoMC']);
    expect((await deliver(syncMessage(), syncContext(unitSettings(sim())))).kind).toBe('permanent');
    expect((await deliver(syncMessage(), syncContext(unitSettings(sim(), { transientErrorCodes: ['-99'] })))).kind).toBe('transient');
  });

  it('a dossier the hub cannot write for the portal is permanent, before any call', async () => {
    const broken = sampleDossier({ receivedAt: 'not a date' });
    expect(await deliver(syncMessage(), syncContext(unitSettings(sim()), { dossier: () => broken }))).toMatchObject({ kind: 'permanent', reason: expect.stringContaining('cannot be written') });
    expect(sim().calls()).toHaveLength(0);
  });

  it('takes sync operations only, and sends nothing for others', async () => {
    const submit = { ...syncMessage(), dossier: { op: 'submit' as const, dossierId: 'd', number: NUMBER } };
    expect(await deliver(submit, syncContext(unitSettings(sim())))).toMatchObject({ kind: 'permanent', reason: expect.stringContaining('sync operations only') });
    expect(sim().calls()).toHaveLength(0);
  });
});

describe('addressing', () => {
  it('reaches the portal directly, without dstcode', async () => {
    const outcome = await deliver(syncMessage(), syncContext(unitSettings(sim(), { baseUrl: sim().url, dstcode: undefined })));
    expect(outcome.kind).toBe('delivered');
    expect(sim().calls(UNIT.username).every((c) => c.path.startsWith('/mapi/') && c.headers.dstcode === undefined)).toBe(true);
  });

  it('sends dstcode (and providerurl) as query parameters when told to', async () => {
    const outcome = await deliver(syncMessage(), syncContext(unitSettings(sim(), { dstcodeIn: 'query', providerurl: 'https://dichvucong.gov.vn' })));
    expect(outcome.kind).toBe('delivered');
    expect(sim().calls(UNIT.username)[0]?.path).toBe('/XrdAdapter/RestService/forward/dvcqg/mapi/login?dstcode=VN%3AGOV%3A000.00.00.G22%3Avpcpdvcprovider&providerurl=https%3A%2F%2Fdichvucong.gov.vn');
  });

  it('a dstcode NGSP cannot route is permanent (HTTP 400)', async () => {
    expect(await deliver(syncMessage(), syncContext(unitSettings(sim(), { dstcode: 'VN:GOV:000.00.00.G22:other' })))).toMatchObject({ kind: 'permanent', httpStatus: 400 });
  });

  it('reads success written as 0, "0" or "00"', async () => {
    for (const successCode of [0, '0', '00'] as const) {
      const other = await startDvcqgSimulator({ accounts: [UNIT], successCode });
      try {
        expect((await deliver(syncMessage(), syncContext(unitSettings(other, { baseUrl: other.url })))).kind, String(successCode)).toBe('delivered');
      } finally {
        await other.close();
      }
    }
  });
});
