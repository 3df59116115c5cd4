import { performance } from 'node:perf_hooks';
import { loadDotEnv } from '../src/config/dotenv';
import { loadConfig, withDevelopmentValues } from '../src/config';
import { MonstockClient } from '../src/monstock/client';
import { orderWorkflowId } from '../src/shared/ids';
import { createStripeClient } from '../src/stripe/client';

/**
 * `npm run demo` (with `npm start` running): creates an order in the Monstock sandbox, pays it
 * with the `stripe` SDK against the Stripe sandbox, and measures how long until the Monstock order
 * shows the payment. Prints the Web UI link of the order's workflow.
 */
async function main(): Promise<void> {
  loadDotEnv();
  const config = loadConfig(
    withDevelopmentValues({ STRIPE_API_URL: 'http://127.0.0.1:4020', ...process.env, CONNECTOR_MODE: 'development' }),
  );
  const monstock = new MonstockClient({ apiUrl: config.monstock.apiUrl, apiToken: config.monstock.apiToken });
  const stripe = createStripeClient({ secretKey: config.stripe.secretKey, apiUrl: config.stripe.apiUrl });
  const runs = Number(process.argv[2] ?? '1');
  const latencies: number[] = [];
  for (let run = 0; run < runs; run += 1) {
    const customer = await monstock.createCustomer({
      email: `demo${Date.now()}${run}@example.test`,
      name: 'Demo Customer',
    });
    const order = await monstock.createOrder({
      reference: `DEMO-${Date.now()}-${run}`,
      customerId: customer.id,
      currency: 'EUR',
      lines: [{ sku: 'MUG-01', label: 'Mug', quantity: 2, unitAmount: 1250 }],
    });
    const started = performance.now();
    const intent = await stripe.paymentIntents.create({
      amount: order.totalAmount,
      currency: 'eur',
      payment_method: 'pm_card_visa',
      confirm: true,
      metadata: { monstock_order_id: order.id },
    });
    for (;;) {
      const current = await monstock.getOrder(order.id);
      if (current.paymentStatus === 'paid') break;
      if (performance.now() - started > 30_000) throw new Error(`order ${order.id} not paid after 30 s`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const ms = Math.round(performance.now() - started);
    latencies.push(ms);
    if (runs === 1) {
      process.stdout.write(
        `Order ${order.reference} (${order.id}) paid with ${intent.id}: shown as paid in Monstock ${ms} ms after confirming.\n` +
          `Web UI: http://127.0.0.1:${config.temporal.uiPort}/namespaces/${config.temporal.namespace}/workflows/${encodeURIComponent(orderWorkflowId(config.connectionId, order.id))}\n`,
      );
    }
  }
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!;
  process.stdout.write(
    JSON.stringify({ payments: runs, p50Ms: at(0.5), p95Ms: at(0.95), maxMs: latencies[latencies.length - 1] }) + '\n',
  );
  await monstock.close();
}

main().catch((error: unknown) => {
  process.stderr.write(`demo failed: ${(error as Error).message}\n`);
  process.exit(1);
});
