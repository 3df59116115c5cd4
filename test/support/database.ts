import { spawn } from 'node:child_process';
import path from 'node:path';
import { openDatabase, type Database } from '../../src/store/database';
import { startEmbeddedDatabase, type EmbeddedDatabase } from '../../src/store/embedded';

/**
 * One embedded PostgreSQL (PGlite over the wire protocol) per Jest run, started by the
 * integration project's globalSetup: DATABASE_URL then points every worker, webhook server and
 * child process the tests start at it, exactly as a deployment points them at PostgreSQL. Test
 * files keep apart by their own report ids and connection ids.
 */
const KEY = '__CONNECTOR_DATABASE__';

export async function startTestDatabase(): Promise<EmbeddedDatabase> {
  const database = await startEmbeddedDatabase({ maxConnections: 500 });
  (globalThis as Record<string, unknown>)[KEY] = database;
  process.env.DATABASE_URL = database.url;
  return database;
}

export async function stopTestDatabase(): Promise<void> {
  await ((globalThis as Record<string, unknown>)[KEY] as EmbeddedDatabase | undefined)?.stop();
}

/** An embedded database server of a test file's own, empty (not migrated), in its own process. */
export interface DatabaseServer {
  url: string;
  stop(): Promise<void>;
}

export async function startDatabaseServer(): Promise<DatabaseServer> {
  // Its own process: PGlite cannot start inside Jest's module sandbox.
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, '../../dev/database/main.ts')], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, EMBEDDED_DATABASE_STOP_WITH_STDIN: '1' },
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const line = output.split('\n')[0];
      if (output.includes('\n') && line) resolve(line.trim());
    });
    child.once('exit', (code) => reject(new Error(`embedded database exited with code ${code}`)));
  });
  return {
    url,
    async stop() {
      child.stdin.end();
      await exited;
    },
  };
}

/**
 * A database of a test file's own (migrated), for tests whose answers depend on every report in
 * the database ("the latest report", "the last good run"): another file's reports, written
 * meanwhile to the run's database, cannot change them.
 */
export interface FileDatabase {
  url: string;
  database: Database;
  stop(): Promise<void>;
}

export async function startFileDatabase(): Promise<FileDatabase> {
  const server = await startDatabaseServer();
  const database = await openDatabase(server.url);
  return {
    url: server.url,
    database,
    async stop() {
      await database.end();
      await server.stop();
    },
  };
}
