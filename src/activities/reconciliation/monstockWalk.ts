import type { Order } from '../../monstock/schemas';
import type { PaymentIntentSnapshot } from '../../payments/paymentIntentSnapshot';
import { compareIntent, compareOrder, type Discrepancy } from '../../reconciliation/compare';
import { addToDaily, addToTotals, utcDay } from '../../reconciliation/totals';
import { createdInWindow } from '../../reconciliation/window';
import type { ReconciliationFinding } from '../../shared/reconciliation';
import { readPaymentIntentSnapshot } from '../../stripe/readPaymentIntentSnapshot';
import { orMissing } from '../../stripe/missing';
import { honouringRateLimit } from './monstockRetry';
import { forEachItem, walkPages } from './pageWalk';
import { finishPage, lastSavePoint, record } from './progress';
import { readSeenIntents } from './reportFiles';
import { checkRefundRequests } from './refundRequestCheck';
import { actOnIntent, actOnOrder } from './repairs';
import type { ReconcilePagesInput, ReconcilePagesResult, ReconciliationContext } from './types';

export function createReconcileMonstockPages(context: ReconciliationContext) {
  /**
   * Pages through Monstock's orders changed in the window: Stripe-labelled money no payment
   * intent backs, intents created before the window (the Stripe walk did not see them), and
   * orders without an intent when the connector creates them.
   */
  return async function reconcileMonstockPages(input: ReconcilePagesInput): Promise<ReconcilePagesResult> {
    return walkPages(input, async (progress) => {
      const to = Date.parse(input.window.to);
      const seen = await readSeenIntents(context.database, input.reportId);
      return {
        async readPage() {
          const listed = () =>
            context.monstock.listOrders({
              updatedSince: input.window.from,
              limit: Math.min(input.pageSize, 200),
              ...(progress.cursor ? { cursor: progress.cursor } : {}),
            });
          const page = await honouringRateLimit(listed, () => lastSavePoint(progress));
          // Monstock lists by (updatedAt, id): past the window's end, the rest is the next window's.
          const inWindow = page.data.filter((order) => Date.parse(order.updatedAt) < to);
          const pageFindings: ReconciliationFinding[] = [];
          await forEachItem(progress, inWindow, async (order) => {
            pageFindings.push(...(await reconcileOrder(context, input, order, progress, seen)));
          });
          await finishPage(context.database, input, progress, 'monstock', pageFindings);
          progress.done = !page.nextCursor || inWindow.length < page.data.length;
          if (page.nextCursor) progress.cursor = page.nextCursor;
        },
      };
    });
  };
}

async function reconcileOrder(
  context: ReconciliationContext,
  input: ReconcilePagesInput,
  order: Order,
  progress: ReconcilePagesResult,
  seen: ReadonlySet<string>,
): Promise<ReconciliationFinding[]> {
  progress.counts.orders += 1;
  progress.counts.items += 1;
  const { found, intentIds } = compareOrder(order, { checkOrderIntents: input.checkOrderIntents });
  const findings: ReconciliationFinding[] = [];
  for (const discrepancy of found) {
    if (discrepancy.kind === 'paid_without_stripe_money') {
      const currency = discrepancy.currency ?? order.currency;
      const amount = discrepancy.monstock?.amount ?? 0;
      addToTotals(progress.totals, currency, { monstockRecorded: amount });
      addToDaily((progress.daily ??= {}), utcDay(Date.parse(order.updatedAt)), currency, { recorded: amount });
    }
    findings.push(await actOnOrder(context, input, progress, order, discrepancy));
  }
  const read = new Map<string, PaymentIntentSnapshot>();
  for (const intentId of intentIds) {
    // The Stripe walk compared (and repaired) it already: no need to ask Stripe again.
    if (seen.has(intentId)) continue;
    const snapshot = await snapshotOrMissing(context, intentId);
    if (snapshot) read.set(intentId, snapshot);
    if (!snapshot) {
      const missing = orderPaymentsWithoutIntent(order, intentId);
      findings.push(...missing.map((d) => record(progress, { ...d, action: 'reported' })));
      continue;
    }
    // Created in the window: the Stripe walk compares it (and repairs it) already.
    if (createdInWindow(snapshot.created, input.window)) continue;
    const found = compareIntent(snapshot, { kind: 'order', order }, { now: context.now() });
    findings.push(...(await actOnIntent(context, input, progress, snapshot, found, undefined)));
  }
  findings.push(...(await checkRefundRequests(context, input, progress, order, intentIds, read)));
  return findings;
}

async function snapshotOrMissing(
  context: ReconciliationContext,
  paymentIntentId: string,
): Promise<PaymentIntentSnapshot | undefined> {
  return orMissing(readPaymentIntentSnapshot(context.stripe, paymentIntentId));
}

/** A Stripe intent id the order names that Stripe does not know: its succeeded payments have no Stripe money. */
function orderPaymentsWithoutIntent(order: Order, intentId: string): Discrepancy[] {
  return order.payments
    .filter((p) => p.transactionRef === intentId && p.kind === 'payment' && p.status === 'succeeded')
    .map((p) => ({
      kind: 'paid_without_stripe_money' as const,
      repairable: false,
      orderId: order.id,
      paymentIntentId: intentId,
      transactionRef: p.transactionRef,
      movementKind: 'payment' as const,
      currency: p.currency,
      monstock: { status: p.status, amount: p.amount, currency: p.currency },
      detail: `Monstock order ${order.id} shows ${intentId} succeeded; Stripe has no such payment intent`,
    }));
}
