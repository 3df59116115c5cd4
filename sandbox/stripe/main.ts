import path from 'node:path';
import { loadDotEnv } from '../../src/config/dotenv';
import { createLogger, type Logger } from '../../src/observability/logger';
import { faultsFromEnv } from '../kit/faults';
import { runSandboxMain } from '../kit/runMain';
import { startStripeSandbox } from './app';

/**
 * `npm run sandbox:stripe`: the Stripe sandbox as a process. Point the connector at it with
 * STRIPE_API_HOST/PORT (or the SDK's host/port/protocol options) and the same secret key.
 */
async function main(): Promise<{ logger: Logger; close(): Promise<void> }> {
  loadDotEnv();
  const env = process.env;
  const secretKey = env.STRIPE_SECRET_KEY;
  if (!secretKey) {
    process.stderr.write(
      'STRIPE_SECRET_KEY is required (an sk_test_... value): its account is the default one; other sk_test_ keys get accounts of their own.\n',
    );
    process.exit(1);
  }
  const port = Number(env.STRIPE_SANDBOX_PORT ?? '4020');
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    process.stderr.write(`STRIPE_SANDBOX_PORT must be a port number, got ${env.STRIPE_SANDBOX_PORT}\n`);
    process.exit(1);
  }
  // An empty STRIPE_SANDBOX_WEBHOOK_URL turns the start endpoint off.
  const webhookUrl = env.STRIPE_SANDBOX_WEBHOOK_URL ?? 'http://127.0.0.1:3000/webhooks/stripe';
  // STRIPE_WEBHOOK_SECRET may list several secrets (rotation); the sandbox signs with the first.
  const webhookSecret = env.STRIPE_WEBHOOK_SECRET?.split(',')
    .map((value) => value.trim())
    .find((value) => value !== '');
  // Shortens how long an uncaptured card authorisation lasts (Stripe: 7 days), for manual tries.
  const expiryText = env.STRIPE_SANDBOX_AUTHORIZATION_EXPIRY_SECONDS;
  const authorizationExpirySeconds = expiryText ? Number(expiryText) : undefined;
  if (
    authorizationExpirySeconds !== undefined &&
    !(Number.isInteger(authorizationExpirySeconds) && authorizationExpirySeconds > 0)
  ) {
    process.stderr.write(`STRIPE_SANDBOX_AUTHORIZATION_EXPIRY_SECONDS must be a positive integer, got ${expiryText}\n`);
    process.exit(1);
  }
  const logger = createLogger({ name: 'stripe-sandbox' });
  const sandbox = await startStripeSandbox({
    port,
    host: env.STRIPE_SANDBOX_HOST || '127.0.0.1',
    dataFile: path.join(env.DATA_DIR || './data', 'stripe-sandbox.sqlite'),
    secretKey,
    ...(webhookUrl ? { webhookUrl } : {}),
    ...(webhookSecret ? { webhookSecret } : {}),
    faults: faultsFromEnv(env),
    ...(authorizationExpirySeconds !== undefined ? { authorizationExpirySeconds } : {}),
    logger,
  });
  process.stdout.write(`Stripe sandbox listening on ${sandbox.url}\n`);
  if (webhookUrl)
    process.stdout.write(`Delivering every event to ${webhookUrl}, signed with ${sandbox.webhookSecret}\n`);
  else
    process.stdout.write(
      'Start endpoint disabled (STRIPE_SANDBOX_WEBHOOK_URL is empty); create webhook endpoints through the API.\n',
    );

  return { logger, close: () => sandbox.close() };
}

runSandboxMain('stripe sandbox', main);
