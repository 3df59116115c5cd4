import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { z } from 'zod';
import { freePort } from '../stack/freePort';
import { findTemporalServer, type TemporalServerInstall } from './findTemporalServer';
import { lowFreePort } from './lowFreePort';
import {
  DYNAMIC_CONFIG,
  frontendAddress,
  renderServerConfig,
  type ServerPorts,
  type SqlEndpoint,
} from './serverConfig';
import { setupSchemas } from './setupSchemas';

/**
 * The real Temporal server (the production binary, not the CLI's dev server) on PostgreSQL: schemas set up or
 * migrated, one node with every service, the namespace created. Stop and restart keep the data, which lives in
 * PostgreSQL: a restart is what a deploy or a crash does to a production cluster.
 */
export interface TemporalServerOptions {
  sql: SqlEndpoint;
  databases?: { history: string; visibility: string };
  namespace?: string;
  /** Config, dynamic config and the server's log; omit for a temporary directory, removed on stop. */
  stateDir?: string;
  install?: TemporalServerInstall;
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
  startTimeoutMs?: number;
}

export interface TemporalServer {
  address: string;
  namespace: string;
  /** The server's own version, as it reports it (getSystemInfo). */
  version: string;
  persistence: 'postgresql';
  /** The server's stdout and stderr: its log never goes to the console. */
  logFile: string;
  configFile: string;
  stop(): Promise<void>;
  restart(): Promise<void>;
}

const optionsSchema = z.object({
  sql: z.object({
    host: z.string().min(1),
    port: z.number().int().min(1).max(65_535),
    user: z.string().min(1),
    password: z.string(),
  }),
  databases: z.object({ history: z.string().min(1), visibility: z.string().min(1) }).optional(),
  namespace: z.string().min(1).optional(),
  stateDir: z.string().min(1).optional(),
  logLevel: z.enum(['debug', 'info', 'warn', 'error']).optional(),
  startTimeoutMs: z.number().int().positive().optional(),
});

/** The retention of the namespace this creates: long enough for any test or local run to inspect its histories. */
const RETENTION = '7 days';
const STOP_GRACE_MS = 20_000;

export async function startTemporalServer(options: TemporalServerOptions): Promise<TemporalServer> {
  optionsSchema.parse({ ...options, install: undefined });
  const install = options.install ?? findTemporalServer();
  const databases = options.databases ?? { history: 'temporal', visibility: 'temporal_visibility' };
  const namespace = options.namespace ?? 'default';
  const startTimeoutMs = options.startTimeoutMs ?? 60_000;
  const temporary = options.stateDir === undefined;
  const stateDir = options.stateDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'temporal-server-'));
  fs.mkdirSync(stateDir, { recursive: true });

  await setupSchemas(install, options.sql, databases);

  const ports = await freePorts();
  const dynamicConfigFile = path.join(stateDir, 'dynamicconfig.yaml');
  const configFile = path.join(stateDir, 'config.yaml');
  const logFile = path.join(stateDir, 'temporal-server.log');
  fs.writeFileSync(dynamicConfigFile, DYNAMIC_CONFIG);
  // The config holds the database password: readable by its owner only.
  fs.writeFileSync(
    configFile,
    renderServerConfig({
      sql: options.sql,
      databases,
      ports,
      dynamicConfigFile,
      numHistoryShards: 4,
      logLevel: options.logLevel ?? 'warn',
    }),
    { mode: 0o600 },
  );
  const address = frontendAddress({ ports });

  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();

  async function start(): Promise<string> {
    const log = fs.openSync(logFile, 'a');
    const started = spawn(install.server, ['--config-file', configFile, '--allow-no-auth', 'start'], {
      stdio: ['ignore', log, log],
    });
    fs.closeSync(log);
    child = started;
    exited = new Promise((resolve) => started.once('exit', () => resolve()));
    try {
      return await waitUntilServing(address, namespace, startTimeoutMs, () => {
        if (started.exitCode !== null || started.signalCode !== null)
          throw new Error(
            `temporal-server exited (${started.exitCode ?? started.signalCode}); see ${logFile}:\n${lastLogLines(logFile)}`,
          );
      });
    } catch (error) {
      await stop();
      throw error;
    }
  }

  async function stop(): Promise<void> {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    running.kill('SIGTERM');
    const timer = setTimeout(() => running.kill('SIGKILL'), STOP_GRACE_MS);
    await exited;
    clearTimeout(timer);
  }

  let version: string;
  try {
    version = await start();
  } catch (error) {
    if (temporary) fs.rmSync(stateDir, { recursive: true, force: true });
    throw error;
  }
  return {
    address,
    namespace,
    version,
    persistence: 'postgresql',
    logFile,
    configFile,
    async stop() {
      await stop();
      if (temporary) fs.rmSync(stateDir, { recursive: true, force: true });
    },
    async restart() {
      await stop();
      await start();
    },
  };
}

async function freePorts(): Promise<ServerPorts> {
  const ports = new Set<number>();
  // freePort releases each port at once: ask until each one is distinct. Membership ports must be low (lowFreePort).
  const next = async (low: boolean): Promise<number> => {
    for (;;) {
      const port = low ? await lowFreePort(ports) : await freePort();
      if (!ports.has(port)) {
        ports.add(port);
        return port;
      }
    }
  };
  return {
    frontendGrpc: await next(false),
    frontendHttp: await next(false),
    frontendMembership: await next(true),
    historyGrpc: await next(false),
    historyMembership: await next(true),
    matchingGrpc: await next(false),
    matchingMembership: await next(true),
    workerGrpc: await next(false),
    workerMembership: await next(true),
  };
}

/**
 * Serving means more than a listening frontend: the namespace exists (created here on the first start) and a
 * visibility query on it answers, which needs history shards owned and the namespace in every service's cache.
 * Returns the server's version.
 */
async function waitUntilServing(
  address: string,
  namespace: string,
  timeoutMs: number,
  checkAlive: () => void,
): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    checkAlive();
    let connection: Connection | undefined;
    try {
      connection = await Connection.connect({ address, connectTimeout: 1_000 });
      const info = await connection.workflowService.getSystemInfo({});
      await ensureNamespace(connection, namespace);
      await connection.workflowService.listWorkflowExecutions({ namespace, pageSize: 1 });
      return info.serverVersion ?? 'unknown';
    } catch (error) {
      lastError = error;
    } finally {
      await connection?.close();
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`temporal-server at ${address} was not serving within ${timeoutMs} ms: ${String(lastError)}`);
}

async function ensureNamespace(connection: Connection, namespace: string): Promise<void> {
  try {
    await connection.workflowService.describeNamespace({ namespace });
    return;
  } catch (error) {
    if (!/not found/i.test((error as Error).message)) throw error;
  }
  await connection.workflowService.registerNamespace({
    namespace,
    workflowExecutionRetentionPeriod: msToTs(RETENTION),
  });
}

/** The end of the server's log, for an error message: its last lines say why it stopped. */
function lastLogLines(file: string, lines = 5): string {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n').slice(-4_000);
  } catch {
    return '(no log)';
  }
}
