import type { Client } from '@temporalio/client';
import type { MatchOutcome } from '../../matching/orderMatcher';
import { orderWorkflowId, unmatchedPaymentWorkflowId } from '../../shared/ids';
import type { StripeEventRef } from '../../shared/orderPayment';
import { createWorkflowDelivery } from '../../temporal/orderDelivery';

/**
 * Hands a Stripe event to Temporal: signal-with-start of the order's workflow, or of the
 * unmatched-payment workflow, so no payment is ever dropped. Once this resolves Temporal has the
 * event durably and the webhook may answer 200; duplicates are harmless downstream.
 */
export type DeliveryOutcome = Exclude<MatchOutcome, { kind: 'ignored' }>;

export interface StripeEventDelivery {
  /** Resolves to the workflow id the event went to; rejects (Temporal unreachable, deadline) so the webhook answers 503. */
  deliver(connectionId: string, outcome: DeliveryOutcome, ref: StripeEventRef, deadline: number): Promise<string>;
}

export function createStripeEventDelivery(options: { client: Client; taskQueue: string; idleWindow: string }): StripeEventDelivery {
  const delivery = createWorkflowDelivery(options);
  const { connection } = options.client;
  return {
    async deliver(connectionId, outcome, ref, deadline) {
      // Stripe waits seconds, not minutes: the client's own retries must not outlive its patience.
      if (outcome.kind === 'order') {
        await connection.withDeadline(deadline, () => delivery.toOrder(connectionId, outcome.orderId, ref));
        return orderWorkflowId(connectionId, outcome.orderId);
      }
      await connection.withDeadline(deadline, () => delivery.toUnmatched(connectionId, ref.paymentIntentId, outcome.reason, ref));
      return unmatchedPaymentWorkflowId(connectionId, ref.paymentIntentId);
    },
  };
}
