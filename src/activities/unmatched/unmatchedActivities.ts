import type Stripe from 'stripe';
import type { OrderMatcher } from '../../matching/orderMatcher';
import type { MonstockClient } from '../../monstock/client';
import type { StripeEventRef } from '../../shared/orderPayment';
import { isStripeNotFound } from '../../stripe/missing';
import { tagIntentWithOrder } from '../../stripe/orderIntents';
import { withActivityFailures } from '../failures';

/**
 * One look at an unmatched payment: the order if one is found now, else what Stripe says of the
 * intent, so the workflow can tell a payment that never moved money (closed), another channel's
 * (closed), one Stripe does not know (closed), from one that moved money and needs its order.
 */
export interface UnmatchedReview {
  orderId?: string;
  reason: string;
  /** The intent as read at this look (absent when an operator named the order). */
  intent?: { status: string; created: number; moneyMoved: boolean };
  /** Another channel's payment: why (an invoice's, an ignore rule's). */
  notOurs?: string;
  /** Stripe answers 404 for the intent. */
  missing?: boolean;
  /** When this look read (ms since the epoch): the workflow's only clock, so its history holds it. */
  reviewedAt: number;
}

/** Intent statuses in which money moved or is moving. */
const MONEY_STATUSES = new Set(['succeeded', 'processing', 'requires_capture']);
/** Charge statuses in which money moved or is moving. */
const CHARGE_MONEY_STATUSES = new Set(['succeeded', 'pending']);

/** Whether the intent ever moved (or is moving) money, from the intent and its latest charge. */
export function intentMovedMoney(intent: Stripe.PaymentIntent): boolean {
  if (intent.amount_received > 0 || MONEY_STATUSES.has(intent.status)) return true;
  const charge = intent.latest_charge;
  return typeof charge === 'object' && charge !== null && (CHARGE_MONEY_STATUSES.has(charge.status) || charge.paid);
}

/** The invoice an intent pays, when it pays one (the field Stripe set on intents of invoices). */
function invoiceOf(intent: Stripe.PaymentIntent): string | undefined {
  const invoice = (intent as unknown as { invoice?: unknown }).invoice;
  if (typeof invoice === 'string' && invoice) return invoice;
  if (typeof invoice === 'object' && invoice !== null && typeof (invoice as { id?: unknown }).id === 'string')
    return (invoice as { id: string }).id;
  return undefined;
}

/** Hands an event to an order's workflow (signal-with-start); the worker wires it to Temporal. */
export type DeliverToOrder = (connectionId: string, orderId: string, event: StripeEventRef) => Promise<void>;

export interface UnmatchedClients {
  stripe: Stripe;
  monstock: MonstockClient;
  matcher: OrderMatcher;
  deliverToOrder: DeliverToOrder;
}

export function createUnmatchedActivities(clients: UnmatchedClients) {
  /** An operator's word is taken as it is, once the order exists. */
  async function orderNamedByOperator(orderId: string): Promise<{ orderId?: string; reason: string }> {
    const order = await clients.monstock.findOrder(orderId);
    if (order) return { orderId: order.id, reason: 'named by an operator' };
    return { reason: `the order ${orderId} named by an operator does not exist` };
  }

  /** One look, without its time (the activity stamps it). */
  async function look(input: {
    paymentIntentId: string;
    hintOrderId?: string;
  }): Promise<Omit<UnmatchedReview, 'reviewedAt'>> {
    if (input.hintOrderId) return orderNamedByOperator(input.hintOrderId);
    let intent: Stripe.PaymentIntent;
    try {
      intent = await clients.stripe.paymentIntents.retrieve(input.paymentIntentId, { expand: ['latest_charge'] });
    } catch (error) {
      if (isStripeNotFound(error))
        return { missing: true, reason: `Stripe does not know the payment intent ${input.paymentIntentId}` };
      throw error;
    }
    const facts = { status: intent.status, created: intent.created, moneyMoved: intentMovedMoney(intent) };
    const outcome = await clients.matcher.match({ id: intent.id, metadata: { ...intent.metadata } });
    if (outcome.kind === 'order')
      return { orderId: outcome.orderId, reason: `matched by ${outcome.via}`, intent: facts };
    if (outcome.kind === 'ignored') return { reason: outcome.reason, notOurs: outcome.reason, intent: facts };
    const invoice = invoiceOf(intent);
    if (invoice) {
      const why = `it pays the Stripe invoice ${invoice} (another sales channel's)`;
      return { reason: why, notOurs: why, intent: facts };
    }
    return { reason: outcome.reason, intent: facts };
  }

  return {
    /** Tries the match rules again, or checks the order an operator named. */
    async matchUnmatchedPayment(input: {
      paymentIntentId: string;
      hintOrderId?: string;
    }): Promise<{ orderId?: string; reason: string }> {
      return withActivityFailures(async () => {
        if (input.hintOrderId) return orderNamedByOperator(input.hintOrderId);
        const outcome = await clients.matcher.matchPaymentIntentId(input.paymentIntentId);
        if (outcome.kind === 'order') return { orderId: outcome.orderId, reason: `matched by ${outcome.via}` };
        return { reason: outcome.reason };
      });
    },

    /**
     * Looks once (the bounded lifecycle's activity): with an operator's order, checks it exists;
     * else reads the intent once (its latest charge expanded) and matches it with what it says, so
     * a look costs one intent read, plus the Checkout session list when a rule needs it.
     */
    async reviewUnmatchedPayment(input: { paymentIntentId: string; hintOrderId?: string }): Promise<UnmatchedReview> {
      return withActivityFailures(async () => ({ ...(await look(input)), reviewedAt: Date.now() }));
    },

    /**
     * Marks the payment intent with its order (so later events route straight to it), then hands
     * the payment to the order's workflow. Both steps are idempotent.
     */
    async attachPaymentToOrder(input: {
      connectionId: string;
      orderId: string;
      paymentIntentId: string;
      attachedAt: number;
    }): Promise<void> {
      return withActivityFailures(async () => {
        await tagIntentWithOrder(clients.stripe, input.paymentIntentId, input.orderId);
        await clients.deliverToOrder(input.connectionId, input.orderId, {
          eventId: `attach:${input.paymentIntentId}`,
          type: 'connector.payment_attached',
          created: input.attachedAt,
          objectType: 'payment_intent',
          objectId: input.paymentIntentId,
          paymentIntentId: input.paymentIntentId,
        });
      });
    },
  };
}
