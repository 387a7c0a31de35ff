/**
 * `npm run bench:large [-- --mb 50 --store pglite|postgres --zip --deflate]` — one edXML packet with a large
 * attachment (50 MB of pseudo-random bytes, ~70 MB of XML) through the real hub (`lienthong all`, a
 * child process): streamed intake, signing, delivery to an `http-endpoint` with `format: edxml`
 * (the simulator, in this process, checks the hub's signature and `Content-Digest` as the body
 * streams), then `GET /v1/messages/:id/edxml`. Prints the hub process's resident memory — idle
 * baseline, then the peak of each stage (Linux `VmHWM`, reset between stages through
 * `/proc/<pid>/clear_refs`) — and the time of each stage, and checks that the bytes delivered are
 * the bytes served and carry the attachment unchanged.
 *
 * The packet generator is exported for the end-to-end test (test/integration/hub/edxml-large.test.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { Zip, ZipDeflate, ZipPassThrough } from 'fflate';
import pg from 'pg';
import { request } from 'undici';
import { startHttpEndpointSimulator, type HttpEndpointRecordedRequest } from '../adapters/http-endpoint/simulator.js';
import { generateApiKey, hashApiKey } from '../src/auth/api-keys.js';
import { createDevPki, writeDevPki } from '../src/crypto/dev-pki.js';
import { buildEdxml, parseEdxml, type AttachmentSink, type ByteFacts, type EdocPacket } from '../src/formats/edxml/index.js';

// ── The packet ──────────────────────────────────────────────────────────────────────────────────

const CHUNK_BYTES = 64 * 1024;

/** `size` deterministic pseudo-random bytes (the AES-256-CTR keystream of `seed`), a fresh stream per call. */
export function pseudoRandomBytes(seed: string, size: number): Readable {
  const key = createHash('sha256').update(seed).digest();
  return Readable.from((function* () {
    const cipher = createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
    const zeros = Buffer.alloc(CHUNK_BYTES);
    for (let left = size; left > 0; left -= CHUNK_BYTES) yield cipher.update(zeros.subarray(0, Math.min(CHUNK_BYTES, left)));
  })());
}

/**
 * A ZIP archive holding `source` as its one entry, written as it streams (so with a data descriptor,
 * like Java's ZipOutputStream): stored, or deflated at level 1 (pseudo-random bytes do not shrink,
 * but the hub then inflates them).
 */
async function* zipSingleEntry(name: string, source: AsyncIterable<Uint8Array>, deflate = false): AsyncGenerator<Uint8Array> {
  const out: Uint8Array[] = [];
  let failure: Error | null = null;
  const zip = new Zip((err, chunk) => {
    if (err) failure = err;
    else out.push(chunk);
  });
  const entry = deflate ? new ZipDeflate(name, { level: 1 }) : new ZipPassThrough(name);
  entry.mtime = new Date('2026-11-20T00:00:00Z'); // the same bytes on every pass
  zip.add(entry);
  for await (const chunk of source) {
    entry.push(chunk);
    if (failure) throw failure;
    yield* out.splice(0);
  }
  entry.push(new Uint8Array(0), true);
  zip.end();
  if (failure) throw failure;
  yield* out.splice(0);
}

/** Size and SHA-256 of a stream, read once. */
export async function byteFacts(source: AsyncIterable<Uint8Array>): Promise<ByteFacts> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of source) {
    hash.update(chunk);
    size += chunk.length;
  }
  return { size, sha256: hash.digest('hex') };
}

export interface LargePacketOptions {
  from: string;
  to: readonly string[];
  /** Bytes of the one attachment (pseudo-random: it neither compresses nor looks like a ZIP). */
  attachmentBytes: number;
  /** Seeds the attachment bytes and numbers the document. */
  seed: string;
  /** Carry the attachment as a single-entry ZIP (stored, not deflated), as the VNPT SDK sends every file. */
  zip?: boolean;
  /** With `zip`: deflate the entry (level 1) instead of storing it. */
  deflate?: boolean;
}

