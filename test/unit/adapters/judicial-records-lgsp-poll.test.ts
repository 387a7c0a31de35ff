import { describe, expect, it } from 'vitest';
import { JudicialRecordsPollError, type JudicialRecordsSettings } from '../../../adapters/judicial-records/index.js';
import { deliverJudicialRecord } from '../../../adapters/judicial-records/deliver.js';
import { pollJudicialRecords } from '../../../adapters/judicial-records/poll.js';
import type { Dossier, DossierUpdate, PendingDossier } from '../../../src/domain/dossier.js';
import { deliveryContext, dossierNumbered, lgspSettings, nextMailbox, pendingOf, pollContext, submitOf, useJudicialRecordsSimulator } from '../../fixtures/judicial-records/contexts.js';
import { allowLoopbackOutbound } from '../../helpers/loopback-outbound.js';

// The simulators listen on loopback, which the outbound guard refuses unless allowed.
allowLoopbackOutbound();

const sim = useJudicialRecordsSimulator();

/** A gateway with `numbers` submitted through it, and a poll function that keeps `pending` as the hub would. */
async function gatewayWith(numbers: readonly number[], extra: Partial<JudicialRecordsSettings> = {}) {
  const mailbox = nextMailbox();
  const settings = lgspSettings(sim().url, mailbox, extra);
  const endpointId = `ep-${mailbox}`;
  const dossiers: Dossier[] = [];
  for (const n of numbers) {
    const dossier = dossierNumbered(n);
    const outcome = await deliverJudicialRecord(submitOf(dossier), deliveryContext(settings, dossier, { endpointId }));
    if (outcome.kind !== 'delivered') throw new Error(`not delivered: ${JSON.stringify(outcome)}`);
    dossiers.push(dossier);
  }
  let pending: PendingDossier[] = dossiers.map((d) => pendingOf(d));
  const poll = (options: { store?: boolean; only?: readonly Dossier[] } = {}): Promise<DossierUpdate[]> => {
    const listed = options.only ? pending.filter((p) => options.only?.some((d) => d.id === p.dossierId)) : pending;
    const ctx = pollContext(settings, endpointId, listed);
    return pollJudicialRecords(ctx).then(async (updates) => {
      // The hub stores what it was told (unless the test says it failed to), then tells the adapter.
      if (options.store !== false) pending = pending.map((p) => {
        const u = updates.find((x) => x.dossierId === p.dossierId);
        return u ? { ...p, status: u.status, systemStatus: u.systemStatus } : p;
      });
      const failed = new Set(options.store === false ? updates.map((u) => u.dossierId) : []);
      await ctx.settle(new Set(listed.map((p) => p.dossierId).filter((id) => !failed.has(id))));
      return updates;
    });
  };
  const operations = (): string[] => sim().requests(mailbox).filter((r) => r.operation !== 'nhanHoSoDangKy').map((r) => r.operation);
  return { mailbox, settings, dossiers, poll, operations, idOf: (d: Dossier) => sim().applications(mailbox).find((a) => a.key === d.number)?.id as string };
}

