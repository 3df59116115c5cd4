import Stripe from 'stripe';
import { CONNECTOR_ORDER_ID_KEY } from '../matching/matchRules';
import { toStripeAmount, toStripeCurrency } from '../payments/money';

/**
 * Every Stripe call that keeps an order's payment intent in line with the Monstock order, in one
 * place, so the contract test replays exactly these shapes against stripe-mock. Each write has an
 * idempotency key from stable ids.
 */
export const ORDER_REFERENCE_KEY = 'monstock_order_reference';

export interface OrderForIntent {
  id: string;
  reference: string;
  currency: string;
  version: number;
}

export function retrieveIntent(stripe: Stripe, id: string): Promise<Stripe.PaymentIntent> {
  return stripe.paymentIntents.retrieve(id);
}

/** An open intent carrying the order's id: found after a crash between create and write-back. */
export async function findOpenIntentOfOrder(
  stripe: Stripe,
  orderId: string,
): Promise<Stripe.PaymentIntent | undefined> {
  const found = await stripe.paymentIntents.search({
    query: `metadata['${CONNECTOR_ORDER_ID_KEY}']:'${orderId}' AND status:'requires_payment_method'`,
    limit: 1,
  });
  return found.data[0];
}

/** Stripe's largest search page; an order with more intents than this is not one a shop makes. */
const ORDER_INTENTS_PAGE = 100;

/**
 * The ids of every intent carrying the order's id, whatever their status: what Stripe knows of
 * the order's payments even before the connector wrote any of them to Monstock (a refund request
 * made right after paying). Stripe's search lags its writes by a moment, so callers add the ids
 * they already know.
 */
export async function findIntentIdsOfOrder(stripe: Stripe, orderId: string): Promise<string[]> {
  const found = await stripe.paymentIntents.search({
    // Quoted as Stripe's query language wants: an id is data, never part of the query.
    query: `metadata['${CONNECTOR_ORDER_ID_KEY}']:'${orderId.replace(/[\\']/g, (char) => `\\${char}`)}'`,
    limit: ORDER_INTENTS_PAGE,
  });
  return found.data.map((intent) => intent.id);
}

/**
 * `amount` is in Monstock minor units (ISO 4217); Stripe gets its own unit (toStripeAmount), or the
 * call throws CurrencyAmountError before reaching Stripe for an amount Stripe cannot take exactly.
 * `captureMethod: "manual"` only authorises at payment (an order captured at shipment).
 */
export async function createOrderIntent(
  stripe: Stripe,
  order: OrderForIntent,
  customerId: string,
  amount: number,
  captureMethod: 'automatic' | 'manual' = 'automatic',
): Promise<Stripe.PaymentIntent> {
  const stripeAmount = toStripeAmount(amount, order.currency);
  return stripe.paymentIntents.create(
    {
      amount: stripeAmount,
      currency: toStripeCurrency(order.currency),
      customer: customerId,
      // Stripe's own default otherwise, so requests for ordinary orders stay as they were.
      ...(captureMethod === 'manual' ? { capture_method: 'manual' as const } : {}),
      description: `Order ${order.reference} (Monstock ${order.id})`,
      metadata: { [CONNECTOR_ORDER_ID_KEY]: order.id, [ORDER_REFERENCE_KEY]: order.reference },
    },
    {
      idempotencyKey: `monstock-stripe:intent:${order.id}:v${order.version}:${amount}${captureMethod === 'manual' ? ':manual' : ''}`,
    },
  );
}

/** `amount` in Monstock minor units, converted as for {@link createOrderIntent}. */
export async function updateIntentAmount(
  stripe: Stripe,
  intentId: string,
  amount: number,
  order: OrderForIntent,
): Promise<Stripe.PaymentIntent> {
  const stripeAmount = toStripeAmount(amount, order.currency);
  return stripe.paymentIntents.update(
    intentId,
    { amount: stripeAmount },
    { idempotencyKey: `monstock-stripe:intent-amount:${order.id}:v${order.version}` },
  );
}

export function cancelIntent(stripe: Stripe, intentId: string): Promise<Stripe.PaymentIntent> {
  return stripe.paymentIntents.cancel(
    intentId,
    { cancellation_reason: 'abandoned' },
    { idempotencyKey: `monstock-stripe:intent-cancel:${intentId}` },
  );
}

/**
 * Captures `amount` (Monstock minor units) of an authorised intent; Stripe releases the rest. Keyed
 * by intent and amount, so a retried run captures once. An intent captured already (a run that died
 * after Stripe answered) is answered `payment_intent_unexpected_state`: read again, and done if it
 * no longer waits for a capture.
 */
export async function captureIntent(
  stripe: Stripe,
  intentId: string,
  amount: number,
  currency: string,
): Promise<Stripe.PaymentIntent> {
  const amountToCapture = toStripeAmount(amount, currency);
  try {
    return await stripe.paymentIntents.capture(
      intentId,
      { amount_to_capture: amountToCapture },
      { idempotencyKey: `monstock-stripe:intent-capture:${intentId}:${amount}` },
    );
  } catch (error) {
    if (!(error instanceof Stripe.errors.StripeInvalidRequestError) || error.code !== 'payment_intent_unexpected_state')
      throw error;
    const current = await stripe.paymentIntents.retrieve(intentId);
    if (current.status === 'succeeded') return current;
    throw error;
  }
}

/** Refunds what is left of a payment, once; an intent refunded already counts as done. */
export async function refundCancelledOrderPayment(
  stripe: Stripe,
  paymentIntentId: string,
  orderId: string,
): Promise<void> {
  try {
    await stripe.refunds.create(
      {
        payment_intent: paymentIntentId,
        reason: 'requested_by_customer',
        metadata: { [CONNECTOR_ORDER_ID_KEY]: orderId, reason: 'order cancelled' },
      },
      { idempotencyKey: `monstock-stripe:cancel-refund:${paymentIntentId}` },
    );
  } catch (error) {
    if (!(error instanceof Stripe.errors.StripeInvalidRequestError) || error.code !== 'charge_already_refunded')
      throw error;
  }
}

/** Marks a payment found unmatched with its order, so later events route straight to it. */
export function tagIntentWithOrder(
  stripe: Stripe,
  paymentIntentId: string,
  orderId: string,
): Promise<Stripe.PaymentIntent> {
  return stripe.paymentIntents.update(
    paymentIntentId,
    { metadata: { [CONNECTOR_ORDER_ID_KEY]: orderId } },
    { idempotencyKey: `monstock-stripe:attach:${paymentIntentId}:${orderId}` },
  );
}
