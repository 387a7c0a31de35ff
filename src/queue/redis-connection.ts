import { Redis, type RedisOptions } from 'ioredis';

/** Where the queue's Redis is: `REDIS_URL`, and the Sentinels' own password when they have one. */
export interface RedisTarget {
  url: string;
  sentinelPassword?: string;
}

/** A `redis+sentinel://` URL, read. */
export interface SentinelUrl {
  /** `rediss+sentinel://`: TLS to the Sentinels and to the master they name. */
  tls: boolean;
  sentinels: { host: string; port: number }[];
  /** The master's name in the Sentinels' configuration (`sentinel monitor <name> …`). */
  name: string;
  username?: string;
  password?: string;
  db: number;
}

const SENTINEL_URL = /^(rediss?)\+sentinel:\/\/(?:([^:@/]*)(?::([^@/]*))?@)?([^/?#@]+)\/([^/?#]+)(?:\/(\d{1,2}))?\/?$/;
const SENTINEL_PORT = 26379;

/**
 * Reads `redis[s]+sentinel://[user:password@]host[:port][,host[:port]…]/<master-name>[/<db>]`, the
 * form several Redis clients accept for Sentinel (no URL standard names it). The port defaults to
 * 26379; the password is the master's (`requirepass`/ACL), not the Sentinels'.
 *
 * @returns undefined for any other URL (`redis://`, `rediss://`, `redis+unix://`: ioredis reads those).
 * @throws TypeError when the URL says sentinel but is malformed, naming what is wrong.
 */
export function parseSentinelUrl(url: string): SentinelUrl | undefined {
  if (!/^rediss?\+sentinel:/.test(url)) return undefined;
  const m = SENTINEL_URL.exec(url);
  if (!m) throw new TypeError('A Sentinel URL reads redis+sentinel://[user:password@]host[:port][,host[:port]…]/<master-name>[/<db>]');
  const [, scheme, user, password, hosts, name, db] = m;
  const sentinels = hosts!.split(',').map((entry) => {
    const hp = /^(\[[0-9A-Fa-f:.]+\]|[^:[\]]+)(?::(\d{1,5}))?$/.exec(entry.trim());
    const port = hp?.[2] === undefined ? SENTINEL_PORT : Number(hp[2]);
    if (!hp || port < 1 || port > 65535) throw new TypeError(`Sentinel address "${entry}" is not host[:port]`);
    return { host: hp[1]!.replace(/^\[|\]$/g, ''), port };
  });
  return {
    tls: scheme === 'rediss',
    sentinels,
    name: decodeURIComponent(name!),
    ...(user ? { username: decodeURIComponent(user) } : {}),
    ...(password !== undefined && password !== '' ? { password: decodeURIComponent(password) } : {}),
    db: db === undefined ? 0 : Number(db),
  };
}

/**
 * A Redis client for the queue: one server by URL, or the master that Redis Sentinel names
 * (`redis+sentinel://…`), followed across failovers — ioredis asks the Sentinels again whenever the
 * connection drops, and a master demoted to replica is left on its `READONLY` answer.
 */
export function openRedis(target: RedisTarget, options: RedisOptions = {}): Redis {
  const sentinel = parseSentinelUrl(target.url);
  if (!sentinel) return new Redis(target.url, options);
  return new Redis({
    ...options,
    sentinels: sentinel.sentinels,
    name: sentinel.name,
    db: sentinel.db,
    ...(sentinel.username ? { username: sentinel.username } : {}),
    ...(sentinel.password ? { password: sentinel.password } : {}),
    ...(target.sentinelPassword ? { sentinelPassword: target.sentinelPassword } : {}),
    ...(sentinel.tls ? { tls: {}, sentinelTLS: {}, enableTLSForSentinelMode: true } : {}),
    // After a failover the old master may still take the connection, as a replica: its READONLY
    // means the command did not run, so reconnect (through the Sentinels) and send it again.
    reconnectOnError: (err) => (err.message.startsWith('READONLY') ? 2 : false),
  });
}
