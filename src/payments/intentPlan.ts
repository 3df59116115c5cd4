/**
 * What Stripe must do so that an order's payment intent matches the Monstock order: a pure
 * decision on the latest order and the latest intent, so it can be tested line by line and a
 * replayed or stale event can only lead to the same answer.
 *
 * Every amount here is in Monstock minor units (ISO 4217): the caller converts the intent's Stripe
 * amount with toMonstockAmount, and createOrderIntent / updateIntentAmount convert the planned
 * amount back with toStripeAmount.
 */
export interface OrderFacts {
  status: 'draft' | 'confirmed' | 'preparing' | 'shipped' | 'delivered' | 'cancelled';
  totalAmount: number;
  amountPaid: number;
  amountRefunded: number;
  currency: string;
}

export interface IntentFacts {
  id: string;
  status: string;
  /** In Monstock minor units, converted from Stripe's (ISK 500 in Stripe is 5 here). */
  amount: number;
  currency: string;
}

export type IntentPlan =
  | { kind: 'nothing'; why: string }
  | { kind: 'create'; amount: number }
  | { kind: 'update_amount'; intentId: string; amount: number }
  | { kind: 'cancel'; intentId: string; why: string }
  | { kind: 'cancelled_after_payment'; netPaid: number };

/** Intents the customer can still pay, or that we can still change or cancel. */
const OPEN_STATUSES = new Set(['requires_payment_method', 'requires_confirmation', 'requires_action']);

export function isOpenIntent(intent: IntentFacts | undefined): intent is IntentFacts {
  return intent !== undefined && OPEN_STATUSES.has(intent.status);
}

export function planIntent(
  order: OrderFacts,
  intent: IntentFacts | undefined,
  options: { createIntents: boolean },
): IntentPlan {
  const netPaid = order.amountPaid - order.amountRefunded;
  if (order.status === 'cancelled') {
    if (isOpenIntent(intent)) return { kind: 'cancel', intentId: intent.id, why: 'the order was cancelled' };
    if (netPaid > 0) return { kind: 'cancelled_after_payment', netPaid };
    return { kind: 'nothing', why: 'cancelled, nothing paid' };
  }
  if (order.status === 'draft') return { kind: 'nothing', why: 'a draft order is not payable yet' };
  if (intent?.status === 'processing') return { kind: 'nothing', why: 'a payment is processing' };
  const due = order.totalAmount - order.amountPaid;
  if (isOpenIntent(intent)) {
    if (due <= 0) return { kind: 'cancel', intentId: intent.id, why: 'nothing is due any more' };
    if (intent.currency.toLowerCase() !== order.currency.toLowerCase())
      return { kind: 'cancel', intentId: intent.id, why: 'the order currency changed' };
    if (intent.amount !== due) return { kind: 'update_amount', intentId: intent.id, amount: due };
    return { kind: 'nothing', why: 'the open intent already asks for the amount due' };
  }
  if (due <= 0) return { kind: 'nothing', why: 'nothing is due' };
  if (!options.createIntents)
    return { kind: 'nothing', why: 'intent creation is switched off (the shop takes payment itself)' };
  return { kind: 'create', amount: due };
}
