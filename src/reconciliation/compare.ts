import type { Order, Payment } from '../monstock/schemas';
import { movementsFromStripe } from '../payments/movementsFromStripe';
import { CurrencyAmountError, toMonstockAmount, toMonstockCurrency } from '../payments/money';
import type { PaymentIntentSnapshot } from '../payments/paymentIntentSnapshot';
import type { PaymentMovement } from '../shared/orderPayment';
import type { FindingKind, ReconciliationFinding } from '../shared/reconciliation';
import { compareTimeBound, isNotice } from './compareAuthorisations';

/**
 * The comparison, as pure functions: what Monstock should show for a payment intent is what
 * `movementsFromStripe` derives from Stripe's truth (the same function the order workflow
 * writes with), so a finding marked repairable is exactly what the order workflow will write
 * when handed the intent again, and nothing else.
 */

/** The facts of an order the comparison needs (a Monstock order fits). */
export type OrderFacts = Pick<
  Order,
  'id' | 'currency' | 'totalAmount' | 'amountPaid' | 'status' | 'payments' | 'externalRefs'
>;

export type IntentMatch =
  { kind: 'order'; order: OrderFacts } | { kind: 'unmatched'; reason: string } | { kind: 'ignored'; reason: string };

/** A finding before the run decides what to do about it. */
export type Discrepancy = Omit<ReconciliationFinding, 'action'>;

const MISSING_KIND: Record<PaymentMovement['kind'], FindingKind> = {
  payment: 'payment_missing_on_order',
  refund: 'refund_missing',
  dispute: 'dispute_missing',
};

/**
 * How far a movement has come: Monstock "behind" Stripe (a lower rank) is safe to move forward;
 * Monstock ahead of Stripe, or at another end state, is a contradiction for a person.
 */
function statusRank(status: string): number {
  return status === 'pending' || status === 'needs_response' ? 0 : 1;
}

/** Whether the intent moved money a person would expect to see somewhere. */
export function intentHasMoney(snapshot: PaymentIntentSnapshot): boolean {
  return (
    snapshot.status === 'succeeded' ||
    snapshot.status === 'processing' ||
    snapshot.charges.some((charge) => charge.status === 'succeeded' || charge.status === 'pending')
  );
}

/** Every Stripe id that can appear as a transactionRef for this intent. */
export function refsOfIntent(snapshot: PaymentIntentSnapshot): Set<string> {
  return new Set([
    snapshot.id,
    ...snapshot.charges.map((c) => c.id),
    ...snapshot.refunds.map((r) => r.id),
    ...snapshot.disputes.map((d) => d.id),
  ]);
}

function isStripeMovement(payment: Payment): boolean {
  return payment.provider === undefined || payment.provider === 'stripe';
}

/**
 * Compares one Stripe payment intent with the Monstock order it belongs to. Stripe's amounts are
 * converted to Monstock minor units first (toMonstockAmount); an amount that does not convert
 * exactly is itself a finding for a person (amount_mismatch, not repairable), never rounded.
 */
export function compareIntent(
  snapshot: PaymentIntentSnapshot,
  match: IntentMatch,
  at: { now?: number } = {},
): Discrepancy[] {
  try {
    const found = compareConverted(snapshot, match);
    // Time-bound notices need a clock: the activities pass theirs, and only orders concern a person.
    if (at.now !== undefined && match.kind === 'order')
      found.push(...compareTimeBound(snapshot, match.order.id, at.now));
    return found;
  } catch (error) {
    if (!(error instanceof CurrencyAmountError) || match.kind === 'ignored') throw error;
    return [
      {
        paymentIntentId: snapshot.id,
        ...(match.kind === 'order' ? { orderId: match.order.id } : {}),
        kind: 'amount_mismatch',
        repairable: false,
        currency: toMonstockCurrency(snapshot.currency),
        stripe: { status: snapshot.status, currency: toMonstockCurrency(snapshot.currency) },
        detail: `Stripe payment ${snapshot.id}: ${error.message}`,
      },
    ];
  }
}

