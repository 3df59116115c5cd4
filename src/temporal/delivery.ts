import { setTimeout } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowIdConflictPolicy,
  type SignalDefinition,
} from '@temporalio/common';
import type { MatchOutcome } from '../matching/orderMatcher';
import {
  CUSTOMER_SYNC_WORKFLOW_TYPE,
  customerChangedSignal,
  type CustomerChangeAtEdge,
  type CustomerSyncWorkflowInput,
} from '../shared/customerSync';
import { customerSyncWorkflowId, orderWorkflowId, unmatchedPaymentWorkflowId } from '../shared/ids';
import {
  APPLIED_ORDER_VERSION_MEMO,
  monstockOrderSignal,
  ORDER_PAYMENT_WORKFLOW_TYPE,
  type MonstockOrderRef,
  stripeEventSignal,
  UNMATCHED_PAYMENT_WORKFLOW_TYPE,
  type OrderPaymentWorkflowInput,
  type OrderSearchFacts,
  type StripeEventRef,
  type UnmatchedPaymentWorkflowInput,
} from '../shared/orderPayment';
import { ConnectionId, MonstockOrderId, MonstockOrderReference, OrderPaymentStatus } from '../shared/searchAttributes';

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
  /**
   * Resolves once Temporal has the change, or once the order's running workflow is found to have
   * applied it. `searchable` goes into the search attributes of a start this call makes.
   */
  orderChanged(connectionId: string, change: MonstockOrderRef, searchable?: OrderSearchFacts): Promise<void>;
}

export interface WorkflowDeliveryOptions {
  client: Client;
  taskQueue: string;
  idleWindow: string;
}

/** Set with the start itself: an upsert from the workflow would be one more billed action per order. */
function orderSearchAttributes(connectionId: string, orderId: string, searchable?: OrderSearchFacts) {
  return {
    typedSearchAttributes: [
      { key: ConnectionId, value: connectionId },
      { key: MonstockOrderId, value: orderId },
      ...(searchable
        ? [
            { key: MonstockOrderReference, value: searchable.reference },
            { key: OrderPaymentStatus, value: searchable.paymentStatus },
          ]
        : []),
    ],
  };
}

/**
 * Order changes that may be Monstock's echo of the connector's own write: only webhook updates
 * are checked. A creation, a cancellation, a refund request and the order feed's finds (which
 * keep their own cursor) always go through.
 */
const ECHO_CANDIDATE_TYPES: ReadonlySet<MonstockOrderRef['type']> = new Set(['order.updated']);
/** How long a change waits for a busy workflow to take its own write in; well inside a webhook's hand-off budget. */
const ECHO_WAIT_MS = 1_500;
/** First wait before asking again; doubled each time, so a slow workflow costs a few describes, not thirty. */
const ECHO_FIRST_POLL_MS = 50;

export function createWorkflowDelivery(options: WorkflowDeliveryOptions): WorkflowDelivery {
  const { client, taskQueue } = options;
  /**
   * True when the order's running workflow has already applied this version (its memo says so):
   * the signal would change nothing, and a signal is a billed action where a describe is not.
   * Monstock's echo of our own write usually outruns the activity's result back to the workflow,
   * so while the workflow is busy (an activity or a workflow task pending) it is asked again, for a
   * short while. Anything unsure (no workflow, a closed run, no memo, still busy, Temporal not
   * answering) says false, and the change is delivered as always.
   */
  async function alreadyApplied(connectionId: string, change: MonstockOrderRef): Promise<boolean> {
    if (!ECHO_CANDIDATE_TYPES.has(change.type)) return false;
    const handle = client.workflow.getHandle(orderWorkflowId(connectionId, change.orderId));
    const giveUpAt = Date.now() + ECHO_WAIT_MS;
    let wait = ECHO_FIRST_POLL_MS;
    try {
      for (;;) {
        const described = await handle.describe();
        if (described.status.name !== 'RUNNING') return false;
        const applied = described.memo?.[APPLIED_ORDER_VERSION_MEMO];
        if (typeof applied === 'number' && change.version <= applied) return true;
        const busy = (described.raw.pendingActivities?.length ?? 0) > 0 || Boolean(described.raw.pendingWorkflowTask);
        if (!busy || Date.now() >= giveUpAt) return false;
        await setTimeout(Math.min(wait, Math.max(0, giveUpAt - Date.now())));
        wait *= 2;
      }
    } catch {
      return false;
    }
  }
  /**
   * A new order's workflow started with its first change in the input: one billed action where a
   * signal-with-start is two. False when the workflow already runs (a redelivery, the feed was
   * first): the change then goes as a signal, as any other.
   */
  async function startedWith(
    connectionId: string,
    change: MonstockOrderRef,
    searchable: OrderSearchFacts | undefined,
  ): Promise<boolean> {
    const input: OrderPaymentWorkflowInput = {
      connectionId,
      orderId: change.orderId,
      idleWindow: options.idleWindow,
      firstChange: change,
    };
    try {
      await client.workflow.start(ORDER_PAYMENT_WORKFLOW_TYPE, {
        workflowId: orderWorkflowId(connectionId, change.orderId),
        taskQueue,
        args: [input],
        staticSummary: `Payments of Monstock order ${change.orderId}`,
        ...orderSearchAttributes(connectionId, change.orderId, searchable),
      });
      return true;
    } catch (error) {
      if (error instanceof WorkflowExecutionAlreadyStartedError) return false;
      throw error;
    }
  }
  async function toOrderWorkflow<Payload>(
    connectionId: string,
    orderId: string,
    signal: SignalDefinition<[Payload]>,
    payload: Payload,
    searchable?: OrderSearchFacts,
  ) {
    const input: OrderPaymentWorkflowInput = { connectionId, orderId, idleWindow: options.idleWindow };
    await client.workflow.signalWithStart(ORDER_PAYMENT_WORKFLOW_TYPE, {
      workflowId: orderWorkflowId(connectionId, orderId),
      taskQueue,
      args: [input],
      signal,
      signalArgs: [payload],
      staticSummary: `Payments of Monstock order ${orderId}`,
      ...orderSearchAttributes(connectionId, orderId, searchable),
    });
  }
  const delivery: WorkflowDelivery = {
    toOrder: (connectionId, orderId, event) => toOrderWorkflow(connectionId, orderId, stripeEventSignal, event),
    async orderChanged(connectionId, change, searchable) {
      if (change.type === 'order.created' && (await startedWith(connectionId, change, searchable))) return;
      if (await alreadyApplied(connectionId, change)) return;
      await toOrderWorkflow(connectionId, change.orderId, monstockOrderSignal, change, searchable);
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
  /**
   * For the Monstock and Stripe webhook routes, on every `customer.*` event. Resolves without
   * asking Temporal anything when the change is Monstock's echo of the connector's own write.
   */
  deliver(connectionId: string, change: CustomerChangeAtEdge): Promise<void>;
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
      // The write's own activity already synced this very version: a signal (billed) would find nothing to do.
      if (change.ownWrite === true) return;
      const { ownWrite: _ownWrite, ...event } = change;
      await client.workflow.signalWithStart(CUSTOMER_SYNC_WORKFLOW_TYPE, {
        ...common(connectionId),
        signal: customerChangedSignal,
        signalArgs: [event],
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
