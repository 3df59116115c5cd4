import type Stripe from 'stripe';
import type { MonstockClient } from '../src/monstock/client';
import { MonstockApiError } from '../src/monstock/errors';
import type { PaymentIntentSnapshot } from '../src/payments/paymentIntentSnapshot';
import { readPaymentIntentSnapshot } from '../src/stripe/readPaymentIntentSnapshot';
import type { OrderEvidence } from './checker';
import type { LedgerEntry } from './driver';

/**
 * Reads both sides of the orders for the checker: the Monstock order, and fresh Stripe
 * snapshots of every payment intent of the order (those the shop created, plus any the order
 * names, so a payment Monstock shows that Stripe does not know is caught too).
 */
export interface EvidenceOptions {
  concurrency?: number;
  /**
   * Stripe's side kept between reads, by order and intents: once the shop has stopped, Stripe's
   * truth no longer moves, and polling only Monstock halves the load on a small machine.
   */
  stripeCache?: Map<string, readonly PaymentIntentSnapshot[]>;
}

export async function readEvidence(
  entries: readonly LedgerEntry[],
  clients: { monstock: MonstockClient; stripe: Stripe },
  options: EvidenceOptions = {},
): Promise<OrderEvidence[]> {
  const concurrency = options.concurrency ?? 8;
  const results: OrderEvidence[] = new Array(entries.length);
  let next = 0;
  const lane = async () => {
    for (;;) {
      const index = next;
      next += 1;
      if (index >= entries.length) return;
      results[index] = await readOne(entries[index]!, clients, options.stripeCache);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  return results;
}

async function readOne(
  entry: LedgerEntry,
  clients: { monstock: MonstockClient; stripe: Stripe },
  cache: EvidenceOptions['stripeCache'],
): Promise<OrderEvidence> {
  let order;
  try {
    order = await clients.monstock.getOrder(entry.orderId);
  } catch (error) {
    if (!(error instanceof MonstockApiError && error.status === 404)) throw error;
  }
  const shownIntents = (order?.payments ?? [])
    .filter((payment) => payment.kind === 'payment' && payment.transactionRef.startsWith('pi_'))
    .map((payment) => payment.transactionRef);
  const intentIds = [...new Set([...entry.intentIds, ...shownIntents])].sort();
  const key = `${entry.orderId}:${intentIds.join(',')}`;
  const stripe =
    cache?.get(key) ?? (await Promise.all(intentIds.map((id) => readPaymentIntentSnapshot(clients.stripe, id))));
  cache?.set(key, stripe);
  return { orderId: entry.orderId, monstock: order, stripe };
}
