import type { Payment } from '../monstock/schemas';
import type { PaymentMovement } from '../shared/orderPayment';
import { CurrencyAmountError, toMonstockAmount, toMonstockCurrency } from './money';
import type { ChargeSnapshot, DisputeSnapshot, PaymentIntentSnapshot, RefundSnapshot } from './paymentIntentSnapshot';

/**
 * The movements Monstock should show for one payment intent, derived from Stripe's current truth.
 * Because it looks only at the latest objects, duplicated, late or reordered webhooks cannot
 * push an order backwards: whatever arrives, the answer is what Stripe shows now.
 *
 * - the payment itself: keyed by the payment intent id; pending while the customer has to act
 *   (3-D Secure: pendingReason requires_action) or the bank settles (SEPA, Klarna: pendingReason
 *   processing), succeeded once paid (with fee and net), failed if a payment we saw pending fails
 *   (an async debit that bounces, an authentication that fails);
 * - an authorisation (manual capture, captured at shipment): authorized for the amount capturable
 *   (no fee or net: no money moved yet), succeeded once captured (the amount captured, with fee and
 *   net), canceled when it is released (failureReason `authorization_released`: the merchant
 *   cancelled it) or lapsed unused (`authorization_expired`: Stripe's `cancellation_reason:
 *   automatic`);
 * - each declined attempt: keyed by its charge id, status failed, with the reason;
 * - each refund: keyed by its id (pending, succeeded, failed);
 * - each dispute: keyed by its id (needs_response, won, lost).
 *
 * Every amount (and fee and net) leaves here in Monstock minor units (ISO 4217), converted from
 * Stripe's unit by toMonstockAmount in the currency of the Stripe object it comes from; an amount
 * that cannot convert exactly throws CurrencyAmountError (nothing is rounded).
 */
export function movementsFromStripe(
  snapshot: PaymentIntentSnapshot,
  recorded: readonly Payment[] = [],
): PaymentMovement[] {
  const movements: PaymentMovement[] = [];
  const succeededCharge = snapshot.charges.find((charge) => charge.status === 'succeeded');
  const pendingCharge = snapshot.charges.find((charge) => charge.status === 'pending');
  const recordedIntent = recorded.find(
    (payment) => payment.kind === 'payment' && payment.transactionRef === snapshot.id,
  );
  // Monstock already shows this intent as a payment that waited (pending, or pending then failed).
  const shownAsAsync = recordedIntent?.status === 'pending' || recordedIntent?.status === 'failed';
  const lastCharge = latestCharge(snapshot);

  if (snapshot.status === 'succeeded' && succeededCharge) {
    movements.push(paymentMovement(snapshot, succeededCharge, 'succeeded'));
  } else if (snapshot.status === 'requires_capture') {
    movements.push(authorisationMovement(snapshot, succeededCharge ?? lastCharge, 'authorized'));
  } else if (snapshot.status === 'canceled' && wasAuthorised(snapshot, recordedIntent)) {
    movements.push({
      ...authorisationMovement(snapshot, succeededCharge ?? lastCharge, 'canceled'),
      failureReason: snapshot.cancellationReason === 'automatic' ? 'authorization_expired' : 'authorization_released',
    });
  } else if (snapshot.status === 'processing' || pendingCharge) {
    movements.push({
      ...paymentMovement(snapshot, pendingCharge ?? latestCharge(snapshot), 'pending'),
      pendingReason: 'processing',
    });
  } else if (snapshot.status === 'requires_action') {
    // The customer is mid-authentication (3-D Secure) or has to act elsewhere: nothing is paid yet,
    // but the order shows why it is unpaid.
    movements.push({ ...paymentMovement(snapshot, lastCharge, 'pending'), pendingReason: 'requires_action' });
  } else if (shownAsAsync) {
    // A payment we showed as pending (SEPA debit, 3-D Secure) has failed: say so on the same line.
    // A failed 3-D Secure authentication leaves no charge: the intent's own error says why.
    const reason = failureReason(lastCharge);
    movements.push({
      ...paymentMovement(snapshot, lastCharge, 'failed'),
      ...(reason.failureReason ? reason : intentFailureReason(snapshot)),
    });
  }

  for (const charge of snapshot.charges) {
    if (charge.status !== 'failed') continue;
    if (shownAsAsync && charge.id === lastCharge?.id && snapshot.status !== 'succeeded') continue;
    movements.push({
      kind: 'payment',
      transactionRef: charge.id,
      amount: toMonstockAmount(charge.amount, charge.currency),
      currency: toMonstockCurrency(charge.currency),
      status: 'failed',
      occurredAt: isoFromUnix(charge.created),
      ...method(charge),
      ...failureReason(charge),
    });
  }

  for (const refund of snapshot.refunds) movements.push(refundMovement(refund));
  for (const dispute of snapshot.disputes) movements.push(disputeMovement(dispute));
  return movements;
}

