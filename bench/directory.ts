/**
 * `npm run bench:directory` — the agency directory at the national axis's size (111,339 agencies,
 * docs/domain-vn.md §3.4), on PostgreSQL and on PGlite:
 *   1. full load (replaceDirectory into an empty store),
 *   2. a second full sync of the same directory (all unchanged),
 *   3. an incremental batch of 1,000 changes (applyDirectoryChanges),
 *   4. a walk of the whole directory in pages of 500 (listAgencies, keyset cursor),
 *   5. 10,000 random lookups by QCVN 102 code and 10,000 by Decision 20/2020 code (findAgency),
 *   6. 1,000 name searches (first page of 50), and loading the QĐ20 ⇄ QCVN 102 map.
 * Synthetic but shaped like the real thing: 25 central agencies (G..) and 63 provinces (H..), their
 * departments, districts, communes and schools, both code forms, Vietnamese names, parent ids.
 *
 *   npm run bench:directory [-- --agencies 111339 --lookups 10000 --page 500 --batch 5000 --stores postgres,pglite --pglite dir|memory]
 */
import { cpus, totalmem } from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { loadAgencyCodeMap } from '../src/directory/agency-code-map.js';
import { applyDirectoryChanges } from '../src/directory/apply-directory-changes.js';
import { findAgency } from '../src/directory/find-agency.js';
import { listAgencies } from '../src/directory/list-agencies.js';
import { replaceDirectory } from '../src/directory/replace-directory.js';
import type { DirectoryAgency } from '../src/domain/directory-agency.js';
import type { Db } from '../src/store/db.js';
import { withPgliteStore, withPostgresSchema } from './bench-stores.js';

