import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { appendFile, copyFile, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../../../src/paths.js';
import type { Db } from '../../../src/store/db.js';
import { migrate } from '../../../src/store/migrate.js';
import { openDb } from '../../../src/store/open-db.js';
import { openPgDb } from '../../../src/store/pg-db.js';
import { openTestDb, STORES, testDatabaseUrl, type StoreKind, type TestDb } from '../../helpers/test-db.js';

const MIGRATIONS_DIR = join(packageRoot(), 'src', 'store', 'migrations');

/** The shipped migrations as `schema_migrations` should record them. */
async function shippedMigrations(): Promise<{ version: number; name: string; sha256: string }[]> {
  const names = (await readdir(MIGRATIONS_DIR)).filter((n) => /^\d{3}_[a-z0-9_]+\.sql$/.test(n)).sort();
  return Promise.all(
    names.map(async (n) => ({
      version: Number(n.slice(0, 3)),
      name: n.slice(4, -'.sql'.length),
      sha256: createHash('sha256').update(await readFile(join(MIGRATIONS_DIR, n), 'utf8')).digest('hex'),
    })),
  );
}

/** A temp folder holding copies of the shipped migrations plus `extra` files. */
async function migrationsDir(extra: Record<string, string> = {}): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'lt-migrations-'));
  for (const name of await readdir(MIGRATIONS_DIR)) await copyFile(join(MIGRATIONS_DIR, name), join(dir, name));
  for (const [name, sql] of Object.entries(extra)) await writeFile(join(dir, name), sql);
  return dir;
}

const PROBE_TABLE = `CREATE TABLE IF NOT EXISTS probe (
  id     bigserial PRIMARY KEY,
  at     timestamptz,
  data   jsonb,
  tags   text[],
  size   bigint,
  counts bigint[],
  amount numeric,
  ref    uuid,
  flag   boolean,
  n      integer,
  label  text UNIQUE
)`;

/** A second connection pool on the same test schema (PostgreSQL only). */
async function openSecondPool(db: Db): Promise<Db> {
  const { rows } = await db.query<{ schema: string }>('SELECT current_schema() AS schema');
  const url = new URL(testDatabaseUrl());
  url.searchParams.set('options', `-c search_path=${rows[0]!.schema}`);
  return openPgDb({ connectionString: url.toString(), max: 2 });
}

