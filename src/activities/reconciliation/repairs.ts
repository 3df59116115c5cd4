import type { Order } from '../../monstock/schemas';
import type { PaymentIntentSnapshot } from '../../payments/paymentIntentSnapshot';
import { shouldRepairIntent, type Discrepancy } from '../../reconciliation/compare';
import type { MonstockOrderRef, StripeEventRef } from '../../shared/orderPayment';
import { repairEventId, REPAIR_EVENT_TYPE, type ReconciliationFinding } from '../../shared/reconciliation';
import { record } from './progress';
import type { ReconcilePagesInput, ReconcilePagesResult, ReconciliationContext } from './types';

/** Decides and does what each discrepancy of one intent calls for, and counts it. */
export async function actOnIntent(
  context: ReconciliationContext,
  input: ReconcilePagesInput,
  progress: ReconcilePagesResult,
  snapshot: PaymentIntentSnapshot,
  found: Discrepancy[],
  unmatchedReason: string | undefined,
): Promise<ReconciliationFinding[]> {
  if (found.length === 0) return [];
  const event = repairEvent(input.reportId, snapshot.id);
  if (unmatchedReason !== undefined) {
    const signalled = input.repair && context.toUnmatched !== undefined;
    if (signalled) await context.toUnmatched!(input.connectionId, snapshot.id, unmatchedReason, event);
    if (signalled) progress.counts.repairsSent += 1;
    return found.map((d) => record(progress, { ...d, action: signalled ? 'unmatched_signalled' : 'reported' }));
  }
  const safe = shouldRepairIntent(found);
  const orderId = found[0]!.orderId;
  if (input.repair && safe && orderId) {
    await context.deliverToOrder(input.connectionId, orderId, event);
    progress.counts.repairsSent += 1;
  }
  return found.map((d) => {
    const action = !d.repairable || !safe ? 'reported' : input.repair ? 'repair_sent' : 'not_repaired';
    return record(progress, { ...d, action });
  });
}

/** Decides and does what one discrepancy of an order calls for, and counts it. */
export async function actOnOrder(
  context: ReconciliationContext,
  input: ReconcilePagesInput,
  progress: ReconcilePagesResult,
  order: Order,
  discrepancy: Discrepancy,
): Promise<ReconciliationFinding> {
  if (discrepancy.kind === 'order_without_intent' && input.repair && context.orderChanged) {
    const change: MonstockOrderRef = {
      eventId: `reconcile:${input.reportId}:${order.id}`,
      type: 'order.polled',
      orderId: order.id,
      version: order.version,
      updatedAt: order.updatedAt,
    };
    await context.orderChanged(input.connectionId, change);
    progress.counts.repairsSent += 1;
    return record(progress, { ...discrepancy, action: 'order_change_sent' });
  }
  return record(progress, { ...discrepancy, action: discrepancy.repairable ? 'not_repaired' : 'reported' });
}

/**
 * Refund-request findings of one order: what is repairable goes back to the order workflow as one
 * `order.refund_requested` change (never dropped as already applied: the workflow looks at the
 * order's requests again, idempotently), whatever the number of requests concerned.
 */
export async function actOnRefundRequests(
  context: ReconciliationContext,
  input: ReconcilePagesInput,
  progress: ReconcilePagesResult,
  order: Order,
  found: Discrepancy[],
): Promise<ReconciliationFinding[]> {
  const sent = input.repair && context.orderChanged !== undefined && found.some((d) => d.repairable);
  if (sent) {
    const change: MonstockOrderRef = {
      eventId: `reconcile:${input.reportId}:${order.id}:refund-requests`,
      type: 'order.refund_requested',
      orderId: order.id,
      version: order.version,
      updatedAt: order.updatedAt,
    };
    await context.orderChanged!(input.connectionId, change);
    progress.counts.repairsSent += 1;
  }
  return found.map((d) => {
    const action = !d.repairable ? 'reported' : sent ? 'order_change_sent' : 'not_repaired';
    return record(progress, { ...d, action });
  });
}

/** What a repair hands the payment's workflow: a synthetic event, one per run and intent (`repairEventId`). */
function repairEvent(reportId: string, paymentIntentId: string): StripeEventRef {
  return {
    eventId: repairEventId(reportId, paymentIntentId),
    type: REPAIR_EVENT_TYPE,
    created: Math.floor(Date.now() / 1000),
    objectType: 'payment_intent',
    objectId: paymentIntentId,
    paymentIntentId,
  };
}
