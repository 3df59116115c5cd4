import {
  ActivityFailure,
  ApplicationFailure,
  condition,
  continueAsNew,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setCurrentDetails,
  setHandler,
  sleep,
  upsertMemo,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { AlignResult, ConnectorActivities, OrderPaymentSummary, SyncPaymentIntentResult } from '../../activities';
import {
  APPLIED_ORDER_VERSION_MEMO,
  monstockOrderSignal,
  paymentStateQuery,
  recordMovementSignal,
  resumeSignal,
  stripeEventSignal,
  type MonstockOrderRef,
  type OrderPaymentState,
  type OrderPaymentWorkflowInput,
  type PaymentMovement,
} from '../../shared/orderPayment';
import {
  AuthorizationExpiresAt,
  CancelledAfterPayment,
  ConnectionId,
  MonstockOrderId,
  MonstockOrderReference,
  NeedsAttention,
  OrderPaymentStatus,
  StripePaymentIntentIds,
} from '../../shared/searchAttributes';
import { describeOrderPayment } from './summary';

const ACTIVITY_OPTIONS = {
  startToCloseTimeout: '30 seconds',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    // No attempt limit: an outage of minutes delays updates, it never drops them.
    // Permanent errors are non-retryable and park the workflow instead.
    maximumInterval: '1 minute',
  },
} as const;
const activities = proxyActivities<ConnectorActivities>(ACTIVITY_OPTIONS);
/**
 * The lean path runs the alignment and the sync as local activities: a marker in the workflow
 * task that asked for them instead of a scheduled/started/completed triple and a second workflow
 * task. Both are idempotent (Stripe idempotency keys, Monstock movement keys), so the at-least-once
 * of a local activity (re-run if the worker dies mid-task) writes nothing twice.
 */
const localActivities = proxyLocalActivities<ConnectorActivities>(ACTIVITY_OPTIONS);

const DEFAULT_IDLE_WINDOW = '120 days';
const HISTORY_EVENTS_BEFORE_CONTINUE = 5_000;
const EVENT_IDS_KEPT = 20;
/** A Monstock change seen while our own write was in flight is its echo once that write is applied. */
const SKIP_ECHOED_VERSIONS_PATCH = 'order-payment-skip-echoed-versions';
/**
 * A sync that wrote nothing because Stripe's intent does not name this order (`refused`): the
 * intent is not this order's, so the state keeps only the order as read, not the intent.
 */
const KEEP_REFUSED_INTENTS_OUT_PATCH = 'order-payment-keep-refused-intents-out';
/**
 * The lean path (fewer billed actions per order): one idle timer per run instead of one per quiet
 * spell, and the applied order version published in the memo so the delivery edge drops Monstock's
 * echo of our own writes before it becomes a signal.
 */
const LEAN_PATH_PATCH = 'order-payment-lean-path';
/**
 * Capture at shipment: the authorisation's expiry in the search attribute AuthorizationExpiresAt
 * (cleared once captured or released), and an alignment (which captures) when a payment is
 * authorised on an order that has already shipped.
 */
const AUTHORIZATION_EXPIRY_PATCH = 'order-payment-authorization-expiry';
/**
 * Monstock's refund requests carried out in Stripe: after an `order.refund_requested` change, and
 * after any other change Monstock made to an order with money paid (the order feed cannot tell a
 * refund request from another change, so a lost webhook loses nothing).
 */
const REFUND_REQUESTS_PATCH = 'order-payment-refund-requests';
/**
 * A refund request asked before the order's payment landed (the shop asks right after paying) is
 * left open by the activity rather than rejected; it names the intents it waits for, and the
 * requests are processed again when one of them syncs. The activity also gets the intents the
 * workflow knows, which Monstock may not show yet.
 */
