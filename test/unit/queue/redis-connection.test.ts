import { describe, expect, it } from 'vitest';
import { parseSentinelUrl } from '../../../src/queue/redis-connection.js';

describe('Redis Sentinel URLs', () => {
  it('leaves every other Redis URL to ioredis', () => {
    for (const url of ['redis://127.0.0.1:6379', 'rediss://cache.example:6380/2', 'redis+unix:///run/redis.sock']) expect(parseSentinelUrl(url)).toBeUndefined();
  });

  it('reads the Sentinels, the master name, credentials, database and TLS', () => {
    expect(parseSentinelUrl('redis+sentinel://s1:26380,s2,[fd00::7]:26381/hub-queue')).toEqual({
      tls: false,
      sentinels: [{ host: 's1', port: 26380 }, { host: 's2', port: 26379 }, { host: 'fd00::7', port: 26381 }],
      name: 'hub-queue',
      db: 0,
    });
    expect(parseSentinelUrl('rediss+sentinel://lienthong:p%40ss%3Aword@s1/mymaster/3')).toEqual({
      tls: true, sentinels: [{ host: 's1', port: 26379 }], name: 'mymaster', username: 'lienthong', password: 'p@ss:word', db: 3,
    });
    expect(parseSentinelUrl('redis+sentinel://:only-password@s1:26379/m')).toMatchObject({ password: 'only-password' });
    expect(parseSentinelUrl('redis+sentinel://:only-password@s1:26379/m')).not.toHaveProperty('username');
  });

  it('refuses a Sentinel URL without a master name, with a bad port or a query, naming the shape', () => {
    for (const url of ['redis+sentinel://s1:26379', 'redis+sentinel://s1:26379/', 'redis+sentinel://s1:0/m', 'redis+sentinel://s1:26379/m?db=1', 'redis+sentinel://s1,,s2/m', 'redis+sentinel://s1/m/x']) {
      expect(() => parseSentinelUrl(url), url).toThrow(TypeError);
    }
  });
});
