import { Context } from '@temporalio/activity';
import type Stripe from 'stripe';
import { DEFAULT_MATCH_RULES, parseMatchRules } from '../../matching/matchRules';
import type { OrderCheck } from '../../matching/orderCheck';
import { OrderMatcher } from '../../matching/orderMatcher';
import type { MonstockClient } from '../../monstock/client';
import { CurrencyAmountError, toMonstockAmount } from '../../payments/money';
import { movementsFromStripe, movementsToWrite } from '../../payments/movementsFromStripe';
import type { PaymentIntentSnapshot } from '../../payments/paymentIntentSnapshot';
import { parseOrderWorkflowId } from '../../shared/ids';
import type { PaymentMovement, StripeEventRef } from '../../shared/orderPayment';
import { hintsFromRecorded, readPaymentIntentSnapshotFor } from '../../stripe/readPaymentIntentSnapshot';
import { withActivityFailures } from '../failures';
import type { DeliverToUnmatched } from '../reconciliation/types';
import { withAmountFailures } from './amountFailures';
import { reportRefundRequestsFromStripe } from './refundRequestReports';
import { summariseOrder, type OrderPaymentSummary } from './recordMovement';

export interface SyncPaymentIntentInput {
  orderId: string;
  paymentIntentId: string;
}

export interface SyncPaymentIntentResult {
  order: OrderPaymentSummary;
  /** The order version before this run's writes (each write adds exactly one). */
  versionRead: number;
  /** Amounts in Monstock minor units (ISO 4217), like every amount the workflow keeps. */
  paymentIntent: { id: string; status: string; amount: number; amountReceived: number; currency: string };
  /** Movements written by this run (empty when Monstock already agreed, or when `refused`). */
  written: Array<Pick<PaymentMovement, 'kind' | 'transactionRef' | 'status' | 'amount' | 'currency'>>;
  /**
   * Set when nothing was written because the intent, as Stripe shows it now, does not name this
   * order: the payment is not this order's (the workflow then keeps neither it nor its intent).
   * `sentToUnmatched`: handed to the payment's unmatched-payment workflow with `reason`; false for
   * another integration's payment (left alone), or when no delivery was wired (reported only).
   */
  refused?: { reason: string; sentToUnmatched: boolean };
  /** While the intent is only authorised (`requires_capture`): when the hold lapses (ISO), from `capture_before`. */
  authorizationExpiresAt?: string;
  /**
   * The intent is authorised and the order has shipped (or was cancelled, the cancellation read
   * before this authorisation reached Monstock): the workflow aligns, which captures (or releases) it.
   */
  awaitingCapture?: true;
}

export interface SyncPaymentIntentClients {
  monstock: MonstockClient;
  stripe: Stripe;
  /** Confirms the order against the fresh intent with the configured match rules (unset: the default rules). */
  matcher?: OrderMatcher;
  /** Where a payment that is not this order's goes; unset, it is only reported (and still not written). */
  toUnmatched?: DeliverToUnmatched;
}

/** What the unmatched-payment workflow receives for a payment refused here. */
export const PAYMENT_REFUSED_EVENT_TYPE = 'connector.payment_not_of_order';

/**
 * Makes the Monstock order show what Stripe shows now for one payment intent. Reads the latest
 * objects, writes only the differences, each keyed by its Stripe id: running it twice, or on a
 * stale or reordered webhook, writes nothing twice.
 *
 * Before any write it confirms that the intent, read fresh from Stripe, names this order by the
 * match rules (`OrderMatcher.confirmOrder`): the event that routed the payment here may have said
 * otherwise (a body signed with a leaked secret, metadata since edited in Stripe). An intent naming
 * another order, or none, is not written: it goes to its unmatched-payment workflow, which matches
 * it again from Stripe's facts. An operator's attach (`retryMatch` with an order id) passes, since
 * attaching first writes the order's id on the intent (the connector's own key, which decides).
 */
