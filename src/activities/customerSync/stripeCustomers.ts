import type Stripe from 'stripe';

/**
 * Every Stripe call customer sync makes, in one place, so the contract test can replay exactly
 * these shapes against stripe-mock (test/integration/customerSyncStripeContract.test.ts).
 */
export const CUSTOMER_EVENT_TYPES = ['customer.created', 'customer.updated'];
export const STRIPE_PAGE = 100;

/** The customer, or undefined when it was deleted in Stripe (deletions are not synced). */
export async function retrieveStripeCustomer(stripe: Stripe, id: string): Promise<Stripe.Customer | undefined> {
  const customer = await stripe.customers.retrieve(id);
  return customer.deleted ? undefined : customer;
}

/**
 * By e-mail through the list endpoint, not Search: Search is eventually consistent (a customer
 * created seconds ago may be missing), which would let a retried sync create a second copy.
 */
export async function listStripeCustomersByEmail(stripe: Stripe, email: string): Promise<Stripe.Customer[]> {
  return (await stripe.customers.list({ email, limit: 10 })).data;
}

export async function listStripeCustomersPage(
  stripe: Stripe,
  startingAfter: string | undefined,
): Promise<Stripe.ApiList<Stripe.Customer>> {
  return stripe.customers.list({ limit: STRIPE_PAGE, ...(startingAfter ? { starting_after: startingAfter } : {}) });
}

export async function createStripeCustomer(
  stripe: Stripe,
  params: Stripe.CustomerCreateParams,
  idempotencyKey: string,
): Promise<Stripe.Customer> {
  return stripe.customers.create(params, { idempotencyKey });
}

export async function updateStripeCustomer(
  stripe: Stripe,
  id: string,
  params: Stripe.CustomerUpdateParams,
  idempotencyKey: string,
): Promise<Stripe.Customer> {
  return stripe.customers.update(id, params, { idempotencyKey });
}

/** The newest customer event: the anchor a backfill starts from. */
export async function newestCustomerEvent(stripe: Stripe): Promise<Stripe.Event | undefined> {
  return (await stripe.events.list({ types: CUSTOMER_EVENT_TYPES, limit: 1 })).data[0];
}

/**
 * The page of customer events just newer than `eventId` (Stripe lists newest first; `ending_before` walks forward in
 * time).
 */
export async function customerEventsAfter(stripe: Stripe, eventId: string): Promise<Stripe.ApiList<Stripe.Event>> {
  return stripe.events.list({ types: CUSTOMER_EVENT_TYPES, ending_before: eventId, limit: STRIPE_PAGE });
}

/** Customer events created at or after `createdSince` (unix seconds), newest first. */
export async function customerEventsSince(
  stripe: Stripe,
  createdSince: number,
  startingAfter: string | undefined,
): Promise<Stripe.ApiList<Stripe.Event>> {
  return stripe.events.list({
    types: CUSTOMER_EVENT_TYPES,
    created: { gte: createdSince },
    limit: STRIPE_PAGE,
    ...(startingAfter ? { starting_after: startingAfter } : {}),
  });
}

/** The customer an event carries, as it was when the event happened. */
export function customerOfEvent(event: Stripe.Event): Stripe.Customer | undefined {
  const object = event.data.object as { object?: string };
  return object.object === 'customer' ? (object as Stripe.Customer) : undefined;
}
