import type Stripe from 'stripe';
import type { MonstockClient } from '../../monstock/client';
import type { Order } from '../../monstock/schemas';
import {
  isOpenIntent,
  planIntent,
  type CaptureMode,
  type IntentFacts,
  type IntentPlan,
} from '../../payments/intentPlan';
import {
  cancelIntent,
  captureIntent,
  createOrderIntent,
  findOpenIntentOfOrder,
  refundCancelledOrderPayment,
  retrieveIntent,
  updateIntentAmount,
} from '../../stripe/orderIntents';
import { toMonstockAmount } from '../../payments/money';
import { withActivityFailures } from '../failures';
import { withAmountFailures } from './amountFailures';
import { summariseOrder, type OrderPaymentSummary } from './recordMovement';
import { stripeCustomerForOrder } from './stripeCustomerForOrder';

export interface OrderSettings {
  /** Off for shops that take payment themselves: matching still works, no intent is created. */
  createPaymentIntents: boolean;
  /** Refund an order cancelled after payment without asking a person. */
  autoRefundCancelled: boolean;
  /** For orders without their own paymentCapture (STRIPE_CAPTURE); automatic when unset. */
  capture?: CaptureMode;
}

export interface AlignResult {
  order: OrderPaymentSummary;
  /** The version the plan was made on (order.version is after our own write, if any). */
  versionRead: number;
  /** false when Monstock still shows an older version than the workflow already applied. */
  applied: boolean;
  plan: IntentPlan['kind'];
  why?: string;
  paymentIntentId?: string;
  /** The authorisation captured by this run (`plan: "capture"`); paymentIntentId is the balance's intent, if any. */
  capturedIntentId?: string;
  /** Writes this run made to the order (the new intent's id written back): each adds one version. */
  ownWrites?: number;
  cancelledAfterPayment?: { netPaid: number; refunded: boolean };
}

/**
 * Makes Stripe match the Monstock order as it is now: one payment intent for the amount due, in
 * the order's currency, for its customer, with the order's id and reference in metadata, its id
 * written back to the order. Every write has an idempotency key from the order id and version.
 */
