import { ORDER_METADATA_KEY, REFUND_REQUEST_METADATA_KEY } from './stripeFacts';

/**
 * Crossed: anything of one merchant that reached another's Monstock tenant or Stripe account,
 * judged from the sandboxes' own records (every order and customer each tenant holds, every
 * payment intent, charge, refund, dispute and customer each Stripe account holds), not from what
 * the connector says. Names are this checker's own (the connector's are not reused):
 *
 * - a Monstock order of tenant A whose movement or externalRefs name a Stripe object of another
 *   account than A's;
 * - a Stripe intent, refund or customer of account B whose metadata names an order, a refund
 *   request or a customer of another tenant than B's;
 * - a Monstock customer of A linked to a Stripe customer of another account.
 *
 * An id no one holds is not crossed (the per-order checker calls that lost or wrong); only ids
 * found on the wrong side count.
 */
export interface ConnectionRecords {
  id: string;
  monstock: {
    orders: ReadonlyArray<{
      id: string;
      movementRefs: readonly string[];
      externalRefs: Readonly<Record<string, string>>;
    }>;
    customers: ReadonlyArray<{ id: string; externalRefs: Readonly<Record<string, string>> }>;
    /** The refund requests the shop made in this tenant (from its ledger: Monstock has no tenant-wide list). */
    refundRequestIds: readonly string[];
  };
  stripe: {
    intents: ReadonlyArray<{ id: string; metadata: Readonly<Record<string, string>> }>;
    refunds: ReadonlyArray<{ id: string; metadata: Readonly<Record<string, string>> }>;
    customers: ReadonlyArray<{ id: string; metadata: Readonly<Record<string, string>> }>;
    /** Charges and disputes: only whose they are matters. */
    otherIds: readonly string[];
  };
}

export interface CrossedItem {
  /** The connection whose tenant or account holds the item. */
  holder: string;
  /** The connection the named object belongs to. */
  belongsTo: string;
  ref: string;
  detail: string;
}

/** Where the connector links a Monstock customer to its Stripe customer, and the reverse. */
const STRIPE_CUSTOMER_REF = 'stripeCustomerId';
const MONSTOCK_CUSTOMER_METADATA_KEY = 'monstock_customer_id';

export function findCrossed(connections: readonly ConnectionRecords[]): CrossedItem[] {
  const stripeOwner = new Map<string, string>();
  const orderOwner = new Map<string, string>();
  const customerOwner = new Map<string, string>();
  const refundRequestOwner = new Map<string, string>();
  for (const connection of connections) {
    const { stripe, monstock } = connection;
    for (const object of [...stripe.intents, ...stripe.refunds, ...stripe.customers])
      stripeOwner.set(object.id, connection.id);
    for (const id of stripe.otherIds) stripeOwner.set(id, connection.id);
    for (const order of monstock.orders) orderOwner.set(order.id, connection.id);
    for (const customer of monstock.customers) customerOwner.set(customer.id, connection.id);
    for (const id of monstock.refundRequestIds) refundRequestOwner.set(id, connection.id);
  }

  const crossed: CrossedItem[] = [];
  for (const connection of connections) {
    const holder = connection.id;
    const check = (owners: ReadonlyMap<string, string>, ref: string | undefined, detail: string) => {
      if (!ref) return;
      const belongsTo = owners.get(ref);
      if (belongsTo !== undefined && belongsTo !== holder) crossed.push({ holder, belongsTo, ref, detail });
    };
    for (const order of connection.monstock.orders) {
      for (const ref of new Set(order.movementRefs))
        check(stripeOwner, ref, `Monstock order ${order.id} records ${ref}, a Stripe object of another account`);
      for (const [key, ref] of Object.entries(order.externalRefs))
        check(stripeOwner, ref, `Monstock order ${order.id} links (${key}) ${ref}, a Stripe object of another account`);
    }
    for (const customer of connection.monstock.customers)
      check(
        stripeOwner,
        customer.externalRefs[STRIPE_CUSTOMER_REF],
        `Monstock customer ${customer.id} is linked to a Stripe customer of another account`,
      );
    for (const intent of connection.stripe.intents)
      check(
        orderOwner,
        intent.metadata[ORDER_METADATA_KEY],
        `Stripe intent ${intent.id} names an order of another tenant`,
      );
    for (const refund of connection.stripe.refunds) {
      check(
        orderOwner,
        refund.metadata[ORDER_METADATA_KEY],
        `Stripe refund ${refund.id} names an order of another tenant`,
      );
      check(
        refundRequestOwner,
        refund.metadata[REFUND_REQUEST_METADATA_KEY],
        `Stripe refund ${refund.id} answers a refund request of another tenant`,
      );
    }
    for (const customer of connection.stripe.customers)
      check(
        customerOwner,
        customer.metadata[MONSTOCK_CUSTOMER_METADATA_KEY],
        `Stripe customer ${customer.id} names a Monstock customer of another tenant`,
      );
  }
  return crossed;
}
