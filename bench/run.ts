/**
 * `npm run bench` — drives the real hub (separate `serve` and `worker` processes, PostgreSQL store,
 * Redis queue) with ~20 KB documents delivered to a local simulated agency endpoint:
 *   1. open loop at --rate documents/s for --seconds (accept latency from the scheduled send time),
 *   2. closed loop at --concurrency for --saturation-seconds (the saturation rate),
 * and prints sustained documents/s, accept p50/p99, accept→delivered p50/p99 (from the hub's own
 * timestamps in the database) and CPU per document per process, writing them to
 * bench/results/latest.json (`--format edxml`: latest-edxml.json).
 *
 * `--format json` (default): JSON documents with a base64 attachment, delivered as the hub's JSON envelope.
 * `--format edxml`: edXML packets (QCVN 102:2016, `application/xml`) to an agency whose endpoint takes
 * edXML, so each is parsed, stored, rebuilt, signed by the hub (XML-DSig) and delivered as edXML; at the
 * end `xmlsec1` verifies a sample of the delivered packets against the hub's CA.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { startHttpEndpointSimulator } from '../adapters/http-endpoint/simulator.js';
import { createApiKey } from '../src/auth/api-keys.js';
import { createDevPki, writeDevPki } from '../src/crypto/dev-pki.js';
import { migrate } from '../src/store/migrate.js';
import { openPgDb } from '../src/store/pg-db.js';
import { EDXML_RECIPIENT, EDXML_SENDER, edxmlPacketFactory } from './edxml-packets.js';
import { closedLoop, documentFactory, openLoop, percentile, type LoadResult, type Target } from './load.js';
import { processCpuSeconds } from './process-cpu.js';
import { verifyDeliveredEdxml, type EdxmlSampleVerdict } from './verify-delivered-edxml.js';

const { values: args } = parseArgs({
  options: {
    rate: { type: 'string', default: '1000' },
    seconds: { type: 'string', default: '20' },
    'saturation-seconds': { type: 'string', default: '15' },
    concurrency: { type: 'string', default: '64' },
    size: { type: 'string', default: '20480' },
    alg: { type: 'string', default: 'ES256' },
    format: { type: 'string', default: 'json' },
    // edXML only: delivered packets checked with xmlsec1 at the end.
    'verify-sample': { type: 'string', default: '20' },
    // Leaves the PostgreSQL schema behind (its name is printed), to look at plans and row sizes afterwards.
    'keep-schema': { type: 'boolean', default: false },
    // A co-located PostgreSQL is reached over its Unix socket when there is one (as a single-host
    // deployment would: ~5% less CPU per document than loopback TCP), else over TCP.
    'database-url': { type: 'string', default: process.env.BENCH_DATABASE_URL ?? (existsSync('/var/run/postgresql/.s.PGSQL.5432')
      ? 'postgres://postgres@%2Fvar%2Frun%2Fpostgresql/test' : 'postgres://postgres@127.0.0.1:5432/test') },
    'redis-url': { type: 'string', default: process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379' },
    'worker-concurrency': { type: 'string', default: '128' },
    out: { type: 'string' },
  },
});
const num = (v: string | undefined): number => Number(v);
const log = (line: string): void => void process.stdout.write(`${line}\n`);
if (args.format !== 'json' && args.format !== 'edxml') throw new Error(`--format ${args.format}: json or edxml`);
const edxml = args.format === 'edxml';
const out = args.out ?? (edxml ? 'bench/results/latest-edxml.json' : 'bench/results/latest.json');

/** What a scenario sends: the body factory, its media type and where it goes. */
async function scenarioTarget(url: string, key: string): Promise<Target> {
  return edxml
    ? { url, key, contentType: 'application/xml', body: await edxmlPacketFactory(num(args.size)), connections: 256 }
    : { url, key, contentType: 'application/json', body: documentFactory(num(args.size)), connections: 256 };
}

