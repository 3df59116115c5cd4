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
  /** Absent: the connection's default (`capture` in the options, from STRIPE_CAPTURE). */
  paymentCapture?: CaptureMode;
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
  /** What is authorised and not yet captured (`requires_capture`), in Monstock minor units. */
  amountCapturable?: number;
  /** What a succeeded intent took, in Monstock minor units (counted before Monstock shows it). */
  amountReceived?: number;
}

export type CaptureMode = 'automatic' | 'on_shipment';

export type IntentPlan =
  | { kind: 'nothing'; why: string }
  | { kind: 'create'; amount: number; captureMethod: 'automatic' | 'manual' }
  /**
   * Capture `amountToCapture` of an authorisation (the rest, if any, is released by the capture);
   * `balance`: what the order still needs beyond the authorisation, asked for with a new intent in
   * the same run, so nothing waits on a later Monstock event (which the lean path may drop as an echo).
   */
  | { kind: 'capture'; intentId: string; amountToCapture: number; balance?: number; why: string }
  | { kind: 'update_amount'; intentId: string; amount: number }
  | { kind: 'cancel'; intentId: string; why: string }
  | { kind: 'cancelled_after_payment'; netPaid: number };

/** Intents the customer can still pay, or that we can still change or cancel. */
const OPEN_STATUSES = new Set(['requires_payment_method', 'requires_confirmation', 'requires_action']);

export function isOpenIntent(intent: IntentFacts | undefined): intent is IntentFacts {
  return intent !== undefined && OPEN_STATUSES.has(intent.status);
}

/** An authorisation waiting to be captured (manual capture): money held, not yet taken. */
export function isAuthorisedIntent(intent: IntentFacts | undefined): boolean {
  return intent?.status === 'requires_capture';
}

/** The order has left the warehouse: an authorisation is captured now. */
function isShipped(order: OrderFacts): boolean {
  return order.status === 'shipped' || order.status === 'delivered';
}

/**
 * How a new intent takes its money: authorised only (captured at shipment) for an on_shipment
 * order not shipped yet; an order already shipped has nothing left to wait for.
 */
export function captureMethodFor(order: OrderFacts, defaultCapture: CaptureMode): 'automatic' | 'manual' {
  const mode = order.paymentCapture ?? defaultCapture;
  return mode === 'on_shipment' && !isShipped(order) ? 'manual' : 'automatic';
}

export function planIntent(
  order: OrderFacts,
  intent: IntentFacts | undefined,
  options: { createIntents: boolean; capture?: CaptureMode },
): IntentPlan {
  const netPaid = order.amountPaid - order.amountRefunded;
  const captureMethod = captureMethodFor(order, options.capture ?? 'automatic');
  if (order.status === 'cancelled') {
    if (intent && isAuthorisedIntent(intent))
      return { kind: 'cancel', intentId: intent.id, why: 'the order was cancelled: the authorisation is released' };
    if (isOpenIntent(intent)) return { kind: 'cancel', intentId: intent.id, why: 'the order was cancelled' };
    if (netPaid > 0) return { kind: 'cancelled_after_payment', netPaid };
    return { kind: 'nothing', why: 'cancelled, nothing paid' };
  }
  if (order.status === 'draft') return { kind: 'nothing', why: 'a draft order is not payable yet' };
  if (intent?.status === 'processing') return { kind: 'nothing', why: 'a payment is processing' };
  const due = order.totalAmount - order.amountPaid;
  if (intent && isAuthorisedIntent(intent)) return planAuthorised(order, intent, due);
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
  return { kind: 'create', amount: due, captureMethod };
}

/**
 * An authorisation is captured when the order ships, for what is due then: lines reduced since
 * capture less (the capture releases the rest), a total raised beyond it captures all of it and
 * asks for the balance with a new intent. Before shipment it waits, whatever the lines do.
 */
function planAuthorised(order: OrderFacts, intent: IntentFacts, due: number): IntentPlan {
  if (!isShipped(order)) return { kind: 'nothing', why: 'authorised; captured at shipment' };
  // Paid some other way meanwhile (a second card, Checkout): the hold is only released.
  if (due <= 0)
    return { kind: 'cancel', intentId: intent.id, why: 'shipped with nothing due: the authorisation is released' };
  const capturable = intent.amountCapturable ?? intent.amount;
  if (due <= capturable)
    return {
      kind: 'capture',
      intentId: intent.id,
      amountToCapture: due,
      why: due < capturable ? 'shipped: capturing the amount due, the rest is released' : 'shipped: capturing in full',
    };
  return {
    kind: 'capture',
    intentId: intent.id,
    amountToCapture: capturable,
    balance: due - capturable,
    why: 'shipped: capturing the whole authorisation, a new intent asks for the balance',
  };
}