export interface LargePacket {
  documentId: string;
  /** The attachment itself (the file; inside the ZIP with `zip`). */
  attachment: ByteFacts;
  /** What the packet carries in base64: the file, or the ZIP holding it. */
  payload: ByteFacts;
  /** A fresh stream of the whole packet (unsigned, as an agency's system sends it), built as it is read. */
  open(): Readable;
}

/** An edXML document packet from `from` to `to` with one large attachment, generated as it streams. */
export async function largeEdxmlPacket(opts: LargePacketOptions): Promise<LargePacket> {
  const number = String(parseInt(createHash('sha256').update(opts.seed).digest('hex').slice(0, 8), 16) % 1_000_000);
  const documentId = `${opts.from},2026/11/20,${number}/BENCH-LARGE`;
  const name = `tai-lieu-${number}.pdf`;
  const openFile = (): Readable => pseudoRandomBytes(opts.seed, opts.attachmentBytes);
  const openPayload = (): Readable => (opts.zip ? Readable.from(zipSingleEntry(name, openFile(), opts.deflate === true)) : openFile());
  const attachment = await byteFacts(openFile());
  const payload = opts.zip ? await byteFacts(openPayload()) : attachment;
  const packet: EdocPacket = {
    kind: 'edoc',
    header: {
      from: { organId: opts.from, organName: opts.from },
      to: opts.to.map((organId) => ({ organId, organName: organId })),
      documentId,
      code: { codeNumber: number, codeNotation: 'BENCH-LARGE' },
      promulgationInfo: { place: 'Hà Nội', promulgationDate: '2026/11/20' },
      documentType: { type: '1', typeDetail: '0', typeName: 'Công văn' },
      subject: `Văn bản kèm tệp lớn (${opts.attachmentBytes} byte)`,
      responseFor: [],
    },
    traceHeaderList: { traceHeaders: [], bussiness: { bussinessDocType: '0', staffInfo: [] } },
    manifest: { version: '1.0', references: [{ contentId: 'cid:large.0', contentType: 'application/pdf', attachmentName: name }] },
    attachments: [{
      contentId: 'cid:large.0', attachmentName: name, contentType: opts.zip ? 'application/zip' : 'application/pdf',
      payload, content: { ...attachment, zipped: opts.zip === true, ...(opts.zip && { entryName: name }) },
    }],
  };
  const built = buildEdxml(packet, { openAttachment: openPayload });
  return {
    documentId,
    attachment,
    payload,
    open: () => Readable.from((async function* () {
      yield Buffer.from(built.xmlDeclaration + built.beforeSignature, 'utf8');
      yield* built.afterSignature();
    })()),
  };
}

/**
 * Reads an edXML packet as it streams and returns its size and SHA-256 and, for each attachment,
 * the size and SHA-256 of its payload (never holding a payload: the sink only hashes).
 */
export async function digestEdxmlStream(source: AsyncIterable<Uint8Array>): Promise<{ packet: ByteFacts; attachments: ByteFacts[] }> {
  const hash = createHash('sha256');
  let size = 0;
  async function* counted(): AsyncGenerator<Uint8Array> {
    for await (const chunk of source) {
      hash.update(chunk);
      size += chunk.length;
      yield chunk;
    }
  }
  const hashingSink = (): AttachmentSink<ByteFacts> => {
    const payload = createHash('sha256');
    let bytes = 0;
    return {
      write(chunk) {
        payload.update(chunk);
        bytes += chunk.length;
      },
      end: () => ({ size: bytes, sha256: payload.digest('hex') }),
    };
  };
  const parsed = await parseEdxml(counted(), { attachmentSink: hashingSink, limits: { maxBytes: Number.MAX_SAFE_INTEGER } });
  return { packet: { size, sha256: hash.digest('hex') }, attachments: parsed.attachmentResults };
}

// ── Memory of a process (Linux) ─────────────────────────────────────────────────────────────────

/** `VmRSS` and `VmHWM` (peak since start or the last reset) of a process, in bytes. */
export function memoryOf(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN) * 1024;
  return { rss: kib('VmRSS'), peak: kib('VmHWM') };
}

