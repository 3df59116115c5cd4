import type { MatchSettings } from '../matching/matchRules';
import type { EncryptionKey } from '../temporal/codec/encryptionCodec';
import type { TemporalSecurity } from '../temporal/connectionOptions';
import { productionProblems } from './productionChecks';
import type { SettingDefinition } from './settings';
import { SETTINGS, type SettingName, type SettingValues } from './settings';

/** A configuration problem, phrased so the operator knows which variable to fix. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export type ConnectorMode = 'production' | 'development';

export interface ConnectorConfig {
  mode: ConnectorMode;
  connectionId: string;
  temporal: {
    address: string;
    namespace: string;
    taskQueue: string;
    devServerPort: number;
    uiPort: number;
    /** The worker's sticky cache size; undefined: the SDK's default. */
    maxCachedWorkflows: number;
    /** The worker's task slots: workflow tasks, activities and local activities run at once. */
    taskSlots: { workflowTasks: number; activities: number; localActivities: number };
    /** host:port of the worker's SDK metrics (Prometheus); undefined: not served. */
    metricsAddress: string | undefined;
    /** Where people open the Web UI: the links on the admin pages. */
    uiUrl: string;
    cliPath: string | undefined;
    encryptionKeys: EncryptionKey[];
    security: TemporalSecurity;
  };
  /** The admin listener: reports, problems, metrics and the codec, behind a bearer token or OIDC. */
  admin: {
    host: string;
    port: number;
    token: string;
    oidc: { issuer: string; audience: string | undefined } | undefined;
  };
  codec: { corsOrigins: string[] };
  monstock: {
    apiUrl: string;
    apiToken: string;
    webhookSecrets: string[];
    requestTimeoutMs: number;
    pollInterval: string;
  };
  stripe: {
    secretKey: string;
    webhookSecrets: string[];
    /** The platform's Connect endpoint secrets (empty: none configured). */
    connectWebhookSecrets: string[];
    apiUrl: string | undefined;
  };
  matching: MatchSettings;
  customers: { pollInterval: string; concurrency: number };
  orders: {
    idleWindow: string;
    createPaymentIntents: boolean;
    autoRefundCancelled: boolean;
    /** For orders without their own paymentCapture. */
    capture: 'automatic' | 'on_shipment';
  };
  reconciliation: { at: string; timeZone: string; windowHours: number; stripeRateLimitPerSecond: number };
  webhookServer: { port: number; host: string; publicUrl: string | undefined };
  sandboxes: { monstockPort: number; stripePort: number };
  /** The database every replica shares (unset only in development, where `npm start` provides one). */
  databaseUrl: string | undefined;
  dataDir: string;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
}

/** Reads and validates every setting; collects all problems before failing, not just the first. */
export function readSettings(env: NodeJS.ProcessEnv): SettingValues {
  const { values, problems } = parseSettings(env);
  if (problems.length > 0) throw new ConfigError(problems);
  return values;
}

/** Every setting's value, or a problem naming it; the values are complete only when there is no problem. */
function parseSettings(env: NodeJS.ProcessEnv): { values: SettingValues; problems: string[] } {
  const values: Partial<Record<SettingName, unknown>> = {};
  const problems: string[] = [];
  for (const [name, definition] of Object.entries(SETTINGS) as Array<[SettingName, SettingDefinition<unknown>]>) {
    const raw = env[name] === '' ? undefined : env[name];
    const input = raw ?? definition.default;
    if (input === undefined && !definition.schema.safeParse(undefined).success) {
      problems.push(`${name} is required but not set (${definition.description})`);
      continue;
    }
    const parsed = definition.schema.safeParse(input);
    if (!parsed.success) {
      // Never echo a secret's value back, even a wrong one.
      const shown = definition.secret ? '' : ` (got ${JSON.stringify(input)})`;
      problems.push(`${name} is invalid: ${parsed.error.issues.map((issue) => issue.message).join('; ')}${shown}`);
      continue;
    }
    values[name] = parsed.data;
  }
  return { values: values as SettingValues, problems };
}

