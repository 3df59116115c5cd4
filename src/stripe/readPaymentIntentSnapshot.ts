import type Stripe from 'stripe';
import type {
  ChargeSnapshot,
  DisputeSnapshot,
  PaymentIntentSnapshot,
  RefundSnapshot,
} from '../payments/paymentIntentSnapshot';
import { REFUND_REQUEST_ID_KEY } from '../payments/refundPlan';

/**
 * Reads one payment intent and everything that moved money on it, fresh from Stripe, and keeps
 * only what the connector needs (no card numbers, no customer data).
 */
export async function readPaymentIntentSnapshot(
  stripe: Stripe,
  paymentIntentId: string,
): Promise<PaymentIntentSnapshot> {
  const [intent, charges, refunds, disputes] = await Promise.all([
    stripe.paymentIntents.retrieve(paymentIntentId),
    listCharges(stripe, paymentIntentId),
    listRefunds(stripe, paymentIntentId),
    listDisputes(stripe, paymentIntentId),
  ]);
  return snapshotOf(intent, charges, refunds, disputes);
}

/**
 * Refunds or disputes the caller already knows of (the order shows some), so they are read whatever the charges say.
 */
export interface SnapshotHints {
  refunds: boolean;
  disputes: boolean;
}

/**
 * The same snapshot for an intent already in hand (a list page), with as few requests as the
 * charges allow: none without a charge; one for the charges; refunds only when a charge shows an
 * amount refunded, disputes only when one is disputed (Stripe keeps both flags), or when the
 * hints say the order knows of some. Reconciliation reads thousands of intents under Stripe's
 * rate limit, so one request instead of four is four times the payments per second.
 */
export async function readListedIntentSnapshot(
  stripe: Stripe,
  intent: Stripe.PaymentIntent,
  hints: SnapshotHints,
): Promise<PaymentIntentSnapshot> {
  const charges = idOf(intent.latest_charge) ? await listCharges(stripe, intent.id) : [];
  return completeSnapshot(stripe, intent, charges, hints);
}

/**
 * The snapshot for an order workflow's sync, in one request when the intent has a charge: its
 * charges, each with its balance transaction and the intent itself expanded, read together (so the
 * intent and its charges are one moment's truth, and no request is spent on the intent alone). An
 * intent without a charge yet (3-D Secure pending, cancelled unpaid) is then retrieved; refunds and
 * disputes only when the charges or the hints say there are some. Every earlier charge (a declined
 * attempt) is still in the list, so nothing the order should show is skipped to save the request.
 */
export async function readPaymentIntentSnapshotFor(
  stripe: Stripe,
  paymentIntentId: string,
  hints: Promise<SnapshotHints>,
): Promise<PaymentIntentSnapshot> {
  const [{ intent, charges }, known] = await Promise.all([readIntentWithCharges(stripe, paymentIntentId), hints]);
  return completeSnapshot(stripe, intent, charges, known);
}

async function readIntentWithCharges(
  stripe: Stripe,
  paymentIntentId: string,
): Promise<{ intent: Stripe.PaymentIntent; charges: Stripe.Charge[] }> {
  const charges = await listChargesWithIntent(stripe, paymentIntentId);
  const listed = expandedIntentOf(charges);
  if (listed) return { intent: listed, charges };
  const intent = await stripe.paymentIntents.retrieve(paymentIntentId);
  // A first charge made between the two reads: read the charges again, so the snapshot never shows
  // an intent that names a charge without that charge (a paid intent without its payment).
  return { intent, charges: idOf(intent.latest_charge) ? await listCharges(stripe, paymentIntentId) : [] };
}

/** The intent as expanded on the newest charge (every charge of the list carries the same one). */
function expandedIntentOf(charges: Stripe.Charge[]): Stripe.PaymentIntent | undefined {
  const intent = charges[0]?.payment_intent;
  return typeof intent === 'object' && intent !== null ? intent : undefined;
}

/** Refunds and disputes are read when a charge shows some (Stripe keeps both flags) or the caller knows of some. */
async function completeSnapshot(
  stripe: Stripe,
  intent: Stripe.PaymentIntent,
  charges: Stripe.Charge[],
  hints: SnapshotHints,
): Promise<PaymentIntentSnapshot> {
  const refunded = hints.refunds || charges.some((charge) => charge.amount_refunded > 0 || charge.refunded);
  const disputed = hints.disputes || charges.some((charge) => charge.disputed);
  const [refunds, disputes] = await Promise.all([
    refunded ? listRefunds(stripe, intent.id) : [],
    disputed ? listDisputes(stripe, intent.id) : [],
  ]);
  return snapshotOf(intent, charges, refunds, disputes);
}

/** What an order already shows that the charges alone might not reveal (a refund that later failed, say). */
export function hintsFromRecorded(payments: ReadonlyArray<{ kind: string }>): SnapshotHints {
  return { refunds: payments.some((p) => p.kind === 'refund'), disputes: payments.some((p) => p.kind === 'dispute') };
}

