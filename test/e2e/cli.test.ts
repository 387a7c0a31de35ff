import { randomBytes, X509Certificate, createPrivateKey } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectRedis, killAll, runCli, startCli, stopCli, wipePrefix } from './cli-process.js';

// The real compiled CLI, one child process per command: what an operator types.

const BAD_CONFIG = resolve('test/fixtures/e2e/bad-hub-config.json');
const MIGRATIONS = resolve('src/store/migrations');
// The default config only needs the placeholder to be a URL; nothing is delivered in this file.
const SIM_URL = 'http://127.0.0.1:9';

const tempDirs: string[] = [];
async function freshDataDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'lienthong-e2e-cli-'));
  tempDirs.push(dir);
  return dir;
}

afterAll(async () => {
  await killAll();
  await Promise.all(tempDirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

describe('lienthong keys init', () => {
  it('writes a development CA, a hub chain issued by it and a private key readable only by the owner', async () => {
    const dataDir = await freshDataDir();
    const run = await runCli(['keys', 'init'], { LIENTHONG_DATA_DIR: dataDir });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const keys = join(dataDir, 'keys');
    for (const file of ['ca.pem', 'hub-chain.pem', 'hub-key.pem']) expect(run.stdout).toContain(join(keys, file));

    const ca = new X509Certificate(await readFile(join(keys, 'ca.pem')));
    const chainPem = await readFile(join(keys, 'hub-chain.pem'), 'utf8');
    const leaf = new X509Certificate(chainPem.slice(0, chainPem.indexOf('-----END CERTIFICATE-----') + 25));
    expect(leaf.checkIssued(ca)).toBe(true);
    expect(leaf.verify(ca.publicKey)).toBe(true);
    expect(ca.ca).toBe(true);
    expect(leaf.ca).toBe(false);

    const keyPem = await readFile(join(keys, 'hub-key.pem'), 'utf8');
    const key = createPrivateKey(keyPem);
    expect(key.asymmetricKeyType).toBe('ec'); // the default --alg is ES256
    expect(leaf.checkPrivateKey(key)).toBe(true);
    expect((await stat(join(keys, 'hub-key.pem'))).mode & 0o777).toBe(0o600);
    // Every private key in the folder, not only the hub's, is owner-only.
    for (const name of (await readdir(keys)).filter((n) => n.includes('key'))) {
      expect({ name, mode: (await stat(join(keys, name))).mode & 0o777 }).toEqual({ name, mode: 0o600 });
    }
  });

  it('refuses to overwrite existing keys without --force, and replaces them with it', async () => {
    const dataDir = await freshDataDir();
    expect((await runCli(['keys', 'init'], { LIENTHONG_DATA_DIR: dataDir })).code).toBe(0);
    const keyFile = join(dataDir, 'keys', 'hub-key.pem');
    const caFile = join(dataDir, 'keys', 'ca.pem');
    const before = { key: await readFile(keyFile, 'utf8'), ca: await readFile(caFile, 'utf8') };

    const again = await runCli(['keys', 'init'], { LIENTHONG_DATA_DIR: dataDir });
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^lienthong: .*[Rr]efusing to overwrite .*ca\.pem/);
    expect(await readFile(keyFile, 'utf8')).toBe(before.key);
    expect(await readFile(caFile, 'utf8')).toBe(before.ca);

    const forced = await runCli(['keys', 'init', '--force', '--alg', 'RS256'], { LIENTHONG_DATA_DIR: dataDir });
    expect(forced.code).toBe(0);
    const replaced = await readFile(keyFile, 'utf8');
    expect(replaced).not.toBe(before.key);
    expect(createPrivateKey(replaced).asymmetricKeyType).toBe('rsa');
    expect((await stat(keyFile)).mode & 0o777).toBe(0o600);
  });

  it('refuses --force with keys rotate (rotation never overwrites) and leaves the keys as they were', async () => {
    const dataDir = await freshDataDir();
    expect((await runCli(['keys', 'init'], { LIENTHONG_DATA_DIR: dataDir })).code).toBe(0);
    const before = await readdir(join(dataDir, 'keys'));
    const run = await runCli(['keys', 'rotate', '--force'], { LIENTHONG_DATA_DIR: dataDir });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^lienthong: --force is for keys init/);
    expect(await readdir(join(dataDir, 'keys'))).toEqual(before);
  });

  it('rejects an unknown --alg with exit code 1', async () => {
    const dataDir = await freshDataDir();
    const run = await runCli(['keys', 'init', '--alg', 'HS256'], { LIENTHONG_DATA_DIR: dataDir });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('--alg must be ES256 or RS256');
  });
});

describe('lienthong migrate, apikey create and serve on a fresh embedded data folder', () => {
  let dataDir: string;
  let redis: Redis;
  const queuePrefix = `lt-e2e-cli-${randomBytes(4).toString('hex')}`;
  beforeAll(async () => {
    dataDir = await freshDataDir();
    redis = await connectRedis();
  });
  afterAll(async () => {
    await killAll();
    if (redis) {
      await wipePrefix(redis, queuePrefix);
      redis.disconnect();
    }
  });

  it('migrate prints every migration it applied, then is idempotent', async () => {
    const files = (await readdir(MIGRATIONS)).filter((f) => f.endsWith('.sql')).sort().map((f) => f.replace(/\.sql$/, ''));
    expect(files.length).toBeGreaterThan(0);

    const first = await runCli(['migrate'], { LIENTHONG_DATA_DIR: dataDir, LOG_LEVEL: 'silent' });
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout.trim()).toBe(`applied: ${files.join(', ')}`);

    const second = await runCli(['migrate'], { LIENTHONG_DATA_DIR: dataDir, LOG_LEVEL: 'silent' });
    expect(second.code).toBe(0);
    expect(second.stdout.trim()).toBe('schema is up to date');
  });

  it('apikey create --agency prints a new key once; serve accepts exactly that key', async () => {
    const vars = { LIENTHONG_DATA_DIR: dataDir, LOG_LEVEL: 'silent' };
    const created = await runCli(['apikey', 'create', '--agency', '000.00.00.G22', '--label', 'e2e'], vars);
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    const printed = created.stdout.match(/^lt_[A-Za-z0-9_-]{20,}$/gm) ?? [];
    expect(printed).toHaveLength(1);
    const key = printed[0]!;
    expect(created.stdout.split(key)).toHaveLength(2); // printed exactly once
    expect(created.stdout).toMatch(/shown once/);

    const both = await runCli(['apikey', 'create', '--agency', '000.00.00.G22', '--role', 'admin'], vars);
    expect(both.code).toBe(1);
    expect(both.stderr).toContain('exactly one of --agency or --role');

    // The printed key is the stored one: the API (on the same data folder) lets it in, and no other.
    expect((await runCli(['keys', 'init'], vars)).code).toBe(0);
    const serve = startCli(['serve'], {
      LIENTHONG_DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', LIENTHONG_SIM_URL: SIM_URL,
      LIENTHONG_QUEUE_PREFIX: queuePrefix,
    });
    const started = await serve.waitForLog((l) => l.msg === 'lienthong started', 60_000);
    const url = String(started.url);
    const inbox = (bearer: string) => fetch(`${url}/v1/inbox`, { headers: { authorization: `Bearer ${bearer}` } });
    expect((await inbox(key)).status).toBe(200);
    const wrong = await inbox(`${key.slice(0, -4)}AAAA`);
    expect(wrong.status).toBe(401);
    expect(((await wrong.json()) as { code: string }).code).toMatch(/^HUB_ERR_/);
    const stopped = await stopCli(serve, 10_000);
    expect(stopped.code).toBe(0);
  });
});

