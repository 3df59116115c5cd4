/**
 * The environment `npm run topology` gives each kind of connector process, in one place so that
 * docker-compose.yml can be checked against it variable for variable
 * (test/unit/composeMatchesTopology.test.ts): a variable added here and not to the compose file
 * fails that test. Pure functions of their inputs: no ports are picked and no secrets made here.
 */
export interface TopologySecrets {
  monstockToken: string;
  monstockWebhook: string;
  stripeKey: string;
  stripeWebhook: string;
  encryption: string;
  adminToken: string;
}

export interface TopologyEnvironmentInputs {
  secrets: TopologySecrets;
  temporal: { address: string; namespace: string };
  /** Monstock's API base URL, API prefix included. */
  monstockApiUrl: string;
  /**
   * Where the connector reaches Stripe: in the topology the Stripe edge (topology/stripeEdge.ts),
   * which counts the account's requests in front of the sandbox. The edge is a measuring device,
   * not part of production, so docker-compose.yml has no service for it: the variable is the same,
   * only its value differs (empty there: Stripe itself).
   */
  stripeApiUrl: string;
  /** The load balancer in front of the webhook replicas: Stripe's managed endpoint points there. */
  publicWebhookUrl: string;
  dataDir: string;
  databaseUrl: string;
  workflowBundlePath: string;
  stripeRateLimitPerSecond: number;
}

/** What every connector process shares (setup, workers, webhook replicas, the reconcile CLI). */
export function connectorEnvironment(inputs: TopologyEnvironmentInputs): NodeJS.ProcessEnv {
  const { secrets } = inputs;
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'production',
    // Production mode: every secret is this run's own, the database is PostgreSQL, and loopback http is allowed.
    CONNECTOR_MODE: 'production',
    ADMIN_TOKEN: secrets.adminToken,
    CONNECTION_ID: 'default',
    TEMPORAL_ADDRESS: inputs.temporal.address,
    TEMPORAL_NAMESPACE: inputs.temporal.namespace,
    TEMPORAL_TASK_QUEUE: 'monstock-stripe-topology',
    TEMPORAL_UI_PORT: '1',
    PAYLOAD_ENCRYPTION_KEYS: secrets.encryption,
    MONSTOCK_API_URL: inputs.monstockApiUrl,
    MONSTOCK_API_TOKEN: secrets.monstockToken,
    MONSTOCK_WEBHOOK_SECRET: secrets.monstockWebhook,
    MONSTOCK_POLL_INTERVAL: '30 seconds',
    STRIPE_API_URL: inputs.stripeApiUrl,
    STRIPE_SECRET_KEY: secrets.stripeKey,
    STRIPE_WEBHOOK_SECRET: secrets.stripeWebhook,
    // The shop pays with intents of its own (metadata.monstock_order_id), as in the chaos run.
    STRIPE_CREATE_PAYMENT_INTENTS: 'false',
    STRIPE_RATE_LIMIT_PER_SECOND: String(inputs.stripeRateLimitPerSecond),
    PUBLIC_WEBHOOK_URL: inputs.publicWebhookUrl,
    HOST: '127.0.0.1',
    DATA_DIR: inputs.dataDir,
    DATABASE_URL: inputs.databaseUrl,
    LOG_LEVEL: 'info',
    WORKFLOW_BUNDLE_PATH: inputs.workflowBundlePath,
  };
}

/** `npm run setup`: search attributes, then the managed Stripe endpoint and its secret in the database. */
export function setupEnvironment(shared: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { ...shared };
}

export function workerEnvironment(shared: NodeJS.ProcessEnv, metricsAddress: string): NodeJS.ProcessEnv {
  return { ...shared, WORKER_METRICS_ADDRESS: metricsAddress };
}

export function webhookReplicaEnvironment(
  shared: NodeJS.ProcessEnv,
  ports: { port: number; adminPort: number },
): NodeJS.ProcessEnv {
  return { ...shared, PORT: String(ports.port), ADMIN_PORT: String(ports.adminPort) };
}

/** How many of each the topology runs; docker-compose.yml runs as many (worker-N, webhooks-N). */
export const TOPOLOGY_SHAPE = { workers: 2, webhookReplicas: 2 } as const;