async function main(): Promise<void> {
  const root = resolve('.');
  const dataDir = await mkdtemp(join(tmpdir(), 'lienthong-bench-'));
  const schema = `lt_bench_${randomBytes(4).toString('hex')}`;
  const prefix = `lt-bench-${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: args['database-url'] });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  const url = new URL(args['database-url']!);
  url.searchParams.set('options', `-c search_path=${schema}`);
  const databaseUrl = url.toString();
  const children: ChildProcess[] = [];
  const sim = await startHttpEndpointSimulator({ recordBodies: false });
  try {
    // 1. keys, schema, an API key for the sending agency
    const pki = await createDevPki({ alg: args.alg as 'ES256' | 'RS256' });
    const paths = await writeDevPki(join(dataDir, 'keys'), pki);
    const db = await openPgDb({ connectionString: databaseUrl, max: 2 });
    await migrate(db);
    const { key } = await createApiKey(db, { agency: EDXML_SENDER }, 'bench');

    // 2. the hub: API and worker as two processes (one per core, as deployed)
    const port = 18_000 + Math.floor(Math.random() * 2_000);
    const env = {
      ...process.env, DATABASE_URL: databaseUrl, DATABASE_POOL_SIZE: process.env.BENCH_POOL_SIZE ?? '16', REDIS_URL: args['redis-url'], LIENTHONG_QUEUE_PREFIX: prefix,
      LIENTHONG_DATA_DIR: dataDir, LIENTHONG_CONFIG: join(root, 'bench/bench-config.json'), LIENTHONG_HUB_CERT: paths.chainPath,
      LIENTHONG_HUB_KEY: paths.hubKeyPath, BENCH_SIM_URL: sim.url, PORT: String(port), LOG_LEVEL: 'warn',
      LIENTHONG_WORKER_CONCURRENCY: args['worker-concurrency'], LIENTHONG_BODY_LIMIT: String(1 << 20),
    };
    for (const role of ['serve', 'worker']) {
      // BENCH_CHILD_NODE_OPTIONS, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof", profiles the hub processes only.
      // --max-semi-space-size: the hub allocates ~100 KB per document; a larger young generation means
      // fewer scavenges and less promotion (the shebang of dist/src/cli.js sets the same).
      const nodeArgs = ['--max-semi-space-size=32', ...(process.env.BENCH_CHILD_NODE_OPTIONS?.split(' ').filter(Boolean) ?? [])];
      const roleEnv = role === 'worker' ? { ...env, LIENTHONG_METRICS_PORT: String(port + 1) } : env;
      const child = spawn(process.execPath, [...nodeArgs, join(root, 'dist/src/cli.js'), role], { env: roleEnv, stdio: ['ignore', 'inherit', 'inherit'] });
      children.push(child);
    }
    const base = `http://127.0.0.1:${port}`;
    await waitReady(base);
    const target = await scenarioTarget(base, key);
    const what = edxml ? `edXML packets of ${target.body(1_000_000).length} bytes to ${EDXML_RECIPIENT} (endpoint format edxml, hub XML signature)` : `JSON documents of ${target.body(1_000_000).length} bytes`;
    log(`hub up: serve + worker on PostgreSQL ${url.host || decodeURIComponent(url.hostname)} (${schema}), Redis ${args['redis-url']} prefix ${prefix}, ${args.alg} receipts and signatures, ${what}`);

    // 3. warm-up (JIT, pools)
    await closedLoop(target, 16, 3, 1);
    await waitDelivered(db, 20_000);
    // A live hub's tables have statistics (autovacuum analyzes them within a minute); a fresh schema
    // has none, and plans cached while the tables were empty would scan them sequentially.
    await db.query('ANALYZE');

    // 4. open loop at the target rate
    log(`open loop: ${args.rate} documents/s for ${args.seconds} s …`);
    const open = await openLoop(target, num(args.rate), num(args.seconds), 1_000_000);
    const openDelivery = await deliveryStats(db, open.messageIds);

    // 5. saturation, with the CPU each hub process spent per document
    log(`closed loop: ${args.concurrency} clients for ${args['saturation-seconds']} s …`);
    const workerBase = `http://127.0.0.1:${port + 1}`;
    const services = { postgres: /^postgres: /, redis: /redis-server/, benchmark: /bench\/run\.js/ };
    const servicesBefore = Object.fromEntries(Object.entries(services).map(([name, re]) => [name, processCpuSeconds(re)]));
    const cpuBefore = { serve: await cpuSeconds(base), worker: await cpuSeconds(workerBase) };
    const sat = await closedLoop(target, num(args.concurrency), num(args['saturation-seconds']), 5_000_000);
    const satDelivery = await deliveryStats(db, sat.messageIds);
    const cpuPerDocumentMs: Record<string, number> = {
      serve: ((await cpuSeconds(base)) - cpuBefore.serve) * 1000 / sat.accepted,
      worker: ((await cpuSeconds(workerBase)) - cpuBefore.worker) * 1000 / sat.accepted,
      ...Object.fromEntries(Object.entries(services).map(([name, re]) => [name, (processCpuSeconds(re) - servicesBefore[name]!) * 1000 / sat.accepted])),
    };

    const batches = { ...(await batchSizes(base)), ...(await batchSizes(`http://127.0.0.1:${port + 1}`)) };
    // 6. edXML: the independent check of what was measured (after the measurement: it costs CPU).
    let xmlsec: EdxmlSampleVerdict | undefined;
    if (edxml) {
      xmlsec = await verifyDeliveredEdxml({ base, key, caPem: pki.caCertPem, deliveries: sim.requests('h14'), sample: num(args['verify-sample']) });
    }
    const summary = {
      machine: { cpus: cpus().length, cpu: cpus()[0]?.model, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version },
      setup: {
        processes: 'serve + worker', store: 'postgresql', format: args.format, documentBytes: target.body(1_000_000).length,
        receiptAlg: args.alg, workerConcurrency: num(args['worker-concurrency']),
      },
      openLoop: report(open, openDelivery, num(args.rate)),
      saturation: report(sat, satDelivery),
      meanGroupCommitBatch: batches,
      cpuPerDocumentMs,
      ...(xmlsec ? { xmlsecSample: xmlsec } : {}),
      at: new Date().toISOString(),
    };
    log('');
    log('                         offered/s  accepted/s  delivered/s  accept p50  accept p99  accept→delivered p50  p99   errors');
    for (const [name, r] of [['open loop', summary.openLoop], ['saturation', summary.saturation]] as const) {
      log(`  ${name.padEnd(22)} ${String(r.offeredPerSecond ?? '-').padStart(9)}  ${r.acceptedPerSecond.toFixed(0).padStart(10)}  ${r.deliveredPerSecond.toFixed(0).padStart(11)}  ${r.acceptP50Ms.toFixed(1).padStart(7)} ms  ${r.acceptP99Ms.toFixed(1).padStart(7)} ms  ${r.deliveredP50Ms.toFixed(1).padStart(14)} ms  ${r.deliveredP99Ms.toFixed(1).padStart(6)} ms  ${r.errors}`);
    }
    log(`  CPU per document (saturation): ${Object.entries(cpuPerDocumentMs).map(([k, v]) => `${k} ${v.toFixed(2)} ms`).join(', ')}`);
    log(`  mean group-commit batch: ${Object.entries(batches).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', ')}`);
    if (xmlsec) {
      log(`  xmlsec1 --verify (hub CA only): ${xmlsec.verified}/${xmlsec.sampled} sampled delivered packets verified, ${xmlsec.sameAsDelivered}/${xmlsec.sampled} byte-identical to the delivered body`);
      for (const failure of xmlsec.failures.slice(0, 5)) log(`    ${failure}`);
    }
    await mkdir('bench/results', { recursive: true });
    await writeFile(out, `${JSON.stringify(summary, null, 2)}\n`);
    log(`\nwritten to ${out}`);
    if (xmlsec && (xmlsec.sampled === 0 || xmlsec.verified < xmlsec.sampled || xmlsec.sameAsDelivered < xmlsec.sampled)) process.exitCode = 1;
    await db.close();
  } finally {
    for (const child of children) child.kill('SIGTERM');
    await Promise.all(children.map((c) => new Promise((r) => (c.exitCode !== null ? r(null) : c.once('exit', r)))));
    await sim.close();
    if (args['keep-schema']) log(`schema ${schema} kept (DROP SCHEMA ${schema} CASCADE when done)`);
    else await admin.query(`DROP SCHEMA ${schema} CASCADE`);
    await admin.end();
    await rm(dataDir, { recursive: true, force: true });
    await cleanRedis(args['redis-url']!, prefix);
  }
}

