import {
  ActivityFailure,
  ApplicationFailure,
  condition,
  continueAsNew,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { ConnectorActivities, OrderPaymentSummary, SyncPaymentIntentResult } from '../../activities';
import {
  paymentStateQuery,
  recordMovementSignal,
  resumeSignal,
  stripeEventSignal,
  type OrderPaymentState,
  type OrderPaymentWorkflowInput,
  type PaymentMovement,
} from '../../shared/orderPayment';
import { ConnectionId, MonstockOrderId, MonstockOrderReference, NeedsAttention, OrderPaymentStatus, StripePaymentIntentIds } from '../../shared/searchAttributes';
import { describeOrderPayment } from './summary';

const activities = proxyActivities<ConnectorActivities>({
  startToCloseTimeout: '30 seconds',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    // No attempt limit: an outage of minutes delays updates, it never drops them.
    // Permanent errors are non-retryable and park the workflow instead.
    maximumInterval: '1 minute',
  },
});

const DEFAULT_IDLE_WINDOW = '120 days';
const HISTORY_EVENTS_BEFORE_CONTINUE = 5_000;
const EVENT_IDS_KEPT = 20;

/**
 * One per Monstock order. Stripe events name a payment intent; for each, the workflow has an
 * activity make the Monstock order show what Stripe shows now. Events that arrive together for
 * one intent are applied with one read, duplicates and reorderings change nothing, and the order's
 * payment facts stay visible in the Web UI. It completes after an idle window (refunds and
 * disputes can come months later; a later event starts a new run that rebuilds from Stripe).
 */
export async function orderPaymentWorkflow(input: OrderPaymentWorkflowInput): Promise<OrderPaymentState> {
  const state: OrderPaymentState = input.carried ?? {
    orderId: input.orderId,
    amountPaid: 0,
    amountRefunded: 0,
    paymentIntentIds: [],
    paymentIntents: [],
    movements: [],
    eventsApplied: 0,
    lastEventIds: [],
    pendingMovements: 0,
  };
  const intentsToSync = new Set<string>();
  const movementsToRecord: PaymentMovement[] = [];
  let resumeRequested = false;
  const pending = () => intentsToSync.size + movementsToRecord.length;

  setHandler(stripeEventSignal, (event) => {
    state.eventsApplied += 1;
    state.lastEventIds = [...state.lastEventIds, event.eventId].slice(-EVENT_IDS_KEPT);
    intentsToSync.add(event.paymentIntentId);
    state.pendingMovements = pending();
  });
  setHandler(recordMovementSignal, (movement) => {
    movementsToRecord.push(movement);
    state.pendingMovements = pending();
  });
  setHandler(resumeSignal, () => {
    resumeRequested = true;
  });
  setHandler(paymentStateQuery, () => state);

  if (!input.carried) {
    upsertSearchAttributes([
      { key: ConnectionId, value: input.connectionId },
      { key: MonstockOrderId, value: input.orderId },
    ]);
  }
  setCurrentDetails(describeOrderPayment(state));

  for (;;) {
    const gotWork = await condition(() => pending() > 0, input.idleWindow ?? DEFAULT_IDLE_WINDOW);
    if (!gotWork) return state;

    const movement = movementsToRecord.shift();
    if (movement) {
      const summary = await untilDone(() => activities.recordMovement({ orderId: input.orderId, movement }));
      noteMovement(movement.kind, movement.transactionRef, movement.status, movement.amount, movement.currency);
      const intentAdded = movement.kind === 'payment' && movement.transactionRef.startsWith('pi_') && addIntent(movement.transactionRef);
      applyOrder(summary, intentAdded);
    } else {
      const paymentIntentId = intentsToSync.values().next().value as string;
      // Removed before the read: an event that lands while it runs schedules one more read.
      intentsToSync.delete(paymentIntentId);
      const result = await untilDone(() => activities.syncPaymentIntent({ orderId: input.orderId, paymentIntentId }));
      applySync(result);
    }
    state.pendingMovements = pending();
    setCurrentDetails(describeOrderPayment(state));

    if (pending() === 0 && (workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > HISTORY_EVENTS_BEFORE_CONTINUE)) {
      await continueAsNew<typeof orderPaymentWorkflow>({ ...input, carried: state });
    }
  }

  /**
   * Runs an activity until it succeeds. A permanent failure (a write Monstock refuses, a bad key,
   * a deleted order) parks the workflow, visibly, until an operator sends `resume`.
   */
  async function untilDone<T>(attempt: () => Promise<T>): Promise<T> {
    for (;;) {
      try {
        const result = await attempt();
        if (state.needsAttention) {
          delete state.needsAttention;
          upsertSearchAttributes([{ key: NeedsAttention, value: false }]);
        }
        return result;
      } catch (error) {
        if (!(error instanceof ActivityFailure) || !(error.cause instanceof ApplicationFailure)) throw error;
        state.needsAttention = { reason: error.cause.message, since: new Date().toISOString() };
        upsertSearchAttributes([{ key: NeedsAttention, value: true }]);
        setCurrentDetails(describeOrderPayment(state));
        resumeRequested = false;
        await condition(() => resumeRequested);
      }
    }
  }

  function applySync(result: SyncPaymentIntentResult): void {
    const intent = result.paymentIntent;
    const known = state.paymentIntents.findIndex((item) => item.id === intent.id);
    if (known >= 0) state.paymentIntents[known] = intent;
    else state.paymentIntents.push(intent);
    for (const written of result.written) noteMovement(written.kind, written.transactionRef, written.status, written.amount, written.currency);
    applyOrder(result.order, addIntent(intent.id));
  }

  function noteMovement(kind: PaymentMovement['kind'], transactionRef: string, status: PaymentMovement['status'], amount: number, currency: string): void {
    const existing = state.movements.find((item) => item.kind === kind && item.transactionRef === transactionRef);
    if (existing) existing.status = status;
    else state.movements.push({ kind, transactionRef, status, amount, currency });
  }

  /** Returns true when the intent is new to this order. */
  function addIntent(paymentIntentId: string): boolean {
    if (state.paymentIntentIds.includes(paymentIntentId)) return false;
    state.paymentIntentIds.push(paymentIntentId);
    return true;
  }

  function applyOrder(summary: OrderPaymentSummary, intentsChanged = false): void {
    const statusChanged = state.paymentStatus !== summary.paymentStatus;
    const referenceChanged = state.orderReference !== summary.reference;
    state.orderReference = summary.reference;
    state.currency = summary.currency;
    state.totalAmount = summary.totalAmount;
    state.amountPaid = summary.amountPaid;
    state.amountRefunded = summary.amountRefunded;
    state.paymentStatus = summary.paymentStatus;
    state.balance = summary.amountPaid > 0 ? summary.amountPaid - summary.amountRefunded - summary.totalAmount : undefined;
    // Search attribute updates are history events: only when something an operator filters on changed.
    const updates = [
      ...(referenceChanged ? [{ key: MonstockOrderReference, value: summary.reference }] : []),
      ...(statusChanged ? [{ key: OrderPaymentStatus, value: summary.paymentStatus }] : []),
      ...(intentsChanged ? [{ key: StripePaymentIntentIds, value: [...state.paymentIntentIds] }] : []),
    ];
    if (updates.length > 0) upsertSearchAttributes(updates);
  }
}
