/**
 * `npm run bench:platform` — what this virtual machine makes of the work the hub does, so that figures
 * measured on different VMs can be compared. VMs of the same nominal size have differed up to
 * threefold here in the hub's CPU per document; this prints the three things that explained it:
 *
 *   1. node:crypto signatures per second on one core (RSA-2048, ECDSA P-256): raw CPU speed;
 *   2. the cost of a system call and of a pipe write + read (a guest kernel that runs under a
 *      paravirtual hypervisor pays a world switch for each);
 *   3. the CPU one HTTP round trip (client and server in this process) costs back to back, and the
 *      same round trip when the process sleeps 5 ms between requests: an idle vCPU wakes with cold
 *      caches, so work that arrives at a low rate costs more CPU per unit than the same work at
 *      saturation. Their ratio is the "wake penalty".
 *
 * Writes bench/results/platform.json.
 */
import { generateKeyPairSync, sign } from 'node:crypto';
import { once } from 'node:events';
import { createServer, request, Agent } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { execFileSync } from 'node:child_process';
import { log, machineFacts, writeResult } from './bench-results.js';

const { values: args } = parseArgs({
  options: { seconds: { type: 'string', default: '2' }, out: { type: 'string', default: 'bench/results/platform.json' } },
});
const seconds = Number(args.seconds);

/** Operations per second of `op`, run back to back for `seconds`. */
function rate(op: () => void): number {
  const until = performance.now() + seconds * 1000;
  let n = 0;
  while (performance.now() < until) {
    op();
    n += 1;
  }
  return n / seconds;
}

function signatures(): { rsa2048: number; p256: number } {
  const data = Buffer.from('lienthong');
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  return { rsa2048: Math.round(rate(() => sign('sha256', data, rsa))), p256: Math.round(rate(() => sign('sha256', data, { key: ec, dsaEncoding: 'ieee-p1363' }))) };
}

/**
 * System call costs, timed by python3 (one interpreter loop around each call; Node has no bare
 * syscall to time without its own machinery around it). Undefined when python3 is missing.
 */
function systemCalls(): { syscallMicros: number; pipeRoundTripMicros: number } | undefined {
  const script = `
import os, time
n = 200000
t = time.perf_counter()
for _ in range(n): os.getppid()
a = (time.perf_counter() - t) / n * 1e6
t = time.perf_counter()
for _ in range(n): pass
a -= (time.perf_counter() - t) / n * 1e6
r, w = os.pipe()
m = 50000
t = time.perf_counter()
for _ in range(m):
    os.write(w, b'x'); os.read(r, 1)
print(a, (time.perf_counter() - t) / m * 1e6)`;
  try {
    const [syscall, pipe] = execFileSync('python3', ['-c', script], { encoding: 'utf8' }).trim().split(/\s+/).map(Number);
    return { syscallMicros: round2(syscall!), pipeRoundTripMicros: round2(pipe!) };
  } catch {
    return undefined;
  }
}

/** CPU per HTTP round trip on loopback, back to back and with `pauseMs` of sleep between requests. */
async function httpRoundTrips(pauseMs: number): Promise<{ backToBackMs: number; pacedMs: number }> {
  const server = createServer((_req, res) => res.end('ok'));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const get = (): Promise<void> => new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, agent, path: '/' }, (res) => {
      res.resume();
      res.on('end', resolve);
    }).on('error', reject).end();
  });
  const measure = async (pause: number): Promise<number> => {
    for (let i = 0; i < 200; i += 1) await get(); // warm the JIT and the connection
    const before = process.cpuUsage();
    const until = performance.now() + seconds * 1000;
    let n = 0;
    while (performance.now() < until) {
      await get();
      n += 1;
      if (pause > 0) await new Promise((resolve) => setTimeout(resolve, pause));
    }
    const used = process.cpuUsage(before);
    return (used.user + used.system) / 1000 / n;
  };
  try {
    return { backToBackMs: round2(await measure(0), 3), pacedMs: round2(await measure(pauseMs), 3) };
  } finally {
    agent.destroy();
    server.close();
  }
}

const round2 = (v: number, digits = 2): number => Math.round(v * 10 ** digits) / 10 ** digits;

async function main(): Promise<void> {
  const machine = machineFacts();
  const signs = signatures();
  log(`signatures per second, one core: RSA-2048 ${signs.rsa2048}, ECDSA P-256 ${signs.p256}`);
  const calls = systemCalls();
  log(calls ? `system call ${calls.syscallMicros} µs, pipe write + read ${calls.pipeRoundTripMicros} µs` : 'system call cost: python3 not found, skipped');
  const pauseMs = 5;
  const http = await httpRoundTrips(pauseMs);
  const penalty = round2(http.pacedMs / http.backToBackMs, 1);
  log(`CPU per HTTP round trip (client + server): back to back ${http.backToBackMs} ms, ${pauseMs} ms apart ${http.pacedMs} ms → wake penalty ×${penalty}`);
  await writeResult(args.out!, { machine, signaturesPerSecond: signs, systemCalls: calls ?? null, httpRoundTripCpuMs: { ...http, pauseMs, wakePenalty: penalty } });
  log(`\nwritten to ${args.out}`);
}

await main();
