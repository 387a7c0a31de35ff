/**
 * `npm run bench:auditor` — the auditor API (src/auditor/) on a hub's worth of history:
 *   1. generates `--rows` messages (set-based, `generate_series`, in batches) with their deliveries
 *      (~1.1 per message), audit events (~3.3 per message) and dossiers (5 % of messages): 60
 *      agencies with skewed traffic (the busiest sends ~13 %, the quietest <1 %), five adapters and
 *      pull mode, 94 % delivered / 3 % failed / 2 % retrying / 1 % queued, spread over a year with
 *      ties on the timestamp; loaded without the auditor indexes, which are then built (timed: what
 *      migration 008 costs on an existing hub);
 *   2. write cost of the indexes: more messages inserted with all of them, then after dropping each in
 *      turn (the difference is that index's share);
 *   3. per filter, the first page (100 rows) and a deep page (after following cursors 50,000 rows
 *      deep, in pages of 1,000), median of three;
 *   4. exports through the HTTP route (Fastify, streamed, read by a client in this process): CSV
 *      and JSON Lines of every delivery, JSON Lines and CSV of every event — rows/s and peak RSS.
 *
 *   npm run bench:auditor [-- --rows 1000000 --store postgres|pglite --batch 50000 --deep 50000 --keep]
 *
 * PostgreSQL runs in a fresh schema of `--database-url`, PGlite in a temporary folder; both are
 * removed at the end unless `--keep`. The figures go to stdout and bench/results/latest-auditor-<store>.json.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import Fastify, { type FastifyInstance } from 'fastify';
import pg from 'pg';
import type { AuditFilter, AuditOrder } from '../src/auditor/audit-query.js';
import type { AuditResource } from '../src/auditor/audit-resource.js';
import { deliveryResource } from '../src/auditor/delivery-resource.js';
import { eventResource } from '../src/auditor/event-resource.js';
import { createExportSlots } from '../src/auditor/export-slots.js';
import { readAuditPage } from '../src/auditor/read-audit-page.js';
import { auditorRoutes } from '../src/http/routes/auditor-routes.js';
import { installErrorHandler } from '../src/http/error-handler.js';
import { createSchemaCatalogue } from '../src/schema-catalogue.js';
import type { Db } from '../src/store/db.js';
import { migrate } from '../src/store/migrate.js';
import { openPgDb } from '../src/store/pg-db.js';
import { openPgliteDb } from '../src/store/pglite-db.js';

const { values: args } = parseArgs({
  options: {
    rows: { type: 'string', default: '1000000' },
    store: { type: 'string', default: 'postgres' },
    batch: { type: 'string', default: '50000' },
    deep: { type: 'string', default: '50000' },
    'probe-rows': { type: 'string', default: '20000' },
    'database-url': { type: 'string', default: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test' },
    keep: { type: 'boolean', default: false },
  },
});
const ROWS = Number(args.rows);
const BATCH = Number(args.batch);
const DEEP = Number(args.deep);
const PROBE = Number(args['probe-rows']);
const store = args.store === 'pglite' ? 'pglite' : 'postgres';
const log = (line: string): void => void process.stdout.write(`${line}\n`);
const ms = (t0: number): number => Math.round((performance.now() - t0) * 10) / 10;
const mib = (bytes: number): number => Math.round(bytes / 1024 / 1024);

// ---------------------------------------------------------------------------------------------
// Synthetic history, set-based

const START = '2025-12-01T00:00:00Z';
const YEAR_US = 365 * 86_400 * 1_000_000;
const AGENCIES = 60;
/** Agency code of index i (0-based): 000.00.00.H01 … H60. */
const CODE = (i: string) => `'000.00.00.H' || lpad((${i} + 1)::text, 2, '0')`;
const INDEX_OF = (code: string) => `(right(${code}, 2)::int - 1)`;
// Agencies whose index ends in 9 pull from their inbox; the others have an endpoint ep-<i> whose adapter cycles.
const ENDPOINT_OF = (i: string) => `CASE WHEN ${i} % 10 = 9 THEN NULL ELSE 'ep-' || ${i} END`;
const ADAPTER_OF = (i: string) => `CASE WHEN ${i} % 10 < 6 THEN 'http-endpoint' WHEN ${i} % 10 < 8 THEN 'vdxp' ELSE 'civil-registry' END`;
const NOTATIONS = `(ARRAY['VPCP-TTĐT','UBND-VP','QĐ-UBND','BC-STP','TTr-BTP','CV-SNV','KH-UBND','TB-VPCP'])`;

