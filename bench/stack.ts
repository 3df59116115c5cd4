import { freePort } from '../dev/stack/freePort';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { withDevelopmentValues } from '../src/config';
import { benchStripeClient } from './stripeClient';
import { DEV_SERVER_SQLITE_PRAGMAS, startEmbeddedTemporal, type EmbeddedTemporal } from '../dev/temporal/devServer';
import { startChild, type BenchChild } from './children';
import { connectorEntry, type ConnectorRuntime } from './connectorBuild';
import { progress } from './progress';
import { HANDLED_STRIPE_EVENT_TYPES } from '../src/events/stripeEventActions';
import { findTemporalMetricsUrl, findTemporalPid, type CostTargets } from './costMeter';
import { defaultBenchConnection, type BenchConnection } from './connections';

/** Worker settings the bench passes on from its own environment, to measure their sizes. */
const WORKER_SIZING = [
  'WORKER_MAX_CACHED_WORKFLOWS',
  'WORKER_MAX_CONCURRENT_WORKFLOW_TASKS',
  'WORKER_MAX_CONCURRENT_ACTIVITIES',
  'WORKER_MAX_CONCURRENT_LOCAL_ACTIVITIES',
] as const;

/**
 * The bench's own embedded stack, in a temporary data dir on free ports: Temporal dev server,
 * both sandboxes and the webhook server as processes of their own, one worker process (so its
 * RSS and CPU can be read), and a second webhook server on a task queue no worker polls, for
 * the ingest measurement (acceptance only; processing is what end to end measures).
 */
export interface BenchStackOptions {
  /** false: the dev server without the project's SQLite pragmas (the "before" of tuning). */
  tuned: boolean;
  /** ORDER_IDLE_WINDOW for the bench's orders. */
  idleWindow: string;
  stripeRateLimitPerSecond: number;
  withWorker: boolean;
  /** How the worker and the webhook servers run: built as the image runs them (default) or through tsx. */
  connectorRuntime?: ConnectorRuntime;
}

export interface BenchStack {
  dataDir: string;
  env: NodeJS.ProcessEnv;
  temporalAddress: string;
  namespace: string;
  taskQueue: string;
  ingestTaskQueue: string;
  connectionId: string;
  monstockUrl: string;
  monstockApiUrl: string;
  stripeUrl: string;
  webhookUrl: string;
  ingestWebhookUrl: string;
  stripeWebhookEndpointId: string;
  sqlitePragmas: readonly string[];
  worker: BenchChild | undefined;
  /** The ingest webhook server's pid (its CPU per accepted event is read around the ingest phase). */
  ingestWebhooksPid: number;
  /**
   * The connections load is spread over, round-robin: `default` first, then any registered with
   * `--connections N` (connections.ts). `nextConnection` is shared by every phase, so successive
   * sweep points go on where the last stopped and every connection gets its share.
   */
  connections: BenchConnection[];
  nextConnection: { value: number };
  /** Seconds from the first registration to every registered connection's work running (null: none registered). */
  connectionsRegisteredInSeconds: number | null;
  /** End to end watches orders through the sandbox's event record (orderWatch.ts), not the tenant's list. */
  watchOrdersByEventFeed: boolean;
  /** The last Monstock sandbox event seq a phase has read (the end-to-end watcher reads on from it). */
  monstockEventSeq: { value: number };
  /** What the cost meter reads: each process's pid, the dev server's metrics, the sandboxes. */
  costTargets: CostTargets;
  stop(): Promise<void>;
}

