import fs from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

/**
 * An embedded PostgreSQL (PGlite) served over the Postgres wire protocol, for `npm start` and
 * the tests: the connector reaches it through DATABASE_URL with `pg`, exactly as it reaches a
 * real PostgreSQL, so there is one code path. PGlite is a single connection; the socket server
 * multiplexes clients onto it (keeping a client's transaction to itself), up to `maxConnections`.
 */
export interface EmbeddedDatabase {
  /** postgres://…@127.0.0.1:<port>/postgres, for DATABASE_URL. */
  url: string;
  stop(): Promise<void>;
}

export async function startEmbeddedDatabase(options: {
  /** Folder of the database files; unset: in memory (gone when stopped). */
  dataDir?: string;
  port?: number;
  /** Open connections across every process using it (default 200: each process pools a few). */
  maxConnections?: number;
}): Promise<EmbeddedDatabase> {
  if (options.dataDir) fs.mkdirSync(options.dataDir, { recursive: true });
  const db = await PGlite.create(options.dataDir ?? 'memory://');
  const server = new PGLiteSocketServer({
    db,
    host: '127.0.0.1',
    port: options.port ?? 0,
    maxConnections: options.maxConnections ?? 200,
  });
  await server.start();
  const port = Number(server.getServerConn().split(':').pop());
  return {
    // Loopback only, and PGlite checks no password: the user and password are placeholders.
    url: `postgres://postgres:postgres@127.0.0.1:${port}/postgres`,
    async stop() {
      await server.stop();
      await db.close();
    },
  };
}