describe('judicial-records lgsp: pollDossiers', () => {
  it('reports the changed statuses from one list call, marks them read, and then finds nothing new', async () => {
    const g = await gatewayWith([30, 31]);
    const updates = await g.poll();
    expect(updates).toEqual([
      { dossierId: 'dos-30', status: 2, systemStatus: '3', note: 'STP đã tiếp nhận' },
      { dossierId: 'dos-31', status: 2, systemStatus: '3', note: 'STP đã tiếp nhận' },
    ]);
    expect(g.operations()).toEqual(['traDsTrangThaiHs', 'danhDauHsThanhCong']);
    const mark = JSON.parse(sim().requests(g.mailbox).at(-1)?.body.toString() ?? '{}') as Record<string, unknown>;
    expect(mark).toEqual({ declarationId: `${g.idOf(g.dossiers[0] as Dossier)};${g.idOf(g.dossiers[1] as Dossier)}`, infoType: '2' });

    // Nothing changed: the list is empty, the single checks find the same status.
    expect(await g.poll()).toEqual([]);
    expect(g.operations().slice(2)).toEqual(['traDsTrangThaiHs', 'traTrangThaiHs', 'traTrangThaiHs']);
  });

  it('follows 3 → 4 → 5 and fetches the certificate at 5 (hub 9, PDF and data)', async () => {
    const g = await gatewayWith([32], { statusChecksPerRun: 0 });
    const [dossier] = g.dossiers as [Dossier];
    await g.poll();
    sim().advance(g.idOf(dossier), '4');
    expect(await g.poll()).toEqual([{ dossierId: 'dos-32', status: 4, systemStatus: '4', note: 'Đang xử lý' }]);

    sim().advance(dossier.number, '5');
    const [update] = await g.poll();
    const certificate = sim().applications(g.mailbox)[0]?.certificate;
    expect(update).toMatchObject({
      dossierId: 'dos-32',
      status: 9,
      systemStatus: '5',
      note: 'Đã có phiếu',
      at: `${certificate?.ngayCapPhieu.split('/').reverse().join('-')}T00:00:00+07:00`,
      officer: { name: 'Trần Văn Bình', position: 'Phó Giám đốc Sở Tư pháp' },
    });
    const { phieuLLTP, ...data } = certificate as NonNullable<typeof certificate>;
    expect(update?.result?.data).toEqual(data);
    expect(update?.result?.data).toMatchObject({ tenTinhTrangAnTich: 'Không có án tích', loaiPhieu: '1' });
    const [pdf] = update?.result?.documents ?? [];
    expect(pdf).toMatchObject({ contentType: 'application/pdf', name: `phieu-lltp-${data.soPhieuLLTP.replace(/\//g, '-')}.pdf` });
    expect(pdf?.bytes.equals(Buffer.from(phieuLLTP, 'base64'))).toBe(true);
    expect(pdf?.bytes.subarray(0, 5).toString()).toBe('%PDF-');
    expect(g.operations().slice(-3)).toEqual(['traDsTrangThaiHs', 'ketQuaXuLy', 'danhDauHsThanhCong']);
    expect(await g.poll()).toEqual([]);
  });

  it('leaves a dossier whose certificate could not be fetched unreported and unread, and gets it next run', async () => {
    const g = await gatewayWith([33, 34], { statusChecksPerRun: 0 });
    await g.poll();
    sim().advance(g.dossiers[0]?.number as string, '5');
    sim().advance(g.dossiers[1]?.number as string, '4');
    sim().setBehaviour(g.mailbox, { mode: 'fail', status: 503, count: 1 }, ['ketQuaXuLy']);
    expect((await g.poll()).map((u) => [u.dossierId, u.status])).toEqual([['dos-34', 4]]);
    const second = await g.poll();
    expect(second.map((u) => [u.dossierId, u.status, u.result?.documents.length])).toEqual([['dos-33', 9, 1]]);
  });

  it('does not mark read the changes of dossiers the hub did not list this run', async () => {
    const g = await gatewayWith([35, 36], { statusChecksPerRun: 0 });
    const [listed, other] = g.dossiers as [Dossier, Dossier];
    expect((await g.poll({ only: [listed] })).map((u) => u.dossierId)).toEqual(['dos-35']);
    expect((await g.poll()).map((u) => u.dossierId)).toEqual(['dos-36']);
    expect(other.id).toBe('dos-36');
  });

  it('does not mark read a change the hub failed to store: the list reports it again next run', async () => {
    const g = await gatewayWith([37, 38], { statusChecksPerRun: 0 });
    await g.poll();
    sim().advance(g.dossiers[0]?.number as string, '4');
    expect(await g.poll({ store: false })).toHaveLength(1);
    // Nothing was marked read after the failed store.
    expect(g.operations().slice(-1)).toEqual(['traDsTrangThaiHs']);
    expect(await g.poll()).toEqual([{ dossierId: 'dos-37', status: 4, systemStatus: '4', note: 'Đang xử lý' }]);
    expect(g.operations().slice(-2)).toEqual(['traDsTrangThaiHs', 'danhDauHsThanhCong']);
    expect(await g.poll()).toEqual([]);
  });

  it('marks read a stored change but not another in the same run whose store failed', async () => {
    const g = await gatewayWith([43, 44], { statusChecksPerRun: 0 });
    const [stored, lost] = g.dossiers as [Dossier, Dossier];
    await g.poll();
    sim().advance(stored.number, '4');
    sim().advance(lost.number, '4');
    const ctx = pollContext(g.settings, `ep-${g.mailbox}`, [pendingOf(stored, { systemStatus: '3' }), pendingOf(lost, { systemStatus: '3' })]);
    expect((await pollJudicialRecords(ctx)).map((u) => u.dossierId)).toEqual([stored.id, lost.id]);
    await ctx.settle(new Set([stored.id]));
    const mark = JSON.parse(sim().requests(g.mailbox).at(-1)?.body.toString() ?? '{}') as Record<string, unknown>;
    expect(mark).toEqual({ declarationId: g.idOf(stored), infoType: '2' });
  });

  it('recovers, by a single check, a change another client of the account marked read', async () => {
    const g = await gatewayWith([37]);
    await g.poll();
    sim().advance(g.dossiers[0]?.number as string, '4');
    sim().markRead(g.dossiers[0]?.number as string);
    // The list no longer has it; traTrangThaiHs does.
    expect(await g.poll()).toEqual([{ dossierId: 'dos-37', status: 4, systemStatus: '4', note: 'Đang xử lý' }]);
    expect(g.operations().slice(-2)).toEqual(['traDsTrangThaiHs', 'traTrangThaiHs']);
  });

  it('spreads single checks over runs: never-seen dossiers first, then in rotation', async () => {
    const g = await gatewayWith([40, 41, 42], { statusChecksPerRun: 1 });
    await g.poll();
    const checked: string[] = [];
    for (let run = 0; run < 4; run += 1) {
      await g.poll();
      const last = sim().requests(g.mailbox).filter((r) => r.operation === 'traTrangThaiHs').at(-1);
      checked.push(String((JSON.parse(last?.body.toString() ?? '{}') as { idReceivedDec?: string }).idReceivedDec).slice(-4));
    }
    expect(checked).toEqual(['0040', '0041', '0042', '0040']);
  });

  it('checks a dossier the hub never heard about before the rotation', async () => {
    const g = await gatewayWith([47, 48, 49], { statusChecksPerRun: 1 });
    const [d47, d48, d49] = g.dossiers as [Dossier, Dossier, Dossier];
    await g.poll({ only: [d47, d48] });
    // 49's change is marked read, but the hub never stored it.
    expect(await g.poll({ only: [d49], store: false })).toHaveLength(1);
    expect(await g.poll()).toEqual([{ dossierId: 'dos-49', status: 2, systemStatus: '3', note: 'STP đã tiếp nhận' }]);
  });

  it('reports nothing for a DEC_STATUS_ID outside statusMap, and maps what the endpoint adds', async () => {
    const g = await gatewayWith([43], { statusChecksPerRun: 0 });
    sim().advance(g.dossiers[0]?.number as string, '6');
    expect(await g.poll()).toEqual([]);
    const mapped = await gatewayWith([44], { statusChecksPerRun: 0, statusMap: { '3': 2, '4': 4, '5': 9, '6': 3 } });
    sim().advance(mapped.dossiers[0]?.number as string, '6');
    expect(await mapped.poll()).toEqual([{ dossierId: 'dos-44', status: 3, systemStatus: '6', note: 'Trạng thái 6' }]);
  });

  it('throws when the change list cannot be had, transient or not as the failure is', async () => {
    const g = await gatewayWith([45]);
    sim().setBehaviour(g.mailbox, { mode: 'fail', status: 503 }, ['traDsTrangThaiHs']);
    await expect(g.poll()).rejects.toMatchObject({ name: 'JudicialRecordsPollError', operation: 'traDsTrangThaiHs', transient: true });
    sim().setBehaviour(g.mailbox, { mode: 'missing-fields' }, ['traDsTrangThaiHs']);
    await expect(g.poll()).rejects.toMatchObject({ transient: true, detail: 'STATUS (none)' });
    sim().setBehaviour(g.mailbox, { mode: 'status-error', code: '101', description: 'IP_DISALLOWED' }, ['traDsTrangThaiHs']);
    await expect(g.poll()).rejects.toBeInstanceOf(JudicialRecordsPollError);
    await expect(g.poll()).rejects.toMatchObject({ transient: false, detail: 'STATUS 101: IP_DISALLOWED' });
  });

  it('copes with the other calls failing: a dossier left out, a mark that comes again, a list that times out', async () => {
    const g = await gatewayWith([62, 63], { timeoutMs: 400 });
    const [d62, d63] = g.dossiers as [Dossier, Dossier];
    // The mark fails: the updates stand, the items are listed again and then seen unchanged.
    sim().setBehaviour(g.mailbox, { mode: 'fail', status: 500, count: 1 }, ['danhDauHsThanhCong']);
    expect(await g.poll()).toHaveLength(2);
    expect(await g.poll()).toEqual([]);
    expect(g.operations().filter((o) => o === 'danhDauHsThanhCong')).toHaveLength(2);

    // A single check that fails or answers garbage tells nothing; the run goes on.
    sim().advance(d62.number, '4');
    sim().advance(d63.number, '4');
    // Consumed by another client: only the single checks can find them now.
    sim().markRead(d62.number);
    sim().markRead(d63.number);
    sim().setBehaviour(g.mailbox, { mode: 'malformed', count: 1 }, ['traTrangThaiHs']);
    expect((await g.poll()).map((u) => u.dossierId)).toEqual(['dos-63']);

    // A certificate answer without ketQuaXuLy is not a result.
    sim().advance(d62.number, '5');
    sim().setBehaviour(g.mailbox, { mode: 'missing-fields', count: 1 }, ['ketQuaXuLy']);
    expect(await g.poll()).toEqual([]);
    expect((await g.poll()).map((u) => [u.dossierId, u.status])).toEqual([['dos-62', 9]]);

    sim().setBehaviour(g.mailbox, { mode: 'slow', delayMs: 2000 }, ['traDsTrangThaiHs']);
    await expect(g.poll()).rejects.toMatchObject({ transient: true, detail: 'traDsTrangThaiHs: timed out after 400 ms' });
  });

  it('re-authenticates when its token expired between runs, and asks nothing when nothing is pending', async () => {
    const g = await gatewayWith([46]);
    sim().expireTokens(g.mailbox);
    expect(await g.poll()).toHaveLength(1);
    expect(sim().logins(g.mailbox)).toHaveLength(2);
    const before = sim().calls(g.mailbox).length;
    expect(await pollJudicialRecords(pollContext(g.settings, `ep-${g.mailbox}`, []))).toEqual([]);
    expect(sim().calls(g.mailbox)).toHaveLength(before);
  });
});
