import type Stripe from 'stripe';
import { CONNECTOR_ORDER_ID_KEY } from '../../matching/matchRules';
import {
  AWAITED_INTENT_STATUSES,
  REFUND_REQUEST_ID_KEY,
  type AwaitedIntent,
  type ExistingRefund,
  type RefundableIntent,
} from '../../payments/refundPlan';

/** The Stripe calls of refund requests: one read per intent, one idempotent create per refund. */

/** One intent of the order as a refund request sees it: money to refund, money on its way, or neither. */
export type OrderIntentForRefund =
  { kind: 'refundable'; intent: RefundableIntent } | { kind: 'awaited'; intent: AwaitedIntent } | { kind: 'none' };

/**
 * A succeeded intent with its charges and refunds; an intent whose money is still on its way
 * (processing, requires_action, requires_capture) as awaited; any other status has nothing to
 * refund. Refunded counts pending refunds: Stripe's amount_refunded, or the live refunds when
 * they say more (a refund made a moment ago).
 */
export async function readOrderIntentForRefund(
  stripe: Stripe,
  paymentIntentId: string,
  requestId: string,
): Promise<OrderIntentForRefund> {
  const [intent, charges, refunds] = await Promise.all([
    stripe.paymentIntents.retrieve(paymentIntentId),
    stripe.charges.list({ payment_intent: paymentIntentId, limit: 100 }),
    stripe.refunds.list({ payment_intent: paymentIntentId, limit: 100 }),
  ]);
  if (AWAITED_INTENT_STATUSES.has(intent.status))
    return { kind: 'awaited', intent: { paymentIntentId, status: intent.status } };
  if (intent.status !== 'succeeded') return { kind: 'none' };
  const succeeded = charges.data.filter((charge) => charge.status === 'succeeded');
  const captured = succeeded.reduce((sum, charge) => sum + charge.amount_captured, 0);
  const chargesRefunded = succeeded.reduce((sum, charge) => sum + charge.amount_refunded, 0);
  const liveRefunded = refunds.data
    .filter((refund) => refund.status !== 'failed' && refund.status !== 'canceled')
    .reduce((sum, refund) => sum + refund.amount, 0);
  return {
    kind: 'refundable',
    intent: {
      paymentIntentId,
      created: intent.created,
      currency: intent.currency,
      captured,
      refunded: Math.max(chargesRefunded, liveRefunded),
      refundsForRequest: refunds.data
        .filter((refund) => refund.metadata?.[REFUND_REQUEST_ID_KEY] === requestId)
        .map(existingRefund),
    },
  };
}

/** Keyed by request and intent: a retry within Stripe's window answers the same refund. */
export async function createRequestRefund(
  stripe: Stripe,
  refund: { paymentIntentId: string; amount: number; requestId: string; orderId: string },
): Promise<ExistingRefund> {
  const created = await stripe.refunds.create(
    {
      payment_intent: refund.paymentIntentId,
      amount: refund.amount,
      reason: 'requested_by_customer',
      metadata: { [REFUND_REQUEST_ID_KEY]: refund.requestId, [CONNECTOR_ORDER_ID_KEY]: refund.orderId },
    },
    { idempotencyKey: `refund-request:${refund.requestId}:${refund.paymentIntentId}` },
  );
  return existingRefund(created);
}

function existingRefund(refund: Stripe.Refund): ExistingRefund {
  return {
    id: refund.id,
    amount: refund.amount,
    status: refund.status ?? 'pending',
    ...(refund.failure_reason ? { failureReason: refund.failure_reason } : {}),
  };
}
