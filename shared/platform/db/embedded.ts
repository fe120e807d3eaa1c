// An embedded PostgreSQL (PGlite) persisted on disk and served over the wire protocol, so the same `pg` code runs on a laptop.
import { mkdir } from 'node:fs/promises';

export interface EmbeddedPostgres {
  /** A `postgres://` URL any `pg` client can use. */
  url: string;
  close(): Promise<void>;
}

/** `dataDir` null keeps the database in memory (tests without a PostgreSQL server). */
export async function startEmbeddedPostgres(dataDir: string | null): Promise<EmbeddedPostgres> {
  // Loaded lazily: production never pays for the WebAssembly build.
  const { PGlite } = await import('@electric-sql/pglite');
  const { PGLiteSocketServer } = await import('@electric-sql/pglite-socket');
  if (dataDir) await mkdir(dataDir, { recursive: true });
  const db = await PGlite.create(dataDir ?? undefined);
  // PGlite is single-connection; the socket server multiplexes several clients onto it.
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 16 });
  await server.start();
  // getServerConn() answers "host:port" with the port the OS chose.
  const port = server.getServerConn().split(':').pop();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    async close() {
      await server.stop();
      await db.close();
    },
  };
}
