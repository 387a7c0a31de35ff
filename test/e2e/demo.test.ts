import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_AXIS } from '../../src/demo/demo-axis.js';
import { DEMO_DOCUMENTS } from '../../src/demo/demo-documents.js';
import { DEMO_DOSSIERS } from '../../src/demo/demo-dossier-systems.js';
import { connectRedis, killAll, runCli, wipePrefix, type CliResult } from './cli-process.js';

// `lienthong demo` as a user runs it: one command, its own data folder, a summary to read.

const H41 = '000.00.00.H41';
/** Documents through the simulated axis: one from Văn phòng Chính phủ to the peer agency, one from it to Nghệ An. */
const AXIS_DOCUMENTS = [{ recipients: [DEMO_AXIS.peerAgency.code] }, { recipients: [H41] }];

interface DefaultConfig {
  agencies: { code: string; name: string; endpoint?: string }[];
}

interface SummaryRow { mode: string; sent: number; delivered: number; retried: number; failed: number }

/** The rows of the "Summary (documents)" table, by recipient name (and `total`). */
function parseSummary(stdout: string): Map<string, SummaryRow> {
  const lines = stdout.split('\n');
  const start = lines.findIndex((l) => l.startsWith('Summary (documents)'));
  expect(start, 'the demo prints a summary').toBeGreaterThan(-1);
  const rows = new Map<string, SummaryRow>();
  for (const line of lines.slice(start + 2)) {
    const m = /^ {2}(.+?)\s{2,}(push \([^)]+\)|pull \(inbox\))?\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*$/.exec(line);
    if (!m) break;
    rows.set(m[1]!.trim(), { mode: m[2] ?? '', sent: Number(m[3]), delivered: Number(m[4]), retried: Number(m[5]), failed: Number(m[6]) });
  }
  return rows;
}