describe.each(STORES)('store on %s', (kind: StoreKind) => {
  let t: TestDb;
  let db: Db;
  const tempDirs: string[] = [];

  beforeAll(async () => {
    t = await openTestDb(kind);
    db = t.db;
    await db.query(PROBE_TABLE);
  });

  afterAll(async () => {
    await t?.cleanup();
  });

  afterEach(async () => {
    await db.query('TRUNCATE probe');
    await Promise.all(tempDirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
  });

  const tempMigrations = async (extra: Record<string, string> = {}): Promise<string> => {
    const dir = await migrationsDir(extra);
    tempDirs.push(dir);
    return dir;
  };

  it(`reports its kind and answers ping`, async () => {
    expect(db.kind).toBe(kind);
    await expect(db.ping()).resolves.toBeUndefined();
  });

  describe('migrate', () => {
    it('records every shipped migration in schema_migrations', async () => {
      const { rows } = await db.query<{ version: number; name: string; sha256: string; applied_at: Date }>(
        'SELECT version, name, sha256, applied_at FROM schema_migrations ORDER BY version',
      );
      const expected = await shippedMigrations();
      expect(expected.length).toBeGreaterThan(0);
      expect(rows.map(({ version, name, sha256 }) => ({ version, name, sha256 }))).toEqual(expected);
      for (const row of rows) expect(row.applied_at).toBeInstanceOf(Date);
      // The schema itself is there.
      await expect(db.query('SELECT count(*) AS n FROM deliveries')).resolves.toMatchObject({ rows: [{ n: 0 }] });
    });

    it('is idempotent', async () => {
      const before = await db.query('SELECT * FROM schema_migrations ORDER BY version');
      await expect(migrate(db)).resolves.toEqual({ applied: [] });
      await expect(migrate(db)).resolves.toEqual({ applied: [] });
      const after = await db.query('SELECT * FROM schema_migrations ORDER BY version');
      expect(after.rows).toEqual(before.rows);
    });

    it('refuses a migration changed after it was applied', async () => {
      const dir = await tempMigrations();
      const [first] = await shippedMigrations();
      const file = `${String(first!.version).padStart(3, '0')}_${first!.name}.sql`;
      await appendFile(join(dir, file), '\n-- an innocent-looking edit\n');

      await expect(migrate(db, { dir })).rejects.toThrow(new RegExp(`Migration ${file.slice(0, -4)} changed after it was applied`));
    });

    it('refuses a database version the code does not know', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'lt-migrations-'));
      tempDirs.push(dir);
      await expect(migrate(db, { dir })).rejects.toThrow(/The database has migration 001_init, which this code does not know/);
    });

    it('refuses a file not named NNN_name.sql', async () => {
      const dir = await tempMigrations({ '9_oops.sql': 'SELECT 1' });
      await expect(migrate(db, { dir })).rejects.toThrow(/9_oops\.sql is not named NNN_name\.sql/);
    });

    it('applies new migrations once, each in its own transaction, and refuses one older than the newest applied', async () => {
      const fresh = await openTestDb(kind);
      try {
        const broken = 'CREATE TABLE broken_probe (id integer);\nSELECT 1 / 0;\n';
        const dir = await tempMigrations({ '900_first.sql': 'CREATE TABLE first_probe (id integer);\n', '901_second.sql': broken });

        await expect(migrate(fresh.db, { dir })).rejects.toMatchObject({ code: '22012' });
        const versions = async (): Promise<number[]> =>
          (await fresh.db.query<{ version: number }>('SELECT version FROM schema_migrations WHERE version >= 900 ORDER BY version')).rows.map((r) => r.version);
        expect(await versions()).toEqual([900]);
        await expect(fresh.db.query('SELECT * FROM broken_probe')).rejects.toMatchObject({ code: '42P01' });

        await writeFile(join(dir, '901_second.sql'), 'CREATE TABLE second_probe (id integer);\n');
        await expect(migrate(fresh.db, { dir })).resolves.toEqual({ applied: ['901_second'] });
        await expect(migrate(fresh.db, { dir })).resolves.toEqual({ applied: [] });
        expect(await versions()).toEqual([900, 901]);

        await writeFile(join(dir, '850_late.sql'), 'SELECT 1;\n');
        await expect(migrate(fresh.db, { dir })).rejects.toThrow(/Migration 850_late is pending but a newer one \(version 901\) is already applied/);
      } finally {
        await fresh.cleanup();
      }
    });

    it('in check mode changes nothing: passes when up to date, refuses to start when a migration is pending', async () => {
      const fresh = await openTestDb(kind);
      try {
        await expect(migrate(fresh.db, { mode: 'check' })).resolves.toEqual({ applied: [] });
        const dir = await tempMigrations({ '902_pending.sql': 'CREATE TABLE pending_probe (id integer);\n' });
        await expect(migrate(fresh.db, { dir, mode: 'check' })).rejects.toThrow(/schema is behind this version: 902_pending not applied .*lienthong migrate/);
        const { rows } = await fresh.db.query<{ t: string | null }>(`SELECT to_regclass('pending_probe')::text AS t`);
        expect(rows[0]!.t).toBeNull();
        await fresh.db.query('DROP TABLE schema_migrations');
        await expect(migrate(fresh.db, { mode: 'check' })).rejects.toThrow(/001_\w+, .* not applied/);
        const { rows: after } = await fresh.db.query<{ t: string | null }>(`SELECT to_regclass('schema_migrations')::text AS t`);
        expect(after[0]!.t).toBeNull();
      } finally {
        await fresh.cleanup();
      }
    });

    it('lets two migrators run at once: each migration is applied exactly once', async () => {
      const fresh = await openTestDb(kind);
      const other = kind === 'postgres' ? await openSecondPool(fresh.db) : fresh.db;
      try {
        const extra = Object.fromEntries(
          Array.from({ length: 6 }, (_, i) => [`9${String(i).padStart(2, '0')}_race.sql`, `CREATE TABLE race_${i} (id integer);\n`]),
        );
        const dir = await tempMigrations(extra);

        const [a, b] = await Promise.all([migrate(fresh.db, { dir }), migrate(other, { dir })]);

        expect([...a.applied, ...b.applied].sort()).toEqual(Object.keys(extra).map((n) => n.slice(0, -4)));
        const { rows } = await fresh.db.query<{ n: number }>('SELECT count(*) AS n FROM schema_migrations WHERE version >= 900');
        expect(rows[0]!.n).toBe(6);
      } finally {
        if (other !== fresh.db) await other.close();
        await fresh.cleanup();
      }
    });
  });

  describe('transactions', () => {
    it('commits and returns the callback result', async () => {
      const result = await db.transaction(async (tx) => {
        await tx.query('INSERT INTO probe (label) VALUES ($1)', ['committed']);
        return 'done';
      });
      expect(result).toBe('done');
      expect((await db.query('SELECT label FROM probe')).rows).toEqual([{ label: 'committed' }]);
    });

    it('rolls back and rethrows when the work throws', async () => {
      const boom = new Error('boom');
      await expect(
        db.transaction(async (tx) => {
          await tx.query('INSERT INTO probe (label) VALUES ($1)', ['rolled back']);
          throw boom;
        }),
      ).rejects.toBe(boom);
      expect((await db.query('SELECT * FROM probe')).rows).toEqual([]);
    });

    it('refuses to commit when a statement failed, even if the callback swallowed the error', async () => {
      await expect(
        db.transaction(async (tx) => {
          await tx.query('INSERT INTO probe (label) VALUES ($1)', ['before the error']);
          await tx.query('SELECT 1 / 0').catch(() => undefined);
        }),
      ).rejects.toMatchObject({ code: '25P02' });
      expect((await db.query('SELECT * FROM probe')).rows).toEqual([]);
    });

    it('refuses db.query() and db.transaction() from inside a transaction callback', async () => {
      await expect(db.transaction(async () => db.query('SELECT 1'))).rejects.toThrow(/inside db\.transaction\(\)/);
      await expect(db.transaction(async () => db.transaction(async () => 1))).rejects.toThrow(/inside db\.transaction\(\)/);
      // The store is still usable afterwards.
      await expect(db.query('SELECT 1 AS one')).resolves.toMatchObject({ rows: [{ one: 1 }] });
    });

    it('makes a leaked transaction handle unusable once the transaction ended', async () => {
      let leaked: { query: Db['query'] } | undefined;
      await db.transaction(async (tx) => {
        leaked = tx;
      });
      await expect(leaked!.query('SELECT 1')).rejects.toThrow('Transaction is closed');
    });

    it('keeps uncommitted rows invisible to a query issued while the transaction is open', async () => {
      const events: string[] = [];
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      let signalInserted!: () => void;
      const inserted = new Promise<void>((resolve) => (signalInserted = resolve));

      const tx = db.transaction(async (q) => {
        await q.query('INSERT INTO probe (label) VALUES ($1)', ['uncommitted']);
        signalInserted();
        await gate;
        events.push('transaction ends');
        throw new Error('abandon');
      });
      await inserted;
      const read = db.query<{ n: number }>('SELECT count(*) AS n FROM probe').then((r) => {
        events.push('outside read');
        return r.rows[0]!.n;
      });
      await sleep(50);
      release();

      await expect(tx).rejects.toThrow('abandon');
      expect(await read).toBe(0);
      if (kind === 'pglite') {
        // One connection: the outside query waited for the transaction instead of running inside it.
        expect(events).toEqual(['transaction ends', 'outside read']);
      }
    });

    it('runs concurrent transactions and queries without losing or interleaving work', async () => {
      await db.query('INSERT INTO probe (label, n) VALUES ($1, 0)', ['counter']);
      const events: string[] = [];
      const transactions = Array.from({ length: 20 }, (_, i) =>
        db.transaction(async (tx) => {
          events.push(`begin ${i}`);
          // FOR UPDATE makes the read-modify-write safe on a server too; PGlite serialises anyway.
          const { rows } = await tx.query<{ n: number }>('SELECT n FROM probe WHERE label = $1 FOR UPDATE', ['counter']);
          await sleep(i % 3);
          await tx.query('UPDATE probe SET n = $1 WHERE label = $2', [rows[0]!.n + 1, 'counter']);
          events.push(`end ${i}`);
        }),
      );
      const inserts = Array.from({ length: 20 }, (_, i) => db.query('INSERT INTO probe (label) VALUES ($1)', [`row ${i}`]));
      await Promise.all([...transactions, ...inserts]);

      const { rows } = await db.query<{ n: number; total: number }>(
        `SELECT (SELECT n FROM probe WHERE label = 'counter') AS n, (SELECT count(*) FROM probe) AS total`,
      );
      expect(rows[0]).toEqual({ n: 20, total: 21 });
      if (kind === 'pglite') {
        const pairs = Array.from({ length: events.length / 2 }, (_, k) => [events[2 * k], events[2 * k + 1]]);
        for (const [begin, end] of pairs) expect(end!.replace('end', 'begin')).toBe(begin);
      }
    });
  });

  describe('result types (identical on both stores)', () => {
    it('round-trips timestamptz, jsonb, text[], bigserial, bigint, bigint[], numeric, uuid, boolean', async () => {
      const at = new Date('2024-05-06T07:08:09.123Z');
      const data = { a: 1, b: ['x', null, true], c: { d: 'Hà Nội', e: 'quote " and \\ backslash' } };
      const tags = ['a', 'b,c', 'd"e', 'f\\g', 'NULL', '', 'Hà Nội', '{braces}'];
      const params = [at, data, tags, Number.MAX_SAFE_INTEGER, [1, null, 3], '12.50', '6b20d78f-f4ea-4b05-a468-22ef8c0f58b3', true, 42, 'types'];
      const expected = {
        at,
        data,
        tags,
        size: Number.MAX_SAFE_INTEGER,
        counts: [1, null, 3],
        amount: '12.50',
        ref: '6b20d78f-f4ea-4b05-a468-22ef8c0f58b3',
        flag: true,
        n: 42,
        label: 'types',
      };

      const inserted = await db.query<{ id: number }>(
        'INSERT INTO probe (at, data, tags, size, counts, amount, ref, flag, n, label) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING *',
        params,
      );
      expect(inserted.rowCount).toBe(1);
      expect(inserted.rows[0]).toEqual({ id: expect.any(Number), ...expected });

      const again = await db.query('INSERT INTO probe (label) VALUES ($1) RETURNING id', ['second']);
      expect(again.rows[0]).toEqual({ id: inserted.rows[0]!.id + 1 });

      const { rows } = await db.query('SELECT at, data, tags, size, counts, amount, ref, flag, n, label FROM probe WHERE label = $1', ['types']);
      expect(rows).toEqual([expected]);
      expect(rows[0]!.at).toBeInstanceOf(Date);
    });

    it('round-trips NULLs, empty arrays, and jsonb arrays and strings passed as JSON text', async () => {
      await db.query('INSERT INTO probe (label, data, tags) VALUES ($1, $2, $3), ($4, $5, $6), ($7, $8, $9)', [
        'null',
        null,
        [],
        'json array',
        JSON.stringify([1, 'two', { three: 3 }]),
        null,
        'json string',
        JSON.stringify('just text'),
        ['one'],
      ]);
      const { rows } = await db.query('SELECT label, data, tags, at, size FROM probe ORDER BY id');
      expect(rows).toEqual([
        { label: 'null', data: null, tags: [], at: null, size: null },
        { label: 'json array', data: [1, 'two', { three: 3 }], tags: null, at: null, size: null },
        { label: 'json string', data: 'just text', tags: ['one'], at: null, size: null },
      ]);
    });

    it('parses server-side values the same way', async () => {
      const { rows } = await db.query(
        `SELECT '2024-01-02 03:04:05.123456+07'::timestamptz AS at, count(*) AS n, 2::bigint * 3 AS product,
                '{"k": [1, 2]}'::jsonb AS j, '{"k": 1}'::json AS plain_json, ARRAY['x', NULL]::text[] AS arr,
                1.5::numeric AS num, 7::smallint AS small, 2.5::float8 AS f
           FROM probe`,
      );
      expect(rows).toEqual([
        {
          at: new Date('2024-01-01T20:04:05.123Z'),
          n: 0,
          product: 6,
          j: { k: [1, 2] },
          plain_json: { k: 1 },
          arr: ['x', null],
          num: '1.5',
          small: 7,
          f: 2.5,
        },
      ]);
    });

    it('refuses an int8 beyond 2^53 instead of rounding it', async () => {
      await expect(db.query('SELECT 9007199254740993::bigint AS big')).rejects.toThrow(RangeError);
      await expect(db.query('SELECT ARRAY[9007199254740993]::bigint[] AS big')).rejects.toThrow(RangeError);
      await expect(db.query('SELECT 1 AS still_fine')).resolves.toMatchObject({ rows: [{ still_fine: 1 }] });
    });

    it('reports rowCount from the command tag', async () => {
      const insert = await db.query('INSERT INTO probe (label) VALUES ($1), ($2), ($3)', ['r1', 'r2', 'r3']);
      expect(insert.rowCount).toBe(3);
      const update = await db.query('UPDATE probe SET n = 1 WHERE label IN ($1, $2)', ['r1', 'r2']);
      expect(update.rowCount).toBe(2);
      const select = await db.query('SELECT * FROM probe');
      expect(select.rowCount).toBe(3);
      const del = await db.query('DELETE FROM probe WHERE label = $1', ['nope']);
      expect(del.rowCount).toBe(0);
      const ddl = await db.query('CREATE INDEX IF NOT EXISTS probe_n ON probe (n)');
      expect(ddl.rowCount).toBe(0);
    });

    it('runs several statements without parameters and returns the last result', async () => {
      const result = await db.query(`INSERT INTO probe (label) VALUES ('m1'); SELECT label FROM probe`);
      expect(result.rows).toEqual([{ label: 'm1' }]);
      expect(result.rowCount).toBe(1);
    });

    it('surfaces PostgreSQL error codes', async () => {
      await db.query('INSERT INTO probe (label) VALUES ($1)', ['dup']);
      await expect(db.query('INSERT INTO probe (label) VALUES ($1)', ['dup'])).rejects.toMatchObject({ code: '23505' });
    });

    it('round-trips an audit event through the real schema', async () => {
      const at = new Date('2025-02-03T04:05:06.789Z');
      const insert = await db.query<{ id: number }>(
        'INSERT INTO audit_events (at, actor, kind, data) VALUES ($1, $2, $3, $4), ($1, $2, $3, DEFAULT) RETURNING id',
        [at, 'config', 'config.synced', { agencies: 3, note: 'Sở Tư pháp' }],
      );
      const [first, second] = insert.rows.map((r) => r.id);
      expect(typeof first).toBe('number');
      expect(second).toBe(first! + 1);
      const { rows } = await db.query('SELECT at, actor, kind, message_id, data FROM audit_events WHERE id IN ($1, $2) ORDER BY id', [first, second]);
      expect(rows).toEqual([
        { at, actor: 'config', kind: 'config.synced', message_id: null, data: { agencies: 3, note: 'Sở Tư pháp' } },
        { at, actor: 'config', kind: 'config.synced', message_id: null, data: {} },
      ]);
    });
  });
});