async function setUp(db: Db): Promise<void> {
  await db.query(`INSERT INTO endpoints (id, adapter, settings, retry)
    SELECT 'ep-' || i, ${ADAPTER_OF('i')}, '{}', '{}' FROM generate_series(0, ${AGENCIES - 1}) i WHERE i % 10 <> 9
    UNION ALL VALUES ('lltp', 'judicial-records', '{}'::jsonb, '{}'::jsonb), ('dvcqg', 'dvcqg', '{}', '{}')`);
  await db.query(`INSERT INTO agencies (code, name, endpoint_id)
    SELECT ${CODE('i')}, 'Ủy ban nhân dân tỉnh thử nghiệm số ' || (i + 1), ${ENDPOINT_OF('i')} FROM generate_series(0, ${AGENCIES - 1}) i`);
}

/** Messages lo…hi with their dossiers, deliveries and audit events: one statement. */
function batchSql(lo: number, hi: number): string {
  const stepUs = Math.floor(YEAR_US / ROWS);
  return `WITH g AS (
      SELECT g, floor(${AGENCIES} * power(random(), 2))::int AS s, random() AS r1, random() AS r2, (1 + floor(random() * ${AGENCIES - 1}))::int AS hop,
             timestamptz '${START}' + ((g / 2) * 2)::bigint * ${stepUs}::bigint * interval '1 microsecond' AS at
        FROM generate_series(${lo}, ${hi}) g),
    m AS (INSERT INTO messages (id, kind, sender, recipients, document, dossier, content_sha256, created_at)
      SELECT gen_random_uuid(), k.kind, ${CODE('s')},
             CASE WHEN r2 < 0.1 THEN ARRAY[${CODE('(s + hop) % 60')}, ${CODE('(s + hop + 7) % 60')}] ELSE ARRAY[${CODE('(s + hop) % 60')}] END,
             CASE WHEN k.kind = 'document' THEN jsonb_build_object('number', (g % 9973 + 1)::text, 'notation', ${NOTATIONS}[1 + g % 8],
               'subject', 'Về việc triển khai nhiệm vụ chuyển đổi số năm 2026, văn bản số ' || g, 'urgency', 'normal',
               'promulgation', jsonb_build_object('place', 'Hà Nội', 'date', to_char(at, 'YYYY-MM-DD')),
               'documentType', jsonb_build_object('name', 'Công văn'), 'signer', jsonb_build_object('fullName', 'Nguyễn Văn An', 'position', 'Chánh Văn phòng')) END,
             CASE WHEN k.kind = 'dossier' THEN jsonb_build_object('op', 'submit', 'dossierId', gen_random_uuid(),
               'number', ${CODE('s')} || '-' || to_char(at, 'YYMMDD') || '-' || lpad(g::text, 7, '0')) END,
             md5(g::text), at
        FROM g, LATERAL (SELECT CASE WHEN r1 < 0.85 THEN 'document' WHEN r1 < 0.95 THEN 'status' ELSE 'dossier' END AS kind) k
      RETURNING id, kind, sender, recipients, dossier, created_at),
    ds AS (INSERT INTO dossiers (id, number, agency, procedure_code, status, target_system, target_endpoint, payload_type, submit_message, data, created_at, updated_at)
      SELECT (dossier ->> 'dossierId')::uuid, dossier ->> 'number', sender, '2.000488.000.00.00.H56', 4, 'judicial-records', 'lltp', 'judicial-record', id, '{}', created_at, created_at
        FROM m WHERE kind = 'dossier'),
    d AS (INSERT INTO deliveries (id, message_id, recipient, endpoint_id, state, attempts, last_error, cycle_started_at, created_at, updated_at, delivered_at, failed_at)
      SELECT gen_random_uuid(), m.id, r.recipient, e.endpoint, x.state, CASE WHEN x.state = 'failed' THEN 8 WHEN x.state = 'retrying' THEN 2 ELSE 1 END,
             CASE WHEN x.state IN ('failed', 'retrying') THEN 'HTTP 503 from the endpoint: Dịch vụ tạm ngừng' END, m.created_at, m.created_at,
             m.created_at + interval '1 second', CASE WHEN x.state = 'delivered' THEN m.created_at + random() * interval '2 seconds' END,
             CASE WHEN x.state = 'failed' THEN m.created_at + interval '48 hours' END
        FROM m CROSS JOIN LATERAL (SELECT recipient, random() AS p FROM unnest(m.recipients) AS recipient) r
        CROSS JOIN LATERAL (SELECT CASE WHEN m.kind = 'dossier' THEN 'lltp' ELSE ${ENDPOINT_OF(INDEX_OF('r.recipient'))} END AS endpoint) e
        CROSS JOIN LATERAL (SELECT CASE WHEN r.p < 0.94 THEN 'delivered' WHEN r.p < 0.97 THEN 'failed' WHEN r.p < 0.99 THEN 'retrying' ELSE 'queued' END AS state) x
      RETURNING id, message_id, endpoint_id, state, created_at, updated_at, delivered_at, failed_at),
    ev AS (
      SELECT created_at AS at, 'agency:' || sender AS actor, 'message.accepted' AS kind, id AS message_id, NULL::uuid AS delivery_id,
             jsonb_build_object('kind', kind, 'sender', sender, 'recipients', to_jsonb(recipients)) AS data FROM m
      UNION ALL
      SELECT created_at, 'agency:' || sender, 'dossier.filed', NULL, NULL,
             jsonb_build_object('dossierId', dossier ->> 'dossierId', 'number', dossier ->> 'number', 'seq', 1, 'status', 2) FROM m WHERE kind = 'dossier'
      UNION ALL
      SELECT d.created_at, 'agency:' || m.sender, CASE WHEN d.endpoint_id IS NULL THEN 'delivery.awaiting-pull' ELSE 'delivery.queued' END, d.message_id, d.id,
             jsonb_build_object('recipient', m.recipients[1]) FROM d JOIN m ON m.id = d.message_id
      UNION ALL
      SELECT coalesce(d.delivered_at, d.failed_at, d.updated_at), 'worker', 'delivery.' || d.state, d.message_id, d.id,
             jsonb_build_object('endpoint', d.endpoint_id, 'attempt', 1, 'outcome', CASE WHEN d.state = 'delivered' THEN 'delivered' ELSE 'transient' END)
        FROM d WHERE d.state <> 'queued')
    INSERT INTO audit_events (at, actor, kind, message_id, delivery_id, data) SELECT * FROM ev ORDER BY at`;
}

