// A fresh, migrated database per test file: a new database on the PostgreSQL server, or an in-memory embedded one.
// On a server, `npm test` names one template database for the whole run (TEST_TEMPLATE_DATABASE): the first file to
// need it migrates it once, and every fresh database is a copy of it (CREATE DATABASE … TEMPLATE), which costs a
// fraction of running every migration again.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { startEmbeddedPostgres } from '../../shared/platform/db/embedded.js';
import { migrate } from '../../shared/db/migrate.js';
import '../../shared/platform/db/pool.js'; // installs the bigint and numeric type parsers

/**
 * pg's pool.end() resolves before its sockets have closed, so dropping the test database (with force) can still
 * terminate them; without a listener that 'error' event would crash the test process. Anything else still throws.
 */
export function ignoreTerminationOnClose(pool: pg.Pool): void {
  pool.on('error', (error) => {
    if (!/terminating connection due to administrator command/.test(error.message)) throw error;
  });
}

export interface TestDatabase {
  url: string;
  pool: pg.Pool;
  /** True when the tests run against a real PostgreSQL server. */
  real: boolean;
  close(): Promise<void>;
}

function databaseUrl(serverUrl: string, name: string): string {
  const parsed = new URL(serverUrl);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

/**
 * The run's template database, migrated by whichever test file needs it first (the others wait on an advisory lock).
 * It is built under a scratch name and renamed only once every migration is in, so no file ever copies half a schema.
 * Undefined outside `npm test`, where each database runs the migrations itself.
 */
async function migratedTemplate(admin: pg.Client, serverUrl: string): Promise<string | undefined> {
  const template = process.env.TEST_TEMPLATE_DATABASE;
  if (!template || !/^[a-z0-9_]+$/.test(template)) return undefined;
  await admin.query('select pg_advisory_lock(hashtext($1::text))', [template]);
  try {
    const { rowCount } = await admin.query('select 1 from pg_database where datname = $1::text', [template]);
    if (rowCount) return template;
    const scratch = `${template}_building`;
    await admin.query(`drop database if exists ${scratch}`);
    await admin.query(`create database ${scratch}`);
    const pool = new pg.Pool({ connectionString: databaseUrl(serverUrl, scratch), max: 1 });
    try {
      await migrate(pool);
    } finally {
      await pool.end();
    }
    // The rename, like every copy after it, needs the source free of sessions; PostgreSQL waits a few seconds for a
    // session that is closing, which is all the pool's can be by now.
    await admin.query(`alter database ${scratch} rename to ${template}`);
    return template;
  } finally {
    await admin.query('select pg_advisory_unlock(hashtext($1::text))', [template]);
  }
}

export async function freshDatabase(options: { migrate?: boolean; max?: number } = {}): Promise<TestDatabase> {
  const serverUrl = process.env.DATABASE_URL;
  let url: string;
  let drop: () => Promise<void>;
  if (serverUrl) {
    const name = `test_${process.pid}_${randomBytes(4).toString('hex')}`;
    const admin = new pg.Client({ connectionString: serverUrl });
    await admin.connect();
    try {
      const template = options.migrate !== false ? await migratedTemplate(admin, serverUrl) : undefined;
      await admin.query(template ? `create database ${name} template ${template}` : `create database ${name}`);
    } finally {
      await admin.end();
    }
    url = databaseUrl(serverUrl, name);
    drop = async () => {
      const cleanup = new pg.Client({ connectionString: serverUrl });
      await cleanup.connect();
      await cleanup.query(`drop database if exists ${name} with (force)`);
      await cleanup.end();
    };
  } else {
    const embedded = await startEmbeddedPostgres(null);
    url = embedded.url;
    drop = () => embedded.close();
  }
  const pool = new pg.Pool({ connectionString: url, max: options.max ?? 10 });
  ignoreTerminationOnClose(pool);
  if (options.migrate !== false) await migrate(pool);
  return {
    url,
    pool,
    real: Boolean(serverUrl),
    async close() {
      await pool.end();
      await drop();
    },
  };
}
