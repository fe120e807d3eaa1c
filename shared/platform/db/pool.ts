// Opens the one pg pool a process uses: a connection string, Cloud SQL through its connector, or the embedded database.
import pg from 'pg';
import type { ConnectorOptions } from '@google-cloud/cloud-sql-connector';
import type { DatabaseConfig } from '../config.js';
import { startEmbeddedPostgres } from './embedded.js';

// Postgres bigint (int8) and numeric come back as strings by default. Strava ids fit a JS number exactly: activities
// refuses an id beyond 2^53 before it is stored (shared/activities/store.ts), so no stored id is ever rounded here.
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
  /**
   * Passed to the Cloud SQL connector as given. Unset in production, where it reaches Google's Cloud SQL Admin API
   * with Application Default Credentials; a caller may name another Admin API endpoint (`sqlAdminAPIEndpoint`) or
   * credentials (`auth`).
   */
  connector?: ConnectorOptions | undefined;
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
      const connector = new Connector(options.connector);
      let clientOpts: Awaited<ReturnType<typeof connector.getOptions>>;
      try {
        clientOpts = await connector.getOptions({
          instanceConnectionName: config.instanceConnectionName,
          ipType: IpAddressTypes.PUBLIC,
          authType: options.password ? AuthTypes.PASSWORD : AuthTypes.IAM,
        });
      } catch (error) {
        // No connector.close() here: a failed first refresh leaves nothing running, and close() would chain onto the
        // rejected instance promise without a handler (an unhandled rejection).
        // The Admin API's own messages ("The client is not authorized to make this request.") do not say which
        // instance was asked for, and INSTANCE_CONNECTION_NAME is the first thing an operator has to check.
        const reason = error instanceof Error ? error.message : String(error);
        throw new Error(`Cloud SQL instance ${config.instanceConnectionName} (INSTANCE_CONNECTION_NAME): ${reason}`, { cause: error });
      }
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