const AUDITOR_INDEXES = [
  ['deliveries_audit_time', 'deliveries (created_at, id)'],
  ['deliveries_audit_recipient', 'deliveries (recipient COLLATE "C", created_at, id)'],
  ['messages_audit_sender', 'messages (sender COLLATE "C", created_at)'],
  ['messages_audit_document_code', `messages (((document ->> 'number') COLLATE "C"), ((document ->> 'notation') COLLATE "C")) WHERE document IS NOT NULL`],
  ['audit_events_audit_time', 'audit_events (at, id)'],
  ['audit_events_audit_kind', `audit_events (kind COLLATE "C", at, id)
    WHERE kind COLLATE "C" NOT IN ('message.accepted', 'message.edxml', 'delivery.queued', 'delivery.awaiting-pull', 'delivery.delivered')`],
  ['audit_events_audit_dossier', `audit_events (((data ->> 'dossierId') COLLATE "C")) WHERE kind LIKE 'dossier.%'`],
] as const;

async function dropAuditorIndexes(db: Db): Promise<void> {
  for (const [name] of AUDITOR_INDEXES) await db.query(`DROP INDEX ${name}`);
}

async function createAuditorIndexes(db: Db): Promise<Record<string, number>> {
  const times: Record<string, number> = {};
  for (const [name, on] of AUDITOR_INDEXES) {
    const t0 = performance.now();
    await db.query(`CREATE INDEX ${name} ON ${on}`);
    times[name] = ms(t0);
  }
  return times;
}

/** What inserting a batch of messages cost the database: wall time, the backend's CPU time, WAL written. */
interface WriteCost { ms: number; cpuMs: number; walBytes: number }