/** Resets the process's `VmHWM` to its current RSS (Linux ≥ 4.0, same user). */
export function resetPeak(pid: number): void {
  writeFileSync(`/proc/${pid}/clear_refs`, '5');
}

// ── The run ─────────────────────────────────────────────────────────────────────────────────────

const G22 = '000.00.00.G22';
const H41 = '000.00.00.H41';
const MIB = 1024 * 1024;

interface StageResult {
  stage: string;
  ms: number;
  /** RSS of the hub when the stage began. */
  start: number;
  /** Peak RSS of the hub during the stage. */
  peak: number;
}

async function main(): Promise<void> {
  const { values: args } = parseArgs({
    options: {
      mb: { type: 'string', default: '50' },
      store: { type: 'string', default: 'pglite' },
      'database-url': { type: 'string', default: process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test' },
      'redis-url': { type: 'string', default: process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379' },
      alg: { type: 'string', default: 'ES256' },
      // V8's young generation is two semi-spaces: garbage from a streamed packet fills them before a
      // scavenge, so their size shows in RSS. The CLI's shebang sets 32 (MiB).
      'semi-space-mb': { type: 'string', default: '32' },
      // The attachment as a single-entry ZIP, as the VNPT SDK sends every file; --deflate: deflated, not stored.
      zip: { type: 'boolean', default: false },
      deflate: { type: 'boolean', default: false },
      // What the endpoint takes: the signed edXML packet, or the hub's JSON envelope (attachment in base64).
      format: { type: 'string', default: 'edxml' },
    },
  });
  const log = (line: string): void => void process.stdout.write(`${line}\n`);
  const attachmentBytes = Math.round(Number(args.mb) * 1_000_000);
  if (!(attachmentBytes > 0)) throw new Error('--mb must be a positive number');
  if (args.store !== 'pglite' && args.store !== 'postgres') throw new Error('--store is pglite or postgres');
  if (args.format !== 'edxml' && args.format !== 'json') throw new Error('--format is edxml or json');

  const root = resolve('.');
  const dataDir = await mkdtemp(join(tmpdir(), 'lienthong-bench-large-'));
  const prefix = `lt-bench-large-${randomBytes(4).toString('hex')}`;
  const pki = await createDevPki({ alg: args.alg as 'ES256' | 'RS256' });
  const paths = await writeDevPki(join(dataDir, 'keys'), pki);
  const sim = await startHttpEndpointSimulator({ hubCertificatePem: pki.chainPem });
  const apiKey = generateApiKey();
  let schema: string | undefined;
  let child: ChildProcess | undefined;
  try {
    // 1. The hub's configuration: G22 sends, H41 takes edXML (or JSON) over HTTP, generous timeouts.
    const config = {
      hub: { name: 'lienthong (bench large)', organId: '000.00.00.LT1' },
      defaults: { retry: { schedule: ['0s', '1s', '5s'], jitter: 0, giveUpAfter: '10m' }, timeout: '120s', maxConcurrency: 4 },
      agencies: [{ code: G22, name: 'Văn phòng Chính phủ' }, { code: H41, name: 'UBND tỉnh Nghệ An', endpoint: 'h41-edxml' }],
      endpoints: [{ id: 'h41-edxml', adapter: 'http-endpoint', settings: { url: `${sim.url}/inbox/h41`, format: args.format, timeoutMs: 120_000 } }],
      routes: [],
      apiKeys: [{ id: 'bench', agency: G22, sha256: hashApiKey(apiKey) }],
    };
    const configPath = join(dataDir, 'hub-config.json');
    await writeFile(configPath, JSON.stringify(config, null, 2));
    let databaseUrl: string | undefined;
    if (args.store === 'postgres') {
      schema = `lt_bench_large_${randomBytes(4).toString('hex')}`;
      await adminQuery(args['database-url']!, `CREATE SCHEMA ${schema}`);
      const url = new URL(args['database-url']!);
      url.searchParams.set('options', `-c search_path=${schema}`);
      databaseUrl = url.toString();
    }

    // 2. The hub as `lienthong all`, flags as its shebang sets them.
    const port = 20_000 + Math.floor(Math.random() * 5_000);
    const base = `http://127.0.0.1:${port}`;
    child = spawn(process.execPath, [`--max-semi-space-size=${Number(args['semi-space-mb'])}`, join(root, 'dist/src/cli.js'), 'all'], {
      env: {
        ...process.env, LIENTHONG_DATA_DIR: dataDir, LIENTHONG_CONFIG: configPath, LIENTHONG_HUB_CERT: paths.chainPath,
        LIENTHONG_HUB_KEY: paths.hubKeyPath, REDIS_URL: args['redis-url'], LIENTHONG_QUEUE_PREFIX: prefix, PORT: String(port),
        LOG_LEVEL: 'warn', ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    const pid = child.pid!;
    await waitReady(base, child);
    const started = memoryOf(pid);
    log(`hub up (pid ${pid}, ${args.store}, ${args.alg}, --max-semi-space-size=${args['semi-space-mb']}, endpoint format ${args.format}); RSS after start ${mib(started.rss)}, peak so far ${mib(started.peak)}`);

    // 3. Warm-up: a small packet through the same path, so the baseline includes loaded code and pools.
    const warm = await largeEdxmlPacket({ from: G22, to: [H41], attachmentBytes: 100_000, seed: `warm-${prefix}` });
    const warmId = await post(base, apiKey, warm.open());
    await waitDelivered(base, apiKey, warmId);
    await digestEdxmlStream(await getStream(base, apiKey, `/v1/messages/${warmId}/edxml`));
    await new Promise((r) => setTimeout(r, 2_000));
    const baseline = memoryOf(pid);
    log(`baseline (idle, after a 100 kB packet went through): RSS ${mib(baseline.rss)}`);

    // 4. The large packet: intake …
    const zip = args.zip === true || args.deflate === true;
    log(`generating a ${(attachmentBytes / 1e6).toFixed(0)} MB attachment${zip ? `, carried as a single-entry ZIP (${args.deflate ? 'deflated' : 'stored'})` : ''} …`);
    const packet = await largeEdxmlPacket({ from: G22, to: [H41], attachmentBytes, seed: `large-${prefix}`, zip, deflate: args.deflate === true });
    const stages: StageResult[] = [];
    const timed = async <T>(stage: string, run: () => Promise<T>): Promise<T> => {
      resetPeak(pid);
      const start = memoryOf(pid).rss;
      const t0 = performance.now();
      const value = await run();
      stages.push({ stage, ms: performance.now() - t0, start, peak: memoryOf(pid).peak });
      return value;
    };
    const id = await timed('intake (POST → 202)', () => post(base, apiKey, packet.open()));
    // … signing and delivery (the worker starts as soon as the job is queued) …
    await timed(args.format === 'edxml' ? 'sign + deliver (202 → delivered)' : 'deliver (202 → delivered)', () => waitDelivered(base, apiKey, id));
    const delivered = sim.requests('h41').find((r) => r.status === 200 && r.headers['lienthong-message-id'] === id);
    if (!delivered) throw new Error('the simulator recorded no accepted delivery');
    // … and serving it again.
    const served = await timed(args.format === 'edxml' ? 'GET /v1/messages/:id/edxml' : 'GET /v1/messages/:id/edxml (signs it first)', async () => digestEdxmlStream(await getStream(base, apiKey, `/v1/messages/${id}/edxml`)));

    // 5. Checks: the bytes delivered are the bytes served, and carry the attachment unchanged.
    const sameAttachment = (facts: ByteFacts | undefined): boolean => facts?.sha256 === packet.attachment.sha256 && facts.size === packet.attachment.size;
    const checks: [string, boolean][] = [['attachment in the served packet = the one sent', sameAttachment(served.attachments[0])]];
    if (args.format === 'edxml') {
      checks.push(['delivered size = served size', delivered.bodySize === served.packet.size]);
      checks.push(['delivered SHA-256 = served SHA-256', delivered.bodySha256 === served.packet.sha256]);
    } else {
      // The simulator keeps JSON bodies (it parses them): decode the attachment delivered.
      const envelope = JSON.parse(delivered.body.toString('utf8')) as { attachments: { content: string }[] };
      const content = Buffer.from(envelope.attachments[0]?.content ?? '', 'base64');
      checks.push(['attachment in the delivered JSON = the one sent', sameAttachment({ size: content.length, sha256: createHash('sha256').update(content).digest('hex') })]);
    }
    report({ args, packetBytes: served.packet.size, attachmentBytes, baseline, stages, delivered, log });
    for (const [what, ok] of checks) log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
    if (checks.some(([, ok]) => !ok)) process.exitCode = 1;
  } finally {
    if (child && child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((r) => child!.once('exit', r));
    }
    await sim.close();
    await rm(dataDir, { recursive: true, force: true });
    if (schema) await adminQuery(args['database-url']!, `DROP SCHEMA ${schema} CASCADE`);
    await cleanRedis(args['redis-url']!, prefix);
  }
}

function report(o: {
  args: { mb?: string; store?: string; alg?: string };
  packetBytes: number;
  attachmentBytes: number;
  baseline: { rss: number };
  stages: StageResult[];
  delivered: HttpEndpointRecordedRequest;
  log: (line: string) => void;
}): void {
  const { log } = o;
  log('');
  log(`attachment ${mib(o.attachmentBytes)}, packet ${mib(o.packetBytes)} (${o.packetBytes} bytes); baseline RSS ${mib(o.baseline.rss)}`);
  log('| stage | time | RSS at start | peak RSS | peak − start | ÷ packet |');
  log('| --- | ---: | ---: | ---: | ---: | ---: |');
  for (const s of o.stages) {
    const growth = s.peak - s.start;
    log(`| ${s.stage} | ${(s.ms / 1000).toFixed(2)} s | ${mib(s.start)} | ${mib(s.peak)} | ${mib(growth)} | ${(growth / o.packetBytes).toFixed(2)} |`);
  }
  const sending = o.delivered.at.getTime() - o.delivered.startedAt.getTime();
  log(`delivery request: ${(sending / 1000).toFixed(2)} s from its first byte to its last at the endpoint (${mib(o.delivered.bodySize)})`);
}

async function post(base: string, key: string, body: Readable): Promise<string> {
  const response = await request(`${base}/v1/messages`, {
    method: 'POST', body, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/xml' },
    headersTimeout: 300_000, bodyTimeout: 300_000,
  });
  const answer = (await response.body.json()) as { id?: string };
  if (response.statusCode !== 202 || !answer.id) throw new Error(`POST /v1/messages answered ${response.statusCode}: ${JSON.stringify(answer)}`);
  return answer.id;
}

async function getStream(base: string, key: string, path: string): Promise<AsyncIterable<Uint8Array>> {
  const response = await request(`${base}${path}`, { headers: { authorization: `Bearer ${key}` }, headersTimeout: 300_000, bodyTimeout: 300_000 });
  if (response.statusCode !== 200) throw new Error(`GET ${path} answered ${response.statusCode}: ${await response.body.text()}`);
  return response.body;
}

async function waitDelivered(base: string, key: string, id: string, timeoutMs = 300_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await request(`${base}/v1/messages/${id}`, { headers: { authorization: `Bearer ${key}` } });
    const view = (await response.body.json()) as { deliveries?: { state: string; lastError?: string }[] };
    const states = view.deliveries?.map((d) => d.state) ?? [];
    if (states.length > 0 && states.every((s) => s === 'delivered')) return;
    if (states.includes('failed')) throw new Error(`delivery failed: ${JSON.stringify(view.deliveries)}`);
    if (Date.now() > deadline) throw new Error(`not delivered within ${timeoutMs} ms: ${JSON.stringify(view.deliveries)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function waitReady(base: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the hub exited with ${child.exitCode}`);
    try {
      if ((await fetch(`${base}/readyz`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('the hub did not become ready within 60 s');
}

async function adminQuery(databaseUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

async function cleanRedis(redisUrl: string, prefix: string): Promise<void> {
  const { Redis } = await import('ioredis');
  const redis = new Redis(redisUrl);
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
}

const mib = (bytes: number): string => `${(bytes / MIB).toFixed(1)} MiB`;

// Run only as a script (the test imports the generator above).
if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
