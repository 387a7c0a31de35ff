import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Redis } from 'ioredis';
import { LOOPBACK_ALLOWANCE } from '../../src/net/outbound-allowance.js';

/** The compiled CLI the e2e suite runs (built by `global-setup.ts`). */
export const CLI = resolve('dist/src/cli.js');

/** How a child process ended. */
export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A finished CLI run. */
export interface CliResult extends Exit {
  pid: number;
  stdout: string;
  stderr: string;
}

/** A CLI process still running (or finished), with its output so far. */
export interface CliProcess {
  child: ChildProcess;
  pid: number;
  /** Everything written so far. */
  stdout(): string;
  stderr(): string;
  /** The JSON log lines (pino) written to stdout so far. */
  logs(): Record<string, unknown>[];
  /** Resolves with the first log line that `match` accepts; rejects when the process exits first or after `timeoutMs`. */
  waitForLog(match: (line: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** Resolves when the process exits. */
  exited: Promise<Exit>;
  hasExited(): boolean;
}

// Every process this suite started, so `killAll` can clean up even when a test failed half-way.
const started = new Set<CliProcess>();

// Variables the hub reads (from the env schema) and the default config's placeholder: a developer's
// shell must not leak into the processes under test.
const HUB_VARIABLES = [
  ...Object.keys((JSON.parse(readFileSync(resolve('schemas/env.json'), 'utf8')) as { properties: Record<string, unknown> }).properties),
  'LIENTHONG_SIM_URL',
];

/**
 * `process.env` without the hub's variables, plus `vars`. The simulators listen on loopback, which
 * the outbound guard refuses unless allowed: the allowance is loopback unless `vars` says otherwise.
 */
export function cliEnv(vars: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of HUB_VARIABLES) delete env[name];
  return { ...env, LIENTHONG_OUTBOUND_ALLOW: LOOPBACK_ALLOWANCE, ...vars };
}

/** Starts `node dist/src/cli.js …args` in its own process group (so the group can be killed). */
export function startCli(args: string[], vars: Record<string, string>): CliProcess {
  const child = spawn(process.execPath, [CLI, ...args], { env: cliEnv(vars), detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  if (child.pid === undefined) throw new Error(`could not start lienthong ${args.join(' ')}`);
  let out = '';
  let err = '';
  let exit: Exit | undefined;
  const listeners = new Set<() => void>();
  const notify = (): void => { for (const l of listeners) l(); };
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => { out += chunk; notify(); });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => { err += chunk; notify(); });
  const exited = new Promise<Exit>((done) => {
    child.once('close', (code, signal) => {
      exit = { code, signal };
      notify();
      done(exit);
    });
  });
  const logs = (): Record<string, unknown>[] =>
    out.split('\n').filter((line) => line.startsWith('{')).flatMap((line) => {
      try {
        return [JSON.parse(line) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
  const proc: CliProcess = {
    child,
    pid: child.pid,
    stdout: () => out,
    stderr: () => err,
    logs,
    exited,
    hasExited: () => exit !== undefined,
    waitForLog(match, timeoutMs = 30_000) {
      return new Promise((resolveLine, reject) => {
        const check = (): void => {
          const found = logs().find(match);
          if (found) return finish(() => resolveLine(found));
          if (exit) return finish(() => reject(new Error(`lienthong ${args.join(' ')} exited (${JSON.stringify(exit)}) before the expected log line\nstdout:\n${out}\nstderr:\n${err}`)));
        };
        const timer = setTimeout(() => finish(() => reject(new Error(`no expected log line from lienthong ${args.join(' ')} within ${timeoutMs} ms\nstdout:\n${out}\nstderr:\n${err}`))), timeoutMs);
        const finish = (then: () => void): void => {
          clearTimeout(timer);
          listeners.delete(check);
          then();
        };
        listeners.add(check);
        check();
      });
    },
  };
  started.add(proc);
  void exited.then(() => started.delete(proc));
  return proc;
}

/** Runs the CLI to completion (killed, and the run rejected, after `timeoutMs`). */
export async function runCli(args: string[], vars: Record<string, string>, timeoutMs = 60_000): Promise<CliResult> {
  const proc = startCli(args, vars);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      killGroup(proc, 'SIGKILL');
      reject(new Error(`lienthong ${args.join(' ')} did not finish within ${timeoutMs} ms\nstdout:\n${proc.stdout()}\nstderr:\n${proc.stderr()}`));
    }, timeoutMs);
  });
  try {
    const exit = await Promise.race([proc.exited, timeout]);
    return { ...exit, pid: proc.pid, stdout: proc.stdout(), stderr: proc.stderr() };
  } finally {
    clearTimeout(timer);
  }
}

/** Sends `signal` to the process group of `proc` (the CLI and anything it spawned). */
export function killGroup(proc: CliProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-proc.pid, signal);
  } catch {
    // already gone
  }
}

/** Sends SIGTERM to the process itself and waits for it to exit; rejects after `timeoutMs`. */
export async function stopCli(proc: CliProcess, timeoutMs: number): Promise<Exit & { ms: number }> {
  const t0 = Date.now();
  proc.child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  try {
    const exit = await Promise.race([
      proc.exited,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`lienthong did not exit within ${timeoutMs} ms of SIGTERM\nstdout:\n${proc.stdout()}\nstderr:\n${proc.stderr()}`)), timeoutMs);
      }),
    ]);
    return { ...exit, ms: Date.now() - t0 };
  } finally {
    clearTimeout(timer);
  }
}

/** Kills (SIGKILL, whole process group) every CLI process this suite started that is still running. */
export async function killAll(): Promise<void> {
  const running = [...started].filter((p) => !p.hasExited());
  for (const proc of running) killGroup(proc, 'SIGKILL');
  await Promise.all(running.map((p) => p.exited));
}

/** A connected Redis client for the suite; fails (never skips) when Redis is not there. */
export async function connectRedis(url = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379'): Promise<Redis> {
  const client = new Redis(url, { lazyConnect: true, connectTimeout: 3_000, maxRetriesPerRequest: 1, retryStrategy: () => null });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.ping();
  } catch (err) {
    client.disconnect();
    throw new Error(`Redis is required for the e2e suite at ${url}: ${(err as Error).message}`);
  }
  return client;
}

/** Keys matching `<prefix>:*` (SCAN, never KEYS). */
export async function keysWithPrefix(redis: Redis, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  return keys;
}

/** Deletes every key under `<prefix>:` (what `redis-cli --scan --pattern '<prefix>:*' | xargs redis-cli del` does). */
export async function wipePrefix(redis: Redis, prefix: string): Promise<number> {
  const keys = await keysWithPrefix(redis, prefix);
  for (let i = 0; i < keys.length; i += 500) await redis.del(...keys.slice(i, i + 500));
  return keys.length;
}