// Independent one-shot runs: concurrent, to keep the suite short.
describe.concurrent('lienthong refuses to start on a bad environment', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await freshDataDir();
  });

  it.each([
    { name: 'PORT', value: 'abc', why: 'must be integer' },
    { name: 'DATABASE_URL', value: 'mysql://x', why: 'must match pattern' },
    { name: 'REDIS_URL', value: '', why: 'is set but empty' },
    { name: 'LOG_LEVEL', value: 'loud', why: 'must be equal to one of the allowed values' },
    { name: 'LIENTHONG_SWEEP_GRACE_MS', value: '10', why: 'must be >= 1000' },
  ])('$name=$value → exit 1, HUB_ERR_ENV_INVALID naming $name', async ({ name, value, why }) => {
    const run = await runCli(['serve'], { LIENTHONG_DATA_DIR: dataDir, LIENTHONG_SIM_URL: SIM_URL, [name]: value }, 20_000);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('HUB_ERR_ENV_INVALID');
    expect(run.stderr).toContain(`env/${name} ${why}`);
    // One line, no stack trace: an operator reads this.
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stdout).toBe('');
  });

  it('applies to every command that reads the environment (migrate too)', async () => {
    const run = await runCli(['migrate'], { LIENTHONG_DATA_DIR: dataDir, DATABASE_URL: 'mysql://x' }, 20_000);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('HUB_ERR_ENV_INVALID');
    expect(run.stderr).toContain('DATABASE_URL');
  });
});

