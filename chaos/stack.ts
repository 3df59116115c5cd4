import { startEmbeddedDatabase } from '../src/store/embedded';
import { openDatabase } from '../src/store/database';
import { parseEncryptionKeys } from '../src/temporal/codec/encryptionCodec';
import type { ConnectorConfig } from '../src/config';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import type Stripe from 'stripe';
import { MonstockClient } from '../src/monstock/client';
import { createLogger } from '../src/observability/logger';
import { startMonstockSandbox, type MonstockSandbox } from '../sandbox/monstock/app';
import { startStripeSandbox, type StripeSandbox } from '../sandbox/stripe/app';
import { setupStripeWebhookEndpoint } from '../src/starter/stripe/webhookEndpoint';
import { createStripeClient } from '../src/stripe/client';
import { freePort } from '../dev/stack/freePort';
import type { Progress } from './progress';
import { SandboxKnobs } from './sandboxKnobs';
import { createSupervisor, WEBHOOK_SERVER, WORKER, type Supervisor } from './supervisor';
import { startRestartableTemporal, type RestartableTemporal } from './temporalServer';

/**
 * The chaos run's own connector, apart from anything else on the machine: a temp data dir, free
 * ports, its own Temporal dev server (SQLite file, restartable), both sandboxes, the webhook
 * server and the worker as separate processes. Stripe delivers signed webhooks to the connector's
 * managed endpoint, registered as `npm run setup` does; Monstock to the connector's Monstock route.
 */
export interface ChaosStack {
  dataDir: string;
  temporal: RestartableTemporal;
  monstockSandbox: MonstockSandbox;
  stripeSandbox: StripeSandbox;
  monstock: MonstockClient;
  stripe: Stripe;
  knobs: { monstock: SandboxKnobs; stripe: SandboxKnobs };
  worker: Supervisor;
  webhooks: Supervisor;
  /** The environment the connector's processes get (the reconcile CLI too). */
  env(): NodeJS.ProcessEnv;
  close(options?: { keepData?: boolean }): Promise<void>;
}

export interface ChaosStackOptions {
  progress: Progress;
  /** Where state and logs go; a fresh temp dir by default. */
  dataDir?: string;
  /** How often the worker's order feed walks Monstock (a Temporal duration). */
  orderFeedInterval?: string;
  /**
   * A PostgreSQL the run may use instead of starting its own embedded one: under Jest, whose VM
   * cannot load PGlite in a test file, the integration project's database (DATABASE_URL).
   */
  databaseUrl?: string;
}

/**
 * A database given by the caller outlives one run (Jest's integration database serves every run
 * of the process) and keeps the managed webhook secret encrypted with the key of the run that
 * stored it: every run against it uses that same key, or the next run's setup cannot read it.
 */
const encryptionKeyOfDatabase = new Map<string, string>();

function encryptionKeyFor(databaseUrl: string | undefined): string {
  const fresh = `chaos:${randomBytes(32).toString('base64')}`;
  if (databaseUrl === undefined) return fresh;
  const key = encryptionKeyOfDatabase.get(databaseUrl) ?? fresh;
  encryptionKeyOfDatabase.set(databaseUrl, key);
  return key;
}

