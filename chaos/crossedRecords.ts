import type Stripe from 'stripe';
import type { MonstockClient } from '../src/monstock/client';
import type { ChaosConnection } from './connections';
import type { ConnectionRecords } from './crossed';
import type { LedgerEntry } from './ledger';

/**
 * Reads, for the crossed check (crossed.ts), everything each connection's Monstock tenant and
 * Stripe account hold, through that connection's own credentials: a tenant's token sees only its
 * tenant, a key or a `Stripe-Account` only its account, so whatever a list returns is that side's.
 */
// The SDK refuses more than 10,000 here; a chaos run holds far fewer per account.
const STRIPE_PAGE_LIMIT = 10_000;

export async function readConnectionRecords(
  connection: ChaosConnection,
  ledger: readonly LedgerEntry[],
): Promise<ConnectionRecords> {
  const [orders, customers, stripe] = await Promise.all([
    allOrders(connection.monstock),
    allCustomers(connection.monstock),
    stripeRecords(connection.stripe),
  ]);
  return {
    id: connection.id,
    monstock: {
      orders: orders.map((order) => ({
        id: order.id,
        movementRefs: order.payments.map((payment) => payment.transactionRef),
        externalRefs: order.externalRefs,
      })),
      customers: customers.map((customer) => ({ id: customer.id, externalRefs: customer.externalRefs })),
      refundRequestIds: ledger.flatMap((entry) => (entry.refundRequests ?? []).map((request) => request.id)),
    },
    stripe,
  };
}

async function allOrders(monstock: MonstockClient) {
  const orders = [];
  let cursor: string | undefined;
  do {
    const page = await monstock.listOrders({ limit: 100, ...(cursor ? { cursor } : {}) });
    orders.push(...page.data);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return orders;
}

async function allCustomers(monstock: MonstockClient) {
  const customers = [];
  let cursor: string | undefined;
  do {
    const page = await monstock.listCustomers({ limit: 100, ...(cursor ? { cursor } : {}) });
    customers.push(...page.data);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return customers;
}

async function stripeRecords(stripe: Stripe): Promise<ConnectionRecords['stripe']> {
  const page = { limit: 100 } as const;
  const all = { limit: STRIPE_PAGE_LIMIT };
  const [intents, refunds, customers, charges, disputes] = await Promise.all([
    stripe.paymentIntents.list(page).autoPagingToArray(all),
    stripe.refunds.list(page).autoPagingToArray(all),
    stripe.customers.list(page).autoPagingToArray(all),
    stripe.charges.list(page).autoPagingToArray(all),
    stripe.disputes.list(page).autoPagingToArray(all),
  ]);
  const withMetadata = (object: { id: string; metadata?: Stripe.Metadata | null }) => ({
    id: object.id,
    metadata: { ...object.metadata },
  });
  return {
    intents: intents.map(withMetadata),
    refunds: refunds.map(withMetadata),
    customers: customers.map(withMetadata),
    otherIds: [...charges.map((charge) => charge.id), ...disputes.map((dispute) => dispute.id)],
  };
}