const { values: args } = parseArgs({
  options: {
    agencies: { type: 'string', default: '111339' },
    lookups: { type: 'string', default: '10000' },
    searches: { type: 'string', default: '1000' },
    changes: { type: 'string', default: '1000' },
    page: { type: 'string', default: '500' },
    batch: { type: 'string', default: '5000' },
    stores: { type: 'string', default: 'postgres,pglite' },
    pglite: { type: 'string', default: 'dir' },
    'database-url': { type: 'string', default: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test' },
    // Leave the PostgreSQL schema in place (to EXPLAIN the statements against the data); printed at the end.
    keep: { type: 'boolean', default: false },
  },
});
const num = (v: string | undefined): number => Number(v);
const log = (line: string): void => void process.stdout.write(`${line}\n`);

// ---------------------------------------------------------------------------------------------
// A deterministic synthetic directory

/** mulberry32: a small seeded PRNG, so every run benchmarks the same directory. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const MINISTRIES = [
  'Bộ Quốc phòng', 'Bộ Công an', 'Bộ Ngoại giao', 'Bộ Nội vụ', 'Bộ Tư pháp', 'Bộ Tài chính', 'Bộ Công Thương',
  'Bộ Nông nghiệp và Môi trường', 'Bộ Xây dựng', 'Bộ Văn hóa, Thể thao và Du lịch', 'Bộ Khoa học và Công nghệ',
  'Bộ Giáo dục và Đào tạo', 'Bộ Y tế', 'Bộ Dân tộc và Tôn giáo', 'Ngân hàng Nhà nước Việt Nam', 'Thanh tra Chính phủ',
  'Đài Truyền hình Việt Nam', 'Đài Tiếng nói Việt Nam', 'Thông tấn xã Việt Nam', 'Bảo hiểm xã hội Việt Nam',
  'Viện Hàn lâm Khoa học và Công nghệ Việt Nam', 'Văn phòng Chính phủ', 'Viện Hàn lâm Khoa học xã hội Việt Nam',
  'Ủy ban Quản lý vốn nhà nước tại doanh nghiệp', 'Đại học Quốc gia Hà Nội',
];
const PROVINCES = [
  'Hà Nội', 'Hà Giang', 'Cao Bằng', 'Bắc Kạn', 'Tuyên Quang', 'Lào Cai', 'Điện Biên', 'Lai Châu', 'Sơn La', 'Yên Bái',
  'Hòa Bình', 'Thái Nguyên', 'Lạng Sơn', 'Quảng Ninh', 'Bắc Giang', 'Phú Thọ', 'Vĩnh Phúc', 'Bắc Ninh', 'Hải Dương',
  'Hải Phòng', 'Hưng Yên', 'Thái Bình', 'Hà Nam', 'Nam Định', 'Ninh Bình', 'Thanh Hóa', 'Nghệ An', 'Hà Tĩnh', 'Quảng Bình',
  'Quảng Trị', 'Thừa Thiên Huế', 'Đà Nẵng', 'Quảng Nam', 'Quảng Ngãi', 'Bình Định', 'Phú Yên', 'Khánh Hòa', 'Ninh Thuận',
  'Bình Thuận', 'Kon Tum', 'Gia Lai', 'Đắk Lắk', 'Đắk Nông', 'Lâm Đồng', 'Bình Phước', 'Tây Ninh', 'Bình Dương', 'Đồng Nai',
  'Bà Rịa - Vũng Tàu', 'Thành phố Hồ Chí Minh', 'Long An', 'Tiền Giang', 'Bến Tre', 'Trà Vinh', 'Vĩnh Long', 'Đồng Tháp',
  'An Giang', 'Kiên Giang', 'Cần Thơ', 'Hậu Giang', 'Sóc Trăng', 'Bạc Liêu', 'Cà Mau',
];
const DEPARTMENTS = [
  'Văn phòng Ủy ban nhân dân', 'Sở Nội vụ', 'Sở Tư pháp', 'Sở Tài chính', 'Sở Công Thương', 'Sở Giáo dục và Đào tạo', 'Sở Y tế',
  'Sở Xây dựng', 'Sở Nông nghiệp và Môi trường', 'Sở Văn hóa, Thể thao và Du lịch', 'Sở Khoa học và Công nghệ', 'Thanh tra',
  'Sở Dân tộc và Tôn giáo', 'Sở Ngoại vụ', 'Ban Quản lý các khu công nghiệp', 'Đài Phát thanh và Truyền hình',
  'Văn phòng Đoàn đại biểu Quốc hội và Hội đồng nhân dân', 'Công an', 'Bộ Chỉ huy Quân sự', 'Trường Chính trị',
];
const MINISTRY_UNITS = [
  'Văn phòng', 'Thanh tra', 'Vụ Pháp chế', 'Vụ Tổ chức cán bộ', 'Vụ Kế hoạch - Tài chính', 'Vụ Hợp tác quốc tế',
  'Cục Công nghệ thông tin', 'Cục Kiểm tra văn bản', 'Cục Quản lý chất lượng', 'Viện Chiến lược và Chính sách', 'Trung tâm Thông tin',
  'Tạp chí', 'Báo', 'Học viện', 'Cục Quản lý thị trường', 'Vụ Khoa học và Công nghệ', 'Cục Thống kê', 'Vụ Thi đua - Khen thưởng',
];
const SECTIONS = ['Văn phòng', 'Thanh tra', 'Phòng Tổ chức cán bộ', 'Phòng Kế hoạch - Tài chính', 'Chi cục', 'Trung tâm Dịch vụ công', 'Phòng Nghiệp vụ 1', 'Phòng Nghiệp vụ 2', 'Trung tâm Thông tin'];
const DISTRICT_OFFICES = [
  'Văn phòng Hội đồng nhân dân và Ủy ban nhân dân', 'Phòng Nội vụ', 'Phòng Tư pháp', 'Phòng Tài chính - Kế hoạch', 'Phòng Giáo dục và Đào tạo',
  'Phòng Y tế', 'Phòng Văn hóa và Thông tin', 'Phòng Kinh tế', 'Phòng Tài nguyên và Môi trường', 'Phòng Lao động - Thương binh và Xã hội', 'Thanh tra',
];
const SYLLABLES = [
  'An', 'Bình', 'Hòa', 'Phú', 'Thạnh', 'Đông', 'Tây', 'Nam', 'Bắc', 'Lộc', 'Xuân', 'Hưng', 'Quỳnh', 'Lưu', 'Diễn', 'Châu', 'Yên',
  'Thành', 'Sơn', 'Hải', 'Tân', 'Vĩnh', 'Long', 'Mỹ', 'Đức', 'Thái', 'Nghĩa', 'Hương', 'Kim', 'Ngọc', 'Cẩm', 'Thủy', 'Trà',
  'Quang', 'Minh', 'Trung', 'Hiệp', 'Phước', 'Lạc', 'Gia', 'Hồng', 'Lâm', 'Khánh', 'Tường', 'Thuận', 'Định', 'Ninh', 'Phong',
  'Đồng', 'Cát', 'Hà', 'Tiến', 'Thắng', 'Lợi', 'Điền', 'Mai', 'Liên', 'Hợp', 'Kỳ', 'Sông', 'Cầu', 'Giang', 'Lập', 'Văn',
];

interface Node { agency: DirectoryAgency; level: number; children: () => Node[] }

/** The synthetic directory, breadth first (so truncating to `count` drops only leaves). */
function generateDirectory(count: number, seed = 20_251_014): DirectoryAgency[] {
  const random = prng(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const between = (lo: number, hi: number): number => lo + Math.floor(random() * (hi - lo + 1));
  const place = (): string => `${pick(SYLLABLES)} ${pick(SYLLABLES)}`;
  const pad = (n: number, width: number): string => String(n).padStart(width, '0');
  const slug = (text: string): string => text.normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/[đĐ]/g, 'd').toLowerCase().replace(/[^a-z0-9]+/g, '');
  let nextId = 1_000_000;
  const date = (): string => new Date(Date.UTC(2019, 0, 1) + Math.floor(random() * 7 * 365 * 86_400_000)).toISOString();

  /** levels: [l2, l3, l4] numbers (0 = unused); l1 = `G22`-style code. */
  const make = (l1: string, levels: [number, number, number], name: string, parent: DirectoryAgency | undefined, domain: string, children: (self: DirectoryAgency) => Node[], level: number): Node => {
    const [l2, l3, l4] = levels;
    const code102 = `${pad(l4, 3)}.${pad(l3, 2)}.${pad(l2, 2)}.${l1}`;
    const groups = [l1, ...(l2 ? [pad(l2, 2)] : []), ...(l3 ? [pad(l3, 2)] : []), ...(l4 ? [pad(l4, 3)] : [])];
    const roll = random();
    const agency: DirectoryAgency = {
      id: String(nextId++),
      ...(parent ? { parentId: parent.id } : {}),
      // ~0.3 % carry an older short form like the `01.02.G22` seen in the wild, ~3 % have no QĐ20 code yet.
      code102: roll < 0.003 && l3 ? `${pad(l3, 2)}.${pad(l2, 2)}.${l1}` : code102,
      ...(roll > 0.03 ? { codeQd20: groups.join('.') } : {}),
      name,
      ...(random() < 0.6 ? { mail: `vanthu.${slug(name).slice(0, 24)}@${domain}` } : {}),
      modifiedAt: date(),
    };
    return { agency, level, children: () => children(agency) };
  };

  const schools = (l1: string, l2: number, l3: number, parent: DirectoryAgency, domain: string): Node[] =>
    Array.from({ length: between(30, 70) }, (_, i) => make(l1, [l2, l3, i + 1], `Trường ${pick(['Mầm non', 'Tiểu học', 'Trung học cơ sở'])} ${place()}`, parent, domain, () => [], 4));
  const communeUnits = (l1: string, l2: number, l3: number, commune: string, parent: DirectoryAgency, domain: string): Node[] =>
    ['Trạm Y tế', 'Công an', 'Ban Chỉ huy Quân sự', 'Trường Mầm non'].slice(0, between(1, 4)).map((unit, i) => make(l1, [l2, l3, i + 1], `${unit} ${commune}`, parent, domain, () => [], 4));

  const province = (index: number): Node => {
    const l1 = `H${pad(index + 1, 2)}`;
    const name = PROVINCES[index]!;
    const domain = `${slug(name)}.gov.vn`;
    return make(l1, [0, 0, 0], `Ủy ban nhân dân ${name.startsWith('Thành phố') ? '' : 'tỉnh '}${name}`, undefined, domain, (ubnd) => {
      const departments = DEPARTMENTS.map((dept, d) => make(l1, [d + 1, 0, 0], `${dept} tỉnh ${name}`, ubnd, domain, (self) =>
        SECTIONS.slice(0, between(4, SECTIONS.length)).map((section, s) => make(l1, [d + 1, s + 1, 0], `${section} ${self.name}`, self, domain, () => [], 3)), 2));
      const districts = Array.from({ length: between(9, 17) }, (_, k) => {
        const l2 = DEPARTMENTS.length + k + 1;
        const district = `${pick(['huyện', 'huyện', 'huyện', 'thị xã', 'thành phố'])} ${place()}`;
        return make(l1, [l2, 0, 0], `Ủy ban nhân dân ${district}`, ubnd, domain, (self) => [
          ...DISTRICT_OFFICES.map((office, o) => make(l1, [l2, o + 1, 0], `${office} ${district}`, self, domain,
            (dept) => (office === 'Phòng Giáo dục và Đào tạo' ? schools(l1, l2, o + 1, dept, domain) : []), 3)),
          ...Array.from({ length: between(12, 28) }, (_, c) => {
            const commune = `${pick(['xã', 'xã', 'xã', 'phường', 'thị trấn'])} ${place()}`;
            const l3 = DISTRICT_OFFICES.length + c + 1;
            return make(l1, [l2, l3, 0], `Ủy ban nhân dân ${commune}`, self, domain, (ubndXa) => communeUnits(l1, l2, l3, commune, ubndXa, domain), 3);
          }),
        ], 2);
      });
      return [...departments, ...districts];
    }, 1);
  };

  const ministry = (index: number): Node => {
    const l1 = `G${pad(index + 1, 2)}`;
    const name = MINISTRIES[index]!;
    return make(l1, [0, 0, 0], name, undefined, 'chinhphu.vn', (self) =>
      MINISTRY_UNITS.map((unit, u) => make(l1, [u + 1, 0, 0], `${unit} - ${name}`, self, 'chinhphu.vn', (dept) =>
        SECTIONS.slice(0, between(2, 6)).map((s, i) => make(l1, [u + 1, i + 1, 0], `${s} ${dept.name}`, dept, 'chinhphu.vn', () => [], 3)), 2)), 1);
  };

  const out: DirectoryAgency[] = [];
  let frontier: Node[] = [...MINISTRIES.map((_, i) => ministry(i)), ...PROVINCES.map((_, i) => province(i))];
  while (frontier.length > 0 && out.length < count) {
    const next: Node[] = [];
    for (const node of frontier) {
      if (out.length >= count) break;
      out.push(node.agency);
      next.push(...node.children());
    }
    frontier = next;
  }
  if (out.length < count) throw new Error(`the generator made only ${out.length} agencies`);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Measuring

interface Timing { totalMs: number; p50Ms: number; p99Ms: number; n: number }

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
}

async function timeEach<T>(items: readonly T[], fn: (item: T) => Promise<unknown>): Promise<Timing> {
  const samples: number[] = [];
  const started = performance.now();
  for (const item of items) {
    const t0 = performance.now();
    await fn(item);
    samples.push(performance.now() - t0);
  }
  const totalMs = performance.now() - started;
  samples.sort((a, b) => a - b);
  return { totalMs, p50Ms: percentile(samples, 0.5), p99Ms: percentile(samples, 0.99), n: samples.length };
}

async function timeOnce<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t0 = performance.now();
  const value = await fn();
  return { ms: performance.now() - t0, value };
}