export function createSyncPaymentIntent(clients: SyncPaymentIntentClients) {
  const matcher =
    clients.matcher ??
    new OrderMatcher({
      stripe: clients.stripe,
      monstock: clients.monstock,
      settings: { rules: parseMatchRules(DEFAULT_MATCH_RULES), ignore: [] },
    });
  return async function syncPaymentIntent(input: SyncPaymentIntentInput): Promise<SyncPaymentIntentResult> {
    return withAmountFailures(() => withActivityFailures(() => sync(input)));
  };

  async function sync(input: SyncPaymentIntentInput): Promise<SyncPaymentIntentResult> {
    const orderRead = clients.monstock.getOrder(input.orderId);
    const [snapshot, initialOrder] = await Promise.all([
      readPaymentIntentSnapshotFor(
        clients.stripe,
        input.paymentIntentId,
        orderRead.then((order) => hintsFromRecorded(order.payments)),
      ),
      orderRead,
    ]);
    const paymentIntent = {
      id: snapshot.id,
      status: snapshot.status,
      amount: shownAmount(snapshot.amount, snapshot.currency),
      amountReceived: shownAmount(snapshot.amountReceived, snapshot.currency),
      currency: snapshot.currency,
    };
    const check = await matcher.confirmOrder({ id: snapshot.id, metadata: snapshot.metadata }, input.orderId);
    if (check.kind !== 'confirmed') {
      const refused = await refuse(clients.toUnmatched, input, check);
      return {
        order: summariseOrder(initialOrder),
        versionRead: initialOrder.version,
        paymentIntent,
        written: [],
        refused,
      };
    }
    let order = initialOrder;
    const toWrite = movementsToWrite(movementsFromStripe(snapshot, order.payments), order.payments);
    for (const movement of toWrite) {
      order = (await clients.monstock.recordPayment(input.orderId, { ...movement, provider: 'stripe' })).order;
    }
    // After the movements, so the order already shows the refund when its request is reported.
    await reportRefundRequestsFromStripe(clients.monstock, input.orderId, snapshot.refunds);
    return {
      ...authorisation(snapshot, order.status),
      order: summariseOrder(order),
      versionRead: initialOrder.version,
      paymentIntent,
      written: toWrite.map(({ kind, transactionRef, status, amount, currency }) => ({
        kind,
        transactionRef,
        status,
        amount,
        currency,
      })),
    };
  }
}

/**
 * What the workflow needs of an authorisation: its expiry, and whether the order already left the
 * state that waits for shipment (shipped: captured; cancelled: released) so the alignment acts now.
 */
function authorisation(
  snapshot: PaymentIntentSnapshot,
  orderStatus: string,
): Pick<SyncPaymentIntentResult, 'authorizationExpiresAt' | 'awaitingCapture'> {
  if (snapshot.status !== 'requires_capture') return {};
  const captureBefore = snapshot.charges.find((charge) => charge.id === snapshot.latestChargeId)?.captureBefore;
  return {
    ...(captureBefore !== undefined ? { authorizationExpiresAt: new Date(captureBefore * 1000).toISOString() } : {}),
    ...(orderStatus === 'shipped' || orderStatus === 'delivered' || orderStatus === 'cancelled'
      ? { awaitingCapture: true as const }
      : {}),
  };
}

/**
 * The intent's amounts as the workflow shows them, in Monstock minor units. Shown only: an amount
 * that does not convert (a currency the connector does not know, on an intent that may not even be
 * this order's) is shown as Stripe has it; anything written to Monstock converts strictly.
 */
function shownAmount(stripeAmount: number, currency: string): number {
  try {
    return toMonstockAmount(stripeAmount, currency);
  } catch (error) {
    if (error instanceof CurrencyAmountError) return stripeAmount;
    throw error;
  }
}

/**
 * Nothing is written; the payment goes to its unmatched-payment workflow with the reason (another
 * integration's payment is left alone, as the webhook leaves it). Retried with the activity when
 * Temporal cannot take it, so a refused payment is never silently dropped.
 */
async function refuse(
  toUnmatched: DeliverToUnmatched | undefined,
  input: SyncPaymentIntentInput,
  check: Exclude<OrderCheck, { kind: 'confirmed' }>,
): Promise<NonNullable<SyncPaymentIntentResult['refused']>> {
  const reason = `Stripe's payment intent ${input.paymentIntentId} is not Monstock order ${input.orderId}'s: ${check.reason}`;
  const context = activityContext();
  const connectionId = context && parseOrderWorkflowId(context.info.workflowExecution?.workflowId ?? '')?.connectionId;
  const send = check.kind === 'mismatch' && toUnmatched !== undefined && connectionId !== undefined;
  if (send) {
    const event: StripeEventRef = {
      eventId: `not-of-order:${input.orderId}:${input.paymentIntentId}`,
      type: PAYMENT_REFUSED_EVENT_TYPE,
      created: Math.floor(Date.now() / 1000),
      objectType: 'payment_intent',
      objectId: input.paymentIntentId,
      paymentIntentId: input.paymentIntentId,
    };
    await toUnmatched(connectionId, input.paymentIntentId, reason, event);
  }
  context?.log.warn(
    send
      ? 'payment not written: the intent does not name this order; handed to its unmatched-payment workflow'
      : check.kind === 'ignored'
        ? "payment not written: another integration's payment"
        : 'payment not written: the intent does not name this order, and no unmatched delivery is wired',
    { orderId: input.orderId, paymentIntentId: input.paymentIntentId, reason },
  );
  return { reason, sentToUnmatched: send };
}

/** The running activity's context; none when called directly (benchmarks, scripts). */
function activityContext(): Context | undefined {
  try {
    return Context.current();
  } catch {
    return undefined;
  }
}
