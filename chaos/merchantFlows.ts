import type { MonstockClient } from '../src/monstock/client';
import type { OrderLine } from '../src/monstock/schemas';
import type { LedgerEntry } from './ledger';
import { monstockRetry } from './monstockRetry';
import { refundRequestExpected, type OrderPlan } from './orderPlan';

/**
 * The shop's Monstock-side actions after the buyer paid: shipping (after removing a line, maybe)
 * or cancelling an order held for capture at shipment, and asking refunds through Monstock's
 * refund requests. Each is written to the order's ledger entry as it is done.
 */
export async function shipOrCancel(
  monstock: MonstockClient,
  entry: LedgerEntry,
  plan: OrderPlan,
  lines: readonly OrderLine[],
): Promise<void> {
  const capture = plan.capture;
  if (!capture) return;
  if (capture.kind === 'cancel') {
    await monstockRetry(() => monstock.updateOrder(entry.orderId, { status: 'cancelled' }));
    entry.capture = { outcome: 'cancelled', amountDue: undefined, reduced: false };
    entry.orderStatus = 'cancelled';
    return;
  }
  if (capture.kind === 'reduceThenShip') {
    // The last line is the one the shop no longer sends.
    const kept = lines.slice(0, -1);
    await monstockRetry(() => monstock.updateOrder(entry.orderId, { lines: kept }));
    entry.totalAmount = kept.reduce((sum, line) => sum + line.quantity * line.unitAmount, 0);
  }
  await monstockRetry(() => monstock.updateOrder(entry.orderId, { status: 'shipped' }));
  entry.capture = { outcome: 'shipped', amountDue: entry.totalAmount, reduced: capture.kind === 'reduceThenShip' };
  entry.orderStatus = 'shipped';
}

/** An order held for capture at shipment is sent as two lines, so one can be removed before shipping. */
export function linesFor(plan: OrderPlan, sku: string): OrderLine[] {
  if (plan.capture?.kind !== 'reduceThenShip') return [{ sku, quantity: 1, unitAmount: plan.amount }];
  return [
    { sku, quantity: 1, unitAmount: plan.amount - plan.capture.removed },
    { sku: `${sku}-EXTRA`, quantity: 1, unitAmount: plan.capture.removed },
  ];
}

/**
 * Creating a refund request is not idempotent in Monstock: each attempt is tagged by its reason,
 * and a retry first looks for the request an earlier attempt may have created (an answer lost
 * to a fault) instead of asking twice.
 */
export async function askRefunds(
  monstock: MonstockClient,
  entry: LedgerEntry,
  plan: OrderPlan,
  tag: string,
): Promise<void> {
  const expected = refundRequestExpected(plan);
  for (const [step, amount] of plan.refundRequests.entries()) {
    const reason = `${tag}-refund-request-${step}`;
    const request = await monstockRetry(
      async () =>
        (await monstock.listRefundRequests(entry.orderId)).find((candidate) => candidate.reason === reason) ??
        monstock.createRefundRequest(entry.orderId, { amount, currency: entry.currency, reason }),
    );
    (entry.refundRequests ??= []).push({
      id: request.id,
      amount,
      currency: entry.currency,
      expected: expected[step]!,
    });
  }
}
