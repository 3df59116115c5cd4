import Stripe from 'stripe';
import type { MonstockClient } from '../src/monstock/client';
import { MonstockApiError } from '../src/monstock/errors';
import type { LedgerEntry, LedgerIntent } from './ledger';
import type { Random } from './random';

export type { LedgerEntry } from './ledger';

/**
 * The shop and its buyers: orders registered in Monstock and paid through Stripe with the shop's
 * own payment intents (`metadata.monstock_order_id`); a share declined once before paying, a
 * share refunded (in full, in part, twice in part), a share disputed (some disputes then won or
 * lost). Every choice comes from the seeded generator. What the shop does is written to its
 * ledger (chaos/ledger.ts) as it happens: the checker's expectation starts from there.
 */

export interface OrderPlan {
  amount: number;
  declinedFirst: boolean;
  dispute: 'none' | 'open' | 'won' | 'lost';
  refunds: number[];
}

/** Pure: what happens to order `index`. */
export function planOrder(random: Random): OrderPlan {
  const amount = random.int(5, 400) * 50;
  const declinedFirst = random.chance(0.1);
  const roll = random.next();
  if (roll < 0.08) {
    const outcome = random.next();
    return { amount, declinedFirst, dispute: outcome < 0.5 ? 'open' : outcome < 0.75 ? 'won' : 'lost', refunds: [] };
  }
  if (roll < 0.18) return { amount, declinedFirst, dispute: 'none', refunds: [amount] };
  if (roll < 0.33) return { amount, declinedFirst, dispute: 'none', refunds: [Math.floor(amount / 3)] };
  if (roll < 0.38)
    return { amount, declinedFirst, dispute: 'none', refunds: [Math.floor(amount / 4), Math.floor(amount / 5)] };
  return { amount, declinedFirst, dispute: 'none', refunds: [] };
}

export function storyOf(plan: OrderPlan): string {
  const parts = [plan.declinedFirst ? 'declined, then paid' : 'paid'];
  if (plan.refunds.length === 1) parts.push(plan.refunds[0] === plan.amount ? 'refunded in full' : 'refunded in part');
  if (plan.refunds.length > 1) parts.push(`refunded in part ${plan.refunds.length} times`);
  if (plan.dispute !== 'none') parts.push(`disputed${plan.dispute === 'open' ? '' : `, ${plan.dispute}`}`);
  return parts.join(', ');
}

export interface DriverOptions {
  monstock: MonstockClient;
  stripe: Stripe;
  customers: readonly string[];
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
  const { stripe, monstock } = options;
  const customerId = options.customers[index % options.customers.length]!;
  const reference = `CH-${options.runId}-${index + 1}`;
  const lines = [{ sku: `SKU-${(index % 7) + 1}`, quantity: 1, unitAmount: plan.amount }];
  // Monstock may be answering 5xx or 429 right now: the shop retries like any client would.
  const order = await monstockRetry(
    async () =>
      (await monstock.listOrders({ reference })).data[0] ??
      monstock.createOrder({ reference, customerId, currency: 'EUR', lines }),
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
  const created = await stripe.paymentIntents.create(
    plan.declinedFirst
      ? { amount: plan.amount, currency: 'eur', metadata }
      : { amount: plan.amount, currency: 'eur', payment_method: paymentMethod, confirm: true, metadata },
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

export async function monstockRetry<T>(call: () => Promise<T>, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await call();
    } catch (error) {
      const retryable = !(error instanceof MonstockApiError) || error.retryable;
      if (!retryable || Date.now() > deadline) throw error;
      const wait =
        error instanceof MonstockApiError && error.retryAfterMs !== undefined
          ? error.retryAfterMs
          : Math.min(100 * 2 ** attempt, 2000);
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}
