import { describe, expect, it } from 'vitest';
import { loadEnv } from '../../../src/config/load-env.js';
import { isHubError } from '../../../src/errors.js';
import { createSchemaCatalogue } from '../../../src/schema-catalogue.js';

const catalogue = createSchemaCatalogue();
const messageOf = (env: NodeJS.ProcessEnv): string => {
  try {
    loadEnv(env, catalogue);
  } catch (err) {
    if (isHubError(err)) return `${err.code}: ${err.message}`;
    throw err;
  }
  return 'accepted';
};

describe('environment', () => {
  it('takes documented defaults for unset variables', () => {
    const env = loadEnv({}, catalogue);
    expect(env).toMatchObject({ port: 8080, host: '127.0.0.1', redisUrl: 'redis://127.0.0.1:6379', databasePoolSize: 10, logLevel: 'info', workerConcurrency: 64 });
    expect(env.databaseUrl).toBeUndefined();
    expect(env.keys).toMatchObject({ certPath: expect.stringMatching(/var\/keys\/hub-chain\.pem$/) });
    expect(Object.isFrozen(env)).toBe(true);
  });

  it('coerces numbers and refuses bad values, naming each variable', () => {
    expect(loadEnv({ PORT: '9000', LIENTHONG_BODY_LIMIT: '2048' }, catalogue)).toMatchObject({ port: 9000, bodyLimit: 2048 });
    const message = messageOf({ PORT: 'abc', DATABASE_URL: 'mysql://x', LOG_LEVEL: 'loud' });
    expect(message).toMatch(/^HUB_ERR_ENV_INVALID/);
    expect(message).toContain('env/PORT');
    expect(message).toContain('env/DATABASE_URL');
    expect(message).toContain('env/LOG_LEVEL');
  });

  it('refuses a variable that is set but empty instead of defaulting it', () => {
    expect(messageOf({ REDIS_URL: '' })).toContain('env/REDIS_URL is set but empty');
  });

  it('checks that key settings come as a consistent set', () => {
    expect(messageOf({ LIENTHONG_HUB_CERT: 'a.pem' })).toContain('go together');
    expect(messageOf({ LIENTHONG_HUB_P12: 'a.p12' })).toContain('LIENTHONG_HUB_P12_PASSPHRASE');
    expect(messageOf({ LIENTHONG_HUB_P12: 'a.p12', LIENTHONG_HUB_P12_PASSPHRASE: 'x', LIENTHONG_HUB_CERT: 'c', LIENTHONG_HUB_KEY: 'k' })).toContain('not both');
    expect(loadEnv({ LIENTHONG_HUB_P12: 'a.p12', LIENTHONG_HUB_P12_PASSPHRASE: 'pw' }, catalogue).keys).toMatchObject({ p12Path: expect.stringMatching(/a\.p12$/), passphrase: 'pw' });
  });

  it('reads retired keys as a comma-separated list of files, with one passphrase for their PKCS#12 files', () => {
    expect(loadEnv({}, catalogue).keys).not.toHaveProperty('retired');
    const env = loadEnv({ LIENTHONG_HUB_KEYS_RETIRED: 'keys/2025-chain.pem, /etc/lienthong/2024.p12', LIENTHONG_HUB_KEYS_RETIRED_PASSPHRASE: 'old' }, catalogue);
    expect(env.keys.retired).toEqual({ paths: [expect.stringMatching(/^\/.*\/keys\/2025-chain\.pem$/), '/etc/lienthong/2024.p12'], p12Passphrase: 'old' });
    expect(env.keys).toMatchObject({ certPath: expect.stringMatching(/hub-chain\.pem$/) });
    expect(messageOf({ LIENTHONG_HUB_KEYS_RETIRED: 'a.pem,,b.pem' })).toContain('LIENTHONG_HUB_KEYS_RETIRED lists an empty path');
    expect(messageOf({ LIENTHONG_HUB_KEYS_RETIRED_PASSPHRASE: 'old' })).toContain('without LIENTHONG_HUB_KEYS_RETIRED');
  });

  it('reads a Redis Sentinel URL and refuses a malformed one without echoing its password', () => {
    const url = 'redis+sentinel://:s3cret@10.0.0.1:26379,10.0.0.2/hub-queue';
    expect(loadEnv({ REDIS_URL: url, REDIS_SENTINEL_PASSWORD: 'sentinel-pw' }, catalogue)).toMatchObject({ redisUrl: url, redisSentinelPassword: 'sentinel-pw' });
    const bad = messageOf({ REDIS_URL: 'redis+sentinel://:s3cret@10.0.0.1:99999/hub-queue' });
    expect(bad).toMatch(/^HUB_ERR_ENV_INVALID.*REDIS_URL: Sentinel address "10\.0\.0\.1:99999"/);
    expect(bad).not.toContain('s3cret');
    expect(messageOf({ REDIS_URL: 'redis+sentinel://:s3cret@10.0.0.1' })).toContain('redis+sentinel://[user:password@]host[:port]');
    expect(messageOf({ REDIS_URL: 'redis://127.0.0.1:6379', REDIS_SENTINEL_PASSWORD: 'x' })).toContain('REDIS_URL is not a redis+sentinel:// URL');
  });

  it('never echoes a passphrase in its errors', () => {
    expect(messageOf({ LIENTHONG_HUB_P12_PASSPHRASE: 'hunter2', PORT: '-1' })).not.toContain('hunter2');
  });
});
