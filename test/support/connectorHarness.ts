import type { Database } from '../../src/store/database';
import http from 'node:http';
import os from 'node:os';
import type { Client } from '@temporalio/client';
import type Stripe from 'stripe';
import { loadConfig, withDevelopmentValues, type ConnectorConfig } from '../../src/config';
import type { OrderSettings, ReconciliationSettings } from '../../src/activities';
import { rateLimitedReconciliation } from '../../src/activities/reconciliation/limitedStripe';
import { DEFAULT_MATCH_RULES, parseMatchRules } from '../../src/matching/matchRules';
import type { Order } from '../../src/monstock/schemas';
import { Counters } from '../../src/observability/counters';
import { createLogger } from '../../src/observability/logger';
import { listen, type StartedServer } from '../../sandbox/kit/http';
import { createConnectorHttpServer } from '../../src/starter/http/server';
import { createStripeWebhookRoute } from '../../src/starter/stripe/route';
import { createWorkflowDelivery, type WorkflowDelivery } from '../../src/temporal/delivery';
import { startMonstockFixture, type MonstockFixture } from './monstockSandbox';
import { startStripeFixture, TEST_STRIPE_KEY, TEST_STRIPE_WEBHOOK_SECRET, type StripeFixture } from './stripeSandbox';
import { connectorClients, connectTestClient, startTestWorker, uniqueTaskQueue, type RunningWorker } from './temporal';

/**
 * The whole connector for end-to-end tests: both sandboxes, the webhook server with the real
 * Stripe route (the Stripe sandbox delivers its signed webhooks there), a real worker on its own
 * task queue, and the run's Temporal dev server.
 */
export interface ConnectorHarness {
  monstock: MonstockFixture;
  stripe: StripeFixture;
  sdk: Stripe;
  client: Client;
  taskQueue: string;
  config: ConnectorConfig;
  counters: Counters;
  delivery: WorkflowDelivery;
  webhookUrl: string;
  worker: RunningWorker | undefined;
  startWorker(): Promise<RunningWorker>;
  stopWorker(): Promise<void>;
  /**
   * Reconciliation's settings for a test worker: reports in `database` (unset: the run's, from
   * DATABASE_URL), Stripe behind a limiter of `ratePerSecond`.
   */
  reconciliation(database?: Database, ratePerSecond?: number): ReconciliationSettings;
  /** An order in Monstock for `amount` minor units, and its customer. */
  order(amount: number, currency?: string): Promise<Order>;
  close(): Promise<void>;
}

export async function startConnectorHarness(
  options: {
    sepaSettleMs?: number;
    disputeDelayMs?: number;
    startWorker?: boolean;
    orderSettings?: OrderSettings;
    stripeWebhooks?: boolean;
  } = {},
): Promise<ConnectorHarness> {
  const monstock = await startMonstockFixture();
  const client = await connectTestClient();
  const taskQueue = uniqueTaskQueue('e2e');
  const config = loadConfig({
    ...withDevelopmentValues({ CONNECTOR_MODE: 'development' }),
    STRIPE_SECRET_KEY: TEST_STRIPE_KEY,
    STRIPE_WEBHOOK_SECRET: TEST_STRIPE_WEBHOOK_SECRET,
    TEMPORAL_TASK_QUEUE: taskQueue,
    ORDER_IDLE_WINDOW: '1 hour',
    DATA_DIR: os.tmpdir(),
  });
  const counters = new Counters();
  let routeReady: ((request: http.IncomingMessage, response: http.ServerResponse) => void) | undefined;
  const server: StartedServer = await listen(
    http.createServer((request, response) => routeReady?.(request, response)),
    0,
  );
  const stripe = await startStripeFixture({
    ...(options.stripeWebhooks === false ? {} : { webhookUrl: `${server.url}/webhooks/stripe` }),
    ...(options.sepaSettleMs !== undefined ? { sepaSettleMs: options.sepaSettleMs } : {}),
    ...(options.disputeDelayMs !== undefined ? { disputeDelayMs: options.disputeDelayMs } : {}),
  });
  const clients = connectorClients({
    monstock: monstock.client,
    stripe: stripe.stripe,
    client,
    taskQueue,
    ...(options.orderSettings ? { orderSettings: options.orderSettings } : {}),
  });
  const shell = createConnectorHttpServer({
    logger: createLogger({ level: 'error' }),
    readiness: async () => ({ ready: true }),
    connectionIds: ['default'],
    webhooks: {
      stripe: createStripeWebhookRoute({
        client,
        matcher: clients.matcher,
        config,
        logger: createLogger({ level: 'error' }),
        counters,
      }),
    },
  });
  routeReady = (request, response) => shell.emit('request', request, response);

  const harness: ConnectorHarness = {
    monstock,
    stripe,
    sdk: stripe.stripe,
    client,
    taskQueue,
    config,
    counters,
    delivery: createWorkflowDelivery({ client, taskQueue, idleWindow: '1 hour' }),
    reconciliation: (database, ratePerSecond = 25) =>
      rateLimitedReconciliation({
        ...(database ? { database } : {}),
        stripeRateLimitPerSecond: ratePerSecond,
        stripe: { secretKey: TEST_STRIPE_KEY, apiUrl: stripe.url, maxNetworkRetries: 0 },
        monstock: monstock.client,
        matching: { rules: parseMatchRules(DEFAULT_MATCH_RULES), ignore: [] },
      }),
    webhookUrl: `${server.url}/webhooks/stripe`,
    worker: undefined,
    async startWorker() {
      harness.worker = await startTestWorker(taskQueue, clients);
      return harness.worker;
    },
    async stopWorker() {
      await harness.worker?.stop();
      harness.worker = undefined;
    },
    order: (amount, currency = 'EUR') => monstock.createOrder(amount, currency),
    async close() {
      await harness.stopWorker();
      await server.close();
      await stripe.close();
      await monstock.close();
      await client.connection.close();
    },
  };
  if (options.startWorker !== false) await harness.startWorker();
  return harness;
}
