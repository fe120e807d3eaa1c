// Runs Terraform's database_bootstrap_sql on a real Postgres set up like Cloud SQL, then migrations as the migrator, then checks the runtimes' privileges.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { migrate, readMigrations, type Migration } from '../../shared/db/migrate.js';
import { loadTerraform, localsOf, moduleFiles, namedBlocks, str } from './infra.js';

const suffix = randomBytes(4).toString('hex');
const PROJECT = `bootstrap-${suffix}`;
const DATABASE = `deploy_bootstrap_${suffix}`;
// What Cloud SQL has: a non-superuser "postgres" with CREATEROLE in the cloudsqlsuperuser group, which owns API-created databases.
const CLOUDSQLSUPERUSER = `cloudsqlsuperuser_${suffix}`;
const POSTGRES = `postgres_${suffix}`;
const users = {
  migrator: `db-migrator@${PROJECT}.iam`,
  app: `app-runtime@${PROJECT}.iam`,
  'process-strava-event': `fn-process-strava-event@${PROJECT}.iam`,
  'update-tokens': `fn-update-tokens@${PROJECT}.iam`,
  backfill: `fn-backfill@${PROJECT}.iam`,
  'import-archive': `fn-import-archive@${PROJECT}.iam`,
  'deliver-activities': `fn-deliver-activities@${PROJECT}.iam`,
};
const runtimes = [users.app, users['process-strava-event'], users['update-tokens'], users.backfill, users['import-archive'], users['deliver-activities']];
const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

const adminUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
let skipReason: string | undefined;
let admin: pg.Client | undefined;

async function renderedSql(): Promise<string> {
  const files = moduleFiles(await loadTerraform());
  const template = str(localsOf(files).database_bootstrap_sql);
  assert.ok(template, 'local.database_bootstrap_sql is missing');
  const databaseName = namedBlocks(files, 'variable').find((v) => v.name === 'database_name')?.body.default;
  return template
    .replace(/\$\{local\.migrator_role\}/g, quote(users.migrator))
    .replace(/\$\{local\.runtime_roles\}/g, runtimes.map(quote).join(', '))
    .replace(/\$\{var\.database_name\}/g, String(databaseName));
}

function databaseUrl(): string {
  const url = new URL(adminUrl);
  url.pathname = `/${DATABASE}`;
  return url.toString();
}

/** A pool whose every connection acts as `role` (the admin session switches authorization). */
function poolAs(role: string): pg.Pool {
  const pool = new pg.Pool({ connectionString: databaseUrl(), max: 1 });
  pool.on('connect', (client) => void client.query(`set session authorization ${quote(role)}`));
  return pool;
}

async function asRole<T>(role: string, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const pool = poolAs(role);
  const client = await pool.connect();
  try {
    return await fn(client);
  } finally {
    client.release();
    await pool.end();
  }
}

before(async () => {
  admin = new pg.Client({ connectionString: adminUrl });
  try {
    await admin.connect();
  } catch (error) {
    skipReason = `no PostgreSQL at ${new URL(adminUrl).host} (${(error as Error).message})`;
    admin = undefined;
    return;
  }
  const { rows } = await admin.query<{ rolsuper: boolean }>('select rolsuper from pg_roles where rolname = current_user');
  if (!rows[0]?.rolsuper) {
    skipReason = 'DATABASE_URL is not a superuser, which this simulation of Cloud SQL roles needs';
    return;
  }
  await admin.query(`create role ${quote(CLOUDSQLSUPERUSER)} nologin createrole createdb`);
  await admin.query(`create role ${quote(POSTGRES)} nologin createrole createdb in role ${quote(CLOUDSQLSUPERUSER)}`);
  for (const user of Object.values(users)) await admin.query(`create role ${quote(user)} nologin`);
  await admin.query(`create database ${quote(DATABASE)} owner ${quote(CLOUDSQLSUPERUSER)}`);
});