function sample<T>(list: readonly T[], n: number, random: () => number): T[] {
  return Array.from({ length: n }, () => list[Math.floor(random() * list.length)]!);
}

interface StoreResult { store: string; rows: [string, string][] }

async function benchStore(label: string, db: Db, agencies: readonly DirectoryAgency[]): Promise<StoreResult> {
  const batchSize = num(args.batch);
  const pageSize = num(args.page);
  const random = prng(7);
  const rows: [string, string][] = [];
  const fmt = (ms: number): string => (ms >= 1_000 ? `${(ms / 1_000).toFixed(2)} s` : `${ms.toFixed(ms < 10 ? 2 : 0)} ms`);
  const rate = (n: number, ms: number): string => `${Math.round(n / (ms / 1_000)).toLocaleString('en-US')}/s`;
  const each = (t: Timing): string => `${fmt(t.totalMs)} (${rate(t.n, t.totalMs)}), p50 ${fmt(t.p50Ms)}, p99 ${fmt(t.p99Ms)}`;
  const step = (name: string, value: string): void => {
    rows.push([name, value]);
    log(`  ${label}: ${name}: ${value}`);
  };

  // 1. full load (the sync merges the search index's pending list and analyzes the table itself)
  let nextReport = 0;
  const load = await timeOnce(() => replaceDirectory(db, 'vxp', agencies, {
    batchSize,
    onProgress: (p) => {
      if (p.phase === 'insert' && p.written >= nextReport) {
        log(`  ${label}:   … ${p.written.toLocaleString('en-US')}/${p.toWrite.toLocaleString('en-US')} written`);
        nextReport += 25_000;
      }
    },
  }));
  step(`full load (${load.value.inserted.toLocaleString('en-US')} new, batches of ${batchSize.toLocaleString('en-US')})`, `${fmt(load.ms)} (${rate(load.value.inserted, load.ms)})`);

  // 2. the same directory again
  const again = await timeOnce(() => replaceDirectory(db, 'vxp', agencies, { batchSize }));
  if (again.value.unchanged !== agencies.length) throw new Error(`second sync: ${JSON.stringify(again.value)}`);
  step(`second full sync (${again.value.unchanged.toLocaleString('en-US')} unchanged)`, fmt(again.ms));

  // 3. incremental changes: renames, moves and deletions
  const changes = sample(agencies, num(args.changes), random).map((a, i) => (i % 10 === 0
    ? { ...a, deleted: true, modifiedAt: '2026-01-01T00:00:00.000Z' }
    : { ...a, name: `${a.name} (đổi tên)`, modifiedAt: '2026-01-01T00:00:00.000Z' }));
  const applied = await timeOnce(() => applyDirectoryChanges(db, 'vxp', changes, { batchSize }));
  step(`incremental sync (${changes.length.toLocaleString('en-US')} changes)`, fmt(applied.ms));

  // 4. the whole directory, page by page
  let pages = 0;
  let seen = 0;
  let cursor: string | undefined;
  const walk = await timeEach(Array.from({ length: Math.ceil(agencies.length / pageSize) + 1 }), async () => {
    if (pages > 0 && cursor === undefined) return;
    const page = await listAgencies(db, { limit: pageSize, ...(cursor ? { cursor } : {}) });
    pages += 1;
    seen += page.items.length;
    cursor = page.nextCursor ?? undefined;
  });
  step(`paging walk (${seen.toLocaleString('en-US')} live agencies, ${pages} pages of ${pageSize})`, `${fmt(walk.totalMs)}, page p50 ${fmt(walk.p50Ms)}, p99 ${fmt(walk.p99Ms)}`);

  // 5. lookups by either form, of live agencies
  const deleted = new Set(changes.filter((c) => c.deleted).map((c) => c.id));
  const live = agencies.filter((a) => !deleted.has(a.id));
  const by102 = sample(live.filter((a) => a.code102), num(args.lookups), random).map((a) => a.code102!);
  const byQd20 = sample(live.filter((a) => a.codeQd20), num(args.lookups), random).map((a) => a.codeQd20!);
  let misses = 0;
  const lookup = async (code: string): Promise<void> => {
    if (!(await findAgency(db, code))) misses += 1;
  };
  step(`lookups by QCVN 102 code (${by102.length.toLocaleString('en-US')} random)`, each(await timeEach(by102, lookup)));
  step(`lookups by QĐ20 code (${byQd20.length.toLocaleString('en-US')} random)`, each(await timeEach(byQd20, lookup)));
  if (misses > 0) throw new Error(`${misses} lookups found nothing`);

  // 6. name searches (two words of a random agency's name, the second as a prefix) and the code map
  const queries = sample(live, num(args.searches), random).map((a) => {
    const words = a.name.split(' ');
    const at = Math.floor(random() * Math.max(1, words.length - 1));
    return `${words[at]} ${(words[at + 1] ?? '').slice(0, 3)}`.trim();
  });
  step(`name searches (${queries.length.toLocaleString('en-US')}, first page of 50)`, each(await timeEach(queries, (q) => listAgencies(db, { q, limit: 50 }))));
  const map = await timeOnce(() => loadAgencyCodeMap(db));
  step(`QĐ20 ⇄ QCVN 102 map (${map.value.size.toLocaleString('en-US')} pairs)`, `loaded in ${fmt(map.ms)}`);
  return { store: label, rows };
}