// Independent one-shot runs: concurrent, to keep the suite short.
describe.concurrent('lienthong refuses to start on a bad configuration or missing keys', () => {
  let withKeys: string;
  beforeAll(async () => {
    withKeys = await freshDataDir();
    expect((await runCli(['keys', 'init'], { LIENTHONG_DATA_DIR: withKeys })).code).toBe(0);
  });

  it('lists every configuration problem with its JSON pointer (HUB_ERR_CONFIG_INVALID, exit 1)', async () => {
    const run = await runCli(['serve'], { LIENTHONG_DATA_DIR: withKeys, LIENTHONG_CONFIG: BAD_CONFIG, PORT: '0' }, 20_000);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^lienthong: HUB_ERR_CONFIG_INVALID: /);
    expect(run.stderr).toMatch(/\/endpoints\/0\/settings\/url must match/);
    expect(run.stderr).toContain('/agencies/1/endpoint unknown endpoint "no-such-endpoint"');
    expect(run.stderr).toContain('/routes/0/endpoint unknown endpoint "missing-endpoint"');
    // The valid reference is not reported.
    expect(run.stderr).not.toContain('/agencies/0/');
  });

  it('names the unset placeholder variable of the default config', async () => {
    const run = await runCli(['serve'], { LIENTHONG_DATA_DIR: withKeys, PORT: '0' }, 20_000);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('HUB_ERR_CONFIG_INVALID');
    expect(run.stderr).toContain('/endpoints/0/settings/url needs environment variable LIENTHONG_SIM_URL');
  });

  it('fails with HUB_ERR_KEYS_MISSING naming the file when the data folder has no keys', async () => {
    const empty = await freshDataDir();
    const run = await runCli(['serve'], { LIENTHONG_DATA_DIR: empty, LIENTHONG_SIM_URL: SIM_URL, PORT: '0' }, 20_000);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^lienthong: HUB_ERR_KEYS_MISSING: /);
    expect(run.stderr).toContain(join(empty, 'keys', 'hub-chain.pem'));
  });

  it('fails with HUB_ERR_KEYS_MISSING naming LIENTHONG_HUB_KEY when it points nowhere', async () => {
    const missing = join(withKeys, 'keys', 'no-such-key.pem');
    const run = await runCli(['worker'], {
      LIENTHONG_DATA_DIR: withKeys, LIENTHONG_SIM_URL: SIM_URL,
      LIENTHONG_HUB_CERT: join(withKeys, 'keys', 'hub-chain.pem'), LIENTHONG_HUB_KEY: missing,
    }, 20_000);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('HUB_ERR_KEYS_MISSING');
    expect(run.stderr).toContain(missing);
  });
});
