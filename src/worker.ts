import { loadConfigOrExit } from './config';
import { ALL_SEARCH_ATTRIBUTES } from './shared/searchAttributes';
import { ensureSearchAttributes } from './temporal/registerSearchAttributes';
import { createLogger } from './observability/logger';
import { ConnectionClientsCache } from './connections/clients';
import { ConnectionRegistry } from './connections/registry';
import { ConnectionWorkKeeper } from './connections/workKeeper';
import { connectClient, connectWorker } from './temporal/connection';
import { connectorDataConverter } from './temporal/dataConverter';
import { createWorkflowDelivery } from './temporal/delivery';
import { createWorker } from './temporal/createWorker';
import { openConfiguredDatabase } from './store/database';
import { installSdkMetrics } from './observability/sdkMetrics';
import { withClientTracing } from './observability/temporalTracing';
import { connectionActivityInterceptors } from './observability/activityConnection';
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
  // Reports go to the database every replica shares; migrated here, before any activity runs.
  const database = await openConfiguredDatabase(config);
  // Every connection this deployment serves (the environment's is `default`), read from the database.
  const registry = new ConnectionRegistry({ database, config });
  // Each activity gets the clients of the connection its input names: its Monstock tenant, its Stripe account behind
  // that account's budget shared by all workers (clients.ts). No process-wide client is on the workflow path.
  const connectionClients = new ConnectionClientsCache({
    registry,
    database,
    fallbackConnectionId: config.connectionId,
    logger,
  });
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
    // Activity logs and metrics name the connection each activity serves (its input's connectionId).
    activityInterceptors: [connectionActivityInterceptors(config.connectionId)],
    overrides: {
      maxCachedWorkflows: config.temporal.maxCachedWorkflows,
      maxConcurrentWorkflowTaskExecutions: config.temporal.taskSlots.workflowTasks,
      maxConcurrentActivityTaskExecutions: config.temporal.taskSlots.activities,
      maxConcurrentLocalActivityExecutions: config.temporal.taskSlots.localActivities,
    },
    clients: {
      clientsFor: (connectionId) => connectionClients.clientsFor(connectionId),
      deliverToOrder: delivery.toOrder,
      orderChanged: delivery.orderChanged,
      toUnmatched: delivery.toUnmatched,
    },
  });

  // The SDK runtime owns SIGINT/SIGTERM: it stops polling and lets in-flight tasks finish.
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.once(signal, () => logger.info('shutting down: draining in-flight tasks', { signal }));

  // Webhooks can be lost: each connection's order feed reads Monstock's order list so no order change is missed;
  // its customer sync polls likewise; its nightly reconciliation is a Temporal Schedule. The keeper starts them for
  // every active connection now (idempotent: one already running keeps its cursor), then follows the registry:
  // added and resumed connections start, paused ones stop their feed and sync, removed ones stop everything.
  const keeper = new ConnectionWorkKeeper({ client, registry, taskQueue: config.temporal.taskQueue, logger });
  await keeper.start();
  logger.info('worker started', {
    taskQueue: config.temporal.taskQueue,
    namespace: config.temporal.namespace,
    temporal: config.temporal.address,
  });
  await worker.run();
  await keeper.stop();
  await connectionClients.close();
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