export async function startChaosStack(options: ChaosStackOptions): Promise<ChaosStack> {
  const { progress } = options;
  const dataDir = options.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'monstock-stripe-chaos-'));
  const logDir = path.join(dataDir, 'logs');
  fs.mkdirSync(logDir, { recursive: true });
  const secrets = {
    monstockToken: `chaos-${randomBytes(12).toString('hex')}`,
    monstockWebhook: `chaos-${randomBytes(12).toString('hex')}`,
    stripeKey: `sk_test_chaos_${randomBytes(12).toString('hex')}`,
    // The webhook route trusts this and the managed endpoint's secret (kept in DATA_DIR by setup).
    stripeWebhook: `whsec_chaos_${randomBytes(12).toString('hex')}`,
    encryption: encryptionKeyFor(options.databaseUrl),
    adminToken: randomBytes(32).toString('hex'),
  };
  const [temporalPort, monstockPort, stripePort, webhookPort, adminPort] = await distinctFreePorts(5);
  const webhookBase = `http://127.0.0.1:${webhookPort}`;
  const sandboxLogger = createLogger({ level: 'error' });

  progress(`data dir ${dataDir}`);
  // What has started so far, stopped in reverse if a later step throws: a failed set-up leaves no
  // dev server, sandbox or database running behind it.
  const started: Array<() => Promise<unknown>> = [];
  const stopStarted = async () => {
    for (const stop of started.reverse()) await stop().catch(() => undefined);
  };
  try {
    const temporal = await startRestartableTemporal({
      port: temporalPort!,
      dbFile: path.join(dataDir, 'temporal.sqlite'),
    });
    started.push(() => temporal.stop());
    progress(`Temporal dev server at ${temporal.address}`);
    const monstockSandbox = await startMonstockSandbox({
      port: monstockPort!,
      dataFile: path.join(dataDir, 'monstock-sandbox.sqlite'),
      apiToken: secrets.monstockToken,
      webhookSecret: secrets.monstockWebhook,
      webhookUrl: `${webhookBase}/webhooks/monstock`,
      webhookBackoffBaseMs: 250,
      logger: sandboxLogger,
    });
    started.push(() => monstockSandbox.close());
    const stripeSandbox = await startStripeSandbox({
      port: stripePort!,
      dataFile: path.join(dataDir, 'stripe-sandbox.sqlite'),
      secretKey: secrets.stripeKey,
      webhookBackoffBaseMs: 250,
      logger: sandboxLogger,
    });
    started.push(() => stripeSandbox.close());
    const stripe = createStripeClient({
      secretKey: secrets.stripeKey,
      apiUrl: stripeSandbox.url,
      maxNetworkRetries: 3,
    });
    const monstock = new MonstockClient({
      apiUrl: monstockSandbox.apiUrl,
      apiToken: secrets.monstockToken,
      requestTimeoutMs: 15_000,
    });
    started.push(() => monstock.close());
    // The connector's database, shared by its processes (PostgreSQL in production; embedded PGlite here).
    const connectorDatabase = options.databaseUrl
      ? { url: options.databaseUrl, stop: async () => undefined }
      : await startEmbeddedDatabase({ dataDir: path.join(dataDir, 'db') });
    started.push(() => connectorDatabase.stop());
    // `npm run setup`'s step: the connector's one managed endpoint, its signing secret kept (encrypted)
    // in the database.
    const setupDatabase = await openDatabase(connectorDatabase.url);
    const endpoint = await setupStripeWebhookEndpoint({
      config: {
        connectionId: 'default',
        temporal: { encryptionKeys: parseEncryptionKeys(secrets.encryption) } as ConnectorConfig['temporal'],
        webhookServer: { port: webhookPort!, host: '127.0.0.1', publicUrl: webhookBase },
      },
      stripe,
      database: setupDatabase,
      logger: sandboxLogger,
    }).finally(() => setupDatabase.end());
    progress(
      `sandboxes up (Monstock ${monstockSandbox.apiUrl}, Stripe ${stripeSandbox.url}); Stripe endpoint ${endpoint?.endpointId} ${endpoint?.action}`,
    );

    const env = (): NodeJS.ProcessEnv => ({
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: 'production',
      // Production mode, as deployed: every secret above is this run's own, and loopback http is allowed.
      CONNECTOR_MODE: 'production',
      ADMIN_TOKEN: secrets.adminToken,
      ADMIN_PORT: String(adminPort),
      CONNECTION_ID: 'default',
      TEMPORAL_ADDRESS: temporal.address,
      TEMPORAL_NAMESPACE: 'default',
      TEMPORAL_TASK_QUEUE: 'monstock-stripe-chaos',
      TEMPORAL_UI_PORT: '1',
      PAYLOAD_ENCRYPTION_KEYS: secrets.encryption,
      MONSTOCK_API_URL: monstockSandbox.apiUrl,
      MONSTOCK_API_TOKEN: secrets.monstockToken,
      MONSTOCK_WEBHOOK_SECRET: secrets.monstockWebhook,
      MONSTOCK_POLL_INTERVAL: options.orderFeedInterval ?? '30 seconds',
      STRIPE_API_URL: stripeSandbox.url,
      STRIPE_SECRET_KEY: secrets.stripeKey,
      STRIPE_WEBHOOK_SECRET: secrets.stripeWebhook,
      // The shop pays with intents of its own (metadata.monstock_order_id), so the run judges Stripe → Monstock.
      STRIPE_CREATE_PAYMENT_INTENTS: 'false',
      // A sandbox: reconciliation need not pace itself to Stripe's test-mode limit.
      STRIPE_RATE_LIMIT_PER_SECOND: '100',
      PUBLIC_WEBHOOK_URL: webhookBase,
      PORT: String(webhookPort),
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      DATABASE_URL: connectorDatabase.url,
      LOG_LEVEL: 'info',
      WORKFLOW_BUNDLE_PATH: bundleFile,
    });
    // Bundled once, as a container image does (WORKFLOW_BUNDLE_PATH), so a restarted worker is back in seconds.
    const bundleFile = path.join(dataDir, 'workflow-bundle.js');
    const { code } = await bundleWorkflowCode({
      workflowsPath: require.resolve('../src/workflows'),
      logger: new DefaultLogger('WARN'),
    });
    fs.writeFileSync(bundleFile, code);
    const webhooks = createSupervisor(WEBHOOK_SERVER, { env, logDir, progress });
    const worker = createSupervisor(WORKER, { env, logDir, progress });
    started.push(
      () => webhooks.stop(),
      () => worker.stop(),
    );
    await webhooks.start();
    progress(`webhook server at ${webhookBase}`);
    await worker.start();
    progress('worker running (production entry point, its own process)');

    return {
      dataDir,
      temporal,
      monstockSandbox,
      stripeSandbox,
      monstock,
      stripe,
      knobs: { monstock: new SandboxKnobs(monstockSandbox.url), stripe: new SandboxKnobs(stripeSandbox.url) },
      worker,
      webhooks,
      env,
      close: async ({ keepData = false } = {}) => {
        await Promise.allSettled([worker.stop(), webhooks.stop()]);
        await Promise.allSettled([monstock.close(), stripeSandbox.close(), monstockSandbox.close()]);
        await temporal.stop().catch(() => undefined);
        await connectorDatabase.stop().catch(() => undefined);
        if (!keepData) fs.rmSync(dataDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    progress(`set-up failed; stopping what had started: ${error instanceof Error ? error.message : String(error)}`);
    await stopStarted();
    throw error;
  }
}

async function distinctFreePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort());
  return [...ports];
}