after(async () => {
  if (!admin) return;
  if (!skipReason) {
    await admin.query(`drop database if exists ${quote(DATABASE)} with (force)`);
    for (const role of [...Object.values(users), POSTGRES, CLOUDSQLSUPERUSER]) await admin.query(`drop role if exists ${quote(role)}`);
  }
  await admin.end();
});

const SYNTHETIC: Migration[] = [
  { version: 1, name: 'first', sql: 'create table things (id bigserial primary key, label text not null)' },
  { version: 2, name: 'second', sql: 'create table later (id bigint generated always as identity primary key, thing_id bigint references things (id))' },
];

describe('database bootstrap (Terraform output database_bootstrap_sql)', () => {
  it('runs as the Cloud SQL postgres user, which is not a superuser', async (t) => {
    if (skipReason) return t.skip(skipReason);
    const sql = await renderedSql();
    await asRole(POSTGRES, (client) => client.query(sql));
    // The script leaves no membership behind.
    const { rows } = await admin!.query(
      'select 1 from pg_auth_members m join pg_roles r on r.oid = m.roleid join pg_roles u on u.oid = m.member where r.rolname = $1 and u.rolname = $2',
      [users.migrator, POSTGRES],
    );
    assert.equal(rows.length, 0);
  });

  it('lets the migrator apply migrations and the runtimes read and write what it created', async (t) => {
    if (skipReason) return t.skip(skipReason);
    const pool = poolAs(users.migrator);
    try {
      assert.deepEqual(await migrate(pool, SYNTHETIC), [1, 2]);
    } finally {
      await pool.end();
    }
    for (const runtime of runtimes) {
      await asRole(runtime, async (client) => {
        const { rows } = await client.query<{ id: number }>(`insert into things (label) values ($1::text) returning id`, [runtime]);
        await client.query('insert into later (thing_id) values ($1::bigint)', [rows[0]!.id]);
        await client.query('update things set label = label where id = $1::bigint', [rows[0]!.id]);
        await client.query('select count(*) from schema_migrations');
        await client.query('delete from later');
      });
    }
  });

  it('the runtimes cannot change the schema', async (t) => {
    if (skipReason) return t.skip(skipReason);
    for (const runtime of runtimes) {
      await asRole(runtime, async (client) => {
        await assert.rejects(client.query('create table intruder (id int)'), /permission denied/);
        await assert.rejects(client.query('drop table things'), /must be owner/);
      });
    }
  });

  it("the project's own migrations apply as the migrator and every table is usable by every runtime", async (t) => {
    if (skipReason) return t.skip(skipReason);
    const migrations = (await readMigrations()).map((m) => ({ ...m, version: m.version + SYNTHETIC.length }));
    // Continue the synthetic numbering so both sets live in one schema_migrations table.
    const pool = poolAs(users.migrator);
    try {
      await migrate(pool, [...SYNTHETIC, ...migrations]);
    } finally {
      await pool.end();
    }
    const problems: string[] = [];
    const client = new pg.Client({ connectionString: databaseUrl() });
    await client.connect();
    try {
      const { rows: tables } = await client.query<{ name: string }>(`select tablename as name from pg_tables where schemaname = 'public'`);
      assert.ok(tables.length > SYNTHETIC.length + 1, 'the project migrations created no tables');
      for (const runtime of runtimes) {
        for (const { name } of tables) {
          const { rows } = await client.query<{ ok: boolean }>(`select has_table_privilege($1::text, $2::text, 'select,insert,update,delete') as ok`, [
            runtime,
            `public.${quote(name)}`,
          ]);
          if (!rows[0]?.ok) problems.push(`${runtime} cannot use ${name}`);
        }
        const { rows: sequences } = await client.query<{ name: string; ok: boolean }>(
          `select sequencename as name, has_sequence_privilege($1::text, format('%I.%I', schemaname, sequencename), 'usage') as ok from pg_sequences where schemaname = 'public'`,
          [runtime],
        );
        for (const s of sequences) if (!s.ok) problems.push(`${runtime} cannot use sequence ${s.name}`);
      }
    } finally {
      await client.end();
    }
    assert.deepEqual(problems, []);
  });
});
