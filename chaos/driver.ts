import Stripe from 'stripe';
import type { MonstockClient } from '../src/monstock/client';
import type { LedgerEntry, LedgerIntent } from './ledger';
import { askRefunds, linesFor, shipOrCancel } from './merchantFlows';
import { monstockRetry } from './monstockRetry';
import { storyOf, type OrderPlan } from './orderPlan';

export type { LedgerEntry } from './ledger';
export { monstockRetry } from './monstockRetry';
export { planOrder, storyOf, type OrderPlan } from './orderPlan';

/**
 * The shop and its buyers: orders registered in Monstock and paid through Stripe with the shop's
 * own payment intents (`metadata.monstock_order_id`); a share declined once before paying, a
 * share refunded (in full, in part, twice in part), a share disputed (some disputes then won or
 * lost), a share held for capture at shipment then shipped or cancelled, a share refunded through
 * Monstock's refund requests (chaos/merchantFlows.ts). Every choice comes from the seeded
 * generator (chaos/orderPlan.ts). What the shop does is written to its ledger (chaos/ledger.ts)
 * as it happens: the checker's expectation starts from there.
 */

/** One merchant the shop sells through: its Monstock tenant, its Stripe account and its customers there. */
export interface DriverMerchant {
  monstock: MonstockClient;
  stripe: Stripe;
  customers: readonly string[];
}

export interface DriverOptions extends DriverMerchant {
  /** Several merchants: order i goes to merchants[i % length] (round-robin); unset: the one above. */
  merchants?: readonly DriverMerchant[];
  runId: string;
  concurrency: number;
  /** Spread the orders over at least this long (so the faults meet orders in flight); 0: as fast as possible. */
  minDriveMs?: number;
  onOrderDone: (entry: LedgerEntry, done: number) => void;
}

export async function driveOrders(plans: readonly OrderPlan[], options: DriverOptions): Promise<LedgerEntry[]> {
  const ledger: LedgerEntry[] = new Array(plans.length);
  let nextIndex = 0;
  let done = 0;
  const startedAt = Date.now();
  const spacingMs = (options.minDriveMs ?? 0) / Math.max(1, plans.length);
  const lane = async () => {
    for (;;) {
      const index = nextIndex;
      nextIndex += 1;
      if (index >= plans.length) return;
      const notBefore = startedAt + index * spacingMs;
      if (notBefore > Date.now()) await new Promise((resolve) => setTimeout(resolve, notBefore - Date.now()));
      const entry = await driveOne(index, plans[index]!, options);
      ledger[index] = entry;
      done += 1;
      options.onOrderDone(entry, done);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency) }, lane));
  return ledger;
}

async function driveOne(index: number, plan: OrderPlan, options: DriverOptions): Promise<LedgerEntry> {
  const merchants = options.merchants ?? [options];
  const { stripe, monstock, customers } = merchants[index % merchants.length]!;
  // Each merchant's own orders cycle through its customers (one merchant: order i, customer i).
  const customerId = customers[Math.floor(index / merchants.length) % customers.length]!;
  const reference = `CH-${options.runId}-${index + 1}`;
  const lines = linesFor(plan, `SKU-${(index % 7) + 1}`);
  const paymentCapture = plan.capture ? 'on_shipment' : 'automatic';
  // Monstock may be answering 5xx or 429 right now: the shop retries like any client would.
  const order = await monstockRetry(
    async () =>
      (await monstock.listOrders({ reference })).data[0] ??
      monstock.createOrder({ reference, customerId, currency: 'EUR', lines, paymentCapture }),
  );
  const entry: LedgerEntry = {
    orderId: order.id,
    reference,
    totalAmount: lines.reduce((sum, line) => sum + line.quantity * line.unitAmount, 0),
    currency: 'EUR',
    intents: [],
    story: storyOf(plan),
  };
  const metadata = { monstock_order_id: order.id };
  const idem = (step: string) => ({ idempotencyKey: `chaos-${options.runId}-${index}-${step}` });
  const paymentMethod = plan.dispute === 'none' ? 'pm_card_visa' : 'pm_card_createDispute';
  // Held for capture at shipment: confirming only authorises; the connector captures or releases.
  const captureMethod = plan.capture ? 'manual' : 'automatic';
  const created = await stripe.paymentIntents.create(
    plan.declinedFirst
      ? { amount: plan.amount, currency: 'eur', capture_method: captureMethod, metadata }
      : {
          amount: plan.amount,
          currency: 'eur',
          capture_method: captureMethod,
          payment_method: paymentMethod,
          confirm: true,
          metadata,
        },
    idem('create'),
  );
  const ledgerIntent: LedgerIntent = {
    id: created.id,
    metadata: { ...metadata },
    amount: plan.amount,
    currency: 'eur',
    paymentMethod,
    status: created.status,
    declines: [],
    refunds: [],
    disputes: [],
    ...(plan.capture ? { captureMethod: 'manual' as const } : {}),
  };
  entry.intents.push(ledgerIntent);
  if (plan.declinedFirst) {
    const declinedWith = 'pm_card_chargeDeclined';
    await stripe.paymentIntents.confirm(created.id, { payment_method: declinedWith }, idem('declined')).then(
      () => {
        throw new Error(`${created.id}: ${declinedWith} was not declined`);
      },
      (error: unknown) => {
        if (!(error instanceof Stripe.errors.StripeCardError)) throw error;
        ledgerIntent.declines.push({ chargeId: error.charge, paymentMethod: declinedWith });
      },
    );
    const paid = await stripe.paymentIntents.confirm(created.id, { payment_method: paymentMethod }, idem('paid'));
    ledgerIntent.status = paid.status;
  }
  for (const [step, amount] of plan.refunds.entries()) {
    const refund = await stripe.refunds.create({ payment_intent: created.id, amount }, idem(`refund-${step}`));
    ledgerIntent.refunds.push({ id: refund.id, amount, status: refund.status ?? 'pending' });
  }
  if (plan.dispute !== 'none') {
    // The test card's dispute opens shortly after the payment: the shop learns its id to keep it.
    const dispute = await openedDispute(stripe, created.id);
    if (plan.dispute === 'won' || plan.dispute === 'lost') {
      await stripe.disputes.update(
        dispute.id,
        {
          evidence: { uncategorized_text: plan.dispute === 'won' ? 'winning_evidence' : 'losing_evidence' },
          submit: true,
        },
        idem('evidence'),
      );
    }
    ledgerIntent.disputes.push({ id: dispute.id, outcome: plan.dispute });
  }
  await shipOrCancel(monstock, entry, plan, lines);
  await askRefunds(monstock, entry, plan, `chaos-${options.runId}-${index}`);
  return entry;
}

async function openedDispute(stripe: Stripe, paymentIntentId: string): Promise<Stripe.Dispute> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const [dispute] = (await stripe.disputes.list({ payment_intent: paymentIntentId, limit: 1 })).data;
    if (dispute) return dispute;
    if (Date.now() > deadline) throw new Error(`no dispute opened on ${paymentIntentId} within 30 s`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
