import type { Order, RefundRequest } from '../monstock/schemas';
import { toMonstockAmount, toMonstockCurrency } from '../payments/money';
import type { RefundSnapshot } from '../payments/paymentIntentSnapshot';
import type { Discrepancy } from './compare';

/**
 * Monstock's refund requests against Stripe's refunds, as a pure function. A request is the
 * connector's to carry out (the order workflow's `processRefundRequests`): one still open past a
 * grace period, or whose status Stripe contradicts, is handed back to the order workflow (an
 * `order.refund_requested` change), which reads both sides again and writes Stripe's truth. A
 * Stripe refund naming a request that does not know it is for a person: nothing says which is right.
 */

/** A request this young may simply be in the order workflow's hands now. */
export const REFUND_REQUEST_GRACE_MS = 15 * 60 * 1000;

/** A Stripe refund of one of the order's payment intents. */
export interface OrderRefund extends RefundSnapshot {
  paymentIntentId: string;
}

const OPEN = new Set(['requested', 'processing']);
const LIVE = (refund: RefundSnapshot) => refund.status !== 'failed' && refund.status !== 'canceled';

/**
 * Whether an order read by the Monstock walk may have refund requests worth a Monstock call: money
 * came in, and either a refund shows or something other than a movement moved the order since the
 * last one was recorded (a request moves the order's version and updatedAt, and only that).
 */
export function mayHaveRefundRequests(
  order: Pick<Order, 'amountPaid' | 'amountRefunded' | 'payments' | 'updatedAt'>,
): boolean {
  if (order.amountPaid <= 0 && order.amountRefunded <= 0) return false;
  if (order.amountRefunded > 0 || order.payments.some((p) => p.kind === 'refund')) return true;
  const lastRecorded = Math.max(0, ...order.payments.map((p) => Date.parse(p.recordedAt)));
  return Date.parse(order.updatedAt) > lastRecorded;
}

export function compareRefundRequests(
  orderId: string,
  requests: readonly RefundRequest[],
  refunds: readonly OrderRefund[],
  now: number,
): Discrepancy[] {
  const found: Discrepancy[] = [];
  for (const request of requests) {
    const made = refunds.filter((refund) => refund.refundRequestId === request.id);
    const issue = requestIssue(request, made, now);
    if (!issue) continue;
    found.push({
      kind: issue.kind,
      repairable: true,
      orderId,
      refundRequestId: request.id,
      movementKind: 'refund',
      currency: request.currency,
      monstock: { status: request.status, amount: request.amount, currency: request.currency },
      ...(made.length > 0 ? { transactionRef: made[0]!.id, stripe: stripeSide(made) } : {}),
      detail: `Refund request ${request.id} of order ${orderId} (${request.amount} ${request.currency}, ${request.status}): ${issue.why}`,
    });
  }
  for (const refund of refunds) {
    if (refund.refundRequestId === undefined) continue;
    const request = requests.find((r) => r.id === refund.refundRequestId);
    // An open request not listing it yet is the status check's (above), not a stray refund.
    if (request && (request.stripeRefundIds.includes(refund.id) || OPEN.has(request.status))) continue;
    const amount = toMonstockAmount(refund.amount, refund.currency);
    const currency = toMonstockCurrency(refund.currency);
    found.push({
      kind: 'refund_without_request',
      repairable: false,
      orderId,
      paymentIntentId: refund.paymentIntentId,
      transactionRef: refund.id,
      movementKind: 'refund',
      refundRequestId: refund.refundRequestId,
      currency,
      stripe: { status: refund.status, amount, currency },
      ...(request ? { monstock: { status: request.status, amount: request.amount, currency: request.currency } } : {}),
      detail: request
        ? `Stripe refund ${refund.id} (${amount} ${currency}) names refund request ${request.id}, which does not list it (${request.status})`
        : `Stripe refund ${refund.id} (${amount} ${currency}) names refund request ${refund.refundRequestId}, which order ${orderId} does not have`,
    });
  }
  return found;
}

function requestIssue(
  request: RefundRequest,
  made: readonly OrderRefund[],
  now: number,
): { kind: 'refund_request_without_refund' | 'refund_request_status_mismatch'; why: string } | undefined {
  const live = made.filter(LIVE);
  const succeeded = made.filter((refund) => refund.status === 'succeeded');
  if (OPEN.has(request.status)) {
    if (now - Date.parse(request.updatedAt) <= REFUND_REQUEST_GRACE_MS) return undefined;
    if (made.length === 0) return { kind: 'refund_request_without_refund', why: 'no Stripe refund carries its id' };
    const settled = made.every((refund) => refund.status === 'succeeded' || !LIVE(refund));
    if (settled)
      return { kind: 'refund_request_status_mismatch', why: `Stripe's refunds for it are ${statuses(made)}` };
    return undefined;
  }
  if (request.status === 'succeeded' && succeeded.length === 0)
    return {
      kind: 'refund_request_status_mismatch',
      why: made.length === 0 ? 'no Stripe refund carries its id' : `Stripe's refunds for it are ${statuses(made)}`,
    };
  if ((request.status === 'failed' || request.status === 'rejected') && live.length > 0)
    return { kind: 'refund_request_status_mismatch', why: `Stripe's refunds for it are ${statuses(made)}` };
  return undefined;
}

function statuses(refunds: readonly RefundSnapshot[]): string {
  return refunds.map((refund) => `${refund.id} ${refund.status}`).join(', ');
}

function stripeSide(refunds: readonly RefundSnapshot[]): { status: string; amount: number; currency: string } {
  const currency = refunds[0]!.currency;
  const amount = refunds
    .filter(LIVE)
    .reduce((sum, refund) => sum + toMonstockAmount(refund.amount, refund.currency), 0);
  return {
    status: [...new Set(refunds.map((r) => r.status))].join('+'),
    amount,
    currency: toMonstockCurrency(currency),
  };
}