/**
 * Inserts PROBE more messages with every auditor index, then drops them one at a time (last first),
 * inserting PROBE more after each drop: what an index adds is the difference between the runs with
 * and without it. CPU time (the PostgreSQL backend's own, from /proc; PGlite's is this process's) and
 * WAL bytes say it better than wall time on a shared machine; best of two runs each. Each run also
 * seals its events as the audit chain does. The probe's rows are deleted afterwards.
 */
async function probeWriteCost(probe: ProbeConnection): Promise<{ all: WriteCost; none: WriteCost; marginal: Record<string, WriteCost> }> {
  const { db } = probe;
  const { rows: [mark] } = await db.query<{ at: string; id: number }>(
    `SELECT (SELECT max(created_at) FROM messages)::text AS at, (SELECT max(id) FROM audit_events) AS id`);
  let next = ROWS;
  const measure = async (): Promise<WriteCost> => {
    const runs: WriteCost[] = [];
    for (let i = 0; i < 2; i += 1) {
      const { rows: [lsn] } = await db.query<{ lsn: string; id: number }>('SELECT pg_current_wal_lsn()::text AS lsn, (SELECT max(id) FROM audit_events) AS id');
      const cpu0 = probe.cpuMs();
      const t0 = performance.now();
      await load(db, next, PROBE, Math.min(PROBE, 1000), false);
      // The audit chain's sealer (src/audit/audit-sealer.ts) then links each event: one narrow row in
      // audit_chain (migration 010) with its two index entries; the hashes here stand in for the real
      // chain's (same sizes, computed in SQL).
      await db.query(`INSERT INTO audit_chain (seq, event_id, digest, prev_hash, hash)
        SELECT (SELECT coalesce(max(seq), 0) FROM audit_chain) + row_number() OVER (ORDER BY id), id, d, d, sha256(d)
          FROM (SELECT id, sha256(convert_to(id::text, 'UTF8')) AS d FROM audit_events WHERE id > $1) e`, [lsn!.id]);
      const ms = performance.now() - t0;
      const cpuMs = probe.cpuMs() - cpu0;
      const { rows: [wal] } = await db.query<{ bytes: string }>(`SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '${lsn!.lsn}')::text AS bytes`);
      runs.push({ ms, cpuMs, walBytes: Number(wal!.bytes) });
      next += PROBE;
    }
    return runs.reduce((best, run) => (run.cpuMs < best.cpuMs ? run : best));
  };
  const all = await measure();
  const marginal: Record<string, WriteCost> = {};
  let before = all;
  for (const [name] of [...AUDITOR_INDEXES].reverse()) {
    await db.query(`DROP INDEX ${name}`);
    const after = await measure();
    marginal[name] = { ms: Math.round(before.ms - after.ms), cpuMs: before.cpuMs - after.cpuMs, walBytes: before.walBytes - after.walBytes };
    before = after;
  }
  // The queries run on the generated history alone.
  await db.query('DELETE FROM audit_chain WHERE event_id > $1', [mark!.id]);
  await db.query('DELETE FROM audit_events WHERE id > $1', [mark!.id]);
  for (const table of ['dossiers', 'deliveries', 'messages']) await db.query(`DELETE FROM ${table} WHERE created_at > $1`, [mark!.at]);
  return { all, none: before, marginal };
}

async function indexSizes(db: Db): Promise<Record<string, number>> {
  const { rows } = await db.query<{ name: string; bytes: string }>(
    `SELECT c.relname AS name, pg_relation_size(c.oid)::text AS bytes FROM pg_class c WHERE c.relname = ANY($1::text[]) AND c.relnamespace = current_schema()::regnamespace`,
    [AUDITOR_INDEXES.map(([name]) => name)]);
  return Object.fromEntries(rows.map((r) => [r.name, Number(r.bytes)]));
}

async function load(db: Db, first: number, count: number, batch: number, progress = true): Promise<number> {
  const t0 = performance.now();
  for (let lo = first; lo < first + count; lo += batch) {
    await db.query(batchSql(lo, Math.min(first + count, lo + batch) - 1));
    if (progress && (lo - first) % (batch * 4) === 0) log(`  … ${lo - first + batch} / ${count} messages (${Math.round((performance.now() - t0) / 1000)} s)`);
  }
  return ms(t0);
}

// ---------------------------------------------------------------------------------------------
// Queries

interface Case { resource: 'deliveries' | 'events'; label: string; filter: AuditFilter }