export async function startBenchStack(options: BenchStackOptions): Promise<BenchStack> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'monstock-stripe-bench-'));
  const logDir = path.join(dataDir, 'logs');
  const children: BenchChild[] = [];
  const runtime = options.connectorRuntime ?? 'compiled';
  let temporal: EmbeddedTemporal | undefined;
  const stop = async () => {
    await Promise.allSettled(children.reverse().map((child) => child.stop()));
    if (temporal) await temporal.stop().catch(() => undefined);
    if (!process.env.BENCH_KEEP_DATA) fs.rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    const sqlitePragmas = options.tuned ? DEV_SERVER_SQLITE_PRAGMAS : [];
    progress(
      `stack: Temporal dev server (${options.tuned ? `pragmas ${sqlitePragmas.join(', ')}` : 'no pragmas: untuned'}) in ${dataDir}`,
    );
    const temporalDbFile = path.join(dataDir, 'temporal.sqlite');
    const temporalPort = await freePort();
    temporal = await startEmbeddedTemporal({ dbFile: temporalDbFile, port: temporalPort, sqlitePragmas });
    const temporalPid = findTemporalPid(temporalDbFile);
    // The dev server serves Prometheus metrics on a port of its own choosing (--metrics-port defaults to a free one).
    const temporalMetricsUrl = temporalPid ? await findTemporalMetricsUrl(temporalPid, [temporalPort]) : undefined;
    progress(`stack: dev server pid ${temporalPid ?? '?'}, metrics ${temporalMetricsUrl ?? 'not found'}`);
    const [databasePort, monstockPort, stripePort, webhookPort, ingestPort, adminPort, ingestAdminPort] = [
      await freePort(),
      await freePort(),
      await freePort(),
      await freePort(),
      await freePort(),
      await freePort(),
      await freePort(),
    ];
    const webhookUrl = `http://127.0.0.1:${webhookPort}`;
    const taskQueue = 'monstock-stripe-bench';
    const ingestTaskQueue = 'monstock-stripe-bench-ingest-unpolled';
    // A local bench stack on the sandboxes: development mode, with the development values.
    const env: NodeJS.ProcessEnv = withDevelopmentValues({
      CONNECTOR_MODE: 'development',
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: 'production',
      DATA_DIR: dataDir,
      LOG_LEVEL: 'info',
      CONNECTION_ID: 'default',
      TEMPORAL_ADDRESS: temporal.address,
      TEMPORAL_NAMESPACE: temporal.namespace,
      TEMPORAL_TASK_QUEUE: taskQueue,
      MONSTOCK_API_URL: `http://127.0.0.1:${monstockPort}/v1`,
      MONSTOCK_SANDBOX_PORT: String(monstockPort),
      MONSTOCK_SANDBOX_WEBHOOK_URL: `${webhookUrl}/webhooks/monstock`,
      STRIPE_API_URL: `http://127.0.0.1:${stripePort}`,
      STRIPE_SANDBOX_PORT: String(stripePort),
      // The connector's endpoint is created through the API below, so it can be paused while seeding.
      STRIPE_SANDBOX_WEBHOOK_URL: '',
      STRIPE_RATE_LIMIT_PER_SECOND: String(options.stripeRateLimitPerSecond),
      ORDER_IDLE_WINDOW: options.idleWindow,
      // Pollers would walk the thousands of seeded orders in the middle of a measurement.
      MONSTOCK_POLL_INTERVAL: '24h',
      CUSTOMER_SYNC_POLL_INTERVAL: '24h',
      // The worker's sticky cache and task slots, given to the bench to compare sizes (unset: the worker's defaults).
      ...Object.fromEntries(WORKER_SIZING.flatMap((name) => (process.env[name] ? [[name, process.env[name]]] : []))),
      PORT: String(webhookPort),
      // Each webhook server's admin listener on a free port of its own (the default would collide).
      ADMIN_PORT: String(adminPort),
      HOST: '127.0.0.1',
      // The connector's database, served by a process of the bench's own (started below).
      DATABASE_URL: `postgres://postgres:postgres@127.0.0.1:${databasePort}/postgres`,
    });
    progress('stack: connector database and sandboxes');
    const database = startChild(
      'database',
      'dev/database/main.ts',
      { ...env, EMBEDDED_DATABASE_PORT: String(databasePort), EMBEDDED_DATABASE_MAX_CONNECTIONS: '500' },
      logDir,
      /^postgres/m,
    );
    children.push(database);
    await database.ready;
    const monstock = startChild('monstock-sandbox', 'sandbox/monstock/main.ts', env, logDir, /listening on/);
    const stripeSandbox = startChild('stripe-sandbox', 'sandbox/stripe/main.ts', env, logDir, /listening on/);
    children.push(monstock, stripeSandbox);
    await Promise.all([monstock.ready, stripeSandbox.ready]);

    const stripe = benchStripeClient(env.STRIPE_SECRET_KEY!, env.STRIPE_API_URL!);
    const endpoint = await stripe.webhookEndpoints.create({
      url: `${webhookUrl}/webhooks/stripe`,
      // The managed endpoint's list (as in production: one delivery per payment, not every event).
      enabled_events: [...HANDLED_STRIPE_EVENT_TYPES],
    });
    // Its secret goes to the webhook servers as a configured one: how setup stores it is not what is measured.
    env.STRIPE_WEBHOOK_SECRET = endpoint.secret!;

    progress('stack: webhook servers and worker');
    const webhooks = startChild(
      'webhooks',
      connectorEntry(runtime, 'src/starter/webhookServer.main.ts'),
      env,
      logDir,
      /webhook server listening/,
    );
    const ingest = startChild(
      'webhooks-ingest',
      connectorEntry(runtime, 'src/starter/webhookServer.main.ts'),
      { ...env, PORT: String(ingestPort), ADMIN_PORT: String(ingestAdminPort), TEMPORAL_TASK_QUEUE: ingestTaskQueue },
      logDir,
      /webhook server listening/,
    );
    children.push(webhooks, ingest);
    const worker = options.withWorker
      ? startChild('worker', connectorEntry(runtime, 'src/worker.ts'), env, logDir, /worker started/)
      : undefined;
    if (worker) children.push(worker);
    await Promise.all([webhooks.ready, ingest.ready, worker?.ready]);
    return {
      dataDir,
      env,
      temporalAddress: temporal.address,
      namespace: temporal.namespace,
      taskQueue,
      ingestTaskQueue,
      connectionId: 'default',
      monstockUrl: `http://127.0.0.1:${monstockPort}`,
      monstockApiUrl: env.MONSTOCK_API_URL!,
      stripeUrl: env.STRIPE_API_URL!,
      webhookUrl,
      ingestWebhookUrl: `http://127.0.0.1:${ingestPort}`,
      stripeWebhookEndpointId: endpoint.id,
      sqlitePragmas,
      worker,
      ingestWebhooksPid: ingest.pid,
      connections: [defaultBenchConnection(env)],
      nextConnection: { value: 0 },
      watchOrdersByEventFeed: false,
      connectionsRegisteredInSeconds: null,
      monstockEventSeq: { value: 0 },
      costTargets: {
        pids: {
          ...(temporalPid ? { temporal: temporalPid } : {}),
          ...(worker ? { worker: worker.pid } : {}),
          webhooks: webhooks.pid,
          stripeSandbox: stripeSandbox.pid,
          monstockSandbox: monstock.pid,
          database: database.pid,
        },
        ...(temporalMetricsUrl ? { temporalMetricsUrl } : {}),
        stripeUrl: env.STRIPE_API_URL!,
        monstockUrl: `http://127.0.0.1:${monstockPort}`,
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
