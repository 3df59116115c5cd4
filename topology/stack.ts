import { randomBytes } from 'node:crypto';
import {
  connectorEnvironment,
  setupEnvironment,
  webhookReplicaEnvironment,
  workerEnvironment,
} from './processEnvironments';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import Stripe from 'stripe';
import { startConnectorChild, type ConnectorChild } from '../chaos/childProcess';
import type { Progress } from '../chaos/progress';
import { SandboxKnobs } from '../chaos/sandboxKnobs';
import { createSupervisor, WEBHOOK_SERVER, WORKER, type Supervisor } from '../chaos/supervisor';
import { startPostgresCluster, type PostgresCluster } from '../dev/postgres/postgresCluster';
import { freePort } from '../dev/stack/freePort';
import { startTemporalServer, type TemporalServer } from '../dev/temporalServer/temporalServer';
import { API_PREFIX } from '../sandbox/monstock/routes';
import { MonstockClient } from '../src/monstock/client';
import { STRIPE_API_VERSION } from '../src/stripe/client';
import type { Cleanup } from './cleanup';
import { runToCompletion } from './oneShot';
import { startRoundRobinProxy, type RoundRobinProxy } from './proxy';

/**
 * The production shape on one machine: PostgreSQL (Temporal's two databases and the connector's
 * own), the real Temporal server on it with SQL visibility, both sandboxes as processes, the
 * connector's setup, N worker processes and M webhook replicas (each with its own ports, all with
 * the same DATABASE_URL, TEMPORAL_ADDRESS and keys) behind a round-robin load balancer that both
 * sandboxes deliver their webhooks to. Every process and directory is registered with `cleanup`
 * as soon as it exists.
 */
export interface TopologyStack {
  dataDir: string;
  temporal: TemporalServer;
  /** The shop's own Stripe client (no app name in its User-Agent, so the sandbox tells it from the connector). */
  stripe: Stripe;
  monstock: MonstockClient;
  stripeSandboxUrl: string;
  /** The counting proxy the connector's processes reach Stripe through (topology/stripeEdge.ts). */
  stripeEdgeUrl: string;
  knobs: { monstock: SandboxKnobs; stripe: SandboxKnobs };
  workers: Supervisor[];
  webhookReplicas: Supervisor[];
  proxy: RoundRobinProxy;
  /** Each replica's admin listener (reports, problems), in replica order. */
  adminUrls: string[];
  adminToken: string;
  /** Each worker's Prometheus endpoint, in worker order. */
  metricsUrls: string[];
  stripeRateLimitPerSecond: number;
  /** The environment every connector process shares (the reconcile CLI gets it too). */
  env(): NodeJS.ProcessEnv;
}

export interface TopologyOptions {
  workers: number;
  webhookReplicas: number;
  progress: Progress;
  cleanup: Cleanup;
  keepData: boolean;
}

/** The Stripe budget the connector is configured with: the default, Stripe's test-mode limit. */
const STRIPE_RATE_LIMIT_PER_SECOND = 25;
const CONNECTOR_DATABASE = 'connector';

