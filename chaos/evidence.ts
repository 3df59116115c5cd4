import type Stripe from 'stripe';
import type { MonstockClient } from '../src/monstock/client';
import { MonstockApiError } from '../src/monstock/errors';
import { stripeAgreesWithLedger, type OrderEvidence } from './checker';
import type { LedgerEntry, LedgerIndex } from './ledger';
import { readIntentFacts, readRefOwner, type IntentFacts, type RefOwner } from './stripeFacts';

/**
 * Reads both sides of the orders for the checker: the Monstock order, and fresh Stripe facts of
 * every intent the shop's ledger created for it. Ids the order shows that neither the ledger nor
 * those intents explain are looked up in Stripe, to tell whose they are (another order's, an
 * intent the shop never made for this order, or nothing Stripe knows). An intent an order shows
 * never joins the order's expectation just because the order shows it.
 */
export interface EvidenceOptions {
  concurrency?: number;
  /** Every order's ids by the shop's ledger, to recognise another order's movement. */
  index?: LedgerIndex;
  /**
   * Stripe's side kept between reads, by order: once the shop has stopped and Stripe agrees with
   * its ledger, Stripe's truth no longer moves, and polling only Monstock halves the load on a
   * small machine. Kept only once Stripe agrees (a dispute is decided shortly after its evidence).
   */
  stripeCache?: Map<string, readonly IntentFacts[]>;
  /** Owners of unexplained ids, kept between reads (they do not change either). */
  ownerCache?: Map<string, RefOwner>;
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
      results[index] = await readOne(entries[index]!, clients, options);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  return results;
}

async function readOne(
  entry: LedgerEntry,
  clients: { monstock: MonstockClient; stripe: Stripe },
  options: EvidenceOptions,
): Promise<OrderEvidence> {
  let order;
  try {
    order = await clients.monstock.getOrder(entry.orderId);
  } catch (error) {
    if (!(error instanceof MonstockApiError && error.status === 404)) throw error;
  }
  const cached = options.stripeCache?.get(entry.orderId);
  const stripe: readonly IntentFacts[] = cached ?? (await readIntents(clients.stripe, entry));
  if (!cached && stripeAgreesWithLedger(entry, stripe)) options.stripeCache?.set(entry.orderId, stripe);

  const explained = new Set([
    ...(options.index?.keys() ?? []),
    ...stripe.flatMap((facts) => [
      facts.id,
      ...facts.charges.map((charge) => charge.id),
      ...facts.refunds.map((refund) => refund.id),
      ...facts.disputes.map((dispute) => dispute.id),
    ]),
  ]);
  const owners: Record<string, RefOwner> = {};
  for (const payment of order?.payments ?? []) {
    const ref = payment.transactionRef;
    if (explained.has(ref) || (payment.provider !== undefined && payment.provider !== 'stripe')) continue;
    const owner = options.ownerCache?.get(ref) ?? (await readRefOwner(clients.stripe, ref));
    options.ownerCache?.set(ref, owner);
    owners[ref] = owner;
  }
  // The shop's refund requests, read only for the orders it asked refunds for.
  const refundRequests =
    order && (entry.refundRequests?.length ?? 0) > 0
      ? await clients.monstock.listRefundRequests(entry.orderId)
      : undefined;
  return { entry, monstock: order, stripe, owners, ...(refundRequests ? { refundRequests } : {}) };
}

/** An intent Stripe does not know is left out (the checker reports it against the ledger). */
async function readIntents(stripe: Stripe, entry: LedgerEntry): Promise<IntentFacts[]> {
  const found: IntentFacts[] = [];
  for (const intent of entry.intents) {
    try {
      found.push(await readIntentFacts(stripe, intent.id));
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode !== 404) throw error;
    }
  }
  return found;
}
