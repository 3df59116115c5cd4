import type { Order } from '../../monstock/schemas';
import type { PaymentIntentSnapshot } from '../../payments/paymentIntentSnapshot';
import {
  compareRefundRequests,
  mayHaveRefundRequests,
  type OrderRefund,
} from '../../reconciliation/compareRefundRequests';
import type { ReconciliationFinding } from '../../shared/reconciliation';
import { readPaymentIntentSnapshot } from '../../stripe/readPaymentIntentSnapshot';
import { orMissing } from '../../stripe/missing';
import { honouringRateLimit } from './monstockRetry';
import { lastSavePoint } from './progress';
import { actOnRefundRequests } from './repairs';
import type { ReconcilePagesInput, ReconcilePagesResult, ReconciliationContext } from './types';

/**
 * The refund requests of one order the Monstock walk read, against Stripe's refunds of its
 * intents. Bounded cost: one Monstock call only for an order that may have requests
 * (`mayHaveRefundRequests`: paid, and a refund shows or the order moved since its last movement),
 * and Stripe is read only for intents the walk has not read already, and only when the order has
 * requests or refunds to compare. Orders outside the window are not looked at: a request moves its
 * order's updatedAt, so a request made in the window is on an order of the window.
 */
export async function checkRefundRequests(
  context: ReconciliationContext,
  input: ReconcilePagesInput,
  progress: ReconcilePagesResult,
  order: Order,
  intentIds: readonly string[],
  read: Map<string, PaymentIntentSnapshot>,
): Promise<ReconciliationFinding[]> {
  if (!mayHaveRefundRequests(order)) return [];
  const requests = await honouringRateLimit(
    () => context.monstock.listRefundRequests(order.id),
    () => lastSavePoint(progress),
  );
  if (requests.length === 0 && !order.payments.some((p) => p.kind === 'refund')) return [];
  const refunds: OrderRefund[] = [];
  for (const intentId of intentIds) {
    let snapshot = read.get(intentId);
    if (!snapshot) {
      snapshot = await orMissing(readPaymentIntentSnapshot(context.stripe, intentId));
      if (snapshot) read.set(intentId, snapshot);
    }
    for (const refund of snapshot?.refunds ?? []) refunds.push({ ...refund, paymentIntentId: intentId });
  }
  const found = compareRefundRequests(order.id, requests, refunds, context.now());
  return actOnRefundRequests(context, input, progress, order, found);
}
