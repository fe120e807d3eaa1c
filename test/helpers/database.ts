// A fresh, migrated database per test file: a new database on the PostgreSQL server, or an in-memory embedded one.
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

export async function freshDatabase(options: { migrate?: boolean; max?: number } = {}): Promise<TestDatabase> {
  const serverUrl = process.env.DATABASE_URL;
  let url: string;
  let drop: () => Promise<void>;
  if (serverUrl) {
    const name = `test_${process.pid}_${randomBytes(4).toString('hex')}`;
    const admin = new pg.Client({ connectionString: serverUrl });
    await admin.connect();
    await admin.query(`create database ${name}`);
    await admin.end();
    const parsed = new URL(serverUrl);
    parsed.pathname = `/${name}`;
    url = parsed.toString();
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
