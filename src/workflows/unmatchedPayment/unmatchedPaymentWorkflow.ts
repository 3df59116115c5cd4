import {
  condition,
  continueAsNew,
  patched,
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
import { ConnectionId, NeedsAttention, PaymentUnmatched, StripePaymentIntentIds } from '../../shared/searchAttributes';
import { closeVerdict, nextInterval, resolveSchedule, shortDuration } from './lifecycle';

const activities = proxyActivities<ConnectorActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

/** Looks again soon, then less and less often; reconciliation and operators can ask any time. */
const RETRY_DELAYS = ['1 minute', '15 minutes', '1 hour', '6 hours', '1 day'] as const;
const HISTORY_EVENTS_BEFORE_CONTINUE = 2_000;

/**
 * The bounded lifecycle (issue "Safe to deploy", 6): looks again with backoff (1 h, doubling,
 * capped at 1 day) for a bounded time (30 days), then parks for a person (NeedsAttention); closes
 * at once a payment that never moved money, another channel's, or one Stripe does not know.
 * Workflows that began before it move to it at their next look (the patch is checked there).
 */
const BOUNDED_LIFECYCLE_PATCH = 'unmatched-payment-bounded-lifecycle';

/**
 * A Stripe payment that matched no Monstock order: never dropped, findable in the Web UI
 * (PaymentUnmatched = true), and handed to its order's workflow as soon as one can be found.
 * It ends: attached to its order; closed when it needs none (never moved money, another
 * channel's, unknown to Stripe: PaymentUnmatched stays searchable, the details line says why);
 * or, still unmatched after the bounded time, parked for a person (NeedsAttention = true) until
 * a `retryMatch` or a new Stripe event. Each look costs at most two Stripe reads.
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
    if (patched(BOUNDED_LIFECYCLE_PATCH)) return boundedLifecycle();
    const delay = RETRY_DELAYS[Math.min(state.attempts, RETRY_DELAYS.length - 1)]!;
    await condition(() => retry !== undefined, delay);
    const request = retry ?? {};
    retry = undefined;
    try {
      const found = await activities.matchUnmatchedPayment({
        connectionId: input.connectionId,
        paymentIntentId: input.paymentIntentId,
        ...(request.orderId ? { hintOrderId: request.orderId } : {}),
      });
      state.attempts += 1;
      state.reason = found.reason;
      if (found.orderId) {
        await attach(found.orderId);
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

  /** Hands the payment to its order (both lifecycles); the workflow then ends. */
  async function attach(orderId: string): Promise<void> {
    await activities.attachPaymentToOrder({
      connectionId: input.connectionId,
      orderId,
      paymentIntentId: input.paymentIntentId,
      attachedAt: Math.floor(workflowInfo().runStartTime.getTime() / 1000),
    });
    state.matchedOrderId = orderId;
  }

  async function boundedLifecycle(): Promise<UnmatchedPaymentState> {
    const schedule = resolveSchedule(input.schedule);
    state.status ??= 'waiting';
    // Time comes from history only: the chain's start, and each look's own reading (the activity's clock).
    state.since ??= workflowInfo().startTime.toISOString();
    state.nextLookInMs ??= schedule.firstLookAfterMs;
    state.scheduledLooks ??= 0;
    for (;;) {
      const parked = state.status === 'parked';
      if (parked) delete state.nextLookAt;
      else state.nextLookAt = new Date(Date.parse(state.lastLookAt ?? state.since) + state.nextLookInMs).toISOString();
      describeBounded();
      let signalled = true;
      if (parked) await condition(() => retry !== undefined);
      else signalled = await condition(() => retry !== undefined, state.nextLookInMs);
      const request = retry ?? {};
      retry = undefined;
      delete state.nextLookAt;
      if (!signalled) {
        // Only the schedule's own looks back off: a signal (an event, an operator) does not.
        state.scheduledLooks += 1;
        state.waitedMs = (state.waitedMs ?? 0) + state.nextLookInMs;
        state.nextLookInMs = nextInterval(state.nextLookInMs, schedule);
      }
      try {
        const review = await activities.reviewUnmatchedPayment({
          connectionId: input.connectionId,
          paymentIntentId: input.paymentIntentId,
          ...(request.orderId ? { hintOrderId: request.orderId } : {}),
        });
        state.attempts += 1;
        state.reason = review.reason;
        state.lastLookAt = new Date(review.reviewedAt).toISOString();
        if (review.intent) {
          state.intentStatus = review.intent.status;
          state.moneyMoved = review.intent.moneyMoved;
        }
        if (review.orderId) {
          await attach(review.orderId);
          state.status = 'matched';
          upsertSearchAttributes([
            { key: PaymentUnmatched, value: false },
            ...(parked ? [{ key: NeedsAttention, value: false }] : []),
          ]);
          describeBounded();
          return state;
        }
        const verdict = closeVerdict(review, review.reviewedAt, schedule);
        if (verdict) {
          state.status = 'closed';
          state.closed = { ...verdict, at: state.lastLookAt };
          // Another channel's payment is nobody's unmatched payment; the others stay findable.
          const attributes = [
            ...(verdict.reason === 'not_ours' ? [{ key: PaymentUnmatched, value: false }] : []),
            ...(parked ? [{ key: NeedsAttention, value: false }] : []),
          ];
          if (attributes.length > 0) upsertSearchAttributes(attributes);
          describeBounded();
          return state;
        }
      } catch (error) {
        // A permanent failure (bad key, ...) must not lose the payment: note it and keep to the schedule.
        if (!(error instanceof ActivityFailure)) throw error;
        state.attempts += 1;
        state.reason = `matching failed: ${error.cause?.message ?? error.message}`;
      }
      if (state.status === 'waiting' && timeUnmatchedMs() >= schedule.parkAfterMs) {
        state.status = 'parked';
        state.parkedSince = state.lastLookAt ?? state.since;
        upsertSearchAttributes([{ key: NeedsAttention, value: true }]);
      }
      describeBounded();
      if (workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > HISTORY_EVENTS_BEFORE_CONTINUE) {
        await continueAsNew<typeof unmatchedPaymentWorkflow>({ ...input, carried: state });
      }
    }

    /**
     * How long the payment has waited for its order: the last look's reading since the start, or
     * the scheduled waits that ran out, whichever is more (a look that failed has no reading).
     */
    function timeUnmatchedMs(): number {
      const looked = state.lastLookAt === undefined ? 0 : Date.parse(state.lastLookAt) - Date.parse(state.since!);
      return Math.max(looked, state.waitedMs ?? 0);
    }

    function describeBounded(): void {
      const looks = `Looks: ${state.attempts} (${state.scheduledLooks ?? 0} scheduled), events: ${state.events}`;
      const intent = state.intentStatus
        ? ` Intent ${state.intentStatus}, money moved: ${state.moneyMoved ? 'yes' : 'no'}.`
        : '';
      const byHand = 'Send "retryMatch" with { "orderId": "<Monstock order id>" } to attach it by hand.';
      switch (state.status) {
        case 'matched':
          setCurrentDetails(
            `Payment ${state.paymentIntentId} attached to Monstock order ${state.matchedOrderId} (${state.reason}).`,
          );
          return;
        case 'closed':
          setCurrentDetails(
            `CLOSED unmatched payment ${state.paymentIntentId} (${state.closed?.reason}): ${state.closed?.detail}. ` +
              `No order needed. ${looks}.${intent}`,
          );
          return;
        case 'parked':
          setCurrentDetails(
            `NEEDS ATTENTION: payment ${state.paymentIntentId} still matches no order after ${shortDuration(schedule.parkAfterMs)}, ` +
              `parked since ${state.parkedSince}: ${state.reason}. ${looks}.${intent} No more scheduled looks. ${byHand}`,
          );
          return;
        default:
          setCurrentDetails(
            `UNMATCHED payment ${state.paymentIntentId}: ${state.reason}. ${looks}.${intent} ` +
              `Next look ${state.nextLookAt ? `at ${state.nextLookAt} (in ${shortDuration(state.nextLookInMs ?? 0)})` : 'now'}; ` +
              `parks for a person after ${shortDuration(schedule.parkAfterMs)}. ${byHand}`,
          );
      }
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