describe('lienthong demo', () => {
  let dataDir: string;
  let redis: Redis;
  let run: CliResult;
  let config: DefaultConfig;
  let rows: Map<string, SummaryRow>;
  // The demo's configuration is config/default.json plus the axis endpoint and the peer agency routed to it.
  const agencyOf = (code: string): { code: string; name: string; endpoint?: string } =>
    code === DEMO_AXIS.peerAgency.code ? { ...DEMO_AXIS.peerAgency, endpoint: DEMO_AXIS.endpointId } : config.agencies.find((a) => a.code === code)!;
  const nameOf = (code: string): string => agencyOf(code).name;

  beforeAll(async () => {
    // The demo uses the Redis at REDIS_URL (it would start a private one otherwise); the suite wants the real one.
    redis = await connectRedis();
    config = JSON.parse(await readFile(resolve('config/default.json'), 'utf8')) as DefaultConfig;
    dataDir = await mkdtemp(join(tmpdir(), 'lienthong-e2e-demo-'));
    run = await runCli(['demo'], { LIENTHONG_DATA_DIR: dataDir, REDIS_URL: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379' }, 120_000);
    rows = parseSummary(run.stdout);
  });

  afterAll(async () => {
    await killAll();
    if (redis) {
      // The demo leaves its queue under lienthong-demo-<its pid> (src/demo/run-demo.ts).
      if (run) await wipePrefix(redis, `lienthong-demo-${run.pid}`);
      redis.disconnect();
    }
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('exits 0 with its data in the given folder', () => {
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`data in ${join(dataDir, 'demo')}`);
    expect(run.stdout).toContain('redis: using');
    expect(run.stdout).toContain(`hub configuration: ${join(dataDir, 'demo', 'hub-config.json')} (config/default.json + a vdxp endpoint "${DEMO_AXIS.endpointId}"`);
  });

  it('writes the dossier systems into its configuration with their secrets as placeholders only', async () => {
    const written = JSON.parse(await readFile(join(dataDir, 'demo', 'hub-config.json'), 'utf8')) as {
      agencies: { code: string }[]; endpoints: { id: string; adapter: string; settings: Record<string, unknown>; poll?: Record<string, unknown> }[]; dossiers?: unknown;
    };
    const endpoint = (id: string) => written.endpoints.find((e) => e.id === id)!;
    expect(endpoint(DEMO_DOSSIERS.portal.endpointId)).toMatchObject({ adapter: 'dvcqg', settings: { password: '${LIENTHONG_DVCQG_PASSWORD}' } });
    expect(endpoint(DEMO_DOSSIERS.judicial.endpointId)).toMatchObject({ adapter: 'judicial-records', settings: { variant: 'lgsp', consumerSecret: '${LIENTHONG_LLTP_SECRET}' }, poll: { resultsEvery: '2s' } });
    expect(endpoint(DEMO_DOSSIERS.civil.endpointId)).toMatchObject({ adapter: 'civil-registry', settings: { variant: 'btp', consumerSecret: '${LIENTHONG_HOTICH_SECRET}' }, poll: { resultsEvery: '2s' } });
    expect(written.agencies.map((a) => a.code)).toEqual(expect.arrayContaining([DEMO_DOSSIERS.judicial.agency.code, DEMO_DOSSIERS.civil.agency.code, DEMO_DOSSIERS.portal.agency]));
    expect(written.dossiers).toEqual({
      portal: { endpoint: 'dvcqg', agency: '000.00.00.G22' },
      targets: [
        { system: 'judicial-records', endpoint: 'lltp-h56', agency: '000.00.12.H56', submitters: ['000.00.00.H56'] },
        { system: 'civil-registry', endpoint: 'hotich-h56', agency: '000.00.00.G03', submitters: ['000.00.00.H56'] },
      ],
    });
  });

  it('sums up, per recipient, what config/default.json and the demo documents imply', () => {
    const expectedSent = new Map<string, number>();
    for (const doc of [...DEMO_DOCUMENTS, ...AXIS_DOCUMENTS]) for (const r of doc.recipients) expectedSent.set(r, (expectedSent.get(r) ?? 0) + 1);
    expect(rows.size).toBe(expectedSent.size + 1); // one row per recipient, plus the total
    for (const [code, sent] of expectedSent) {
      const agency = agencyOf(code);
      expect(rows.get(agency.name), agency.name).toMatchObject({ mode: agency.endpoint ? `push (${agency.endpoint})` : 'pull (inbox)', sent });
    }

    // Cao Bằng fails twice, then recovers: retried and delivered.
    const caoBang = rows.get(nameOf('000.00.00.H14'))!;
    expect(caoBang.retried).toBeGreaterThanOrEqual(1);
    expect(caoBang).toMatchObject({ delivered: caoBang.sent, failed: 0 });
    // Hậu Giang is down for the whole demo: every delivery retried and given up.
    const hauGiang = rows.get(nameOf('000.00.00.H30'))!;
    expect(hauGiang).toMatchObject({ delivered: 0, failed: hauGiang.sent, retried: hauGiang.sent });
    // Thanh Hóa has no endpoint: it pulls its inbox, and what it acknowledged counts as delivered.
    const thanhHoa = rows.get(nameOf('000.00.00.H56'))!;
    expect(thanhHoa).toMatchObject({ mode: 'pull (inbox)', delivered: thanhHoa.sent, failed: 0 });
    expect(run.stdout.match(/fetched and acknowledged: /g)).toHaveLength(thanhHoa.sent);
    // The healthy endpoints (the axis among them) deliver everything at the first attempt.
    for (const code of [H41, '000.00.04.G14', DEMO_AXIS.peerAgency.code]) {
      const row = rows.get(nameOf(code))!;
      expect(row, nameOf(code)).toMatchObject({ delivered: row.sent, retried: 0, failed: 0 });
    }

    const total = rows.get('total')!;
    const recipients = [...rows].filter(([name]) => name !== 'total').map(([, r]) => r);
    for (const column of ['sent', 'delivered', 'retried', 'failed'] as const) {
      expect(total[column], column).toBe(recipients.reduce((n, r) => n + r[column], 0));
    }
    expect(total.delivered + total.failed).toBe(total.sent); // everything settled
  });

  it('reports the statuses Nghệ An sent back and verifies every receipt against the development CA', () => {
    // Nghệ An's two (API), and the peer's 03 that came back through the axis as a status packet.
    expect(run.stdout).toMatch(/statuses received by Văn phòng Chính phủ's endpoint: 3\b/);
    const verified = /receipts verified against the development CA: (\d+)\/(\d+)/.exec(run.stdout);
    expect(verified, 'the verification line').not.toBeNull();
    const [, ok, all] = verified!;
    expect(Number(all)).toBeGreaterThan(0);
    expect(ok).toBe(all);
    // At least an accepted receipt per document and a delivered or failed one per delivery.
    expect(Number(all)).toBeGreaterThanOrEqual(DEMO_DOCUMENTS.length + AXIS_DOCUMENTS.length + rows.get('total')!.sent);
  });

  it('exchanges edXML both ways through the simulated national axis', () => {
    const out = run.stdout;
    expect(out).toMatch(/4\. edXML through the national document axis \(simulated at http:\/\/127\.0\.0\.1:\d+; the hub is system lienthong\.demo, receive loop every 2s\)/);
    // The directory the start-up sync stored, and a lookup by Decision 20 code through the API.
    expect(out).toContain(`directory: ${DEMO_AXIS.directorySize} agencies synchronised from the axis`);
    expect(out).toContain('H01.0.0.5 → 005.00.00.H01 Đơn vị thử nghiệm số 6');
    // hub → axis: accepted as edXML, sent with an axis DocId, fetched and acknowledged by the other system.
    expect(out).toMatch(new RegExp(`hub → axis: Văn phòng Chính phủ posts 1008/VPCP-TTĐT as edXML for ${DEMO_AXIS.peerAgency.name}, accepted [0-9a-f]{8}…`));
    expect(out).toMatch(/sendEdoc → axis DocId [0-9a-f]{24}; vxp\.saas\.03 fetched it \(\d+ bytes\) and acknowledged: getSentEdocList says receiveStatus done/);
    // The hub's XML signature verifies against the development CA.
    expect(out).toMatch(/the hub's XML signature on the packet, checked by vxp\.saas\.03 against the development CA: valid \(ecdsa-sha256, .*CN=lienthong hub\)$/m);
    expect(out).toContain('status packet 03 (messagetype=status) → business status 03 on the hub\'s message');
    // axis → hub: taken in by the scheduled receive loop, acknowledged, delivered to Nghệ An's endpoint.
    expect(out).toMatch(/axis → hub: vxp\.saas\.03 sends 57\/TN-TRUC to Ủy ban nhân dân tỉnh Nghệ An, axis DocId [0-9a-f]{24}/);
    expect(out).toMatch(/taken in by the scheduled receive run as message [0-9a-f]{8}…, acknowledged on the axis \(receiveStatus done\), delivered to nghean-eoffice/);
  });

  describe('files a birth registration and a criminal-record request end to end', () => {
    /** The dossier numbers the hub gave, by tag, from the filing lines. */
    const numbers = (): Record<'a' | 'b', string> => {
      const found = [...run.stdout.matchAll(/^ {3}\((a|b)\) .+ → POST \/v1\/dossiers: number (000\.00\.00\.H56-\d{6}-\d{4}), state 2 Được tiếp nhận$/gm)];
      expect(found.map((m) => m[1]), run.stdout).toEqual(['a', 'b']);
      return Object.fromEntries(found.map((m) => [m[1], m[2]])) as Record<'a' | 'b', string>;
    };

    it('as step 5, between the axis and the delivery progress', () => {
      const out = run.stdout;
      const step = (n: number) => out.search(new RegExp(`^${n}\\. `, 'm'));
      expect(out).toMatch(/^5\. Dossiers \(hồ sơ thủ tục hành chính\): Thanh Hóa's one-stop system files two; .* every 2s and keeps Cổng DVCQG in sync$/m);
      expect(step(4)).toBeLessThan(step(5));
      expect(step(5)).toBeLessThan(step(6));
      expect(out).toMatch(/^6\. Delivering/m);
    });

    it('numbers each, submits it to its system (delivered, with the remote id) and syncs the portal (2)', () => {
      const { a, b } = numbers();
      expect(a).not.toBe(b);
      expect(run.stdout).toMatch(/^ {7}submitted to hotich-h56 \(Bộ Tư pháp\): delivered at attempt 1, remote id \S+; portal synced: TrangThaiHoSo 2$/m);
      expect(run.stdout).toMatch(/^ {7}submitted to lltp-h56 \(Sở Tư pháp tỉnh Thanh Hóa\): delivered at attempt 1, remote id \S+; portal synced: TrangThaiHoSo 2$/m);
    });

    it('brings each change of the systems in through the scheduled result polls, with the system\'s code and the portal in step', () => {
      const out = run.stdout;
      expect(out).toMatch(/^ {5}\(a\) hộ tịch trangThai 1 → 4 Đang xử lý, portal 4 /m);
      expect(out).toMatch(/^ {5}\(a\) hộ tịch trangThai 4 → 9 Đã xử lý xong, portal 9 /m);
      expect(out).toMatch(/^ {5}\(b\) LLTP DEC_STATUS_ID 4 → 4 Đang xử lý, portal 4 /m);
      expect(out).toMatch(/^ {5}\(b\) LLTP DEC_STATUS_ID 5 → 9 Đã xử lý xong, portal 9 /m);
    });

    it('delivers the results with their certificates to Thanh Hóa\'s inbox', () => {
      const { a } = numbers();
      const out = run.stdout;
      expect(out).toContain('GET /v1/inbox lists 2 of kind dossier, each fetched, checked, acknowledged');
      expect(out).toMatch(/^ {5}\(a\) from Bộ Tư pháp \(state 9\): giấy khai sinh Lê Minh Khôi, số \d+, quyển \S+, ngày \d{2}\/\d{2}\/\d{4}, số định danh \d{12}$/m);
      expect(out).toMatch(new RegExp(`^ {9}giayKhaiSinh-${a.replaceAll('.', '\\.')}\\.pdf \\(PDF, \\d+ bytes, SHA-256 as announced\\)$`, 'm'));
      expect(out).toMatch(/^ {5}\(b\) from Sở Tư pháp tỉnh Thanh Hóa \(state 9\): Phiếu LLTP số \d{5}\/\d{4}\/LLTP-STP \(Không có án tích\)/m);
      expect(out).toMatch(/^ {9}phieu-lltp-\d{5}-\d{4}-LLTP-STP\.pdf \(PDF, \d+ bytes, SHA-256 as announced\)$/m);
    });

    it('ends both at 10 on the hub and the portal, with every step on the portal', () => {
      const { a, b } = numbers();
      for (const [tag, number] of [['a', a], ['b', b]] as const) {
        expect(run.stdout).toContain(`     (${tag}) ${number}: hub 10, portal TrangThaiHoSo 10, progress 2 → 4 → 9 → 10`);
      }
      expect(run.stdout).toContain('dossiers of Thanh Hóa: 2 filed, 2 returned (state 10 on the hub and the portal), 2 certificates delivered to its inbox');
    });
  });
});
