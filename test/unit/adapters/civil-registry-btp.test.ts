import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { civilRegistryAdapter, CivilRegistryPollError, startCivilRegistrySimulator, type CivilRegistrySimulatorHandle } from '../../../adapters/civil-registry/index.js';
import type { Message } from '../../../src/domain/message.js';
import { attachment, deliveryContext, dossierOf, payloadOf, pendingOf, pollContext, settingsFor, submitOf } from '../../fixtures/civil-registry/delivery-context.js';
import { allowLoopbackOutbound } from '../../helpers/loopback-outbound.js';

// The simulators listen on loopback, which the outbound guard refuses unless allowed.
allowLoopbackOutbound();

// The current generation (variant btp): NhanDKHT and LayKetQua behind an OAuth token, against the simulator.
describe('civil-registry, variant btp', () => {
  let sim: CivilRegistrySimulatorHandle;
  let mailbox: string;
  let endpointId: string;

  beforeAll(async () => {
    sim = await startCivilRegistrySimulator({ enrolment: 'open', tokenTtlSeconds: 3600 });
  });
  // A mailbox and an endpoint id per test: registrations and cached tokens do not leak between tests.
  beforeEach(() => {
    mailbox = `btp-${randomUUID()}`;
    endpointId = `ep-${mailbox}`;
  });
  afterAll(async () => {
    await civilRegistryAdapter.close?.();
    await sim.close();
  });

  const settings = (change = {}) => settingsFor(sim.url, mailbox, 'btp', change);
  const deliver = (dossier = dossierOf('birth'), options: { attachments?: ReturnType<typeof attachment>[]; signal?: AbortSignal; settings?: ReturnType<typeof settings> } = {}) => {
    const files = options.attachments ?? [];
    return civilRegistryAdapter.deliver(
      submitOf(dossier, files.map((f) => f.meta)),
      deliveryContext(options.settings ?? settings(), { dossier, endpointId, blobs: new Map(files.map((f) => [f.meta.sha256, f.bytes])), ...(options.signal && { signal: options.signal }) }),
    );
  };

  describe('deliver (NhanDKHT)', () => {
    it('sends the registration, its documents and the dossier numbers; the system stores them', async () => {
      const dossier = dossierOf('birth');
      const files = [attachment(1, 'to-khai.pdf', '%PDF-1.7 tờ khai đăng ký khai sinh', 'Tờ khai đăng ký khai sinh'), attachment(0, 'giay-chung-sinh.pdf', '%PDF-1.7 giấy chứng sinh')];
      const outcome = await deliver(dossier, { attachments: files });
      expect(outcome).toEqual({ kind: 'delivered', remoteId: `14755:${dossier.number}`, httpStatus: 200 });

      const [registration] = sim.registrations(mailbox);
      expect(registration).toMatchObject({ variant: 'btp', payloadType: 'birth', maDonVi: '14755', module: 'LTKS', maHoSo: dossier.number, maHoSoLT: dossier.number, ngayTiepNhan: '06/12/2026 08:30:00', trangThai: '1' });
      expect(registration?.registration).toEqual(payloadOf('birth'));
      // In attachment order, named by description or file name, bytes intact.
      expect(registration?.files.map((f) => [f.tenGiayTo, f.tenTepDinhKem, f.bytes.toString('utf8')])).toEqual([
        ['giay-chung-sinh.pdf', 'giay-chung-sinh.pdf', '%PDF-1.7 giấy chứng sinh'],
        ['Tờ khai đăng ký khai sinh', 'to-khai.pdf', '%PDF-1.7 tờ khai đăng ký khai sinh'],
      ]);
      expect(sim.requests(mailbox)).toHaveLength(1);
      expect(sim.logins(mailbox)).toHaveLength(1);
    });

    it('sends maHoSoLT beside the registration, not inside data, and maDonVi from the setting when set', async () => {
      const dossier = dossierOf('death', { payload: { ...payloadOf('death'), maHoSoLT: 'DVCLT-7781' } });
      expect((await deliver(dossier, { settings: settings({ maDonVi: '14758' }) })).kind).toBe('delivered');
      const body = JSON.parse(sim.requests(mailbox)[0]?.body.toString('utf8') ?? '{}') as Record<string, unknown>;
      expect(body).toMatchObject({ maDonVi: '14758', module: 'LTKT', maHoSoLT: 'DVCLT-7781', maHoSoMCDT: dossier.number });
      expect(JSON.parse(body.data as string)).toEqual(payloadOf('death'));
    });

    it('delivers a marriage registration under LTKH', async () => {
      expect((await deliver(dossierOf('marriage'))).kind).toBe('delivered');
      expect(sim.registrations(mailbox)[0]).toMatchObject({ module: 'LTKH', payloadType: 'marriage' });
    });

    it('takes "already received" for delivered, and a retry never makes a second registration', async () => {
      const dossier = dossierOf('birth');
      sim.setBehaviour(mailbox, { mode: 'fail', status: 504, count: 1 });
      expect((await deliver(dossier)).kind).toBe('transient');
      const first = await deliver(dossier);
      const again = await deliver(dossier);
      expect(first).toMatchObject({ kind: 'delivered', remoteId: `14755:${dossier.number}` });
      expect(again).toMatchObject({ kind: 'delivered', remoteId: `14755:${dossier.number}` });
      expect(again.kind === 'delivered' && again.detail).toMatch(/^already received: .*đã được tiếp nhận/);
      expect(sim.uniqueDeliveries(mailbox)).toBe(1);
      expect(sim.requests(mailbox).map((r) => r.status)).toEqual([504, 200, 200]);
    });

    it('recognises the phrase list of the endpoint only', async () => {
      const dossier = dossierOf('birth');
      await deliver(dossier);
      const strict = await deliver(dossier, { settings: settings({ duplicatePhrases: ['hồ sơ trùng lặp'] }) });
      expect(strict).toMatchObject({ kind: 'permanent', httpStatus: 200 });
      expect(sim.uniqueDeliveries(mailbox)).toBe(1);
    });

    it('renews a token that expired between attempts, within the attempt, without failing the delivery', async () => {
      const dossier = dossierOf('birth');
      sim.setBehaviour(mailbox, { mode: 'fail', status: 503, count: 1 });
      expect((await deliver(dossier)).kind).toBe('transient');
      sim.expireTokens(mailbox);
      expect(await deliver(dossier)).toMatchObject({ kind: 'delivered' });
      // Attempt 1: one login, a 503. Attempt 2: the cached token refused (401), one new login, delivered.
      expect(sim.requests(mailbox).map((r) => r.status)).toEqual([503, 401, 200]);
      expect(sim.logins(mailbox)).toHaveLength(2);
      expect(sim.uniqueDeliveries(mailbox)).toBe(1);
    });

    it('reuses a cached token across attempts and renews it before it expires', async () => {
      await deliver();
      await deliver();
      expect(sim.logins(mailbox)).toHaveLength(1);

      const shortLived = await startCivilRegistrySimulator({ enrolment: 'open', tokenTtlSeconds: 1 });
      try {
        const short = settingsFor(shortLived.url, mailbox, 'btp');
        const once = async (): Promise<void> => {
          const dossier = dossierOf('birth');
          expect((await civilRegistryAdapter.deliver(submitOf(dossier), deliveryContext(short, { dossier, endpointId: `${endpointId}-short` }))).kind).toBe('delivered');
        };
        await once();
        await new Promise((resolve) => setTimeout(resolve, 600));
        await once();
        // Renewed at half its 1 s life: the second attempt asked for a new token and was never refused.
        expect(shortLived.logins(mailbox)).toHaveLength(2);
        expect(shortLived.requests(mailbox).map((r) => r.status)).toEqual([200, 200]);
      } finally {
        await shortLived.close();
      }
    });

    it('is permanent 401 when the gateway refuses the client, and sends no registration', async () => {
      const outcome = await deliver(dossierOf('birth'), { settings: settings({ consumerSecret: 'wrong' }) });
      expect(outcome).toMatchObject({ kind: 'permanent', httpStatus: 401 });
      expect(outcome.kind === 'permanent' && outcome.reason).toMatch(/^token request: HTTP 401.*invalid_client/);
      expect(outcome.kind === 'permanent' && outcome.reason).not.toContain('wrong');
      expect(sim.requests(mailbox)).toHaveLength(0);
    });

    it('is transient when the token endpoint is down for maintenance (5xx)', async () => {
      sim.setBehaviour(mailbox, { mode: 'fail', status: 502 }, ['token']);
      expect(await deliver()).toMatchObject({ kind: 'transient', httpStatus: 502 });
      expect(sim.requests(mailbox)).toHaveLength(0);
    });

    it('is permanent 401 when a new token is refused too', async () => {
      sim.setBehaviour(mailbox, { mode: 'fail', status: 401 }, ['NhanDKHT']);
      expect(await deliver()).toMatchObject({ kind: 'permanent', httpStatus: 401 });
      expect(sim.requests(mailbox)).toHaveLength(2);
      expect(sim.logins(mailbox)).toHaveLength(2);
    });

    it.each([
      [500, 'transient'],
      [502, 'transient'],
      [503, 'transient'],
      [403, 'permanent'],
      [413, 'permanent'],
    ] as const)('HTTP %i is %s', async (status, kind) => {
      sim.setBehaviour(mailbox, { mode: 'fail', status });
      expect(await deliver()).toMatchObject({ kind, httpStatus: status });
    });

    it('passes Retry-After on', async () => {
      sim.setBehaviour(mailbox, { mode: 'fail', status: 503, retryAfterSeconds: 30 });
      expect(await deliver()).toMatchObject({ kind: 'transient', httpStatus: 503, retryAfterMs: 30_000 });
    });

    it('is transient on a timeout, on time', async () => {
      sim.setBehaviour(mailbox, { mode: 'slow', delayMs: 4000 });
      const started = performance.now();
      const outcome = await deliver(dossierOf('birth'), { settings: settings({ timeoutMs: 500 }) });
      expect(outcome).toMatchObject({ kind: 'transient', reason: 'timed out after 500 ms' });
      expect(performance.now() - started).toBeLessThan(1500);
    });

    it.each(['not-json', 'no-status'] as const)('is transient on a malformed answer (%s): the system may have stored it, a repeat is a duplicate', async (body) => {
      sim.setBehaviour(mailbox, { mode: 'malformed', body, count: 1 });
      const outcome = await deliver();
      expect(outcome).toMatchObject({ kind: 'transient', httpStatus: 200 });
      expect(outcome.kind === 'transient' && outcome.reason).toMatch(body === 'not-json' ? /not JSON/ : /malformed answer \(no status\)/);
    });

    it('is permanent when the system refuses the data, quoting its code and details', async () => {
      const dossier = dossierOf('birth', { payload: { ...payloadOf('birth'), nksNgaySinh: '31.02.2026' } });
      const outcome = await deliver(dossier);
      expect(outcome).toMatchObject({ kind: 'permanent', httpStatus: 200 });
      expect(outcome.kind === 'permanent' && outcome.reason).toMatch(/errorCode 500 DATA_INCORRECT.*nksNgaySinh/);
      expect(sim.uniqueDeliveries(mailbox)).toBe(0);
    });

    it('is transient for an error code the endpoint lists as transient', async () => {
      sim.setBehaviour(mailbox, { mode: 'error-answer', errorCode: '999', errorDescription: 'Hệ thống đang bảo trì' });
      expect(await deliver(dossierOf('birth'), { settings: settings({ transientErrorCodes: ['999'] }) })).toMatchObject({ kind: 'transient' });
      expect(await deliver()).toMatchObject({ kind: 'permanent' });
    });

    it('is permanent without sending for what cannot change on a retry', async () => {
      const notSubmit: Message = { ...submitOf(dossierOf('birth')), dossier: { op: 'sync', dossierId: 'd', number: 'n', step: { status: 4, at: '2026-12-06T02:00:00.000Z', source: 'hub' } } };
      const ctx = deliveryContext(settings(), { dossier: dossierOf('birth'), endpointId });
      expect(await civilRegistryAdapter.deliver(notSubmit, ctx)).toMatchObject({ kind: 'permanent' });
      const noOffice = dossierOf('birth', { payload: { ...payloadOf('birth'), noiDangKy: undefined } });
      expect(await deliver(noOffice)).toMatchObject({ kind: 'permanent', reason: expect.stringMatching(/no registering office/) as unknown });
      const lltp = { ...dossierOf('birth'), target: { ...dossierOf('birth').target, payloadType: 'judicial-record' as const } };
      expect(await deliver(lltp)).toMatchObject({ kind: 'permanent' });
      const damaged = attachment(0, 'a.pdf', '%PDF-1.7 a');
      const outcome = await civilRegistryAdapter.deliver(
        submitOf(dossierOf('birth'), [damaged.meta]),
        deliveryContext(settings(), { dossier: dossierOf('birth'), endpointId, blobs: new Map([[damaged.meta.sha256, Buffer.from('%PDF-1.7 b')]]) }),
      );
      expect(outcome).toMatchObject({ kind: 'permanent', reason: expect.stringMatching(/does not match/) as unknown });
      expect(sim.requests(mailbox)).toHaveLength(0);
    });

    it('is transient, quickly, when the attempt is aborted mid-call', async () => {
      sim.setBehaviour(mailbox, { mode: 'slow', delayMs: 3000 });
      const controller = new AbortController();
      setTimeout(() => controller.abort(new Error('shutting down')), 100);
      const started = performance.now();
      expect(await deliver(dossierOf('birth'), { signal: controller.signal })).toMatchObject({ kind: 'transient' });
      expect(performance.now() - started).toBeLessThan(800);
    });
  });

  describe('pollDossiers (LayKetQua)', () => {
    const poll = (pending: Parameters<typeof pollContext>[1], change = {}) => civilRegistryAdapter.pollDossiers!(pollContext(settings(change), pending, endpointId));

    async function submitted(type: 'birth' | 'death' | 'marriage', count: number) {
      const dossiers = Array.from({ length: count }, () => dossierOf(type));
      for (const dossier of dossiers) expect((await deliver(dossier)).kind).toBe('delivered');
      return dossiers;
    }

    it('asks per module in chunks of resultChunkSize and reports only what changed', async () => {
      const births = await submitted('birth', 5);
      const deaths = await submitted('death', 2);
      sim.advance(births[0]!.number, '2', { noiDungXuLy: 'Bổ sung bản sao giấy chứng nhận kết hôn của cha mẹ', hanBoSungHoSo: '13/12/2026 17:00:00' });
      sim.advance(births[4]!.number, '3');
      sim.advance(deaths[1]!.number, '6', { ghiChu: 'Người yêu cầu không đủ điều kiện' });
      const before = sim.requests(mailbox).length;

      const updates = await poll([...births, ...deaths].map((d) => pendingOf(d)));

      const asked = sim.requests(mailbox).slice(before).map((r) => JSON.parse(r.body.toString('utf8')) as { maDinhDanhHoSo: string[]; module: string; maTinh: string });
      expect(asked.map((a) => [a.module, a.maDinhDanhHoSo.length, a.maTinh])).toEqual([['LTKS', 3, '38'], ['LTKS', 2, '38'], ['LTKT', 2, '38']]);
      // Births 1–3 and death 0 are still at 1, as the hub holds them: left out.
      expect(updates.map((u) => [u.dossierId, u.systemStatus, u.status])).toEqual([
        [births[0]!.id, '2', 5],
        [births[4]!.id, '3', 4],
        [deaths[1]!.id, '6', 3],
      ]);
      expect(updates[0]).toMatchObject({
        note: 'Bổ sung bản sao giấy chứng nhận kết hôn của cha mẹ — Hạn bổ sung hồ sơ: 13/12/2026 17:00:00',
        officer: { name: 'Trần Thị Mai', position: 'Công chức Tư pháp - Hộ tịch', department: 'UBND phường' },
      });
      expect(updates[0]?.at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.000Z$/);
      expect(updates[2]).toMatchObject({ note: 'Người yêu cầu không đủ điều kiện' });
      expect(updates.every((u) => u.result === undefined)).toBe(true);
    });

    it('returns the result with the certificate as a document, out of the data', async () => {
      const [dossier] = await submitted('birth', 1);
      sim.advance(dossier!.number, '4');
      const [update] = await poll([pendingOf(dossier!)]);
      expect(update).toMatchObject({ dossierId: dossier!.id, status: 9, systemStatus: '4' });
      expect(update?.result?.data).toMatchObject({ soDinhDanh: expect.stringMatching(/^038\d{9}$/) as unknown, ngayDangKy: expect.stringMatching(/^\d{2}\/\d{2}\/\d{4}$/) as unknown, nksHoTen: 'Lê Minh Khôi' });
      expect(update?.result?.data).not.toHaveProperty('giayKhaiSinh');
      expect(update?.result?.documents).toHaveLength(1);
      expect(update?.result?.documents[0]).toMatchObject({ name: `giayKhaiSinh-${dossier!.number}.pdf`, contentType: 'application/pdf' });
      expect(update?.result?.documents[0]?.bytes.subarray(0, 5).toString()).toBe('%PDF-');
      // Once the hub holds 9 with code 4, the same answer is nothing new.
      expect(await poll([pendingOf(dossier!, { status: 9, systemStatus: '4' })])).toEqual([]);
    });

    it('has results after resultAfterMs without a command, and maps codes by the endpoint’s table', async () => {
      const timed = await startCivilRegistrySimulator({ enrolment: 'open', resultAfterMs: 0 });
      try {
        const dossier = dossierOf('death');
        const s = settingsFor(timed.url, mailbox, 'btp', { statusMap: { '4': 10 } });
        expect((await civilRegistryAdapter.deliver(submitOf(dossier), deliveryContext(s, { dossier, endpointId: `${endpointId}-timed` }))).kind).toBe('delivered');
        const updates = await civilRegistryAdapter.pollDossiers!(pollContext(s, [pendingOf(dossier)], `${endpointId}-timed`));
        expect(updates).toMatchObject([{ status: 10, systemStatus: '4', result: { documents: [{ name: `giayKhaiTu-${dossier.number}.pdf` }] } }]);
      } finally {
        await timed.close();
      }
    });

    it('leaves out dossiers the system does not know or codes the table does not map', async () => {
      const [known] = await submitted('birth', 1);
      sim.advance(known!.number, '9');
      expect(await poll([pendingOf(known!), pendingOf(dossierOf('birth'))])).toEqual([]);
    });

    it('throws when the system answers no call, transient for an outage', async () => {
      const dossiers = await submitted('birth', 4);
      sim.setBehaviour(mailbox, { mode: 'fail', status: 503 }, ['LayKetQua']);
      const failure = await poll(dossiers.map((d) => pendingOf(d))).catch((err: unknown) => err);
      expect(failure).toBeInstanceOf(CivilRegistryPollError);
      expect(failure).toMatchObject({ transient: true, message: expect.stringMatching(/no call was answered \(2 failed/) as unknown });
    });

    it('throws when every chunk is larger than the system takes (its limit is 3)', async () => {
      const dossiers = await submitted('birth', 4);
      const failure = await poll(dossiers.map((d) => pendingOf(d)), { resultChunkSize: 4 }).catch((err: unknown) => err);
      expect(failure).toMatchObject({ transient: false, message: expect.stringMatching(/vượt quá giới hạn/) as unknown });
    });

    it('keeps what it got when only some chunks fail', async () => {
      const dossiers = await submitted('birth', 4);
      sim.advance(dossiers[3]!.number, '2');
      sim.setBehaviour(mailbox, { mode: 'fail', status: 503, count: 1 }, ['LayKetQua']);
      const updates = await poll(dossiers.map((d) => pendingOf(d)));
      expect(updates.map((u) => u.dossierId)).toEqual([dossiers[3]!.id]);
    });

    it('renews a refused token while polling', async () => {
      const [dossier] = await submitted('birth', 1);
      sim.advance(dossier!.number, '2');
      sim.expireTokens(mailbox);
      expect(await poll([pendingOf(dossier!)])).toHaveLength(1);
      expect(sim.logins(mailbox)).toHaveLength(2);
    });
  });
});
