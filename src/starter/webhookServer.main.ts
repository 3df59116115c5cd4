import { loadConfigOrExit } from '../config';
import { Counters, defineWebhookCounters, PROMETHEUS_CONTENT_TYPE } from '../observability/counters';
import { createLogger } from '../observability/logger';
import { ConnectorPages } from '../reports/pages';
import { WebhookHealth } from '../reports/webhookHealth';
import { EncryptionCodec } from '../temporal/codec/encryptionCodec';
import { connectClient } from '../temporal/connection';
import { createAdminAuthenticator } from './admin/authenticator';
import { adminUrl } from './admin/adminUrl';
import { codecOpenInDevelopment, createAdminServer } from './admin/adminServer';
import { createConnectionsApi } from './admin/connectionsApi';
import { ConnectionService } from '../connections/service';
import { createTemporalReadiness } from './http/readiness';
import { createConnectorHttpServer } from './http/server';
import { createCustomerChangeDelivery } from '../temporal/delivery';
import { createMonstockWebhookRoute } from './monstock/route';
import { createStripeConnectRoute } from './stripe/connectRoute';
import { connectWebhookSecrets } from './stripe/connectSecrets';
import { createStripeWebhookHandlers } from './stripe/route';
import { WebhookConnections } from './http/webhookConnections';
import { connectionStripeClient } from './stripe/connectionStripeClient';
import { stripeBudgetLimiter, stripeBudgetScope } from '../store/stripeBudget';
import type { RateLimiter } from '../stripe/rateLimiter';
import { openConfiguredDatabase } from '../store/database';
import { replicaId } from '../store/replica';
import { traceHttpServer } from '../observability/httpServerSpans';
import { withClientTracing } from '../observability/temporalTracing';
import { startTracing } from '../observability/tracing';
import { tracingEnabled } from '../observability/tracingSettings';

/**
 * `npm run webhooks`: the public webhook server (webhooks, /healthz and /readyz for load balancers,
 * nothing else) and, in the same process, the admin listener on ADMIN_HOST:ADMIN_PORT (reports,
 * problems, metrics, the Web UI's codec), behind ADMIN_TOKEN or an OIDC access token.
 */