async function pickValues(db: Db): Promise<{ messageId: string; dossier: string; from: string; to: string }> {
  const message = await db.query<{ id: string }>(`SELECT id FROM messages WHERE kind = 'document' AND created_at >= timestamptz '${START}' + interval '200 days' ORDER BY created_at LIMIT 1`);
  const dossier = await db.query<{ number: string }>(`SELECT number FROM dossiers WHERE created_at >= timestamptz '${START}' + interval '100 days' ORDER BY created_at LIMIT 1`);
  return { messageId: message.rows[0]!.id, dossier: dossier.rows[0]!.number, from: '2026-06-01T00:00:00+07:00', to: '2026-06-08T00:00:00+07:00' };
}

function cases(v: Awaited<ReturnType<typeof pickValues>>): Case[] {
  const big = '000.00.00.H01';
  const small = '000.00.00.H60';
  const d = (label: string, filter: AuditFilter): Case => ({ resource: 'deliveries', label, filter });
  const e = (label: string, filter: AuditFilter): Case => ({ resource: 'events', label, filter });
  return [
    d('no filter', {}), d('agency (busiest, ~15 %)', { agency: big }), d('agency (quietest, ~2.5 %)', { agency: small }),
    d('message id', { messageId: v.messageId }), d('document number', { number: '42' }), d('number + notation', { number: '42', notation: 'TB-VPCP' }),
    d('notation only (1 in 8)', { notation: 'QĐ-UBND' }), d('dossier number', { dossier: v.dossier }),
    d('state failed (3 %)', { state: 'failed' }), d('state queued (1 %)', { state: 'queued' }), d('adapter judicial-records (5 %)', { adapter: 'judicial-records' }),
    d('adapter vdxp', { adapter: 'vdxp' }), d('one week', { from: v.from, to: v.to }),
    d('agency + failed + one week', { agency: big, state: 'failed', from: v.from, to: v.to }),
    e('no filter', {}), e('kind delivery.failed', { kind: 'delivery.failed' }), e('kind message.accepted', { kind: 'message.accepted' }),
    e('agency (busiest)', { agency: big }), e('agency (quietest)', { agency: small }), e('message id', { messageId: v.messageId }),
    e('document number', { number: '42' }), e('dossier number', { dossier: v.dossier }), e('adapter vdxp', { adapter: 'vdxp' }),
    e('one week', { from: v.from, to: v.to }), e('kind delivery.failed + one week', { kind: 'delivery.failed', from: v.from, to: v.to }),
  ];
}

const resourceOf = (name: Case['resource']): AuditResource<unknown, object> =>
  (name === 'deliveries' ? deliveryResource : eventResource) as unknown as AuditResource<unknown, object>;

async function median3(run: () => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < 3; i += 1) {
    const t0 = performance.now();
    await run();
    times.push(ms(t0));
  }
  return times.sort((a, b) => a - b)[1]!;
}

interface CaseResult { resource: string; label: string; firstPageMs: number; firstPageRows: number; depth: number; walkMs: number; deepPageMs: number | null }

async function timeCase(db: Db, c: Case, order: AuditOrder = 'desc'): Promise<CaseResult> {
  const resource = resourceOf(c.resource);
  let firstPageRows = 0;
  const firstPageMs = await median3(async () => {
    firstPageRows = (await readAuditPage(db, resource, { filter: c.filter, order, limit: 100 })).items.length;
  });
  // Follow cursors DEEP rows in (or to the end), then time the page there.
  let cursor: string | null = null;
  let depth = 0;
  const t0 = performance.now();
  do {
    const page: { items: unknown[]; nextCursor: string | null } = await readAuditPage(db, resource, { filter: c.filter, order, limit: 1000, ...(cursor ? { cursor } : {}) });
    depth += page.items.length;
    cursor = page.nextCursor;
  } while (cursor && depth < DEEP);
  const walkMs = ms(t0);
  const deep = cursor;
  const deepPageMs = deep ? await median3(() => readAuditPage(db, resource, { filter: c.filter, order, limit: 100, cursor: deep })) : null;
  return { resource: c.resource, label: c.label, firstPageMs, firstPageRows, depth, walkMs, deepPageMs };
}

// ---------------------------------------------------------------------------------------------
// Exports through HTTP

