import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { z } from 'zod';
import { freePort } from '../stack/freePort';
import { findPostgres, type PostgresBinaries } from './findPostgres';
import { runAsPostgresUser } from './runAsPostgresUser';

/**
 * A local PostgreSQL cluster for development and tests: its own data dir, its own port on 127.0.0.1, no Unix socket
 * (so it never meets the machine's own cluster), its log in a file. Throwaway by default (a temporary data dir,
 * deleted on stop); persistent when given a data dir, which is reused as it is if it already holds a cluster.
 */
export interface PostgresClusterOptions {
  /** Keep the cluster here; omit for a throwaway cluster. */
  dataDir?: string;
  port?: number;
  binaries?: PostgresBinaries;
  startTimeoutMs?: number;
}

export interface PostgresCluster {
  host: string;
  port: number;
  /** The superuser initdb created. */
  user: string;
  /** Empty: local connections are trusted (see initdb below). */
  password: string;
  dataDir: string;
  /** The server's own log. */
  logFile: string;
  /** Creates the role (with a password, able to log in) unless it exists. */
  createUser(name: string, password: string): Promise<void>;
  /** Creates the database unless it exists, owned by `owner` (default: the superuser). */
  createDatabase(name: string, owner?: string): Promise<void>;
  stop(): Promise<void>;
  restart(): Promise<void>;
}

const SUPERUSER = 'postgres';
const HOST = '127.0.0.1';
/** SQL identifiers we create: plain names only, so they never need quoting rules (and never inject). */
const identifier = z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, 'a lower-case SQL identifier');
const optionsSchema = z.object({
  dataDir: z.string().min(1).optional(),
  port: z.number().int().min(1).max(65_535).optional(),
  startTimeoutMs: z.number().int().positive().optional(),
});

export async function startPostgresCluster(options: PostgresClusterOptions = {}): Promise<PostgresCluster> {
  optionsSchema.parse({ dataDir: options.dataDir, port: options.port, startTimeoutMs: options.startTimeoutMs });
  const binaries = options.binaries ?? findPostgres();
  const runAs = runAsPostgresUser();
  const throwaway = options.dataDir === undefined;
  // The data dir must belong to the postgres user and its parent be traversable by it: a world-readable parent of
  // our own, holding the data dir and the log (which we write, through the fd the server inherits).
  const baseDir = throwaway ? fs.mkdtempSync(path.join(os.tmpdir(), 'postgres-')) : path.dirname(options.dataDir!);
  if (throwaway) fs.chmodSync(baseDir, 0o755);
  const dataDir = options.dataDir ?? path.join(baseDir, 'data');
  const logFile = path.join(baseDir, `${path.basename(dataDir)}.log`);
  const port = options.port ?? (await freePort());
  const startTimeoutMs = options.startTimeoutMs ?? 30_000;

  if (!fs.existsSync(path.join(dataDir, 'PG_VERSION'))) {
    fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    runAs.own(dataDir);
    // Trust on 127.0.0.1 only: a developer's or CI's throwaway cluster, reachable by no other host, no password to
    // generate, store and leak. Nothing here is fit for production (the real deployment brings its own PostgreSQL).
    const init = runAs.command(binaries.initdb, [
      '--pgdata',
      dataDir,
      '--username',
      SUPERUSER,
      '--auth',
      'trust',
      '--encoding',
      'UTF8',
      '--no-instructions',
    ]);
    const result = spawnSync(init.file, init.args, { encoding: 'utf8' });
    if (result.status !== 0)
      throw new Error(`initdb failed (exit ${result.status}): ${(result.stderr || result.stdout).trim()}`);
  }

  let server: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();

  async function start(): Promise<void> {
    const log = fs.openSync(logFile, 'a');
    const command = runAs.command(binaries.postgres, [
      '-D',
      dataDir,
      '-p',
      String(port),
      '-c',
      `listen_addresses=${HOST}`,
      '-c',
      'unix_socket_directories=',
      // Temporal's two stores and their pools need more than the default 100 connections under tests in parallel.
      '-c',
      'max_connections=200',
    ]);
    const child = spawn(command.file, command.args, { stdio: ['ignore', log, log] });
    fs.closeSync(log);
    server = child;
    exited = new Promise((resolve) => child.once('exit', () => resolve()));
    const deadline = Date.now() + startTimeoutMs;
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null)
        throw new Error(`PostgreSQL exited while starting; see ${logFile}:\n${tail(logFile)}`);
      try {
        await query('SELECT 1');
        return;
      } catch (error) {
        if (Date.now() > deadline) {
          child.kill('SIGKILL');
          throw new Error(`PostgreSQL did not accept connections within ${startTimeoutMs} ms: ${String(error)}`, {
            cause: error,
          });
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  }

  async function stop(): Promise<void> {
    const child = server;
    server = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    // SIGINT is PostgreSQL's "fast" shutdown: it rolls back open transactions and exits cleanly at once.
    child.kill('SIGINT');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  }

  async function query(sql: string, database = 'postgres'): Promise<pg.QueryResult> {
    const client = new pg.Client({ host: HOST, port, user: SUPERUSER, database, connectionTimeoutMillis: 2_000 });
    await client.connect();
    try {
      return await client.query(sql);
    } finally {
      await client.end();
    }
  }

  await start();
  return {
    host: HOST,
    port,
    user: SUPERUSER,
    password: '',
    dataDir,
    logFile,
    async createUser(name, password) {
      identifier.parse(name);
      const exists = await query(`SELECT 1 FROM pg_roles WHERE rolname = ${pg.escapeLiteral(name)}`);
      if (exists.rowCount) return;
      await query(`CREATE ROLE ${name} LOGIN PASSWORD ${pg.escapeLiteral(password)}`);
    },
    async createDatabase(name, owner = SUPERUSER) {
      identifier.parse(name);
      identifier.parse(owner);
      const exists = await query(`SELECT 1 FROM pg_database WHERE datname = ${pg.escapeLiteral(name)}`);
      if (exists.rowCount) return;
      await query(`CREATE DATABASE ${name} OWNER ${owner}`);
    },
    async stop() {
      await stop();
      if (throwaway) fs.rmSync(baseDir, { recursive: true, force: true });
    },
    async restart() {
      await stop();
      await start();
    },
  };
}

function tail(file: string, lines = 20): string {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