function compareConverted(snapshot: PaymentIntentSnapshot, match: IntentMatch): Discrepancy[] {
  const base = { paymentIntentId: snapshot.id };
  if (match.kind === 'ignored') return [];
  if (match.kind === 'unmatched') {
    if (!intentHasMoney(snapshot)) return [];
    return [
      {
        ...base,
        kind: 'unmatched_payment',
        repairable: false,
        currency: toMonstockCurrency(snapshot.currency),
        stripe: {
          status: snapshot.status,
          amount: toMonstockAmount(snapshot.amountReceived || snapshot.amount, snapshot.currency),
          currency: toMonstockCurrency(snapshot.currency),
        },
        detail: `Stripe payment ${snapshot.id} (${snapshot.status}) belongs to no Monstock order: ${match.reason}`,
      },
    ];
  }
  const order = match.order;
  const withOrder = { ...base, orderId: order.id };
  const recorded = order.payments;
  const desired = movementsFromStripe(snapshot, recorded);
  const found: Discrepancy[] = [];

  const stripeCurrency = toMonstockCurrency(snapshot.currency);
  if (
    stripeCurrency !== order.currency &&
    desired.some((m) => !recorded.some((p) => p.kind === m.kind && p.transactionRef === m.transactionRef))
  ) {
    // Monstock refuses a movement in another currency than the order's: a person decides.
    return [
      {
        ...withOrder,
        kind: 'currency_mismatch',
        repairable: false,
        currency: stripeCurrency,
        stripe: {
          status: snapshot.status,
          amount: toMonstockAmount(snapshot.amount, snapshot.currency),
          currency: stripeCurrency,
        },
        monstock: { currency: order.currency },
        detail: `Stripe payment ${snapshot.id} is in ${stripeCurrency}, Monstock order ${order.id} in ${order.currency}`,
      },
    ];
  }

  for (const movement of desired) {
    const existing = recorded.find((p) => p.kind === movement.kind && p.transactionRef === movement.transactionRef);
    const facts = {
      ...withOrder,
      transactionRef: movement.transactionRef,
      movementKind: movement.kind,
      currency: movement.currency,
      stripe: { status: movement.status, amount: movement.amount, currency: movement.currency },
    };
    if (!existing) {
      // A declined attempt nobody wrote down moves no money: still Stripe's truth, written on repair.
      found.push({
        ...facts,
        kind: MISSING_KIND[movement.kind],
        repairable: true,
        detail: `${movement.kind} ${movement.transactionRef} (${movement.status}, ${movement.amount} ${movement.currency}) is not on Monstock order ${order.id}`,
      });
      continue;
    }
    const monstock = { status: existing.status, amount: existing.amount, currency: existing.currency };
    if (movement.kind === 'payment' && existing.status === 'authorized' && movement.status !== 'authorized') {
      // The hold ended at Stripe (lapsed, released or captured, perhaps for less): Monstock is behind,
      // and the order workflow writes Stripe's end of it (amount included) when handed the intent.
      found.push({
        ...facts,
        monstock,
        kind: 'authorization_expired',
        repairable: true,
        detail: `Monstock shows authorisation ${movement.transactionRef} still held; Stripe shows it ${movement.status}${movement.failureReason ? ` (${movement.failureReason})` : ''}`,
      });
      continue;
    }
    if (existing.currency !== movement.currency) {
      found.push({
        ...facts,
        monstock,
        kind: 'currency_mismatch',
        repairable: false,
        detail: `${movement.kind} ${movement.transactionRef}: Stripe ${movement.currency}, Monstock ${existing.currency}`,
      });
      continue;
    }
    if (existing.amount !== movement.amount) {
      found.push({
        ...facts,
        monstock,
        kind: 'amount_mismatch',
        repairable: false,
        detail: `${movement.kind} ${movement.transactionRef}: Stripe ${movement.amount}, Monstock ${existing.amount} ${existing.currency}`,
      });
      continue;
    }
    if (existing.status !== movement.status) {
      if (movement.kind === 'payment' && existing.status === 'succeeded') {
        found.push({
          ...facts,
          monstock,
          kind: 'paid_without_stripe_money',
          repairable: false,
          detail: `Monstock shows ${movement.transactionRef} succeeded; Stripe shows it ${movement.status}`,
        });
      } else {
        const behind = statusRank(existing.status) < statusRank(movement.status);
        found.push({
          ...facts,
          monstock,
          kind: 'status_mismatch',
          repairable: behind,
          // The failed payment's reason (a declined card, a failed 3-D Secure) is what a person acts on.
          detail: `${movement.kind} ${movement.transactionRef}: Stripe ${movement.status}${movement.failureReason ? ` (${movement.failureReason})` : ''}, Monstock ${existing.status}${behind ? '' : ' (Monstock ahead of Stripe)'}`,
        });
      }
      continue;
    }
    if (movement.pendingReason !== undefined && existing.pendingReason !== movement.pendingReason) {
      // Pending on both sides, but Monstock gives the wrong (or no) reason: behind, written on repair.
      found.push({
        ...facts,
        monstock,
        kind: 'status_mismatch',
        repairable: true,
        detail: `${movement.kind} ${movement.transactionRef}: Stripe pending (${movement.pendingReason}), Monstock pending (${existing.pendingReason ?? 'no reason'})`,
      });
      continue;
    }
    if (movement.feeAmount !== undefined && existing.feeAmount === undefined) {
      found.push({
        ...facts,
        monstock,
        kind: 'fee_missing',
        repairable: true,
        detail: `${movement.kind} ${movement.transactionRef}: Stripe's fee ${movement.feeAmount} is not on Monstock`,
      });
      continue;
    }
    if (movement.settlementCurrency !== undefined && existing.settlementCurrency !== movement.settlementCurrency) {
      // Stripe converted: without the currency named, fee and net read as the payment's currency.
      found.push({
        ...facts,
        monstock,
        kind: 'fee_missing',
        repairable: true,
        detail: `${movement.kind} ${movement.transactionRef}: fee and net are in ${movement.settlementCurrency} (Stripe converted), Monstock names ${existing.settlementCurrency ?? 'no settlement currency'}`,
      });
    }
  }

  // What Monstock shows for this intent that Stripe's truth does not contain.
  const refs = refsOfIntent(snapshot);
  for (const payment of recorded) {
    if (!refs.has(payment.transactionRef) || !isStripeMovement(payment)) continue;
    if (desired.some((m) => m.kind === payment.kind && m.transactionRef === payment.transactionRef)) continue;
    const monstock = { status: payment.status, amount: payment.amount, currency: payment.currency };
    const facts = {
      ...withOrder,
      transactionRef: payment.transactionRef,
      movementKind: payment.kind,
      currency: payment.currency,
      monstock,
      stripe: { status: snapshot.status },
    };
    if (payment.kind === 'payment' && payment.status === 'succeeded') {
      found.push({
        ...facts,
        kind: 'paid_without_stripe_money',
        repairable: false,
        detail: `Monstock shows ${payment.transactionRef} succeeded; Stripe's intent ${snapshot.id} is ${snapshot.status} with no money`,
      });
    } else if (payment.status !== 'failed') {
      found.push({
        ...facts,
        kind: 'status_mismatch',
        repairable: false,
        detail: `Monstock shows ${payment.kind} ${payment.transactionRef} ${payment.status}; Stripe has no such movement now`,
      });
    }
  }
  return found;
}