async function exportServer(db: Db): Promise<{ app: FastifyInstance; url: string }> {
  const catalogue = createSchemaCatalogue();
  const app = Fastify({ logger: false });
  installErrorHandler(app, { bodyLimit: 1 << 20, attachmentLimit: 1 << 20 });
  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? catalogue.strict : catalogue.coercing).compile(schema as object));
  for (const schema of catalogue.schemas) app.addSchema(schema);
  // Each export writes its audit.exported event into the bench's own audit_events (no chain runs here).
  await app.register(auditorRoutes, {
    db, apiKeys: { resolve: async () => ({ kind: 'role', keyId: 'bench', role: 'auditor' }) }, audit: { guard: (write) => write() },
    exportSlots: createExportSlots(1), now: () => new Date(),
  });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return { app, url };
}

interface ExportResult { what: string; rows: number; bytes: number; seconds: number; rowsPerSecond: number; rssBeforeMiB: number; rssPeakMiB: number; heapPeakMiB: number }

async function timeExport(url: string, what: string, path: string): Promise<ExportResult> {
  globalThis.gc?.();
  const rssBefore = process.memoryUsage().rss;
  let rssPeak = rssBefore;
  let heapPeak = process.memoryUsage().heapUsed;
  const sampler = setInterval(() => {
    const usage = process.memoryUsage();
    rssPeak = Math.max(rssPeak, usage.rss);
    heapPeak = Math.max(heapPeak, usage.heapUsed);
  }, 25);
  const t0 = performance.now();
  const response = await fetch(`${url}${path}`, { headers: { authorization: 'Bearer bench' } });
  if (response.status !== 200 || !response.body) throw new Error(`${path}: HTTP ${response.status} ${await response.text()}`);
  let bytes = 0;
  let newlines = 0;
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    bytes += chunk.length;
    for (let i = 0; i < chunk.length; i += 1) if (chunk[i] === 10) newlines += 1;
  }
  const seconds = (performance.now() - t0) / 1000;
  clearInterval(sampler);
  // CSV: one header line; a quoted field never holds a line break in this data.
  const rows = path.includes('format=csv') ? newlines - 1 : newlines;
  return { what, rows, bytes, seconds: Math.round(seconds * 10) / 10, rowsPerSecond: Math.round(rows / seconds), rssBeforeMiB: mib(rssBefore), rssPeakMiB: mib(rssPeak), heapPeakMiB: mib(heapPeak) };
}

// ---------------------------------------------------------------------------------------------

/** One connection for the write probe, and the CPU time its database backend has used so far. */
interface ProbeConnection { db: Db; cpuMs(): number }

/** utime + stime of a process, from /proc (Linux), in milliseconds. */
function processCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // USER_HZ ticks
}

