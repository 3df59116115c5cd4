import { loadConfigOrExit } from '../config';
import { createLogger } from '../observability/logger';
import { ALL_SEARCH_ATTRIBUTES } from '../shared/searchAttributes';
import { connectClient } from '../temporal/connection';
import { registerSearchAttributes } from '../temporal/registerSearchAttributes';
import { createStripeClient } from '../stripe/client';
import { setupStripeWebhookEndpoint } from './stripe/webhookEndpoint';
import { ensureConnectWebhookEndpoint } from './stripe/connectEndpoint';
import { countConnectedAccounts } from '../store/connections';
import { openConfiguredDatabase } from '../store/database';
import { stripeBudgetLimiter } from '../store/stripeBudget';

/**
 * `npm run setup`: prepares a real cluster for the connector (the embedded dev server gets the
 * same at start). Idempotent: running it twice changes nothing the second time.
 */
async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const logger = createLogger({ name: 'setup', level: config.logLevel });
  const client = await connectClient(config);
  const added = await registerSearchAttributes(client, config.temporal.namespace, ALL_SEARCH_ATTRIBUTES);
  logger.info('search attributes ready', {
    namespace: config.temporal.namespace,
    added,
    total: ALL_SEARCH_ATTRIBUTES.length,
  });
  await client.connection.close();
  // The managed endpoint's secret is stored where every replica's webhook server reads it.
  const database = await openConfiguredDatabase(config);
  // A setup run beside running workers spends the same account's budget as they do.
  const stripe = createStripeClient({
    secretKey: config.stripe.secretKey,
    apiUrl: config.stripe.apiUrl,
    rateLimiter: stripeBudgetLimiter({
      database,
      secretKey: config.stripe.secretKey,
      ratePerSecond: config.reconciliation.stripeRateLimitPerSecond,
      logger,
    }),
  });
  try {
    await setupStripeWebhookEndpoint({ config, stripe, database, logger });
    // Connected accounts' events come on the platform's Connect endpoint, kept like the others.
    const connectedAccounts = await countConnectedAccounts(database);
    if (config.webhookServer.publicUrl && connectedAccounts > 0)
      await ensureConnectWebhookEndpoint({
        platformStripe: stripe,
        publicUrl: config.webhookServer.publicUrl,
        database,
        encryptionKeys: config.temporal.encryptionKeys,
        logger,
      });
  } finally {
    await database.end();
  }
}

main().catch((error: unknown) => {
  createLogger({ name: 'setup' }).error('setup failed', { error });
  process.exit(1);
});
