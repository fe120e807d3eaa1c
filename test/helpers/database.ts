// A fresh, migrated database per test file: a new database on the PostgreSQL server, or an in-memory embedded one.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { startEmbeddedPostgres } from '../../shared/db/embedded.js';
import { migrate } from '../../shared/db/migrate.js';
import '../../shared/db/pool.js'; // installs the bigint and numeric type parsers

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
  // pool.end() resolves before every socket is gone; dropping the database then ends the stragglers,
  // which would otherwise surface as an unhandled error in whatever test runs next.
  pool.on('error', () => undefined);
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
