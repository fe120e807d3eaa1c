// Applies the forward-only numbered SQL migrations, each in its own transaction, one runner at a time.
import { readdir, readFile } from 'node:fs/promises';
import type pg from 'pg';
import { fromRoot } from '../paths.js';

export const MIGRATIONS_DIR = fromRoot('shared', 'db', 'migrations');

// Any constant works; it only has to be the same for every runner of this project.
const MIGRATION_LOCK_KEY = 7_406_117_301;

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export async function readMigrations(dir = MIGRATIONS_DIR): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((file) => file.endsWith('.sql')).sort();
  const migrations: Migration[] = [];
  for (const file of files) {
    const match = /^(\d+)_([\w-]+)\.sql$/.exec(file);
    if (!match) throw new Error(`Migration file ${file} must be named NNN_name.sql`);
    migrations.push({ version: Number(match[1]), name: match[2]!, sql: await readFile(`${dir}/${file}`, 'utf8') });
  }
  migrations.forEach((migration, i) => {
    const previous = migrations[i - 1];
    if (previous && previous.version === migration.version) throw new Error(`Two migrations share number ${migration.version}`);
  });
  return migrations;
}

/** Returns the versions it applied (none when the database is current). */
export async function migrate(pool: pg.Pool, migrations?: Migration[]): Promise<number[]> {
  const all = migrations ?? (await readMigrations());
  const client = await pool.connect();
  try {
    // A session lock, so two deploys or two instances starting together take turns instead of racing.
    await client.query('select pg_advisory_lock($1::bigint)', [MIGRATION_LOCK_KEY]);
    await client.query(
      `create table if not exists schema_migrations (
         version integer primary key,
         name text not null,
         applied_at timestamptz not null default now()
       )`,
    );
    const { rows } = await client.query<{ version: number }>('select version from schema_migrations');
    const done = new Set(rows.map((row) => row.version));
    const applied: number[] = [];
    for (const migration of all) {
      if (done.has(migration.version)) continue;
      await client.query('begin');
      try {
        await client.query(migration.sql);
        await client.query('insert into schema_migrations (version, name) values ($1::integer, $2::text)', [migration.version, migration.name]);
        await client.query('commit');
      } catch (error) {
        await client.query('rollback');
        throw new Error(`Migration ${migration.version}_${migration.name} failed and was rolled back`, { cause: error });
      }
      applied.push(migration.version);
    }
    return applied;
  } finally {
    await client.query('select pg_advisory_unlock($1::bigint)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    client.release();
  }
}