async function openStore(): Promise<{ db: Db; probe: ProbeConnection; cleanup(): Promise<void>; where: string }> {
  if (store === 'pglite') {
    const dir = await mkdtemp(join(tmpdir(), 'lienthong-bench-auditor-'));
    const db = await openPgliteDb({ dataDir: join(dir, 'pgdata') });
    const cpuMs = () => { const usage = process.cpuUsage(); return (usage.user + usage.system) / 1000; };
    return {
      db, probe: { db, cpuMs }, where: dir,
      cleanup: async () => {
        await db.close();
        if (!args.keep) await rm(dir, { recursive: true, force: true });
      },
    };
  }
  const schema = `lt_bench_auditor_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: args['database-url'] });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  const url = new URL(args['database-url']!);
  url.searchParams.set('options', `-c search_path=${schema}`);
  const db = await openPgDb({ connectionString: url.toString(), max: 4, applicationName: 'lienthong-bench-auditor' });
  const probeDb = await openPgDb({ connectionString: url.toString(), max: 1, applicationName: 'lienthong-bench-auditor-probe' });
  const backend = (await probeDb.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
  return {
    db, probe: { db: probeDb, cpuMs: () => processCpuMs(backend) }, where: `schema ${schema}`,
    cleanup: async () => {
      await probeDb.close();
      await db.close();
      if (!args.keep) await admin.query(`DROP SCHEMA ${schema} CASCADE`);
      await admin.end();
    },
  };
}

async function main(): Promise<void> {
  const { db, probe, cleanup, where } = await openStore();
  try {
    const version = (await db.query<{ v: string }>('SELECT version() AS v')).rows[0]!.v;
    log(`auditor bench: ${ROWS.toLocaleString('en')} messages, ${store} (${version.split(',')[0]}), ${where}; ${cpus().length} × ${cpus()[0]?.model}, ${mib(totalmem())} MiB, Node ${process.version}, ${new Date().toISOString()}`);
    await migrate(db);
    await setUp(db);
    await dropAuditorIndexes(db);
    log('1. load (without the auditor indexes)');
    const loadMs = await load(db, 0, ROWS, BATCH);
    const counts = (await db.query<{ m: number; d: number; e: number; ds: number }>(
      'SELECT (SELECT count(*) FROM messages)::int AS m, (SELECT count(*) FROM deliveries)::int AS d, (SELECT count(*) FROM audit_events)::int AS e, (SELECT count(*) FROM dossiers)::int AS ds')).rows[0]!;
    log(`   ${counts.m} messages, ${counts.d} deliveries, ${counts.e} audit events, ${counts.ds} dossiers in ${Math.round(loadMs / 1000)} s`);

    log('2. migration 008 on the loaded tables, and what each index costs the writers');
    const buildMs = await createAuditorIndexes(db);
    log(`   building the indexes: ${Object.entries(buildMs).map(([name, t]) => `${name} ${t} ms`).join(', ')}`);
    const sizes = await indexSizes(db);
    log(`   their size: ${Object.entries(sizes).map(([name, bytes]) => `${name} ${mib(bytes)} MiB`).join(', ')}`);
    const writeCost = await probeWriteCost(probe);
    const perMessage = (c: WriteCost) => `${Math.round((c.cpuMs * 1000) / PROBE)} µs CPU, ${Math.round(c.walBytes / PROBE)} B WAL, ${Math.round((c.ms * 1000) / PROBE)} µs wall`;
    log(`   per message (+ its deliveries and events, events sealed), statements of 1,000: ${perMessage(writeCost.all)} with every index; ${perMessage(writeCost.none)} without`);
    log(`   each index's share (dropped one by one): ${Object.entries(writeCost.marginal).map(([name, c]) => `${name} ${perMessage(c)}`).join('; ')}`);
    await createAuditorIndexes(db);
    await db.query('VACUUM ANALYZE');

    log(`3. pages (median of 3; deep = after following cursors ${DEEP.toLocaleString('en')} rows in)`);
    const results: CaseResult[] = [];
    for (const c of cases(await pickValues(db))) {
      const r = await timeCase(db, c);
      results.push(r);
      log(`   ${r.resource.padEnd(10)} ${r.label.padEnd(34)} first page ${String(r.firstPageMs).padStart(7)} ms (${r.firstPageRows} rows)   ` +
        `walk ${String(r.depth).padStart(6)} rows ${String(r.walkMs).padStart(8)} ms   deep page ${r.deepPageMs === null ? '     — (end)' : `${String(r.deepPageMs).padStart(7)} ms`}`);
    }

    log('4. exports over HTTP (whole result, streamed)');
    const { app, url } = await exportServer(db);
    const exports: ExportResult[] = [];
    for (const [what, path] of [
      ['deliveries CSV', '/v1/audit/deliveries?format=csv'], ['deliveries JSON Lines', '/v1/audit/deliveries?format=jsonl'],
      ['events JSON Lines', '/v1/audit/events?format=jsonl'], ['events CSV, agency (busiest)', '/v1/audit/events?format=csv&agency=000.00.00.H01'],
    ] as const) {
      const r = await timeExport(url, what, path);
      exports.push(r);
      log(`   ${what.padEnd(30)} ${r.rows} rows, ${mib(r.bytes)} MiB in ${r.seconds} s = ${r.rowsPerSecond} rows/s; RSS ${r.rssBeforeMiB} → peak ${r.rssPeakMiB} MiB (heap peak ${r.heapPeakMiB} MiB)`);
    }
    await app.close();
    const out = { store, version, rows: ROWS, counts, loadMs, writeProbe: { rows: PROBE, ...writeCost }, indexBuildMs: buildMs, indexBytes: sizes, pages: results, exports, at: new Date().toISOString() };
    await writeFile(join('bench', 'results', `latest-auditor-${store}.json`), `${JSON.stringify(out, null, 2)}\n`);
  } finally {
    await cleanup();
  }
}

await main();
