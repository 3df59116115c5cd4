import type Stripe from 'stripe';
import type { MonstockClient } from '../src/monstock/client';

/**
 * One ordinary order as a shop and its customer make it: a new Monstock customer, an order for
 * them (their webhooks reach the connector, which syncs the customer and creates the order's
 * payment intent), the intent paid in Stripe, and Monstock showing the order paid. Shared by the
 * cost phase's single-order windows and its batch.
 */
export interface OrdinaryOrderOptions {
  monstock: MonstockClient;
  stripe: Stripe;
  /** Unique per order: the customer's email and the order's reference are made from it. */
  stamp: string;
  /** How often Monstock is asked whether the intent exists and the order is paid. */
  pollMs: number;
}

export async function placeAndPayOrdinaryOrder(options: OrdinaryOrderOptions): Promise<{ orderId: string }> {
  const { monstock, stripe, stamp, pollMs } = options;
  const customer = await monstock.createCustomer({ email: `bench-cost-${stamp}@example.test`, name: 'Bench Customer' });
  const order = await monstock.createOrder({
    reference: `BENCH-COST-${stamp}`,
    customerId: customer.id,
    currency: 'EUR',
    lines: [{ sku: 'MUG-01', label: 'Mug', quantity: 2, unitAmount: 1250 }],
  });
  const intentId = await until(
    async () => (await monstock.getOrder(order.id)).externalRefs.stripePaymentIntentId ?? undefined,
    `the connector to create the payment intent of ${order.id}`,
    pollMs,
  );
  await stripe.paymentIntents.confirm(intentId, { payment_method: 'pm_card_visa' });
  await until(
    async () => ((await monstock.getOrder(order.id)).paymentStatus === 'paid' ? true : undefined),
    `order ${order.id} paid in Monstock`,
    pollMs,
  );
  return { orderId: order.id };
}

export async function until<T>(
  check: () => Promise<T | undefined>,
  what: string,
  pollMs: number,
  timeoutMs = 120_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}
