import { loadConfigOrExit } from './config';
import { ALL_SEARCH_ATTRIBUTES } from './shared/searchAttributes';
import { ensureSearchAttributes } from './temporal/registerSearchAttributes';
import { MonstockClient } from './monstock/client';
import { createLogger } from './observability/logger';
import { rateLimitedReconciliation } from './activities/reconciliation/limitedStripe';
import { createStripeClient, type StripeClientOptions } from './stripe/client';
import { OrderMatcher } from './matching/orderMatcher';
import { connectClient, connectWorker } from './temporal/connection';
import { createCustomerChangeDelivery } from './temporal/delivery';
import { connectorDataConverter } from './temporal/dataConverter';
import { ensureOrderFeedRunning } from './temporal/longRunning';
import { ensureReconciliationSchedule } from './temporal/reconciliationSchedule';
import { createWorkflowDelivery } from './temporal/delivery';
import { createWorker } from './temporal/createWorker';
import { openConfiguredDatabase } from './store/database';
import { stripeBudgetLimiter } from './store/stripeBudget';
import { installSdkMetrics } from './observability/sdkMetrics';
import { withClientTracing } from './observability/temporalTracing';
import { startTracing } from './observability/tracing';
import { tracingEnabled } from './observability/tracingSettings';

/** `npm run worker`: polls the task queue until SIGINT/SIGTERM, then drains in-flight tasks. */
async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const logger = createLogger({ name: 'worker', level: config.logLevel });
  // Before any connection: the SDK's runtime is created once per process, with its metrics exporter.
  if (installSdkMetrics(config.temporal.metricsAddress))
    logger.info('temporal sdk metrics served', { url: `http://${config.temporal.metricsAddress}/metrics` });
  const tracing = tracingEnabled() ? startTracing({ serviceName: 'monstock-stripe-worker' }) : undefined;
  if (tracing) logger.info('tracing on: spans exported over OTLP/HTTP');
  const monstock = new MonstockClient({
    apiUrl: config.monstock.apiUrl,
    apiToken: config.monstock.apiToken,
    requestTimeoutMs: config.monstock.requestTimeoutMs,
  });
  // Reports go to the database every replica shares; migrated here, before any activity runs.
  const database = await openConfiguredDatabase(config);
  // One Stripe budget per account across all workers: every Stripe request this worker makes (order path and
  // reconciliation, the SDK's retries included) takes a slot on the schedule the workers share in the database.
  const stripeBudget = stripeBudgetLimiter({
    database,
    secretKey: config.stripe.secretKey,
    ratePerSecond: config.reconciliation.stripeRateLimitPerSecond,
    logger,
  });
  const stripeOptions: StripeClientOptions = { secretKey: config.stripe.secretKey, apiUrl: config.stripe.apiUrl };
  const stripe = createStripeClient({ ...stripeOptions, rateLimiter: stripeBudget });
  const matcher = new OrderMatcher({ stripe, monstock, settings: config.matching });
  const untracedClient = await connectClient(config);
  // Traced: workflows an activity signals or starts join the activity's trace.
  const client = tracing ? withClientTracing(untracedClient, tracing) : untracedClient;
  // Before any workflow task: a namespace without the attributes would fail them all, in a loop.
  const added = await ensureSearchAttributes(client, config.temporal.namespace, ALL_SEARCH_ATTRIBUTES);
  if (added.length > 0) logger.info('search attributes registered', { namespace: config.temporal.namespace, added });
  const delivery = createWorkflowDelivery({
    client,
    taskQueue: config.temporal.taskQueue,
    idleWindow: config.orders.idleWindow,
  });
  const connection = await connectWorker(config);
  const worker = await createWorker({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    dataConverter: connectorDataConverter(config.temporal.encryptionKeys, {
      rejectUnencrypted: config.mode === 'production',
    }),
    logger,
    ...(tracing ? { tracing } : {}),
    ...(config.temporal.maxCachedWorkflows !== undefined
      ? { overrides: { maxCachedWorkflows: config.temporal.maxCachedWorkflows } }
      : {}),
    clients: {
      monstock,
      stripe,
      matcher,
      deliverToOrder: delivery.toOrder,
      orderChanged: delivery.orderChanged,
      toUnmatched: delivery.toUnmatched,
      reconciliation: rateLimitedReconciliation({
        database,
        stripeRateLimitPerSecond: config.reconciliation.stripeRateLimitPerSecond,
        rateLimiter: stripeBudget,
        stripe: stripeOptions,
        monstock,
        matching: config.matching,
      }),
      orderSettings: {
        createPaymentIntents: config.orders.createPaymentIntents,
        autoRefundCancelled: config.orders.autoRefundCancelled,
        capture: config.orders.capture,
      },
    },
  });

  // The SDK runtime owns SIGINT/SIGTERM: it stops polling and lets in-flight tasks finish.
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.once(signal, () => logger.info('shutting down: draining in-flight tasks', { signal }));

  // Webhooks can be lost: the feed reads Monstock's order list so no order change is missed.
  // Started here, so every deployment has it; one already running keeps its cursor.
  const feed = await ensureOrderFeedRunning(client, {
    connectionId: config.connectionId,
    taskQueue: config.temporal.taskQueue,
    pollInterval: config.monstock.pollInterval,
  });
  logger.info('monstock order feed running', {
    workflowId: feed.workflowId,
    pollInterval: config.monstock.pollInterval,
  });
  // Likewise customer sync: polling alone keeps customers in line while webhooks are down.
  await createCustomerChangeDelivery({
    client,
    taskQueue: config.temporal.taskQueue,
    pollInterval: config.customers.pollInterval,
    concurrency: config.customers.concurrency,
  }).ensureRunning(config.connectionId);
  logger.info('customer sync running', { pollInterval: config.customers.pollInterval });
  // The nightly reconciliation is a Temporal Schedule (created or updated here, idempotently).
  await ensureReconciliationSchedule(client, {
    connectionId: config.connectionId,
    taskQueue: config.temporal.taskQueue,
    at: config.reconciliation.at,
    timeZone: config.reconciliation.timeZone,
    windowHours: config.reconciliation.windowHours,
    options: { checkOrderIntents: config.orders.createPaymentIntents },
  });
  logger.info('reconciliation scheduled', {
    at: config.reconciliation.at,
    timeZone: config.reconciliation.timeZone,
    windowHours: config.reconciliation.windowHours,
  });
  logger.info('worker started', {
    taskQueue: config.temporal.taskQueue,
    namespace: config.temporal.namespace,
    temporal: config.temporal.address,
  });
  await worker.run();
  await monstock.close();
  await database.end();
  await connection.close();
  await client.connection.close();
  await tracing?.shutdown();
  logger.info('worker stopped');
}

main().catch((error: unknown) => {
  createLogger({ name: 'worker' }).error('worker failed', { error });
  process.exit(1);
});