async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const logger = createLogger({ name: 'webhooks', level: config.logLevel });
  const tracing = tracingEnabled() ? startTracing({ serviceName: 'monstock-stripe-webhooks' }) : undefined;
  if (tracing) logger.info('tracing on: spans exported over OTLP/HTTP');
  // Reports, the managed webhook secret and webhook health: shared with every other replica.
  const database = await openConfiguredDatabase(config);
  const untracedClient = await connectClient(config);
  // Traced: a webhook's signal-with-start carries its trace into the workflow.
  const client = tracing ? withClientTracing(untracedClient, tracing) : untracedClient;
  const connectionService = new ConnectionService({
    database,
    config,
    logger: logger.child({ listener: 'admin', part: 'connections' }),
  });
  // Every connection the registry knows (and `default` from the environment), each with its own
  // secrets and clients, built once per connection version: requests share pools and matcher caches.
  // The matcher reads Stripe on the webhook path: those reads spend the same per-account budget as
  // the workers' (one limiter per key, on the schedule every process shares in the database).
  const stripeBudgets = new Map<string, RateLimiter>();
  const budgetOf = (stripe: { secretKey: string; account?: string | undefined }): RateLimiter => {
    const scope = stripeBudgetScope(stripe.secretKey, stripe.account);
    let budget = stripeBudgets.get(scope);
    if (!budget) {
      budget = stripeBudgetLimiter({
        database,
        secretKey: stripe.secretKey,
        stripeAccount: stripe.account,
        ratePerSecond: config.reconciliation.stripeRateLimitPerSecond,
        logger,
      });
      stripeBudgets.set(scope, budget);
    }
    return budget;
  };
  const connections = new WebhookConnections({
    registry: connectionService.registry,
    config,
    database,
    stripeFor: (connection) => {
      // Short timeouts, as the default: a webhook is answered within seconds. connectionStripeClient
      // hands these options to createStripeClient, rateLimiter included.
      const clientOptions = {
        maxNetworkRetries: 1,
        timeoutMs: 5_000,
        rateLimiter: budgetOf(connection.stripe),
      };
      return connectionStripeClient(connection, clientOptions);
    },
  });
  const counters = defineWebhookCounters(new Counters());
  const webhookHealth = new WebhookHealth(counters, {
    sources: ['stripe', 'monstock', 'stripe-connect'],
    shared: { database, connectionId: config.connectionId, replicaId: replicaId() },
  }).start();
  const pages = new ConnectorPages({
    client,
    database,
    connectionId: config.connectionId,
    // Every connection's pages under /connections/<id>/, and the overview atop /problems.
    connections: connectionService.registry,
    namespace: config.temporal.namespace,
    temporalUiUrl: config.temporal.uiUrl,
    stripeSecretKey: config.stripe.secretKey,
    webhookHealth,
  });
  const customers = createCustomerChangeDelivery({
    client,
    taskQueue: config.temporal.taskQueue,
    pollInterval: config.customers.pollInterval,
    concurrency: config.customers.concurrency,
  });
  const stripeWebhooks = createStripeWebhookHandlers({
    client,
    config,
    database,
    logger,
    counters,
    customerDelivery: customers.deliver,
    connections,
  });
  const server = createConnectorHttpServer({
    logger,
    readiness: createTemporalReadiness(client),
    webhooks: {
      stripe: stripeWebhooks.route,
      monstock: createMonstockWebhookRoute({
        client,
        config,
        logger,
        counters,
        customerDelivery: customers.deliver,
        webhookSecretsOf: connections.monstockWebhookSecrets,
      }),
    },
    platformWebhooks: {
      'stripe-connect': createStripeConnectRoute({
        counters,
        logger,
        secrets: connectWebhookSecrets({
          configured: config.stripe.connectWebhookSecrets,
          database,
          keys: config.temporal.encryptionKeys,
        }),
        connectionOfAccount: connections.byStripeAccount,
        deliverVerified: stripeWebhooks.deliverVerified,
      }),
    },
    connectionState: connections.state,
    counters,
  });
  if (tracing) traceHttpServer(server, tracing.tracer);
  server.listen(config.webhookServer.port, config.webhookServer.host, () => {
    logger.info('webhook server listening', {
      url: `http://${config.webhookServer.host}:${config.webhookServer.port}`,
    });
  });

  const admin = createAdminServer({
    logger: logger.child({ listener: 'admin' }),
    authenticate: createAdminAuthenticator({ token: config.admin.token, oidc: config.admin.oidc }),
    pages,
    metrics: async () => ({ status: 200, contentType: PROMETHEUS_CONTENT_TYPE, body: counters.toPrometheus() }),
    codec: { codec: new EncryptionCodec(config.temporal.encryptionKeys), corsOrigins: config.codec.corsOrigins },
    codecWithoutToken: codecOpenInDevelopment(config.mode, config.admin.host),
    connections: createConnectionsApi(connectionService),
  });
  admin.on('error', (error) => {
    logger.error('admin listener failed', { error, url: adminUrl(config.admin.host, config.admin.port) });
    process.exit(1);
  });
  admin.listen(config.admin.port, config.admin.host, () => {
    logger.info('admin listener listening', {
      url: adminUrl(config.admin.host, config.admin.port),
      auth: config.admin.oidc ? 'ADMIN_TOKEN or OIDC access token' : 'ADMIN_TOKEN',
      ...(codecOpenInDevelopment(config.mode, config.admin.host)
        ? { codec: 'open to loopback callers without a token (development mode)' }
        : {}),
    });
  });

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info('shutting down: finishing in-flight requests', { signal });
    // Stop accepting, let in-flight webhooks get their answer, then drop idle keep-alive sockets.
    admin.close();
    admin.closeIdleConnections();
    server.close(() => {
      webhookHealth.stop();
      void Promise.allSettled([
        client.connection.close(),
        connections.close(),
        tracing?.shutdown(),
        database.end(),
      ]).finally(() => process.exit(0));
    });
    server.closeIdleConnections();
    setTimeout(() => process.exit(0), 10_000).unref();
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((error: unknown) => {
  createLogger({ name: 'webhooks' }).error('webhook server failed', { error });
  process.exit(1);
});