// ---------------------------------------------------------------------------------------------

const withPostgres = <T>(work: (db: Db, where: string) => Promise<T>): Promise<T> =>
  withPostgresSchema({ databaseUrl: args['database-url']!, name: 'dir', keep: args.keep, log }, work);
const withPglite = <T>(work: (db: Db, where: string) => Promise<T>): Promise<T> =>
  withPgliteStore({ name: 'directory', memory: args.pglite === 'memory' }, work);

async function main(): Promise<void> {
  const count = num(args.agencies);
  const generated = await timeOnce(async () => generateDirectory(count));
  const agencies = generated.value;
  const levels = { both: agencies.filter((a) => a.code102 && a.codeQd20).length, parents: agencies.filter((a) => a.parentId).length };
  log(`directory: ${agencies.length.toLocaleString('en-US')} synthetic agencies (${levels.both.toLocaleString('en-US')} with both codes, ${levels.parents.toLocaleString('en-US')} with a parent), generated in ${Math.round(generated.ms)} ms`);
  log(`machine: ${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`);

  const results: StoreResult[] = [];
  for (const store of args.stores!.split(',').map((s) => s.trim()).filter(Boolean)) {
    const run = store === 'postgres' ? withPostgres : store === 'pglite' ? withPglite : undefined;
    if (!run) throw new Error(`unknown store ${store} (postgres, pglite)`);
    results.push(await run(async (db, where) => {
      log(`${store}: ${where}`);
      return benchStore(store, db, agencies);
    }));
  }

  log('');
  log(`| step | ${results.map((r) => r.store).join(' | ')} |`);
  log(`| --- | ${results.map(() => '---').join(' | ')} |`);
  results[0]?.rows.forEach(([name], i) => log(`| ${name} | ${results.map((r) => r.rows[i]?.[1] ?? '').join(' | ')} |`));
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
});
