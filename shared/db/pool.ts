// Opens the one pg pool a process uses: a connection string, Cloud SQL through its connector, or the embedded database.
import pg from 'pg';
import type { DatabaseConfig } from '../config.js';
import { startEmbeddedPostgres } from './embedded.js';

// Postgres bigint (int8) and numeric come back as strings by default; Strava ids fit in a JS number.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (value) => Number(value));

export interface Database {
  pool: pg.Pool;
  /** Ends the pool and whatever it owns (the connector, the embedded server). */
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  max?: number;
  /** Only for built-in Cloud SQL users; IAM authentication needs none. */
  password?: string | undefined;
}

export async function openDatabase(config: DatabaseConfig, options: OpenDatabaseOptions = {}): Promise<Database> {
  const max = options.max ?? 10;
  switch (config.kind) {
    case 'url': {
      const pool = new pg.Pool({ connectionString: config.url, max });
      return { pool, close: () => pool.end() };
    }
    case 'cloud-sql': {
      const { Connector, AuthTypes, IpAddressTypes } = await import('@google-cloud/cloud-sql-connector');
      const connector = new Connector();
      const clientOpts = await connector.getOptions({
        instanceConnectionName: config.instanceConnectionName,
        ipType: IpAddressTypes.PUBLIC,
        authType: options.password ? AuthTypes.PASSWORD : AuthTypes.IAM,
      });
      const pool = new pg.Pool({
        ...clientOpts,
        user: config.user,
        database: config.database,
        ...(options.password ? { password: options.password } : {}),
        max,
      });
      return {
        pool,
        async close() {
          await pool.end();
          connector.close();
        },
      };
    }
    case 'embedded': {
      const embedded = await startEmbeddedPostgres(config.dataDir);
      // PGlite is a single session: the socket server interleaves several connections' protocol messages and they
      // share named prepared statements, so concurrent work (a page and a background import) breaks. One connection
      // serialises everything, as the single session does anyway.
      const pool = new pg.Pool({ connectionString: embedded.url, max: 1 });
      return {
        pool,
        async close() {
          await pool.end();
          await embedded.close();
        },
      };
    }
  }
}
