/**
 * `npm run bench:large [-- --mb 50 --store pglite|postgres --processes all|split --intake edxml|multipart
 * --zip --deflate]` — one document with a large attachment (50 MB of pseudo-random bytes) through the
 * real hub: streamed intake, signing, delivery to an `http-endpoint` with `format: edxml` (the simulator,
 * in this process, checks the hub's signature and `Content-Digest` as the body streams), then
 * `GET /v1/messages/:id/edxml`. Prints each hub process's resident memory — idle baseline, then the peak
 * of each stage (Linux `VmHWM`, reset between stages through `/proc/<pid>/clear_refs`) — and the time of
 * each stage, and checks that the bytes delivered are the bytes served and carry the attachment unchanged.
 *
 * `--intake edxml` (default): an edXML packet (~1.33 × the attachment in base64), generated as it is
 * posted. `--intake multipart`: `multipart/form-data` with the JSON document and the file as a raw part.
 * `--processes all` (default): the hub as one `lienthong all`; `split`: a `serve` and a `worker`
 * process (PostgreSQL only), each measured.
 *
 * The packet generator lives in large-packet.ts and is re-exported for the end-to-end test
 * (test/integration/hub/edxml-large.test.ts).
 */
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { request } from 'undici';
import { startHttpEndpointSimulator, type HttpEndpointRecordedRequest } from '../adapters/http-endpoint/simulator.js';
import { createDevPki } from '../src/crypto/dev-pki.js';
import type { ByteFacts } from '../src/formats/edxml/index.js';
import { startBenchHub, type HubProcess } from './bench-hub.js';
import { defaultRedisUrl } from './bench-defaults.js';
import { log, machineFacts, writeResult } from './bench-results.js';
import { digestEdxmlStream, largeEdxmlPacket, pseudoRandomBytes, byteFacts } from './large-packet.js';
import { multipartDocument } from './multipart-body.js';
import { memoryOf, mib, resetPeak, type ProcessMemory } from './process-memory.js';

export { byteFacts, digestEdxmlStream, largeEdxmlPacket, pseudoRandomBytes, type LargePacket, type LargePacketOptions } from './large-packet.js';
export { memoryOf, resetPeak } from './process-memory.js';

const G22 = '000.00.00.G22';
const H41 = '000.00.00.H41';

/** One stage's time and, per hub process, its RSS when the stage began and its peak during it. */
interface StageResult {
  stage: string;
  ms: number;
  memory: Record<string, { start: number; peak: number }>;
}

/** What one run posts: a stream of the body, its media type, and the attachment inside. */
interface LargeDocument {
  contentType: string;
  open(): Readable;
  attachment: ByteFacts;
}

