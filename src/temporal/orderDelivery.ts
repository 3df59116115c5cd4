import type { Client } from '@temporalio/client';
import { orderWorkflowId, unmatchedPaymentWorkflowId } from '../shared/ids';
import {
  monstockOrderSignal,
  ORDER_PAYMENT_WORKFLOW_TYPE,
  type MonstockOrderRef,
  stripeEventSignal,
  UNMATCHED_PAYMENT_WORKFLOW_TYPE,
  type OrderPaymentWorkflowInput,
  type StripeEventRef,
  type UnmatchedPaymentWorkflowInput,
} from '../shared/orderPayment';
import { ConnectionId, MonstockOrderId } from '../shared/searchAttributes';

/** Set with the start itself: an upsert from the workflow would be one more billed action per order. */
function orderSearchAttributes(connectionId: string, orderId: string) {
  return { typedSearchAttributes: [{ key: ConnectionId, value: connectionId }, { key: MonstockOrderId, value: orderId }] };
}

/**
 * The one way an event reaches a workflow: signal-with-start by workflow type name, so starters
 * and activities never import workflow code, and an order's first event starts its workflow.
 */
export interface WorkflowDelivery {
  toOrder(connectionId: string, orderId: string, event: StripeEventRef): Promise<void>;
  toUnmatched(connectionId: string, paymentIntentId: string, reason: string, event: StripeEventRef): Promise<void>;
  orderChanged(connectionId: string, change: MonstockOrderRef): Promise<void>;
}

export function createWorkflowDelivery(options: { client: Client; taskQueue: string; idleWindow: string }): WorkflowDelivery {
  const { client, taskQueue } = options;
  return {
    async toOrder(connectionId, orderId, event) {
      const input: OrderPaymentWorkflowInput = { connectionId, orderId, idleWindow: options.idleWindow };
      await client.workflow.signalWithStart(ORDER_PAYMENT_WORKFLOW_TYPE, {
        workflowId: orderWorkflowId(connectionId, orderId),
        taskQueue,
        args: [input],
        signal: stripeEventSignal,
        signalArgs: [event],
        staticSummary: `Payments of Monstock order ${orderId}`,
        ...orderSearchAttributes(connectionId, orderId),
      });
    },
    async orderChanged(connectionId, change) {
      const input: OrderPaymentWorkflowInput = { connectionId, orderId: change.orderId, idleWindow: options.idleWindow };
      await client.workflow.signalWithStart(ORDER_PAYMENT_WORKFLOW_TYPE, {
        workflowId: orderWorkflowId(connectionId, change.orderId),
        taskQueue,
        args: [input],
        signal: monstockOrderSignal,
        signalArgs: [change],
        staticSummary: `Payments of Monstock order ${change.orderId}`,
        ...orderSearchAttributes(connectionId, change.orderId),
      });
    },
    async toUnmatched(connectionId, paymentIntentId, reason, event) {
      const input: UnmatchedPaymentWorkflowInput = { connectionId, paymentIntentId, reason };
      await client.workflow.signalWithStart(UNMATCHED_PAYMENT_WORKFLOW_TYPE, {
        workflowId: unmatchedPaymentWorkflowId(connectionId, paymentIntentId),
        taskQueue,
        args: [input],
        signal: stripeEventSignal,
        signalArgs: [event],
        staticSummary: `Unmatched Stripe payment ${paymentIntentId}`,
      });
    },
  };
}
