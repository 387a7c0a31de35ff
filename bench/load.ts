import { Pool } from 'undici';

/** Latencies in ms → the percentile (nearest rank). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export interface LoadResult {
  sent: number;
  accepted: number;
  errors: number;
  /** Accept latency in ms, measured from the request's scheduled start (open loop) or send (closed loop). */
  latencies: number[];
  elapsedMs: number;
  messageIds: string[];
  /** When the loop began (a lower bound of its messages' acceptance times). */
  startedAt: Date;
}

/**
 * Builds ~`size`-byte JSON documents cheaply: the document is serialised once around placeholders and
 * each request only splices its number in, so the load generator's CPU goes to sending, not building.
 */
export function documentFactory(size: number, parties: { sender: string; recipients: readonly string[] } = { sender: '000.00.00.G22', recipients: ['000.00.00.H41'] }): (n: number) => Buffer {
  const build = (attachment: string): string => JSON.stringify({
    sender: parties.sender,
    recipients: parties.recipients,
    document: {
      number: '@N@', notation: 'VPCP-BENCH', promulgation: { place: 'Hà Nội', date: '2026-11-22' },
      documentType: { name: 'Công văn' }, subject: 'Văn bản đo hiệu năng số @N@ về việc thử tải hệ thống liên thông văn bản',
      urgency: 'normal', signer: { fullName: 'Nguyễn Văn Đo', position: 'Chánh Văn phòng', competence: 'TL.' },
      content: 'Nội dung tóm tắt của văn bản dùng để đo hiệu năng của trục liên thông.',
    },
    // Every document's attachment differs (its first 12 bytes carry the number), as real files do.
    attachments: [{ name: '@N@.pdf', contentType: 'application/pdf', content: `@B@${attachment.slice(16)}` }],
  });
  // Size the attachment so the whole body is `size` bytes (UTF-8) once the placeholders are filled.
  const overhead = Buffer.byteLength(build('A'.repeat(16))) - 16 + 16 - 6;
  const attachment = Buffer.alloc(Math.floor((Math.max(0, size - overhead) * 3) / 4 / 3) * 3, 0x25).toString('base64');
  const template = build(attachment);
  // Pre-encoded UTF-8 pieces: a request body is a Buffer.concat, with no string building or encoding.
  const parts = template.split(/(@N@|@B@)/).map((p) => (p === '@N@' || p === '@B@' ? p : Buffer.from(p)));
  return (n) => Buffer.concat(parts.map((p) =>
    p === '@N@' ? Buffer.from(String(n)) : p === '@B@' ? Buffer.from(Buffer.from(String(n).padStart(12, '0')).toString('base64')) : (p as Buffer)));
}

export interface Target {
  /** The API processes' base URLs: requests go to them in turn (as a round-robin load balancer would). */
  urls: readonly string[];
  key: string;
  /** `application/json` or `application/xml` (an edXML packet). */
  contentType: string;
  body: (n: number) => Buffer;
  /** Keep-alive connections in all (shared between the URLs): the most requests in flight at once. */
  connections: number;
}

/** Keep-alive connection pools to a target's API processes, reusable across loops. */
export class LoadPools {
  private readonly pools: Pool[];

  constructor(target: Target, connections = target.connections) {
    const each = Math.max(1, Math.ceil(connections / target.urls.length));
    this.pools = target.urls.map((url) => new Pool(url, { connections: each, pipelining: 1 }));
  }

  /** Request `n`'s pool. */
  for(n: number): Pool {
    return this.pools[n % this.pools.length]!;
  }

  async close(): Promise<void> {
    await Promise.all(this.pools.map((p) => p.close()));
  }
}

async function post(pool: Pool, target: Target, n: number): Promise<string | undefined> {
  const { statusCode, body } = await pool.request({
    path: '/v1/messages', method: 'POST',
    headers: { 'content-type': target.contentType, authorization: `Bearer ${target.key}` },
    body: target.body(n),
  });
  const text = await body.text();
  return statusCode === 202 ? (JSON.parse(text) as { id: string }).id : undefined;
}

/**
 * Open loop: request i starts at t0 + i/rate whatever the hub does; latency counts from that instant.
 * `shared` pools are left open (a soak reuses them window after window); otherwise the loop's own are closed.
 */
export async function openLoop(target: Target, rate: number, seconds: number, firstNumber: number, shared?: LoadPools): Promise<LoadResult> {
  const pools = shared ?? new LoadPools(target);
  const total = Math.round(rate * seconds);
  const result: LoadResult = { sent: 0, accepted: 0, errors: 0, latencies: [], elapsedMs: 0, messageIds: [], startedAt: new Date() };
  const inflight = new Set<Promise<void>>();
  const t0 = performance.now();
  for (let i = 0; i < total; i += 1) {
    const due = t0 + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    result.sent += 1;
    const p = post(pools.for(firstNumber + i), target, firstNumber + i).then(
      (id) => {
        if (id) { result.accepted += 1; result.messageIds.push(id); result.latencies.push(performance.now() - due); } else result.errors += 1;
      },
      () => { result.errors += 1; },
    ).finally(() => inflight.delete(p));
    inflight.add(p);
  }
  await Promise.all(inflight);
  result.elapsedMs = performance.now() - t0;
  if (!shared) await pools.close();
  return result;
}

/** Closed loop: `concurrency` clients send back to back for `seconds`: the hub's saturation rate. */
export async function closedLoop(target: Target, concurrency: number, seconds: number, firstNumber: number): Promise<LoadResult> {
  const pools = new LoadPools(target, concurrency);
  const result: LoadResult = { sent: 0, accepted: 0, errors: 0, latencies: [], elapsedMs: 0, messageIds: [], startedAt: new Date() };
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  let next = firstNumber;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (performance.now() < end) {
      const n = next++;
      const start = performance.now();
      result.sent += 1;
      try {
        const id = await post(pools.for(n), target, n);
        if (id) { result.accepted += 1; result.messageIds.push(id); result.latencies.push(performance.now() - start); } else result.errors += 1;
      } catch {
        result.errors += 1;
      }
    }
  }));
  result.elapsedMs = performance.now() - t0;
  await pools.close();
  return result;
}
