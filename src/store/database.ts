import pg from 'pg';
import { migrate } from './migrations';

/**
 * The connector's one database: every replica's reports, managed webhook secret and webhook
 * health live here, so a second replica on another host sees what the first wrote. In production
 * it is PostgreSQL; `npm start` and the tests serve an embedded PGlite over the same wire
 * protocol (src/store/embedded.ts), so this is the only code path either way.
 */
export type Database = pg.Pool;

export interface OpenDatabaseOptions {
  /** Connections this process may hold at once (default 5: the connector's queries are short). */
  maxConnections?: number;
}

/** A pool on `url`, with the schema migrated before it is handed out. */
export async function openDatabase(url: string, options: OpenDatabaseOptions = {}): Promise<Database> {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.maxConnections ?? 5,
    // Idle connections go back: the embedded server counts every open one against its limit.
    idleTimeoutMillis: 10_000,
    connectionTimeoutMillis: 10_000,
  });
  // An idle client losing its connection (the server restarted) must not crash the process.
  pool.on('error', () => undefined);
  try {
    await migrate(pool);
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw error;
  }
  return pool;
}

/** Why a process without DATABASE_URL cannot start; the URL itself is never shown (it may hold a password). */
export const DATABASE_URL_MISSING =
  'DATABASE_URL is not set: the connector keeps its reports, managed webhook secret and webhook health in a PostgreSQL database shared by every replica. Set DATABASE_URL=postgres://user:password@host:5432/database, or run `npm start`, which serves an embedded one.';

let processDatabase: Promise<Database> | undefined;

/**
 * The database of this process, from DATABASE_URL, opened once and shared by everything in the
 * process that was not handed a database of its own.
 */
export function databaseFromEnvironment(env: NodeJS.ProcessEnv = process.env): Promise<Database> {
  if (!processDatabase) {
    const url = env.DATABASE_URL;
    if (!url) return Promise.reject(new Error(DATABASE_URL_MISSING));
    processDatabase = openDatabase(url);
    // A failed open is not kept: the next caller tries again.
    processDatabase.catch(() => {
      processDatabase = undefined;
    });
  }
  return processDatabase;
}

/** Closes the process database, if one was opened (on shutdown). */
export async function closeDatabaseFromEnvironment(): Promise<void> {
  const opened = processDatabase;
  processDatabase = undefined;
  if (opened) await (await opened.catch(() => undefined))?.end();
}

/**
 * The database a connector process was configured with. Without DATABASE_URL it fails with a
 * clear message rather than start an embedded database of its own: the worker and the webhook
 * server would each get a different one and never see each other's writes.
 */
export function openConfiguredDatabase(config: { databaseUrl: string | undefined }): Promise<Database> {
  if (!config.databaseUrl) return Promise.reject(new Error(DATABASE_URL_MISSING));
  return openDatabase(config.databaseUrl);
}