async function main(): Promise<void> {
  const { values: args } = parseArgs({
    options: {
      mb: { type: 'string', default: '50' },
      store: { type: 'string', default: 'pglite' },
      processes: { type: 'string', default: 'all' },
      intake: { type: 'string', default: 'edxml' },
      // TCP by default, as this benchmark has always measured (the socket would change nothing here).
      'database-url': { type: 'string', default: process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test' },
      'redis-url': { type: 'string', default: defaultRedisUrl() },
      alg: { type: 'string', default: 'ES256' },
      // V8's young generation is two semi-spaces: garbage from a streamed packet fills them before a
      // scavenge, so their size shows in RSS. The CLI's shebang sets 32 (MiB).
      'semi-space-mb': { type: 'string', default: '32' },
      // The attachment as a single-entry ZIP, as the VNPT SDK sends every file; --deflate: deflated, not stored.
      zip: { type: 'boolean', default: false },
      deflate: { type: 'boolean', default: false },
      // What the endpoint takes: the signed edXML packet, or the hub's JSON envelope (attachment in base64).
      format: { type: 'string', default: 'edxml' },
      out: { type: 'string' },
    },
  });
  const attachmentBytes = Math.round(Number(args.mb) * 1_000_000);
  if (!(attachmentBytes > 0)) throw new Error('--mb must be a positive number');
  if (args.store !== 'pglite' && args.store !== 'postgres') throw new Error('--store is pglite or postgres');
  if (args.processes !== 'all' && args.processes !== 'split') throw new Error('--processes is all or split');
  if (args.processes === 'split' && args.store !== 'postgres') throw new Error('--processes split needs --store postgres (PGlite runs in one process)');
  if (args.intake !== 'edxml' && args.intake !== 'multipart') throw new Error('--intake is edxml or multipart');
  if (args.format !== 'edxml' && args.format !== 'json') throw new Error('--format is edxml or json');
  if (args.intake === 'multipart' && (args.zip || args.deflate)) throw new Error('--zip and --deflate wrap the attachment of an edXML packet (--intake edxml)');
  const machine = machineFacts();

  // 1. The endpoint (checks the hub's signature, so it needs the hub's chain first) and the hub:
  //    G22 sends, H41 takes edXML (or JSON) over HTTP, generous timeouts.
  const pki = await createDevPki({ alg: args.alg as 'ES256' | 'RS256' });
  const sim = await startHttpEndpointSimulator({ hubCertificatePem: pki.chainPem });
  try {
    const hub = await startBenchHub({
      name: 'large', store: args.store, layout: args.processes === 'all' ? { kind: 'all' } : { kind: 'split', api: 1, workers: 1 }, pki,
      alg: args.alg as 'ES256' | 'RS256', sender: G22, databaseUrl: args['database-url']!, redisUrl: args['redis-url']!, poolSize: 10, workerConcurrency: 64,
      nodeArgs: [`--max-semi-space-size=${Number(args['semi-space-mb'])}`], log,
      config: {
        hub: { name: 'lienthong (bench large)', organId: '000.00.00.LT1' },
        defaults: { retry: { schedule: ['0s', '1s', '5s'], jitter: 0, giveUpAfter: '10m' }, timeout: '120s', maxConcurrency: 4 },
        agencies: [{ code: G22, name: 'Văn phòng Chính phủ' }, { code: H41, name: 'UBND tỉnh Nghệ An', endpoint: 'h41-edxml' }],
        endpoints: [{ id: 'h41-edxml', adapter: 'http-endpoint', settings: { url: `${sim.url}/inbox/h41`, format: args.format, timeoutMs: 120_000 } }],
        routes: [],
      },
    });
    try {
      const base = hub.apiUrls[0]!;
      const key = hub.senderKey;
      const started = Object.fromEntries(hub.processes.map((p) => [p.name, memoryOf(p.pid)]));
      log(`hub up: ${hub.description}; --max-semi-space-size=${args['semi-space-mb']}, endpoint format ${args.format}, intake ${args.intake}`);
      for (const p of hub.processes) log(`  ${p.name} (pid ${p.pid}): RSS after start ${mib(started[p.name]!.rss)}, peak while starting ${mib(started[p.name]!.peak)}`);

      // 2. Warm-up: a small document the same way, so the baseline includes loaded code and pools.
      const warm = await largeDocument(args.intake, 100_000, `warm-${hub.dataDir}`, {});
      const warmId = await post(base, key, warm);
      await waitDelivered(base, key, warmId);
      await digestEdxmlStream(await getStream(base, key, `/v1/messages/${warmId}/edxml`));
      await new Promise((r) => setTimeout(r, 2_000));
      const baseline = Object.fromEntries(hub.processes.map((p) => [p.name, memoryOf(p.pid)]));
      log(`baseline (idle, after a 100 kB attachment went through): ${hub.processes.map((p) => `${p.name} ${mib(baseline[p.name]!.rss)}`).join(', ')}`);

      // 3. The large document: intake …
      const zip = args.zip === true || args.deflate === true;
      log(`generating a ${(attachmentBytes / 1e6).toFixed(0)} MB attachment${zip ? `, carried as a single-entry ZIP (${args.deflate ? 'deflated' : 'stored'})` : ''} …`);
      const doc = await largeDocument(args.intake, attachmentBytes, `large-${hub.dataDir}`, { zip, deflate: args.deflate === true });
      const stages: StageResult[] = [];
      const timed = async <T>(stage: string, run: () => Promise<T>): Promise<T> => {
        for (const p of hub.processes) resetPeak(p.pid);
        const start = Object.fromEntries(hub.processes.map((p) => [p.name, memoryOf(p.pid).rss]));
        const t0 = performance.now();
        const value = await run();
        const memory = Object.fromEntries(hub.processes.map((p) => [p.name, { start: start[p.name]!, peak: memoryOf(p.pid).peak }]));
        stages.push({ stage, ms: performance.now() - t0, memory });
        return value;
      };
      const id = await timed(`intake (POST ${args.intake} → 202)`, () => post(base, key, doc));
      // … signing and delivery (the worker starts as soon as the job is queued) …
      await timed(args.format === 'edxml' ? 'sign + deliver (202 → delivered)' : 'deliver (202 → delivered)', () => waitDelivered(base, key, id));
      const delivered = sim.requests('h41').find((r) => r.status === 200 && r.headers['lienthong-message-id'] === id);
      if (!delivered) throw new Error('the simulator recorded no accepted delivery');
      // … and serving it again.
      const served = await timed('GET /v1/messages/:id/edxml', async () => digestEdxmlStream(await getStream(base, key, `/v1/messages/${id}/edxml`)));

      // 4. Checks: the bytes delivered are the bytes served, and carry the attachment unchanged.
      const sameAttachment = (facts: ByteFacts | undefined): boolean => facts?.sha256 === doc.attachment.sha256 && facts.size === doc.attachment.size;
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
      report({ processes: hub.processes, packetBytes: served.packet.size, attachmentBytes, started, baseline, stages, delivered });
      for (const [what, ok] of checks) log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
      if (checks.some(([, ok]) => !ok)) process.exitCode = 1;
      const out = args.out ?? 'bench/results/large.json';
      await writeResult(out, {
        machine, setup: { mb: Number(args.mb), store: args.store, processes: args.processes, intake: args.intake, format: args.format, zip, deflate: args.deflate, semiSpaceMb: Number(args['semi-space-mb']) },
        packetBytes: served.packet.size, started, baseline, stages, checks: Object.fromEntries(checks), at: new Date().toISOString(),
      });
      log(`written to ${out}`);
    } finally {
      await hub.close();
    }
  } finally {
    await sim.close();
  }
}

/** The document to post: an edXML packet generated as it streams, or multipart with the JSON document and the raw file. */
async function largeDocument(intake: string, attachmentBytes: number, seed: string, wrap: { zip?: boolean; deflate?: boolean }): Promise<LargeDocument> {
  if (intake === 'edxml') {
    const packet = await largeEdxmlPacket({ from: G22, to: [H41], attachmentBytes, seed, ...wrap });
    return { contentType: 'application/xml', open: () => packet.open(), attachment: packet.attachment };
  }
  const number = String(parseInt(createHash('sha256').update(seed).digest('hex').slice(0, 8), 16) % 1_000_000);
  const body = multipartDocument({
    sender: G22, recipients: [H41],
    document: {
      number, notation: 'BENCH-LARGE', promulgation: { place: 'Hà Nội', date: '2026-11-20' }, documentType: { name: 'Công văn' },
      subject: `Văn bản kèm tệp lớn (${attachmentBytes} byte)`, urgency: 'normal', signer: { fullName: 'Nguyễn Văn Đo', position: 'Chánh Văn phòng' },
    },
  }, [{ name: `tai-lieu-${number}.pdf`, contentType: 'application/pdf', open: () => pseudoRandomBytes(seed, attachmentBytes) }]);
  return { ...body, attachment: await byteFacts(pseudoRandomBytes(seed, attachmentBytes)) };
}

/** The 200 MB figure of the issue's target is decimal: 200 × 10⁶ bytes = 190.7 MiB. */
const TARGET_BYTES = 200_000_000;

function report(o: {
  processes: readonly HubProcess[];
  packetBytes: number;
  attachmentBytes: number;
  started: Record<string, ProcessMemory>;
  baseline: Record<string, ProcessMemory>;
  stages: StageResult[];
  delivered: HttpEndpointRecordedRequest;
}): void {
  log('');
  log(`attachment ${mib(o.attachmentBytes)}, delivered packet ${mib(o.packetBytes)} (${o.packetBytes} bytes)`);
  log(`| stage | time | ${o.processes.map((p) => `${p.name}: RSS at start | peak RSS | peak − start`).join(' | ')} |`);
  log(`| --- | ---: | ${o.processes.map(() => '---: | ---: | ---:').join(' | ')} |`);
  for (const s of o.stages) {
    log(`| ${s.stage} | ${(s.ms / 1000).toFixed(2)} s | ${o.processes.map((p) => {
      const m = s.memory[p.name]!;
      return `${mib(m.start)} | ${mib(m.peak)} | +${mib(m.peak - m.start)}`;
    }).join(' | ')} |`);
  }
  const sending = o.delivered.at.getTime() - o.delivered.startedAt.getTime();
  log(`delivery request: ${(sending / 1000).toFixed(2)} s from its first byte to its last at the endpoint (${mib(o.delivered.bodySize)})`);
  for (const p of o.processes) {
    const peak = Math.max(...o.stages.map((s) => s.memory[p.name]!.peak));
    log(`${p.name}: idle ${mib(o.baseline[p.name]!.rss)}, peak with the document ${mib(peak)} (${(peak / 1e6).toFixed(0)} MB; target < 200 MB: ${peak < TARGET_BYTES ? 'met' : 'NOT met'}), peak while starting ${mib(o.started[p.name]!.peak)}`);
  }
}

async function post(base: string, key: string, doc: LargeDocument): Promise<string> {
  const response = await request(`${base}/v1/messages`, {
    method: 'POST', body: doc.open(), headers: { authorization: `Bearer ${key}`, 'content-type': doc.contentType },
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

// Run only as a script (the test imports the generator above).
if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
