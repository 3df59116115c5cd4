import { performance } from 'node:perf_hooks';
import type Stripe from 'stripe';
import { loadDotEnv } from '../src/config/dotenv';
import { loadConfig, withDevelopmentValues } from '../src/config';
import { MonstockClient } from '../src/monstock/client';
import { createStripeClient } from '../src/stripe/client';

/**
 * `npm run demo:loop` (with `npm start` running): the whole two-way loop with no hand on the
 * connector. An order registered in Monstock gets its customer and payment intent in Stripe; the
 * customer pays that intent; the Monstock order shows the payment. Prints each step's time.
 */
async function main(): Promise<void> {
  loadDotEnv();
  const config = loadConfig(
    withDevelopmentValues({ STRIPE_API_URL: 'http://127.0.0.1:4020', ...process.env, CONNECTOR_MODE: 'development' }),
  );
  const monstock = new MonstockClient({ apiUrl: config.monstock.apiUrl, apiToken: config.monstock.apiToken });
  const stripe = createStripeClient({ secretKey: config.stripe.secretKey, apiUrl: config.stripe.apiUrl });
  const stamp = Date.now();
  const customer = await monstock.createCustomer({ email: `loop${stamp}@example.test`, name: 'Loop Customer' });
  const order = await monstock.createOrder({
    reference: `LOOP-${stamp}`,
    customerId: customer.id,
    currency: 'EUR',
    lines: [{ sku: 'LAMP-7', label: 'Desk lamp', quantity: 1, unitAmount: 5900 }],
  });
  const t0 = performance.now();
  const intentId = await until(
    async () => (await monstock.getOrder(order.id)).externalRefs.stripePaymentIntentId,
    'the payment intent id on the order',
  );
  const intent = await stripe.paymentIntents.retrieve(intentId);
  const stripeCustomer = (await stripe.customers.retrieve(intent.customer as string)) as Stripe.Customer;
  const intentMs = Math.round(performance.now() - t0);
  const t1 = performance.now();
  await stripe.paymentIntents.confirm(intentId, { payment_method: 'pm_card_visa' });
  await until(
    async () => ((await monstock.getOrder(order.id)).paymentStatus === 'paid' ? true : undefined),
    'the order paid in Monstock',
  );
  const paidMs = Math.round(performance.now() - t1);
  process.stdout.write(
    `Order ${order.reference}: intent ${intent.id} for ${intent.amount} ${intent.currency} (customer ${stripeCustomer.id}, ${stripeCustomer.email}) in ${intentMs} ms; ` +
      `paid and shown in Monstock ${paidMs} ms after confirming.\n`,
  );
  process.stdout.write(
    JSON.stringify({
      orderToIntentMs: intentMs,
      confirmToPaidMs: paidMs,
      intentAmount: intent.amount,
      metadata: intent.metadata,
    }) + '\n',
  );
  await monstock.close();
}

async function until<T>(check: () => Promise<T | undefined>, what: string): Promise<T> {
  const deadline = performance.now() + 30_000;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`demo failed: ${(error as Error).message}\n`);
  process.exit(1);
});
