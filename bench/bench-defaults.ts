import { existsSync } from 'node:fs';

/**
 * The PostgreSQL the benchmarks use (`BENCH_DATABASE_URL` overrides). A co-located server is reached
 * over its Unix socket when there is one, as a single-host deployment would (~5 % less CPU per
 * document than loopback TCP), else over TCP.
 */
export function defaultDatabaseUrl(): string {
  return process.env.BENCH_DATABASE_URL ?? (existsSync('/var/run/postgresql/.s.PGSQL.5432')
    ? 'postgres://postgres@%2Fvar%2Frun%2Fpostgresql/test' : 'postgres://postgres@127.0.0.1:5432/test');
}

/** The Redis the benchmarks queue on (`BENCH_REDIS_URL` overrides). */
export function defaultRedisUrl(): string {
  return process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
}