async function listCharges(stripe: Stripe, paymentIntentId: string): Promise<Stripe.Charge[]> {
  return (
    await stripe.charges.list({ payment_intent: paymentIntentId, limit: 100, expand: ['data.balance_transaction'] })
  ).data;
}

async function listChargesWithIntent(stripe: Stripe, paymentIntentId: string): Promise<Stripe.Charge[]> {
  return (
    await stripe.charges.list({
      payment_intent: paymentIntentId,
      limit: 100,
      expand: ['data.balance_transaction', 'data.payment_intent'],
    })
  ).data;
}

async function listRefunds(stripe: Stripe, paymentIntentId: string): Promise<Stripe.Refund[]> {
  return (await stripe.refunds.list({ payment_intent: paymentIntentId, limit: 100 })).data;
}

async function listDisputes(stripe: Stripe, paymentIntentId: string): Promise<Stripe.Dispute[]> {
  return (await stripe.disputes.list({ payment_intent: paymentIntentId, limit: 100 })).data;
}

function snapshotOf(
  intent: Stripe.PaymentIntent,
  charges: Stripe.Charge[],
  refunds: Stripe.Refund[],
  disputes: Stripe.Dispute[],
): PaymentIntentSnapshot {
  return {
    id: intent.id,
    status: intent.status,
    amount: intent.amount,
    amountReceived: intent.amount_received,
    ...(intent.amount_capturable ? { amountCapturable: intent.amount_capturable } : {}),
    ...(intent.cancellation_reason !== null && intent.cancellation_reason !== undefined
      ? { cancellationReason: intent.cancellation_reason }
      : {}),
    currency: intent.currency,
    created: intent.created,
    ...lastPaymentErrorOf(intent),
    ...(idOf(intent.latest_charge) ? { latestChargeId: idOf(intent.latest_charge)! } : {}),
    metadata: { ...intent.metadata },
    charges: charges.map(chargeSnapshot),
    refunds: refunds.map(refundSnapshot),
    disputes: disputes.map(disputeSnapshot),
  };
}

/** Only the codes and Stripe's message: the error also carries the payment method, which stays out. */
function lastPaymentErrorOf(intent: Stripe.PaymentIntent): Pick<PaymentIntentSnapshot, 'lastPaymentError'> {
  const error = intent.last_payment_error;
  if (!error) return {};
  const lastPaymentError = {
    ...(error.code !== undefined && error.code !== '' ? { code: error.code } : {}),
    ...(error.decline_code ? { declineCode: error.decline_code } : {}),
    ...(error.message ? { message: error.message } : {}),
  };
  return Object.keys(lastPaymentError).length > 0 ? { lastPaymentError } : {};
}

export function chargeSnapshot(charge: Stripe.Charge): ChargeSnapshot {
  const details = charge.payment_method_details;
  const expanded =
    typeof charge.balance_transaction === 'object' && charge.balance_transaction
      ? charge.balance_transaction
      : undefined;
  // Fee and net are in the settlement currency, which differs from the charge's when Stripe converted.
  const balance = expanded;
  const methodType = details?.type;
  const last4 = details?.card?.last4 ?? details?.sepa_debit?.last4 ?? undefined;
  const label = details?.card?.brand ?? methodType;
  return {
    id: charge.id,
    status: charge.status,
    amount: charge.amount,
    currency: charge.currency,
    created: charge.created,
    ...(charge.status === 'succeeded' ? { captured: charge.captured } : {}),
    ...(typeof details?.card?.capture_before === 'number' ? { captureBefore: details.card.capture_before } : {}),
    ...(methodType ? { methodType } : {}),
    ...(label && last4 ? { methodDetails: `${label} ****${last4}` } : {}),
    ...(charge.failure_code ? { failureCode: charge.failure_code } : {}),
    ...(charge.failure_message ? { failureMessage: charge.failure_message } : {}),
    ...(charge.outcome?.reason && charge.status === 'failed' ? { declineCode: charge.outcome.reason } : {}),
    ...(balance ? { feeAmount: balance.fee, netAmount: balance.net, settlementCurrency: balance.currency } : {}),
  };
}

function refundSnapshot(refund: Stripe.Refund): RefundSnapshot {
  return {
    id: refund.id,
    status: refund.status ?? 'pending',
    amount: refund.amount,
    currency: refund.currency,
    created: refund.created,
    ...(refund.failure_reason ? { failureReason: refund.failure_reason } : {}),
    ...(refund.metadata?.[REFUND_REQUEST_ID_KEY] ? { refundRequestId: refund.metadata[REFUND_REQUEST_ID_KEY] } : {}),
  };
}

function disputeSnapshot(dispute: Stripe.Dispute): DisputeSnapshot {
  return {
    id: dispute.id,
    status: dispute.status,
    amount: dispute.amount,
    currency: dispute.currency,
    created: dispute.created,
    ...(dispute.reason ? { reason: dispute.reason } : {}),
  };
}

function idOf(value: string | { id: string } | null | undefined): string | undefined {
  if (value === null || value === undefined) return undefined;
  return (typeof value === 'string' ? value : value.id) || undefined;
}
