import { CurrencyAmountError, currencyRule, toMonstockAmount, toStripeAmount, toStripeCurrency } from './money';

/**
 * What to do for one Monstock refund request, from Stripe's truth alone. Pure (no I/O, no clock),
 * so it is table-tested and the activity only reads and writes.
 *
 * Amounts of the request are Monstock minor units; everything read from Stripe is in Stripe's
 * unit. The plan works in Stripe's unit (the ask converted once, strictly) and never refunds a
 * Stripe amount the currency cannot take (ISK in whole units, three-decimal currencies in tens).
 */

/** Metadata key on every Stripe refund made for a Monstock refund request: the request's id. */
export const REFUND_REQUEST_ID_KEY = 'monstock_refund_request_id';

/** One succeeded payment intent of the order, as Stripe shows it now (Stripe units, lower-case currency). */
export interface RefundableIntent {
  paymentIntentId: string;
  /** Unix seconds: the newest intent is refunded first. */
  created: number;
  currency: string;
  /** What its charges captured. */
  captured: number;
  /** Stripe's amount_refunded, pending refunds included (failed and canceled ones are not). */
  refunded: number;
  /** Refunds already made for this request on this intent (found by their metadata). */
  refundsForRequest: ReadonlyArray<ExistingRefund>;
}

export interface ExistingRefund {
  id: string;
  amount: number;
  status: string;
  failureReason?: string;
}

export interface RefundAsk {
  id: string;
  /** Monstock minor units. */
  amount: number;
  /** Monstock's (upper case). */
  currency: string;
}

/**
 * An intent of the order whose money is on its way (Stripe shows it `processing`, `requires_action`
 * or `requires_capture`): what it will capture may make a request refundable that is not yet.
 */
export interface AwaitedIntent {
  paymentIntentId: string;
  status: string;
}

/** Intent statuses whose money may still arrive: a request waits for them rather than being rejected. */
export const AWAITED_INTENT_STATUSES: ReadonlySet<string> = new Set([
  'processing',
  'requires_action',
  'requires_capture',
]);

export type RefundPlan =
  /** Nothing was refunded for it and it cannot be: Monstock is told why. */
  | { kind: 'reject'; failureReason: string }
  /** A refund made for it failed at Stripe: the request failed with Stripe's reason. */
  | { kind: 'failed'; failureReason: string; refundIds: string[] }
  /** Refunds to create (may be none), and the ones already made for it. */
  | {
      kind: 'refund';
      create: Array<{ paymentIntentId: string; amount: number }>;
      existing: ExistingRefund[];
    }
  /**
   * Not refundable yet, but a payment of the order is still on its way: the request stays open and
   * is looked at again once that payment lands (rejecting it would lose a legitimate ask to a race).
   */
  | { kind: 'wait'; why: string; awaiting: string[] };

const LIVE = (refund: ExistingRefund) => refund.status !== 'failed' && refund.status !== 'canceled';

export function planRefund(
  ask: RefundAsk,
  orderCurrency: string,
  intents: ReadonlyArray<RefundableIntent>,
  awaited: ReadonlyArray<AwaitedIntent> = [],
): RefundPlan {
  const existing = intents.flatMap((intent) => intent.refundsForRequest);
  const failed = existing.find((refund) => refund.status === 'failed');
  if (failed)
    return {
      kind: 'failed',
      failureReason: failed.failureReason ?? 'refund_failed',
      refundIds: existing.map((refund) => refund.id),
    };
  if (ask.currency.toUpperCase() !== orderCurrency.toUpperCase())
    return { kind: 'reject', failureReason: `currency_mismatch: asked ${ask.currency}, order in ${orderCurrency}` };
  if (!Number.isInteger(ask.amount) || ask.amount <= 0)
    return { kind: 'reject', failureReason: `invalid_amount: asked ${ask.amount}` };
  let asked: number;
  try {
    asked = toStripeAmount(ask.amount, ask.currency);
  } catch (error) {
    if (error instanceof CurrencyAmountError)
      return { kind: 'reject', failureReason: `amount_not_representable: ${error.message}` };
    throw error;
  }
  const step = currencyRule(ask.currency)?.stripeStep ?? 1;
  const stripeCurrency = toStripeCurrency(ask.currency);
  const paid = intents
    .filter((intent) => intent.currency.toLowerCase() === stripeCurrency)
    .sort((a, b) => b.created - a.created || (a.paymentIntentId < b.paymentIntentId ? 1 : -1));
  const done = existing.filter(LIVE).reduce((sum, refund) => sum + refund.amount, 0);
  let remaining = Math.max(0, asked - done);
  const create: Array<{ paymentIntentId: string; amount: number }> = [];
  for (const intent of paid) {
    if (remaining === 0) break;
    // Only amounts the currency can take in Stripe (ISK in whole units, KWD in tens).
    const available = roundDown(Math.max(0, intent.captured - intent.refunded), step);
    const amount = Math.min(available, remaining);
    if (amount <= 0) continue;
    create.push({ paymentIntentId: intent.paymentIntentId, amount });
    remaining -= amount;
  }
  if (remaining > 0 && awaited.length > 0) {
    const ids = awaited.map((intent) => intent.paymentIntentId);
    return {
      kind: 'wait',
      why: `not refundable yet: waiting for ${awaited.map((intent) => `${intent.paymentIntentId} (${intent.status})`).join(', ')}`,
      awaiting: ids,
    };
  }
  if (remaining > 0) {
    const refundable = shown(asked - remaining - done, ask.currency);
    const reason =
      paid.length === 0
        ? `nothing_paid: asked ${ask.amount}, refundable 0`
        : `exceeds_refundable: asked ${ask.amount}, refundable ${refundable + shown(done, ask.currency)}`;
    // A request partly refunded already (the order changed since) cannot be rejected: it failed.
    return done > 0
      ? { kind: 'failed', failureReason: reason, refundIds: existing.map((refund) => refund.id) }
      : { kind: 'reject', failureReason: reason };
  }
  return { kind: 'refund', create, existing };
}

/**
 * How a request stands once its refunds exist: `succeeded` when every one of them succeeded,
 * `failed` when one failed (Stripe's reason), else still `processing` (pending refunds: SEPA etc.).
 */
export function requestOutcome(
  refunds: ReadonlyArray<Pick<ExistingRefund, 'status' | 'failureReason'>>,
): { status: 'succeeded' | 'processing' } | { status: 'failed'; failureReason: string } {
  const failed = refunds.find((refund) => refund.status === 'failed' || refund.status === 'canceled');
  if (failed) return { status: 'failed', failureReason: failed.failureReason ?? `refund_${failed.status}` };
  if (refunds.length > 0 && refunds.every((refund) => refund.status === 'succeeded')) return { status: 'succeeded' };
  return { status: 'processing' };
}

function roundDown(amount: number, step: number): number {
  return amount - (amount % step);
}

/** A Stripe amount in Monstock units for a reason people read; the nearest unit below when it does not convert. */
function shown(stripeAmount: number, currency: string): number {
  const step = currencyRule(currency)?.stripeStep ?? 1;
  try {
    return toMonstockAmount(roundDown(stripeAmount, step), currency);
  } catch {
    return stripeAmount;
  }
}
