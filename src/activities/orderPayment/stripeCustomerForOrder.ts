import type Stripe from 'stripe';
import type { MonstockClient } from '../../monstock/client';

/**
 * The Stripe customer of a Monstock customer, by their cross-references (Monstock
 * `externalRefs.stripeCustomerId`, Stripe `metadata.monstock_customer_id`), created once when
 * missing, with an idempotency key from the Monstock id, so two callers never make two.
 */
export const MONSTOCK_CUSTOMER_ID_KEY = 'monstock_customer_id';

export async function stripeCustomerForOrder(clients: { monstock: MonstockClient; stripe: Stripe }, monstockCustomerId: string): Promise<string> {
  const customer = await clients.monstock.getCustomer(monstockCustomerId);
  const known = customer.externalRefs.stripeCustomerId;
  if (known) return known;
  const found = await clients.stripe.customers.search({ query: `metadata['${MONSTOCK_CUSTOMER_ID_KEY}']:'${monstockCustomerId}'`, limit: 1 });
  const stripeCustomer =
    found.data[0] ??
    (await clients.stripe.customers.create(
      { email: customer.email, name: customer.name, metadata: { [MONSTOCK_CUSTOMER_ID_KEY]: monstockCustomerId } },
      { idempotencyKey: `monstock-stripe:customer:${monstockCustomerId}` },
    ));
  await clients.monstock.updateCustomer(monstockCustomerId, { externalRefs: { stripeCustomerId: stripeCustomer.id } });
  return stripeCustomer.id;
}
