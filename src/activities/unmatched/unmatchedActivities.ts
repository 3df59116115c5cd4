import type Stripe from 'stripe';
import type { OrderMatcher } from '../../matching/orderMatcher';
import type { MonstockClient } from '../../monstock/client';
import type { StripeEventRef } from '../../shared/orderPayment';
import { tagIntentWithOrder } from '../../stripe/orderIntents';
import { withActivityFailures } from '../failures';

/** Hands an event to an order's workflow (signal-with-start); the worker wires it to Temporal. */
export type DeliverToOrder = (connectionId: string, orderId: string, event: StripeEventRef) => Promise<void>;

export interface UnmatchedClients {
  stripe: Stripe;
  monstock: MonstockClient;
  matcher: OrderMatcher;
  deliverToOrder: DeliverToOrder;
}

export function createUnmatchedActivities(clients: UnmatchedClients) {
  return {
    /** Tries the match rules again, or checks the order an operator named. */
    async matchUnmatchedPayment(input: {
      paymentIntentId: string;
      hintOrderId?: string;
    }): Promise<{ orderId?: string; reason: string }> {
      return withActivityFailures(async () => {
        if (input.hintOrderId) {
          const order = await clients.monstock.findOrder(input.hintOrderId);
          if (order) return { orderId: order.id, reason: 'named by an operator' };
          return { reason: `the order ${input.hintOrderId} named by an operator does not exist` };
        }
        const outcome = await clients.matcher.matchPaymentIntentId(input.paymentIntentId);
        if (outcome.kind === 'order') return { orderId: outcome.orderId, reason: `matched by ${outcome.via}` };
        return { reason: outcome.reason };
      });
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