describe('opening stores', () => {
  it('openPgDb names the server but never the password when it cannot connect', async () => {
    const failure = openPgDb({ connectionString: 'postgres://lt_user:s3cret-pw@127.0.0.1:1/hubdb', connectTimeoutMs: 2_000 });
    await expect(failure).rejects.toThrow(/Cannot connect to PostgreSQL at 127\.0\.0\.1:1\/hubdb as lt_user: .*ECONNREFUSED/);
    await expect(failure).rejects.not.toThrow(/s3cret-pw/);
  });

  it('openDb opens PGlite in <dataDir>/pgdata and keeps the data across a reopen', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'lt-data-'));
    try {
      const first = await openDb({ dataDir });
      expect(first.kind).toBe('pglite');
      expect((await migrate(first)).applied.length).toBeGreaterThan(0);
      await first.query('INSERT INTO agencies (code, name) VALUES ($1, $2)', ['000.00.00.G22', 'Văn phòng Chính phủ']);
      await first.close();
      expect(existsSync(join(dataDir, 'pgdata', 'PG_VERSION'))).toBe(true);

      const second = await openDb({ dataDir });
      try {
        await expect(migrate(second)).resolves.toEqual({ applied: [] });
        await expect(second.query('SELECT code, name FROM agencies')).resolves.toMatchObject({
          rows: [{ code: '000.00.00.G22', name: 'Văn phòng Chính phủ' }],
        });
      } finally {
        await second.close();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('openDb opens a PostgreSQL server when a databaseUrl is given', async () => {
    const db = await openDb({ databaseUrl: testDatabaseUrl(), dataDir: '/nonexistent', poolSize: 1 });
    try {
      expect(db.kind).toBe('postgres');
      await expect(db.ping()).resolves.toBeUndefined();
    } finally {
      await db.close();
    }
  });
});