export async function startTopology(options: TopologyOptions): Promise<TopologyStack> {
  const { progress, cleanup } = options;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'monstock-stripe-topology-'));
  cleanup.add('data dir', async () => {
    if (!options.keepData) fs.rmSync(dataDir, { recursive: true, force: true });
    else progress(`data and logs kept in ${dataDir}`);
  });
  const logDir = path.join(dataDir, 'logs');
  fs.mkdirSync(logDir, { recursive: true });
  progress(`data dir ${dataDir}`);
  const secrets = {
    monstockToken: `topology-${randomBytes(12).toString('hex')}`,
    monstockWebhook: `topology-${randomBytes(12).toString('hex')}`,
    stripeKey: `sk_test_topology_${randomBytes(12).toString('hex')}`,
    stripeWebhook: `whsec_topology_${randomBytes(12).toString('hex')}`,
    encryption: `topology:${randomBytes(32).toString('base64')}`,
    adminToken: randomBytes(32).toString('hex'),
    databasePassword: randomBytes(16).toString('hex'),
  };

  const postgres: PostgresCluster = await startPostgresCluster();
  cleanup.add('PostgreSQL', () => postgres.stop());
  await postgres.createUser(CONNECTOR_DATABASE, secrets.databasePassword);
  await postgres.createDatabase(CONNECTOR_DATABASE, CONNECTOR_DATABASE);
  const databaseUrl = `postgres://${CONNECTOR_DATABASE}:${secrets.databasePassword}@${postgres.host}:${postgres.port}/${CONNECTOR_DATABASE}`;
  progress(`PostgreSQL on ${postgres.host}:${postgres.port} (databases temporal, temporal_visibility, connector)`);

  const temporal = await startTemporalServer({
    sql: { host: postgres.host, port: postgres.port, user: postgres.user, password: postgres.password },
  });
  cleanup.add('Temporal server', () => temporal.stop());
  progress(`Temporal server ${temporal.version} at ${temporal.address} on ${temporal.persistence}`);

  const ports = await distinctFreePorts(4 + 2 * options.webhookReplicas + options.workers);
  const [proxyPort, stripePort, monstockPort, stripeEdgePort] = ports.splice(0, 4) as [number, number, number, number];
  const webhookPorts = ports.splice(0, options.webhookReplicas);
  const adminPorts = ports.splice(0, options.webhookReplicas);
  const metricsPorts = ports.splice(0, options.workers);
  const proxyUrl = `http://127.0.0.1:${proxyPort}`;

  const sandboxEnv = { PATH: process.env.PATH, HOME: process.env.HOME, DATA_DIR: dataDir, LOG_LEVEL: 'warn' };
  await startProcess(
    'stripe-sandbox',
    'sandbox/stripe/main.ts',
    {
      ...sandboxEnv,
      STRIPE_SECRET_KEY: secrets.stripeKey,
      STRIPE_SANDBOX_PORT: String(stripePort),
      // No start endpoint: Stripe delivers to the managed endpoint `npm run setup` registers below.
      STRIPE_SANDBOX_WEBHOOK_URL: '',
    },
    /Stripe sandbox listening on/,
    logDir,
    cleanup,
  );
  await startProcess(
    'monstock-sandbox',
    'sandbox/monstock/main.ts',
    {
      ...sandboxEnv,
      MONSTOCK_API_TOKEN: secrets.monstockToken,
      MONSTOCK_WEBHOOK_SECRET: secrets.monstockWebhook,
      MONSTOCK_SANDBOX_PORT: String(monstockPort),
      MONSTOCK_SANDBOX_WEBHOOK_URL: `${proxyUrl}/webhooks/monstock`,
    },
    /Monstock sandbox listening on/,
    logDir,
    cleanup,
  );
  const stripeSandboxUrl = `http://127.0.0.1:${stripePort}`;
  const monstockSandboxUrl = `http://127.0.0.1:${monstockPort}`;
  progress(`sandboxes up as processes (Stripe ${stripeSandboxUrl}, Monstock ${monstockSandboxUrl})`);
  // Every connector process reaches Stripe through the edge, which counts what the account spends;
  // the shop, the chaos driver and the checker talk to the sandbox directly.
  await startProcess(
    'stripe-edge',
    'topology/stripeEdge.main.ts',
    {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      STRIPE_EDGE_PORT: String(stripeEdgePort),
      STRIPE_EDGE_UPSTREAM_PORT: String(stripePort),
    },
    /Stripe edge listening on/,
    logDir,
    cleanup,
  );
  const stripeEdgeUrl = `http://127.0.0.1:${stripeEdgePort}`;
  progress(`Stripe edge at ${stripeEdgeUrl} counting the connector's requests to the sandbox`);

  const bundleFile = path.join(dataDir, 'workflow-bundle.js');
  // The same variables docker-compose.yml gives its services (test/unit/composeMatchesTopology.test.ts).
  const shared = connectorEnvironment({
    secrets,
    temporal: { address: temporal.address, namespace: temporal.namespace },
    monstockApiUrl: `${monstockSandboxUrl}${API_PREFIX}`,
    stripeApiUrl: stripeEdgeUrl,
    publicWebhookUrl: proxyUrl,
    dataDir,
    databaseUrl,
    workflowBundlePath: bundleFile,
    stripeRateLimitPerSecond: STRIPE_RATE_LIMIT_PER_SECOND,
  });
  const env = (): NodeJS.ProcessEnv => ({ ...shared });

  // `npm run setup`: search attributes, then the managed Stripe endpoint (at the load balancer's URL),
  // its secret in the database.
  await runToCompletion('src/starter/setup.ts', setupEnvironment(shared), path.join(logDir, 'setup.log'), 120_000);
  progress(`npm run setup done: search attributes registered, Stripe endpoint ${proxyUrl}/webhooks/stripe`);

  // Bundled once, as a container image does, so a restarted worker is back in seconds.
  const { code } = await bundleWorkflowCode({
    workflowsPath: require.resolve('../src/workflows'),
    logger: new DefaultLogger('WARN'),
  });
  fs.writeFileSync(bundleFile, code);

  const webhookReplicas = webhookPorts.map((port, index) => {
    const supervisor = createSupervisor(
      { ...WEBHOOK_SERVER, name: `webhooks-${index + 1}` },
      { env: () => webhookReplicaEnvironment(shared, { port, adminPort: adminPorts[index]! }), logDir, progress },
    );
    cleanup.add(`webhooks-${index + 1}`, () => supervisor.stop());
    return supervisor;
  });
  const workers = metricsPorts.map((port, index) => {
    const supervisor = createSupervisor(
      { ...WORKER, name: `worker-${index + 1}` },
      { env: () => workerEnvironment(shared, `127.0.0.1:${port}`), logDir, progress },
    );
    cleanup.add(`worker-${index + 1}`, () => supervisor.stop());
    return supervisor;
  });
  await Promise.all(webhookReplicas.map((replica) => replica.start()));
  const proxy = await startRoundRobinProxy({ port: proxyPort, upstreamPorts: webhookPorts });
  cleanup.add('load balancer', () => proxy.close());
  progress(`${webhookReplicas.length} webhook replicas behind the load balancer at ${proxyUrl}`);
  await Promise.all(workers.map((worker) => worker.start()));
  progress(`${workers.length} workers running (production mode, their own processes)`);

  const stripe = new Stripe(secrets.stripeKey, {
    apiVersion: STRIPE_API_VERSION,
    maxNetworkRetries: 3,
    telemetry: false,
    host: '127.0.0.1',
    port: stripePort,
    protocol: 'http',
  });
  const monstock = new MonstockClient({
    apiUrl: `${monstockSandboxUrl}${API_PREFIX}`,
    apiToken: secrets.monstockToken,
    requestTimeoutMs: 15_000,
  });
  cleanup.add('Monstock client', () => monstock.close());

  return {
    dataDir,
    temporal,
    stripe,
    monstock,
    stripeSandboxUrl,
    stripeEdgeUrl,
    knobs: { monstock: new SandboxKnobs(monstockSandboxUrl), stripe: new SandboxKnobs(stripeSandboxUrl) },
    workers,
    webhookReplicas,
    proxy,
    adminUrls: adminPorts.map((port) => `http://127.0.0.1:${port}`),
    adminToken: secrets.adminToken,
    metricsUrls: metricsPorts.map((port) => `http://127.0.0.1:${port}/metrics`),
    stripeRateLimitPerSecond: STRIPE_RATE_LIMIT_PER_SECOND,
    env,
  };
}

/** A process of the topology's own (a sandbox, the Stripe edge), up once its log says `ready`. */
async function startProcess(
  name: string,
  entry: string,
  env: NodeJS.ProcessEnv,
  ready: RegExp,
  logDir: string,
  cleanup: Cleanup,
): Promise<void> {
  const child: ConnectorChild = startConnectorChild(name, entry, env, path.join(logDir, `${name}.log`));
  cleanup.add(name, () => child.kill('SIGTERM'));
  await child.waitFor(ready, 60_000);
}

async function distinctFreePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort());
  return [...ports];
}
