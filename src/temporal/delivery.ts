import type { Client } from '@temporalio/client';
import { WorkflowIdConflictPolicy, type SignalDefinition } from '@temporalio/common';
import type { MatchOutcome } from '../matching/orderMatcher';
import {
  CUSTOMER_SYNC_WORKFLOW_TYPE,
  customerChangedSignal,
  type CustomerChangedEvent,
  type CustomerSyncWorkflowInput,
} from '../shared/customerSync';
import { customerSyncWorkflowId, orderWorkflowId, unmatchedPaymentWorkflowId } from '../shared/ids';
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

/**
 * The one way an event reaches a workflow: signal-with-start by workflow type name, so starters
 * and activities never import workflow code, and an order's first event starts its workflow.
 * Webhook routes, the order feed, reconciliation and the unmatched-payment workflow all deliver
 * through here; once a call resolves, Temporal has the event durably.
 */

/** Where a matched Stripe event goes: its order, or the payment's unmatched workflow. */
export type MatchedOutcome = Exclude<MatchOutcome, { kind: 'ignored' }>;

export interface WorkflowDelivery {
  toOrder(connectionId: string, orderId: string, event: StripeEventRef): Promise<void>;
  toUnmatched(connectionId: string, paymentIntentId: string, reason: string, event: StripeEventRef): Promise<void>;
  /** A Stripe event after matching; resolves to the id of the workflow it went to. */
  toMatched(connectionId: string, outcome: MatchedOutcome, event: StripeEventRef): Promise<string>;
  orderChanged(connectionId: string, change: MonstockOrderRef): Promise<void>;
}

export interface WorkflowDeliveryOptions {
  client: Client;
  taskQueue: string;
  idleWindow: string;
}

/** Set with the start itself: an upsert from the workflow would be one more billed action per order. */
function orderSearchAttributes(connectionId: string, orderId: string) {
  return {
    typedSearchAttributes: [
      { key: ConnectionId, value: connectionId },
      { key: MonstockOrderId, value: orderId },
    ],
  };
}

export function createWorkflowDelivery(options: WorkflowDeliveryOptions): WorkflowDelivery {
  const { client, taskQueue } = options;
  async function toOrderWorkflow<Payload>(
    connectionId: string,
    orderId: string,
    signal: SignalDefinition<[Payload]>,
    payload: Payload,
  ) {
    const input: OrderPaymentWorkflowInput = { connectionId, orderId, idleWindow: options.idleWindow };
    await client.workflow.signalWithStart(ORDER_PAYMENT_WORKFLOW_TYPE, {
      workflowId: orderWorkflowId(connectionId, orderId),
      taskQueue,
      args: [input],
      signal,
      signalArgs: [payload],
      staticSummary: `Payments of Monstock order ${orderId}`,
      ...orderSearchAttributes(connectionId, orderId),
    });
  }
  const delivery: WorkflowDelivery = {
    toOrder: (connectionId, orderId, event) => toOrderWorkflow(connectionId, orderId, stripeEventSignal, event),
    orderChanged: (connectionId, change) => toOrderWorkflow(connectionId, change.orderId, monstockOrderSignal, change),
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
    async toMatched(connectionId, outcome, event) {
      if (outcome.kind === 'order') {
        await delivery.toOrder(connectionId, outcome.orderId, event);
        return orderWorkflowId(connectionId, outcome.orderId);
      }
      await delivery.toUnmatched(connectionId, event.paymentIntentId, outcome.reason, event);
      return unmatchedPaymentWorkflowId(connectionId, event.paymentIntentId);
    },
  };
  return delivery;
}

/**
 * How customer changes reach the connection's one customerSyncWorkflow: the first change (or
 * `ensureRunning` at start-up) starts the workflow if it is not running.
 */
export interface CustomerChangeDelivery {
  /** For the Monstock and Stripe webhook routes, on every `customer.*` event. */
  deliver(connectionId: string, change: CustomerChangedEvent): Promise<void>;
  /**
   * Starts the workflow unless it already runs (worker or setup start-up); polling alone then keeps customers in sync.
   */
  ensureRunning(connectionId: string): Promise<void>;
}

/** What webhook routes hand `customer.*` events to. */
export type DeliverCustomerChange = CustomerChangeDelivery['deliver'];

export interface CustomerChangeDeliveryOptions {
  client: Client;
  taskQueue: string;
  /** Used only when this call starts the workflow; a running one keeps its own. */
  pollInterval?: string;
  concurrency?: number;
}

export function createCustomerChangeDelivery(options: CustomerChangeDeliveryOptions): CustomerChangeDelivery {
  const { client, taskQueue } = options;
  const inputFor = (connectionId: string): CustomerSyncWorkflowInput => ({
    connectionId,
    ...(options.pollInterval ? { pollInterval: options.pollInterval } : {}),
    ...((options.concurrency ?? 0) > 0 ? { concurrency: options.concurrency } : {}),
  });
  const common = (connectionId: string) => ({
    workflowId: customerSyncWorkflowId(connectionId),
    taskQueue,
    args: [inputFor(connectionId)] as [CustomerSyncWorkflowInput],
    staticSummary: `Customers of connection ${connectionId}, synced both ways`,
  });
  return {
    async deliver(connectionId, change) {
      await client.workflow.signalWithStart(CUSTOMER_SYNC_WORKFLOW_TYPE, {
        ...common(connectionId),
        signal: customerChangedSignal,
        signalArgs: [change],
      });
    },
    async ensureRunning(connectionId) {
      await client.workflow.start(CUSTOMER_SYNC_WORKFLOW_TYPE, {
        ...common(connectionId),
        workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
      });
    },
  };
}
