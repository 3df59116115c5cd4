import type { Order, Payment } from '../src/monstock/schemas';
import { movementsFromStripe } from '../src/payments/movementsFromStripe';
import type { PaymentIntentSnapshot } from '../src/payments/paymentIntentSnapshot';
import { summarizePayments } from '../sandbox/monstock/paymentStatus';
import type { PaymentMovement } from '../src/shared/orderPayment';

/**
 * The chaos run's judge, pure: one order as Monstock shows it against what Stripe shows now for
 * that order's payment intents. What Stripe shows is turned into movements by the connector's own
 * `movementsFromStripe`, and into the order's money summary by Monstock's published rules.
 *
 * - lost: a Stripe movement (payment, declined attempt, refund, dispute) missing on the order;
 * - duplicated: one Stripe id recorded more than once, or more money recorded as paid than
 *   Stripe collected;
 * - wrongStatus: a movement, or the order's paymentStatus / amountPaid / amountRefunded, that
 *   differs from what Stripe implies (a movement with no Stripe object behind it included).
 */
export type ProblemKind = 'lost' | 'duplicated' | 'wrongStatus';

export interface Problem {
  orderId: string;
  kind: ProblemKind;
  /** The Stripe id concerned, when the problem is about one movement. */
  ref?: string;
  detail: string;
}

export interface OrderEvidence {
  orderId: string;
  /** Undefined when Monstock could not show the order at all. */
  monstock: Pick<Order, 'totalAmount' | 'paymentStatus' | 'amountPaid' | 'amountRefunded' | 'payments'> | undefined;
  /** Every payment intent of this order, read fresh from Stripe. */
  stripe: readonly PaymentIntentSnapshot[];
}

export interface CheckResult {
  ordersChecked: number;
  /** Movements Stripe implies across those orders. */
  movementsChecked: number;
  lost: number;
  duplicated: number;
  wrongStatus: number;
  problems: Problem[];
}

export function expectedMovements(evidence: OrderEvidence): PaymentMovement[] {
  const recorded = evidence.monstock?.payments ?? [];
  return evidence.stripe.flatMap((snapshot) => movementsFromStripe(snapshot, recorded));
}

export function checkOrder(evidence: OrderEvidence): Problem[] {
  const problems: Problem[] = [];
  const { orderId } = evidence;
  const expected = expectedMovements(evidence);
  const order = evidence.monstock;
  if (!order) {
    return expected.map((movement) => ({
      orderId,
      kind: 'lost',
      ref: movement.transactionRef,
      detail: `order missing in Monstock; ${describe(movement)} not shown`,
    }));
  }

  const byKey = new Map<string, Payment[]>();
  for (const payment of order.payments) {
    const key = keyOf(payment);
    byKey.set(key, [...(byKey.get(key) ?? []), payment]);
  }
  for (const [key, copies] of byKey) {
    if (copies.length > 1)
      problems.push({
        orderId,
        kind: 'duplicated',
        ref: copies[0]!.transactionRef,
        detail: `${key} recorded ${copies.length} times`,
      });
  }

  const expectedKeys = new Set(expected.map(keyOf));
  for (const movement of expected) {
    const shown = byKey.get(keyOf(movement))?.[0];
    if (!shown) {
      problems.push({ orderId, kind: 'lost', ref: movement.transactionRef, detail: `${describe(movement)} not shown` });
      continue;
    }
    const differences = movementDifferences(movement, shown);
    if (differences.length > 0)
      problems.push({
        orderId,
        kind: 'wrongStatus',
        ref: movement.transactionRef,
        detail: `${keyOf(movement)}: ${differences.join(', ')}`,
      });
  }
  for (const payment of order.payments) {
    // Another provider's movements are not Stripe's to judge.
    if (expectedKeys.has(keyOf(payment)) || (payment.provider !== undefined && payment.provider !== 'stripe')) continue;
    problems.push({
      orderId,
      kind: 'wrongStatus',
      ref: payment.transactionRef,
      detail: `${describe(payment)} shown, but Stripe shows no such movement`,
    });
  }

  const want = summarizePayments(order.totalAmount, expected);
  const alreadyDuplicated = problems.some((problem) => problem.kind === 'duplicated');
  if (order.amountPaid > want.amountPaid && !alreadyDuplicated) {
    problems.push({
      orderId,
      kind: 'duplicated',
      detail: `amountPaid ${order.amountPaid} exceeds what Stripe collected (${want.amountPaid})`,
    });
  }
  const summary: string[] = [];
  if (order.paymentStatus !== want.paymentStatus)
    summary.push(`paymentStatus ${order.paymentStatus}, Stripe implies ${want.paymentStatus}`);
  if (order.amountPaid < want.amountPaid)
    summary.push(`amountPaid ${order.amountPaid}, Stripe implies ${want.amountPaid}`);
  if (order.amountRefunded !== want.amountRefunded)
    summary.push(`amountRefunded ${order.amountRefunded}, Stripe implies ${want.amountRefunded}`);
  if (summary.length > 0) problems.push({ orderId, kind: 'wrongStatus', detail: summary.join('; ') });
  return problems;
}

export function checkOrders(orders: readonly OrderEvidence[]): CheckResult {
  const problems = orders.flatMap(checkOrder);
  const count = (kind: ProblemKind) => problems.filter((problem) => problem.kind === kind).length;
  const movementsChecked = orders.reduce((sum, order) => sum + expectedMovements(order).length, 0);
  return {
    ordersChecked: orders.length,
    movementsChecked,
    lost: count('lost'),
    duplicated: count('duplicated'),
    wrongStatus: count('wrongStatus'),
    problems,
  };
}

export function problemCount(result: Pick<CheckResult, 'lost' | 'duplicated' | 'wrongStatus'>): number {
  return result.lost + result.duplicated + result.wrongStatus;
}

function keyOf(movement: Pick<PaymentMovement, 'kind' | 'transactionRef'>): string {
  return `${movement.kind}:${movement.transactionRef}`;
}

function describe(movement: Pick<PaymentMovement, 'kind' | 'transactionRef' | 'amount' | 'status'>): string {
  return `${movement.kind} ${movement.transactionRef} (${movement.amount}, ${movement.status})`;
}

function movementDifferences(want: PaymentMovement, shown: Payment): string[] {
  const differences: string[] = [];
  if (shown.status !== want.status) differences.push(`status ${shown.status}, Stripe implies ${want.status}`);
  if (shown.amount !== want.amount) differences.push(`amount ${shown.amount}, Stripe shows ${want.amount}`);
  if (shown.currency !== want.currency) differences.push(`currency ${shown.currency}, Stripe shows ${want.currency}`);
  if (want.feeAmount !== undefined && shown.feeAmount !== want.feeAmount)
    differences.push(`fee ${shown.feeAmount ?? 'missing'}, Stripe shows ${want.feeAmount}`);
  return differences;
}