interface DeliveryStats { delivered: number; p50: number; p99: number; spanMs: number }

async function deliveryStats(db: Awaited<ReturnType<typeof openPgDb>>, ids: string[]): Promise<DeliveryStats> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM deliveries WHERE message_id = ANY($1::uuid[]) AND state = 'delivered'`, [ids]);
    if (rows[0]!.n >= ids.length || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  const { rows } = await db.query<{ n: number; p50: number; p99: number; span: number }>(
    `SELECT count(*)::int AS n,
            percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM d.delivered_at - m.created_at) * 1000) AS p50,
            percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM d.delivered_at - m.created_at) * 1000) AS p99,
            extract(epoch FROM max(d.delivered_at) - min(m.created_at)) * 1000 AS span
       FROM deliveries d JOIN messages m ON m.id = d.message_id
      WHERE d.message_id = ANY($1::uuid[]) AND d.state = 'delivered'`, [ids]);
  const r = rows[0]!;
  return { delivered: r.n, p50: Number(r.p50), p99: Number(r.p99), spanMs: Number(r.span) };
}

function report(load: LoadResult, delivery: DeliveryStats, offered?: number) {
  return {
    ...(offered ? { offeredPerSecond: offered } : {}),
    sent: load.sent, accepted: load.accepted, errors: load.errors, delivered: delivery.delivered,
    acceptedPerSecond: load.accepted / (load.elapsedMs / 1000),
    deliveredPerSecond: delivery.delivered / (delivery.spanMs / 1000),
    acceptP50Ms: percentile(load.latencies, 50), acceptP99Ms: percentile(load.latencies, 99),
    deliveredP50Ms: delivery.p50, deliveredP99Ms: delivery.p99,
  };
}

/** CPU seconds (user + system) a hub process has used, from its /metrics. */
async function cpuSeconds(base: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const match = /^lienthong_process_cpu_seconds_total ([0-9.e+]+)$/m.exec(text);
  if (!match) throw new Error(`no process CPU metric at ${base}`);
  return Number(match[1]);
}

/** Mean items per group-commit batch, by writer, from a process's /metrics. */
async function batchSizes(base: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const sums = new Map<string, number>();
  const counts = new Map<string, number>();
  for (const m of text.matchAll(/^lienthong_group_commit_batch_size_(sum|count)\{writer="([a-z]+)"\} ([0-9.e+]+)$/gm)) {
    (m[1] === 'sum' ? sums : counts).set(m[2]!, Number(m[3]));
  }
  return Object.fromEntries([...sums].map(([writer, sum]) => [writer, sum / (counts.get(writer) || 1)]));
}

async function waitReady(base: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(`${base}/readyz`)).ok) return;
    } catch { /* not yet listening */ }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('hub did not become ready within 30 s');
}

async function waitDelivered(db: Awaited<ReturnType<typeof openPgDb>>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM deliveries WHERE state <> 'delivered'`);
    if (rows[0]!.n === 0) return;
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function cleanRedis(redisUrl: string, prefix: string): Promise<void> {
  const { Redis } = await import('ioredis');
  const redis = new Redis(redisUrl);
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