const REFUND_REQUESTS_WAIT_FOR_PAYMENT_PATCH = 'order-payment-refund-requests-wait-for-payment';
/**
 * A refund request whose webhook never came (lost, or still on its way) can be taken in by an
 * alignment that was not looking for one: a realign after a payment through another intent, or an
 * alignment while nothing was paid yet. Order versions an alignment took in that no signal named
 * as something else owe a look at the refund requests, taken once money is in. The order feed's
 * later find of that version is then no news to the workflow, so nothing else would look.
 */
const UNANNOUNCED_REFUND_REQUESTS_PATCH = 'order-payment-unannounced-refund-requests';
/**
 * Search attributes from the start: the starter sets the order's reference and payment status with
 * the start (free), so they are compared with what the run already shows, not with an empty state;
 * and the connector's intent is published with the next upsert that happens anyway (the payment's
 * status, a Stripe event for it) rather than with an upsert of its own. One billed action less per
 * ordinary order; an unpaid order is found by its reference and status from the start, by its
 * intent once Stripe has said something about it.
 */
const SEARCH_ATTRIBUTES_AT_START_PATCH = 'order-payment-search-attributes-at-start';
/** Beyond this many versions taken in at once, the workflow does not look for names: it owes a look. */
const ANNOUNCED_VERSIONS_KEPT = 200;
/** Bounds what the refund activity is given (its input allows this many): far more than an order has. */
const KNOWN_INTENTS_FOR_REFUNDS = 50;

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
  let orderChanged = false;
  // Realign whatever the versions say (paid through another intent).
  let realignRequested = false;
  let highestVersionSeen = 0;
  let resumeRequested = false;
  // A refund request was announced: processed after the alignment its change triggers (or at once, for a repeat).
  let refundRequested = false;
  // Intents whose payment an open refund request waits for (set only by the waiting-aware activity).
  let refundsWaitFor: string[] = [];
  // Versions not yet applied that a signal named as something other than a refund request.
  const announcedOther = new Set<number>();
  // The version the order was created at: nothing before it can be a refund request.
  let createdVersion = 0;
  const pending = () => intentsToSync.size + movementsToRecord.length + (orderChanged ? 1 : 0);

  setHandler(stripeEventSignal, (event) => {
    state.eventsApplied += 1;
    state.lastEventIds = [...state.lastEventIds, event.eventId].slice(-EVENT_IDS_KEPT);
    intentsToSync.add(event.paymentIntentId);
    state.pendingMovements = pending();
  });
  // Monstock → Stripe: a version already applied (or older) changes nothing.
  const onOrderChange = (change: MonstockOrderRef) => {
    highestVersionSeen = Math.max(highestVersionSeen, change.version);
    if (change.version > (state.orderVersion ?? 0)) orderChanged = true;
    if (change.type === 'order.created') createdVersion = Math.max(createdVersion, change.version);
    if (
      change.type !== 'order.refund_requested' &&
      change.type !== 'order.polled' &&
      announcedOther.size < ANNOUNCED_VERSIONS_KEPT
    )
      announcedOther.add(change.version);
    // Never skipped as applied: a repeat only looks at the order's requests again (idempotent).
    if (change.type === 'order.refund_requested') {
      refundRequested = true;
      orderChanged = true;
    }
    state.pendingMovements = pending();
  };
  setHandler(monstockOrderSignal, onOrderChange);
  if (input.firstChange) onOrderChange(input.firstChange);
  setHandler(recordMovementSignal, (movement) => {
    movementsToRecord.push(movement);
    state.pendingMovements = pending();
  });
  setHandler(resumeSignal, () => {
    resumeRequested = true;
  });
  setHandler(paymentStateQuery, () => state);

  // Starters set these with the start (free); a start without them gets them here.
  if (!input.carried && workflowInfo().typedSearchAttributes.get(MonstockOrderId) === undefined) {
    upsertSearchAttributes([
      { key: ConnectionId, value: input.connectionId },
      { key: MonstockOrderId, value: input.orderId },
    ]);
  }
  setCurrentDetails(describeOrderPayment(state));
  const lean = patched(LEAN_PATH_PATCH);
  const fromStart = patched(SEARCH_ATTRIBUTES_AT_START_PATCH);
  // What the run shows now (the starter's attributes, or a continued run's); only differences are upserted.
  const shown = {
    reference: workflowInfo().typedSearchAttributes.get(MonstockOrderReference),
    status: workflowInfo().typedSearchAttributes.get(OrderPaymentStatus),
    intentIds: workflowInfo().typedSearchAttributes.get(StripePaymentIntentIds) ?? [],
  };
  let idleWindowOver = false;
  let idleTimerStarted = false;
  let memoVersion: number | undefined;

  for (;;) {
    const gotWork = lean ? await nextWorkOfRun() : await nextWorkWithinIdleWindow();
    if (!gotWork) return state;

    // Order changes first, so a new order's intent exists before anything else is done for it.
    if (orderChanged) {
      orderChanged = false;
      const realign = realignRequested;
      realignRequested = false;
      // Every version seen is applied by now (the change arrived while our write was running): nothing to align.
      const echoOnly = !realign && state.orderVersion !== undefined && highestVersionSeen <= state.orderVersion;
      const refundsAsked = refundRequested;
      refundRequested = false;
      if (echoOnly && patched(SKIP_ECHOED_VERSIONS_PATCH)) {
        if (refundsAsked && patched(REFUND_REQUESTS_PATCH)) await processRefundRequests();
        state.pendingMovements = pending();
        continue;
      }
      const result = await untilDone(() =>
        (lean ? localActivities : activities).alignStripeWithOrder({
          connectionId: input.connectionId,
          orderId: input.orderId,
          ...(state.orderVersion !== undefined ? { appliedVersion: state.orderVersion } : {}),
        }),
      );
      const appliedBefore = state.orderVersion;
      applyAlign(result);
      // A realign of our own (paid elsewhere) is no Monstock change: no request can have come with it.
      const monstockChanged = refundsAsked || (!realign && state.amountPaid > 0);
      if (monstockChanged && patched(REFUND_REQUESTS_PATCH)) await processRefundRequests();
      else if (
        result.applied &&
        tookInUnannounced(appliedBefore, result.versionRead) &&
        patched(UNANNOUNCED_REFUND_REQUESTS_PATCH)
      )
        state.refundCheckOwed = true;
      forgetAnnouncedUpTo(state.orderVersion ?? 0);
    } else if (movementsToRecord.length > 0) {
      const movement = movementsToRecord.shift()!;
      const summary = await untilDone(() =>
        activities.recordMovement({ connectionId: input.connectionId, orderId: input.orderId, movement }),
      );
      noteMovement(movement.kind, movement.transactionRef, movement.status, movement.amount, movement.currency);
      const intentAdded =
        movement.kind === 'payment' && movement.transactionRef.startsWith('pi_') && addIntent(movement.transactionRef);
      applyOrder(summary, intentAdded);
    } else {
      const paymentIntentId = intentsToSync.values().next().value as string;
      // Removed before the read: an event that lands while it runs schedules one more read.
      intentsToSync.delete(paymentIntentId);
      const result = await untilDone(() =>
        (lean ? localActivities : activities).syncPaymentIntent({
          connectionId: input.connectionId,
          orderId: input.orderId,
          paymentIntentId,
        }),
      );
      // Only results recorded by the checking activity carry `refused`, so older histories replay as before.
      if (result.refused && patched(KEEP_REFUSED_INTENTS_OUT_PATCH)) applyOrder(result.order);
      else applySync(result);
      // Paid through another intent (Checkout, a second card) while ours is still open: realign, so
      // our open intent is cancelled or reduced and nobody pays twice.
      const paidElsewhere = result.written.some(
        (item) =>
          item.kind === 'payment' && item.status === 'succeeded' && item.transactionRef !== state.currentIntentId,
      );
      if (paidElsewhere && state.currentIntentId !== undefined) {
        orderChanged = true;
        realignRequested = true;
      }
      // Only results of the capture-aware activity carry these, so older histories replay as before.
      if (refundsWaitFor.includes(paymentIntentId) && patched(REFUND_REQUESTS_WAIT_FOR_PAYMENT_PATCH))
        await processRefundRequests();
      if (!result.refused) noteAuthorisation(result);
      if (result.awaitingCapture && patched(AUTHORIZATION_EXPIRY_PATCH)) {
        orderChanged = true;
        realignRequested = true;
      }
    }
    // Only set under UNANNOUNCED_REFUND_REQUESTS_PATCH, so older histories replay as before.
    if (state.refundCheckOwed && state.amountPaid > 0) await processRefundRequests();
    state.pendingMovements = pending();
    publishAppliedVersion();
    setCurrentDetails(describeOrderPayment(state));

    if (
      pending() === 0 &&
      (workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > HISTORY_EVENTS_BEFORE_CONTINUE)
    ) {
      // The first change is applied by now: the next run starts from the carried state alone.
      const { firstChange: _applied, ...rest } = input;
      await continueAsNew<typeof orderPaymentWorkflow>({ ...rest, carried: state });
    }
  }

  /** With work already waiting, the timer is started and cancelled in one workflow task: not in history, no action. */
  async function nextWorkWithinIdleWindow(): Promise<boolean> {
    return condition(() => pending() > 0, input.idleWindow ?? DEFAULT_IDLE_WINDOW);
  }

  /**
   * One timer per run, started the first time the run has nothing to do: the run ends one idle
   * window after that, once no work is waiting, rather than one window after its last event. Each
   * quiet spell would otherwise start (and bill) a timer of its own. A later event starts a new run,
   * which rebuilds from Stripe and Monstock as any run does.
   */
  async function nextWorkOfRun(): Promise<boolean> {
    if (pending() === 0 && !idleTimerStarted) {
      idleTimerStarted = true;
      void sleep(input.idleWindow ?? DEFAULT_IDLE_WINDOW).then(() => {
        idleWindowOver = true;
      });
    }
    await condition(() => pending() > 0 || idleWindowOver);
    return pending() > 0;
  }

  async function processRefundRequests(): Promise<void> {
    const result = await untilDone(() =>
      activities.processRefundRequests({
        connectionId: input.connectionId,
        orderId: input.orderId,
        paymentIntentIds: state.paymentIntentIds.slice(-KNOWN_INTENTS_FOR_REFUNDS),
      }),
    );
    // Absent from results recorded before the activity could wait, so older histories replay as before.
    refundsWaitFor = result.waitingFor ?? [];
    delete state.refundCheckOwed;
  }

  /** Whether versions after `appliedBefore` up to `versionRead` include one no signal named as something else. */
  function tookInUnannounced(appliedBefore: number | undefined, versionRead: number): boolean {
    const from = Math.max(appliedBefore ?? 0, createdVersion) + 1;
    if (versionRead - from >= ANNOUNCED_VERSIONS_KEPT) return true;
    for (let version = from; version <= versionRead; version += 1) if (!announcedOther.has(version)) return true;
    return false;
  }

  function forgetAnnouncedUpTo(version: number): void {
    for (const announced of announcedOther) if (announced <= version) announcedOther.delete(announced);
  }

  /** The memo is not a billed action; only a version that moved is written. */
  function publishAppliedVersion(): void {
    if (!lean || state.orderVersion === undefined || state.orderVersion === memoVersion) return;
    memoVersion = state.orderVersion;
    upsertMemo({ [APPLIED_ORDER_VERSION_MEMO]: memoVersion });
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
        const permanent = permanentFailureOf(error);
        if (!permanent) throw error;
        state.needsAttention = { reason: permanent.message, since: new Date().toISOString() };
        // A parked order lists its intents on the problems page: published now if they were not yet.
        upsertSearchAttributes([{ key: NeedsAttention, value: true }, ...unshownIntents()]);
        setCurrentDetails(describeOrderPayment(state));
        resumeRequested = false;
        await condition(() => resumeRequested);
      }
    }
  }

  function applyAlign(result: AlignResult): void {
    if (result.paymentIntentId) state.currentIntentId = result.paymentIntentId;
    // Our own write-back adds one version; a webhook for it must not trigger another round.
    const ownWrites = result.ownWrites ?? (result.plan === 'create' ? 1 : 0);
    if (result.applied) noteVersions(result.versionRead, result.order.version, ownWrites);
    if (result.cancelledAfterPayment && !state.cancelledAfterPayment) {
      state.cancelledAfterPayment = {
        amountPaid: result.cancelledAfterPayment.netPaid,
        refunded: result.cancelledAfterPayment.refunded,
        since: new Date().toISOString(),
      };
      upsertSearchAttributes([{ key: CancelledAfterPayment, value: true }]);
    }
    const intentAdded = result.paymentIntentId !== undefined && addIntent(result.paymentIntentId);
    // The connector's own new intent waits for the next upsert (see SEARCH_ATTRIBUTES_AT_START_PATCH).
    applyOrder(result.order, intentAdded, !fromStart);
  }

  /**
   * Marks order versions as applied. Our own writes (one version each) count only when nothing
   * else changed the order in between, so another writer's change is never skipped.
   */
  function noteVersions(versionRead: number, versionAfter: number, ownWrites: number): void {
    const current = state.orderVersion ?? 0;
    if (versionAfter - versionRead === ownWrites) state.orderVersion = Math.max(current, versionAfter);
    else state.orderVersion = Math.max(current, versionRead);
  }

  function applySync(result: SyncPaymentIntentResult): void {
    // Only an order already aligned at the version read can take our own writes as applied too.
    if (state.orderVersion !== undefined && result.versionRead <= state.orderVersion)
      noteVersions(result.versionRead, result.order.version, result.written.length);
    const intent = result.paymentIntent;
    const known = state.paymentIntents.findIndex((item) => item.id === intent.id);
    if (known >= 0) state.paymentIntents[known] = intent;
    else state.paymentIntents.push(intent);
    for (const written of result.written)
      noteMovement(written.kind, written.transactionRef, written.status, written.amount, written.currency);
    applyOrder(result.order, addIntent(intent.id));
  }

  function noteMovement(
    kind: PaymentMovement['kind'],
    transactionRef: string,
    status: PaymentMovement['status'],
    amount: number,
    currency: string,
  ): void {
    const existing = state.movements.find((item) => item.kind === kind && item.transactionRef === transactionRef);
    if (existing) existing.status = status;
    else state.movements.push({ kind, transactionRef, status, amount, currency });
  }

  /**
   * Publishes when the authorisation lapses while it waits for shipment, so an operator can list the
   * orders to ship (or capture) before their money is released; cleared once captured or released.
   */
  function noteAuthorisation(result: SyncPaymentIntentResult): void {
    const expiresAt = result.authorizationExpiresAt;
    const intentId = result.paymentIntent.id;
    if (expiresAt !== undefined) {
      if (state.authorization?.expiresAt === expiresAt || !patched(AUTHORIZATION_EXPIRY_PATCH)) return;
      state.authorization = { paymentIntentId: intentId, expiresAt };
      upsertSearchAttributes([{ key: AuthorizationExpiresAt, value: new Date(expiresAt) }]);
    } else if (
      state.authorization?.paymentIntentId === intentId &&
      result.paymentIntent.status !== 'requires_capture'
    ) {
      delete state.authorization;
      upsertSearchAttributes([{ key: AuthorizationExpiresAt, value: null }]);
    }
  }

  /** Returns true when the intent is new to this order. */
  function addIntent(paymentIntentId: string): boolean {
    if (state.paymentIntentIds.includes(paymentIntentId)) return false;
    state.paymentIntentIds.push(paymentIntentId);
    return true;
  }

  /** `publishIntents` false: new intents alone are no reason to upsert; they go with the next upsert. */
  function applyOrder(summary: OrderPaymentSummary, intentAdded = false, publishIntents = true): void {
    let intentsChanged = intentAdded;
    for (const id of summary.paymentIntentIds ?? []) intentsChanged = addIntent(id) || intentsChanged;
    if (fromStart) {
      applySummary(summary);
      publishSearchAttributes(publishIntents);
      return;
    }
    const statusChanged = state.paymentStatus !== summary.paymentStatus;
    const referenceChanged = state.orderReference !== summary.reference;
    applySummary(summary);
    // Search attribute updates are history events: only when something an operator filters on changed.
    const updates = [
      ...(referenceChanged ? [{ key: MonstockOrderReference, value: summary.reference }] : []),
      ...(statusChanged ? [{ key: OrderPaymentStatus, value: summary.paymentStatus }] : []),
      ...(intentsChanged ? [{ key: StripePaymentIntentIds, value: [...state.paymentIntentIds] }] : []),
    ];
    if (updates.length > 0) upsertSearchAttributes(updates);
  }

  function applySummary(summary: OrderPaymentSummary): void {
    state.orderReference = summary.reference;
    state.currency = summary.currency;
    state.totalAmount = summary.totalAmount;
    state.amountPaid = summary.amountPaid;
    state.amountRefunded = summary.amountRefunded;
    state.paymentStatus = summary.paymentStatus;
    state.balance =
      summary.amountPaid > 0 ? summary.amountPaid - summary.amountRefunded - summary.totalAmount : undefined;
  }

  /** Under SEARCH_ATTRIBUTES_AT_START_PATCH, the intents the run does not show yet, as an update (then shown). */
  function unshownIntents(): Array<{ key: typeof StripePaymentIntentIds; value: string[] }> {
    if (!fromStart || !intentsUnshown()) return [];
    shown.intentIds = [...state.paymentIntentIds];
    return [{ key: StripePaymentIntentIds, value: shown.intentIds }];
  }

  function intentsUnshown(): boolean {
    return (
      state.paymentIntentIds.length !== shown.intentIds.length ||
      state.paymentIntentIds.some((id, index) => shown.intentIds[index] !== id)
    );
  }

  /** Upserts what differs from what the run shows; unshown intents only with `publishIntents` or another update. */
  function publishSearchAttributes(publishIntents: boolean): void {
    const referenceChanged = state.orderReference !== undefined && shown.reference !== state.orderReference;
    const statusChanged = state.paymentStatus !== undefined && shown.status !== state.paymentStatus;
    const withIntents = intentsUnshown() && (publishIntents || referenceChanged || statusChanged);
    if (!referenceChanged && !statusChanged && !withIntents) return;
    const intentIds = [...state.paymentIntentIds];
    upsertSearchAttributes([
      ...(referenceChanged ? [{ key: MonstockOrderReference, value: state.orderReference! }] : []),
      ...(statusChanged ? [{ key: OrderPaymentStatus, value: state.paymentStatus! }] : []),
      ...(withIntents ? [{ key: StripePaymentIntentIds, value: intentIds }] : []),
    ]);
    if (referenceChanged) shown.reference = state.orderReference;
    if (statusChanged) shown.status = state.paymentStatus;
    if (withIntents) shown.intentIds = intentIds;
  }
}

/**
 * The activity's own refusal, once its retries are over: an activity's arrives wrapped in an
 * ActivityFailure; a local activity's (the lean path) arrives as the ApplicationFailure itself.
 */
function permanentFailureOf(error: unknown): ApplicationFailure | undefined {
  if (error instanceof ActivityFailure) return error.cause instanceof ApplicationFailure ? error.cause : undefined;
  return error instanceof ApplicationFailure ? error : undefined;
}