/**
 * The order side: Stripe-labelled money on the order that names no payment intent Stripe could
 * back (a hand-typed reference), and an order with an amount due but no intent when the
 * connector creates intents. Payment intents the order names are returned for the caller to
 * read from Stripe and compare with `compareIntent`.
 */
export function compareOrder(
  order: OrderFacts,
  options: { checkOrderIntents: boolean },
): { found: Discrepancy[]; intentIds: string[] } {
  const found: Discrepancy[] = [];
  const intentIds = new Set<string>();
  for (const payment of order.payments) {
    if (!isStripeMovement(payment)) continue;
    if (payment.transactionRef.startsWith('pi_')) {
      intentIds.add(payment.transactionRef);
      continue;
    }
    if (payment.kind === 'payment' && payment.status === 'succeeded' && !payment.transactionRef.startsWith('ch_')) {
      found.push({
        kind: 'paid_without_stripe_money',
        repairable: false,
        orderId: order.id,
        transactionRef: payment.transactionRef,
        movementKind: 'payment',
        currency: payment.currency,
        monstock: { status: payment.status, amount: payment.amount, currency: payment.currency },
        detail: `Monstock order ${order.id} shows a succeeded Stripe payment ${payment.transactionRef} that is no Stripe payment intent`,
      });
    }
  }
  const current = order.externalRefs.stripePaymentIntentId;
  if (current) intentIds.add(current);
  const due = order.totalAmount - order.amountPaid;
  if (options.checkOrderIntents && !current && due > 0 && order.status !== 'draft' && order.status !== 'cancelled') {
    found.push({
      kind: 'order_without_intent',
      repairable: true,
      orderId: order.id,
      currency: order.currency,
      monstock: { status: order.status, amount: due, currency: order.currency },
      detail: `Monstock order ${order.id} has ${due} ${order.currency} due and no Stripe payment intent`,
    });
  }
  return { found, intentIds: [...intentIds] };
}

/** One repair per intent, and only when nothing about it is unsafe: a contradiction is never overwritten. */
export function shouldRepairIntent(found: readonly Discrepancy[]): boolean {
  // A notice (an authorisation about to lapse, an abandoned authentication) is no contradiction.
  return found.some((f) => f.repairable) && found.every((f) => f.repairable || isNotice(f));
}
