import type Stripe from 'stripe';
import type { CustomerChangedEvent } from '../../shared/customerSync';
import { orMissing } from '../../stripe/missing';
import { withActivityFailures } from '../failures';
import { ChangeCollector, observeMonstock, observeStripe, type Observed } from './changes';
import { retrieveStripeCustomer } from './stripeCustomers';
import type { CustomerSyncClients } from './types';

const PARALLEL_READS = 8;

export interface DescribeChangesResult {
  changes: ReturnType<ChangeCollector['changes']>;
  echoes: number;
  /** Named customers that no longer exist (deleted in Stripe, unknown to Monstock). */
  missing: number;
}

/**
 * Webhook signals name a customer only. Reading it here, before any sync is scheduled, drops the
 * echoes of our own writes at the cost of one read, and gives the change its serialisation key.
 */
export function createDescribeCustomerChanges(clients: CustomerSyncClients) {
  return async function describeCustomerChanges(input: {
    events: CustomerChangedEvent[];
  }): Promise<DescribeChangesResult> {
    return withActivityFailures(async () => {
      const collector = new ChangeCollector();
      let missing = 0;
      const queue = [...input.events];
      const readers = Array.from({ length: Math.min(PARALLEL_READS, queue.length) }, async () => {
        for (let event = queue.shift(); event; event = queue.shift()) {
          const observed = await observe(clients, event);
          if (observed) collector.add(observed);
          else missing += 1;
        }
      });
      await Promise.all(readers);
      return { changes: collector.changes(), echoes: collector.echoes, missing };
    });
  };
}

/** One signalled customer read and judged: work for the workflow, an echo, or undefined when it no longer exists. */
export async function observe(
  clients: CustomerSyncClients,
  event: CustomerChangedEvent,
): Promise<Observed | undefined> {
  if (event.source === 'monstock') {
    const customer = await clients.monstock.findCustomer(event.customerId);
    return customer && observeMonstock(customer);
  }
  const customer = await getStripeCustomer(clients.stripe, event.customerId);
  const changedAt = event.changedAt ? Math.floor(Date.parse(event.changedAt) / 1000) : undefined;
  return customer && observeStripe(customer, Number.isFinite(changedAt) ? changedAt : undefined);
}

async function getStripeCustomer(stripe: Stripe, id: string): Promise<Stripe.Customer | undefined> {
  return orMissing(retrieveStripeCustomer(stripe, id));
}