/** The movements that Monstock does not show yet as they should be: new ones and changed statuses. */
export function movementsToWrite(desired: readonly PaymentMovement[], recorded: readonly Payment[]): PaymentMovement[] {
  return desired.filter((movement) => {
    const existing = recorded.find(
      (payment) => payment.kind === movement.kind && payment.transactionRef === movement.transactionRef,
    );
    if (!existing) return true;
    if (existing.status !== movement.status) return true;
    // Waiting on the customer, then on the bank: same status, a new reason to show.
    if (movement.pendingReason !== undefined && existing.pendingReason !== movement.pendingReason) return true;
    // A failure recorded without its reason (before the intent's own error was read) gets it once.
    if (movement.failureReason !== undefined && existing.failureReason === undefined) return true;
    // Fee and net arrive with the balance transaction, sometimes after the payment itself.
    if (movement.feeAmount !== undefined && existing.feeAmount === undefined) return true;
    // A movement written before Monstock knew the settlement currency gets it once.
    return movement.settlementCurrency !== undefined && existing.settlementCurrency !== movement.settlementCurrency;
  });
}

/** A held authorisation moved no money: no fee, no net; its amount is what was (or could have been) captured. */
function authorisationMovement(
  snapshot: PaymentIntentSnapshot,
  charge: ChargeSnapshot | undefined,
  status: 'authorized' | 'canceled',
): PaymentMovement {
  const capturable = snapshot.amountCapturable ?? 0;
  const stripeAmount = capturable > 0 ? capturable : (charge?.amount ?? snapshot.amount);
  return {
    kind: 'payment',
    transactionRef: snapshot.id,
    amount: toMonstockAmount(stripeAmount, snapshot.currency),
    currency: toMonstockCurrency(snapshot.currency),
    status,
    occurredAt: isoFromUnix(charge?.created ?? snapshot.created),
    ...method(charge),
  };
}

/** A canceled intent held money before: an uncaptured charge, or Monstock shows it authorised. */
function wasAuthorised(snapshot: PaymentIntentSnapshot, recordedIntent: Payment | undefined): boolean {
  return (
    recordedIntent?.status === 'authorized' ||
    snapshot.charges.some((charge) => charge.status === 'succeeded' && charge.captured === false)
  );
}

function paymentMovement(
  snapshot: PaymentIntentSnapshot,
  charge: ChargeSnapshot | undefined,
  status: 'succeeded' | 'pending' | 'failed',
): PaymentMovement {
  const stripeAmount =
    status === 'succeeded'
      ? snapshot.amountReceived || (charge?.amount ?? 0) || snapshot.amount
      : (charge?.amount ?? snapshot.amount);
  const amount = toMonstockAmount(stripeAmount, snapshot.currency);
  const currency = toMonstockCurrency(snapshot.currency);
  return {
    kind: 'payment',
    transactionRef: snapshot.id,
    amount,
    currency,
    status,
    occurredAt: isoFromUnix(charge?.created ?? snapshot.created),
    ...method(charge),
    ...(status === 'succeeded' && charge ? feeAndNet(charge, amount, currency) : {}),
  };
}

/**
 * Fee and net in Monstock minor units of the settlement currency (the balance transaction's).
 * When Stripe converted the charge to settle it in another currency, fee and net are in that
 * currency and `settlementCurrency` names it (upper case, as Monstock writes currencies); the
 * payment's own amount stays in the charge's currency. A fee Stripe
 * keeps with a fraction the ISO unit cannot express (ISK 145.30: Stripe counts ISK in hundredths)
 * is not rounded and does not hold back the payment: the payment is written without fee and net,
 * which stay unknown on Monstock (visible in Stripe's balance transaction).
 */