export function createAlignStripeWithOrder(clients: {
  monstock: MonstockClient;
  stripe: Stripe;
  orderSettings?: OrderSettings;
}) {
  const settings = clients.orderSettings ?? { createPaymentIntents: true, autoRefundCancelled: false };
  return async function alignStripeWithOrder(input: {
    connectionId: string;
    orderId: string;
    appliedVersion?: number;
  }): Promise<AlignResult> {
    return withAmountFailures(() => withActivityFailures(() => align(input)));
  };

  async function align(input: {
    connectionId: string;
    orderId: string;
    appliedVersion?: number;
  }): Promise<AlignResult> {
    let order = await clients.monstock.getOrder(input.orderId);
    if (input.appliedVersion !== undefined && order.version < input.appliedVersion) {
      return {
        order: summariseOrder(order),
        versionRead: order.version,
        applied: false,
        plan: 'nothing',
        why: 'Monstock answered an older version',
      };
    }
    const intent = await currentIntent(order);
    const plan = planIntent(paidAsStripeShows(order, intent), intent, {
      createIntents: settings.createPaymentIntents,
      capture: settings.capture ?? 'automatic',
    });
    const result: AlignResult = {
      order: summariseOrder(order),
      versionRead: order.version,
      applied: true,
      plan: plan.kind,
      ...('why' in plan ? { why: plan.why } : {}),
    };
    switch (plan.kind) {
      case 'create': {
        const created = await createIntent(input.connectionId, order, plan.amount, plan.captureMethod);
        order = await clients.monstock.updateOrder(order.id, { externalRefs: { stripePaymentIntentId: created.id } });
        return { ...result, order: summariseOrder(order), paymentIntentId: created.id, ownWrites: 1 };
      }
      case 'capture': {
        await captureIntent(clients.stripe, plan.intentId, plan.amountToCapture, intent?.currency ?? order.currency);
        if (plan.balance === undefined)
          return { ...result, paymentIntentId: plan.intentId, capturedIntentId: plan.intentId };
        // In this run, not on a later order event: the lean path may drop that event as our own echo.
        const created = await createIntent(input.connectionId, order, plan.balance, 'automatic');
        order = await clients.monstock.updateOrder(order.id, { externalRefs: { stripePaymentIntentId: created.id } });
        return {
          ...result,
          order: summariseOrder(order),
          paymentIntentId: created.id,
          capturedIntentId: plan.intentId,
          ownWrites: 1,
        };
      }
      case 'update_amount':
        await updateIntentAmount(clients.stripe, plan.intentId, plan.amount, order);
        return { ...result, paymentIntentId: plan.intentId };
      case 'cancel':
        await cancelIntent(clients.stripe, plan.intentId);
        return { ...result, paymentIntentId: plan.intentId };
      case 'cancelled_after_payment': {
        const refunded = settings.autoRefundCancelled ? await refundAll(order) : false;
        return { ...result, cancelledAfterPayment: { netPaid: plan.netPaid, refunded } };
      }
      case 'nothing':
        return { ...result, ...(intent ? { paymentIntentId: intent.id } : {}) };
    }
  }

  /**
   * The order's intent: the one written back to it, else an open one carrying its id (a crash between create and
   * write-back).
   */
  async function currentIntent(order: Order): Promise<IntentFacts | undefined> {
    const id = order.externalRefs.stripePaymentIntentId;
    const written = id ? await retrieveIntent(clients.stripe, id) : undefined;
    if (written && (written.status === 'requires_capture' || isOpenIntent(facts(written)))) return facts(written);
    const held = await heldAuthorisation(order);
    if (held) return facts(held);
    if (written) return facts(written);
    const open = await findOpenIntentOfOrder(clients.stripe, order.id);
    return open ? facts(open) : undefined;
  }

  /**
   * An authorisation Monstock shows for the order that Stripe still holds: one the shop's own
   * checkout made (never written back as the order's intent) is captured at shipment or released
   * at cancellation all the same. Stripe is read only when Monstock shows one authorised.
   */
  async function heldAuthorisation(order: Order): Promise<Stripe.PaymentIntent | undefined> {
    const authorised = order.payments.filter(
      (payment) =>
        payment.kind === 'payment' &&
        payment.status === 'authorized' &&
        payment.transactionRef.startsWith('pi_') &&
        payment.transactionRef !== order.externalRefs.stripePaymentIntentId,
    );
    for (const payment of authorised) {
      const intent = await retrieveIntent(clients.stripe, payment.transactionRef);
      if (intent.status === 'requires_capture') return intent;
    }
    return undefined;
  }

  async function createIntent(
    connectionId: string,
    order: Order,
    amount: number,
    captureMethod: 'automatic' | 'manual',
  ): Promise<Stripe.PaymentIntent> {
    const customer = await stripeCustomerForOrder(clients, connectionId, order.customerId);
    return createOrderIntent(clients.stripe, order, customer, amount, captureMethod);
  }

  /** Refunds what is left of every succeeded payment intent on the order, each once. */
  async function refundAll(order: Order): Promise<boolean> {
    const paid = order.payments.filter(
      (payment) =>
        payment.kind === 'payment' && payment.status === 'succeeded' && payment.transactionRef.startsWith('pi_'),
    );
    for (const payment of paid) await refundCancelledOrderPayment(clients.stripe, payment.transactionRef, order.id);
    return paid.length > 0;
  }
}

/** The intent as planIntent compares it with the order: its amounts in Monstock minor units. */
function facts(intent: Stripe.PaymentIntent): IntentFacts {
  return {
    id: intent.id,
    status: intent.status,
    amount: toMonstockAmount(intent.amount, intent.currency),
    currency: intent.currency,
    ...(intent.status === 'succeeded'
      ? { amountReceived: toMonstockAmount(intent.amount_received, intent.currency) }
      : {}),
    ...(intent.status === 'requires_capture'
      ? { amountCapturable: toMonstockAmount(intent.amount_capturable, intent.currency) }
      : {}),
  };
}

/**
 * The order with the current intent's payment counted even when Monstock does not show it yet: a
 * run retried after it captured (and before the sync wrote the payment) must not ask for the
 * captured amount again, and asks for the same balance, so the same idempotency key answers.
 */
function paidAsStripeShows(order: Order, intent: IntentFacts | undefined): Order {
  if (!intent || intent.status !== 'succeeded' || intent.amountReceived === undefined) return order;
  const shown = order.payments.some(
    (payment) => payment.kind === 'payment' && payment.transactionRef === intent.id && payment.status === 'succeeded',
  );
  return shown ? order : { ...order, amountPaid: order.amountPaid + intent.amountReceived };
}
