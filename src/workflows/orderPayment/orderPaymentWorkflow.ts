import {
  ActivityFailure,
  ApplicationFailure,
  condition,
  continueAsNew,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { ConnectorActivities, OrderPaymentSummary } from '../../activities';
import {
  movementKey,
  paymentStateQuery,
  recordMovementSignal,
  resumeSignal,
  type OrderPaymentState,
  type OrderPaymentWorkflowInput,
  type PaymentMovement,
} from '../../shared/orderPayment';
import { ConnectionId, MonstockOrderId, MonstockOrderReference, NeedsAttention, OrderPaymentStatus, StripePaymentIntentIds } from '../../shared/searchAttributes';

const { recordMovement } = proxyActivities<ConnectorActivities>({
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

/**
 * One per Monstock order: receives the order's payment movements, records each on Monstock
 * exactly once, and keeps the order's payment facts where the Web UI can see them.
 */
export async function orderPaymentWorkflow(input: OrderPaymentWorkflowInput): Promise<OrderPaymentState> {
  const state: OrderPaymentState = input.carried ?? {
    orderId: input.orderId,
    amountPaid: 0,
    amountRefunded: 0,
    paymentIntentIds: [],
    movements: [],
    pendingMovements: 0,
  };
  const queue: PaymentMovement[] = [];
  const applied = new Set(state.movements.map(movementKey));
  let resumeRequested = false;

  setHandler(recordMovementSignal, (movement) => {
    queue.push(movement);
    state.pendingMovements = queue.length;
  });
  setHandler(resumeSignal, () => {
    resumeRequested = true;
  });
  setHandler(paymentStateQuery, () => state);

  upsertSearchAttributes([
    { key: ConnectionId, value: input.connectionId },
    { key: MonstockOrderId, value: input.orderId },
  ]);

  for (;;) {
    const gotWork = await condition(() => queue.length > 0, input.idleWindow ?? DEFAULT_IDLE_WINDOW);
    if (!gotWork) return state;

    const movement = queue[0]!;
    if (!applied.has(movementKey(movement))) {
      const summary = await recordOrPark(input.orderId, movement);
      applySummary(state, movement, summary);
      applied.add(movementKey(movement));
    }
    queue.shift();
    state.pendingMovements = queue.length;

    if (queue.length === 0 && (workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > HISTORY_EVENTS_BEFORE_CONTINUE)) {
      await continueAsNew<typeof orderPaymentWorkflow>({ ...input, carried: state });
    }
  }

  /** A write Monstock refuses for good parks the workflow until an operator says to retry. */
  async function recordOrPark(orderId: string, movement: PaymentMovement): Promise<OrderPaymentSummary> {
    for (;;) {
      try {
        const summary = await recordMovement({ orderId, movement });
        if (state.needsAttention) {
          delete state.needsAttention;
          upsertSearchAttributes([{ key: NeedsAttention, value: false }]);
        }
        return summary;
      } catch (error) {
        if (!(error instanceof ActivityFailure) || !(error.cause instanceof ApplicationFailure)) throw error;
        state.needsAttention = { reason: error.cause.message, since: new Date().toISOString() };
        upsertSearchAttributes([{ key: NeedsAttention, value: true }]);
        resumeRequested = false;
        await condition(() => resumeRequested);
      }
    }
  }

  function applySummary(target: OrderPaymentState, movement: PaymentMovement, summary: OrderPaymentSummary): void {
    target.orderReference = summary.reference;
    target.currency = summary.currency;
    target.totalAmount = summary.totalAmount;
    target.amountPaid = summary.amountPaid;
    target.amountRefunded = summary.amountRefunded;
    target.paymentStatus = summary.paymentStatus;
    const recorded = target.movements.find((item) => item.kind === movement.kind && item.transactionRef === movement.transactionRef);
    if (recorded) recorded.status = movement.status;
    else target.movements.push({ kind: movement.kind, transactionRef: movement.transactionRef, status: movement.status, amount: movement.amount, currency: movement.currency });
    if (movement.kind === 'payment' && movement.transactionRef.startsWith('pi_') && !target.paymentIntentIds.includes(movement.transactionRef)) {
      target.paymentIntentIds.push(movement.transactionRef);
    }
    upsertSearchAttributes([
      { key: MonstockOrderReference, value: summary.reference },
      { key: OrderPaymentStatus, value: summary.paymentStatus },
      { key: StripePaymentIntentIds, value: [...target.paymentIntentIds] },
    ]);
  }
}