/**
 * The connector's configuration from the environment. Production (CONNECTOR_MODE unset or
 * `production`) also refuses the repository's development values, its sandbox keys and credentials
 * sent in clear (productionChecks.ts); every problem is reported at once, in one ConfigError.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): ConnectorConfig {
  const { values: s, problems } = parseSettings(env);
  // An invalid CONNECTOR_MODE is reported above, and checked as production meanwhile.
  if (s.CONNECTOR_MODE !== 'development') problems.push(...productionProblems(env));
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    mode: s.CONNECTOR_MODE,
    connectionId: s.CONNECTION_ID,
    temporal: {
      address: s.TEMPORAL_ADDRESS,
      namespace: s.TEMPORAL_NAMESPACE,
      taskQueue: s.TEMPORAL_TASK_QUEUE,
      devServerPort: s.TEMPORAL_DEV_SERVER_PORT,
      uiPort: s.TEMPORAL_UI_PORT,
      maxCachedWorkflows: s.WORKER_MAX_CACHED_WORKFLOWS,
      taskSlots: {
        workflowTasks: s.WORKER_MAX_CONCURRENT_WORKFLOW_TASKS,
        activities: s.WORKER_MAX_CONCURRENT_ACTIVITIES,
        localActivities: s.WORKER_MAX_CONCURRENT_LOCAL_ACTIVITIES,
      },
      metricsAddress: s.WORKER_METRICS_ADDRESS,
      uiUrl: s.TEMPORAL_UI_URL ?? `http://127.0.0.1:${s.TEMPORAL_UI_PORT}`,
      cliPath: s.TEMPORAL_CLI_PATH,
      encryptionKeys: s.PAYLOAD_ENCRYPTION_KEYS,
      security: {
        tls: s.TEMPORAL_TLS,
        certPath: s.TEMPORAL_TLS_CERT_PATH,
        keyPath: s.TEMPORAL_TLS_KEY_PATH,
        caPath: s.TEMPORAL_TLS_CA_PATH,
        serverName: s.TEMPORAL_TLS_SERVER_NAME,
        apiKey: s.TEMPORAL_API_KEY,
      },
    },
    admin: {
      host: s.ADMIN_HOST,
      port: s.ADMIN_PORT,
      token: s.ADMIN_TOKEN,
      oidc: s.OIDC_ISSUER ? { issuer: s.OIDC_ISSUER, audience: s.OIDC_AUDIENCE } : undefined,
    },
    codec: { corsOrigins: s.CODEC_CORS_ORIGINS },
    monstock: {
      apiUrl: s.MONSTOCK_API_URL,
      apiToken: s.MONSTOCK_API_TOKEN,
      webhookSecrets: s.MONSTOCK_WEBHOOK_SECRET,
      requestTimeoutMs: s.MONSTOCK_REQUEST_TIMEOUT_MS,
      pollInterval: s.MONSTOCK_POLL_INTERVAL,
    },
    stripe: {
      secretKey: s.STRIPE_SECRET_KEY,
      webhookSecrets: s.STRIPE_WEBHOOK_SECRET,
      connectWebhookSecrets: s.STRIPE_CONNECT_WEBHOOK_SECRET ?? [],
      apiUrl: s.STRIPE_API_URL,
    },
    matching: { rules: s.STRIPE_ORDER_MATCH_RULES, ignore: s.STRIPE_IGNORE_METADATA },
    customers: { pollInterval: s.CUSTOMER_SYNC_POLL_INTERVAL, concurrency: s.CUSTOMER_SYNC_CONCURRENCY },
    orders: {
      idleWindow: s.ORDER_IDLE_WINDOW,
      createPaymentIntents: s.STRIPE_CREATE_PAYMENT_INTENTS,
      autoRefundCancelled: s.AUTO_REFUND_CANCELLED_ORDERS,
      capture: s.STRIPE_CAPTURE,
    },
    reconciliation: {
      at: s.RECONCILIATION_AT,
      timeZone: s.RECONCILIATION_TIME_ZONE,
      windowHours: s.RECONCILIATION_WINDOW_HOURS,
      stripeRateLimitPerSecond: s.STRIPE_RATE_LIMIT_PER_SECOND,
    },
    webhookServer: { port: s.PORT, host: s.HOST, publicUrl: s.PUBLIC_WEBHOOK_URL },
    sandboxes: { monstockPort: s.MONSTOCK_SANDBOX_PORT, stripePort: s.STRIPE_SANDBOX_PORT },
    databaseUrl: s.DATABASE_URL,
    dataDir: s.DATA_DIR,
    logLevel: s.LOG_LEVEL,
  };
}

/**
 * The values `npm start` fills in for required secrets nobody set, and CONNECTOR_MODE=development
 * unless the mode is set (production refuses these values anyway). For the dev stack, the test
 * stacks and the demo scripts; an entry of src/ only when CONNECTOR_MODE=development was asked for
 * (a unit test checks).
 */
export function withDevelopmentValues(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { ...env };
  if (!out.CONNECTOR_MODE) out.CONNECTOR_MODE = 'development';
  for (const definition of Object.values(SETTINGS) as Array<SettingDefinition<unknown>>) {
    if (definition.developmentValue !== undefined && !out[definition.name])
      out[definition.name] = definition.developmentValue;
  }
  return out;
}
