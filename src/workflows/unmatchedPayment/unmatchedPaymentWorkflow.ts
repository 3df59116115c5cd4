import {
  condition,
  continueAsNew,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
  ActivityFailure,
} from '@temporalio/workflow';
import type { ConnectorActivities } from '../../activities';
import {
  retryMatchSignal,
  stripeEventSignal,
  unmatchedStateQuery,
  type UnmatchedPaymentState,
  type UnmatchedPaymentWorkflowInput,
} from '../../shared/orderPayment';
import { ConnectionId, PaymentUnmatched, StripePaymentIntentIds } from '../../shared/searchAttributes';

const activities = proxyActivities<ConnectorActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

/** Looks again soon, then less and less often; reconciliation and operators can ask any time. */
const RETRY_DELAYS = ['1 minute', '15 minutes', '1 hour', '6 hours', '1 day'] as const;
const HISTORY_EVENTS_BEFORE_CONTINUE = 2_000;

/**
 * A Stripe payment that matched no Monstock order: never dropped, findable in the Web UI
 * (PaymentUnmatched = true), and handed to its order's workflow as soon as one can be found.
 */
export async function unmatchedPaymentWorkflow(
  input: UnmatchedPaymentWorkflowInput & { carried?: UnmatchedPaymentState },
): Promise<UnmatchedPaymentState> {
  const state: UnmatchedPaymentState = input.carried ?? {
    paymentIntentId: input.paymentIntentId,
    reason: input.reason,
    events: 0,
    attempts: 0,
  };
  let retry: { orderId?: string } | undefined;

  // A later event may carry the metadata that was missing: look again. (The first one is the
  // event the starter just failed to match, so it needs no second look.)
  setHandler(stripeEventSignal, () => {
    state.events += 1;
    if (state.events > 1) retry ??= {};
  });
  setHandler(retryMatchSignal, (request) => {
    retry = request;
  });
  setHandler(unmatchedStateQuery, () => state);

  if (!input.carried) {
    upsertSearchAttributes([
      { key: ConnectionId, value: input.connectionId },
      { key: PaymentUnmatched, value: true },
      { key: StripePaymentIntentIds, value: [input.paymentIntentId] },
    ]);
  }
  describe();

  for (;;) {
    const delay = RETRY_DELAYS[Math.min(state.attempts, RETRY_DELAYS.length - 1)]!;
    await condition(() => retry !== undefined, delay);
    const request = retry ?? {};
    retry = undefined;
    try {
      const found = await activities.matchUnmatchedPayment({
        paymentIntentId: input.paymentIntentId,
        ...(request.orderId ? { hintOrderId: request.orderId } : {}),
      });
      state.attempts += 1;
      state.reason = found.reason;
      if (found.orderId) {
        await activities.attachPaymentToOrder({
          connectionId: input.connectionId,
          orderId: found.orderId,
          paymentIntentId: input.paymentIntentId,
          attachedAt: Math.floor(workflowInfo().runStartTime.getTime() / 1000),
        });
        state.matchedOrderId = found.orderId;
        upsertSearchAttributes([{ key: PaymentUnmatched, value: false }]);
        describe();
        return state;
      }
    } catch (error) {
      // A permanent failure (bad key, ...) must not lose the payment: note it and keep waiting.
      if (!(error instanceof ActivityFailure)) throw error;
      state.attempts += 1;
      state.reason = `matching failed: ${error.cause?.message ?? error.message}`;
    }
    describe();
    if (workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > HISTORY_EVENTS_BEFORE_CONTINUE) {
      await continueAsNew<typeof unmatchedPaymentWorkflow>({ ...input, carried: state });
    }
  }

  function describe(): void {
    setCurrentDetails(
      state.matchedOrderId
        ? `Payment ${state.paymentIntentId} attached to Monstock order ${state.matchedOrderId} (${state.reason}).`
        : `UNMATCHED payment ${state.paymentIntentId}: ${state.reason}. Attempts: ${state.attempts}, events: ${state.events}. ` +
            'Send "retryMatch" with { "orderId": "<Monstock order id>" } to attach it by hand.',
    );
  }
}