function feeAndNet(
  charge: ChargeSnapshot,
  amount: number,
  currency: string,
): Pick<PaymentMovement, 'feeAmount' | 'netAmount' | 'settlementCurrency'> {
  if (charge.feeAmount === undefined) return {};
  const settlement = charge.settlementCurrency ?? charge.currency;
  const converted = toMonstockCurrency(settlement) !== currency;
  // Net without the balance transaction's own figure: amount less fee, only when both share a currency.
  if (charge.netAmount === undefined && converted) return {};
  try {
    const feeAmount = toMonstockAmount(charge.feeAmount, settlement);
    const netAmount =
      charge.netAmount !== undefined ? toMonstockAmount(charge.netAmount, settlement) : amount - feeAmount;
    return { feeAmount, netAmount, ...(converted ? { settlementCurrency: toMonstockCurrency(settlement) } : {}) };
  } catch (error) {
    if (error instanceof CurrencyAmountError) return {};
    throw error;
  }
}

function refundMovement(refund: RefundSnapshot): PaymentMovement {
  const status =
    refund.status === 'succeeded'
      ? 'succeeded'
      : refund.status === 'failed' || refund.status === 'canceled'
        ? 'failed'
        : 'pending';
  return {
    kind: 'refund',
    transactionRef: refund.id,
    amount: toMonstockAmount(refund.amount, refund.currency),
    currency: toMonstockCurrency(refund.currency),
    status,
    occurredAt: isoFromUnix(refund.created),
    ...(status === 'failed' && refund.failureReason ? { failureReason: refund.failureReason } : {}),
  };
}

/** Stripe has nine dispute statuses; Monstock has three. Anything still open needs a response. */
export function disputeStatus(stripeStatus: string): 'needs_response' | 'won' | 'lost' {
  if (stripeStatus === 'won' || stripeStatus === 'warning_closed' || stripeStatus === 'prevented') return 'won';
  if (stripeStatus === 'lost') return 'lost';
  return 'needs_response';
}

function disputeMovement(dispute: DisputeSnapshot): PaymentMovement {
  return {
    kind: 'dispute',
    transactionRef: dispute.id,
    amount: toMonstockAmount(dispute.amount, dispute.currency),
    currency: toMonstockCurrency(dispute.currency),
    status: disputeStatus(dispute.status),
    occurredAt: isoFromUnix(dispute.created),
    ...(dispute.reason ? { failureReason: dispute.reason } : {}),
  };
}

function latestCharge(snapshot: PaymentIntentSnapshot): ChargeSnapshot | undefined {
  return (
    snapshot.charges.find((charge) => charge.id === snapshot.latestChargeId) ??
    [...snapshot.charges].sort((a, b) => b.created - a.created)[0]
  );
}

function method(charge: ChargeSnapshot | undefined): Pick<PaymentMovement, 'method' | 'methodDetails'> {
  return {
    ...(charge?.methodType ? { method: charge.methodType } : {}),
    ...(charge?.methodDetails ? { methodDetails: charge.methodDetails } : {}),
  };
}

function failureReason(charge: ChargeSnapshot | undefined): Pick<PaymentMovement, 'failureReason'> {
  if (!charge) return {};
  return reasonFrom(charge.failureCode, charge.declineCode, charge.failureMessage);
}

/** "code/decline: message", each part only when Stripe gave it (the decline code once). */
function reasonFrom(
  code: string | undefined,
  declineCode: string | undefined,
  message: string | undefined,
): Pick<PaymentMovement, 'failureReason'> {
  const parts = [code, declineCode && declineCode !== code ? declineCode : undefined].filter(Boolean);
  const reason = [parts.join('/'), message].filter(Boolean).join(': ');
  return reason ? { failureReason: reason } : {};
}

function intentFailureReason(snapshot: PaymentIntentSnapshot): Pick<PaymentMovement, 'failureReason'> {
  const error = snapshot.lastPaymentError;
  if (!error) return {};
  return reasonFrom(error.code, error.declineCode, error.message);
}

function isoFromUnix(seconds: number): string {
  return new Date(seconds * 1000).toISOString();
}
