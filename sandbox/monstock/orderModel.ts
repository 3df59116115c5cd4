import { mergeExternalRefs } from './externalRefs';
import { summarizePayments } from './paymentStatus';
import type { OrderInput, OrderPatch, PaymentInput } from './schemas';
import type { MovementKind, MovementStatus, Order, OrderLine, Payment } from './types';

/** Order rules with no I/O: building, patching and recording movements on an order value. */

export function totalOf(lines: readonly OrderLine[]): number {
  return lines.reduce((sum, line) => sum + line.quantity * line.unitAmount, 0);
}

function copyLines(lines: readonly OrderLine[]): OrderLine[] {
  return lines.map((line) => ({
    sku: line.sku,
    ...(line.label !== undefined ? { label: line.label } : {}),
    quantity: line.quantity,
    unitAmount: line.unitAmount,
  }));
}

/** Re-derives every computed field, so no write path can leave them stale. */
export function withComputedAmounts(order: Order): Order {
  const totalAmount = totalOf(order.lines);
  return { ...order, totalAmount, ...summarizePayments(totalAmount, order.payments) };
}

export function newOrder(input: OrderInput, id: string, at: string): Order {
  return withComputedAmounts({
    id,
    reference: input.reference,
    customerId: input.customerId,
    currency: input.currency,
    lines: copyLines(input.lines),
    totalAmount: 0,
    status: input.status ?? 'confirmed',
    // Absent: the connection's default decides (the connector's STRIPE_CAPTURE).
    ...(input.paymentCapture ? { paymentCapture: input.paymentCapture } : {}),
    paymentStatus: 'unpaid',
    amountPaid: 0,
    amountRefunded: 0,
    payments: [],
    externalRefs: {},
    createdAt: at,
    updatedAt: at,
    version: 1,
  });
}

/** The patched content; version and updatedAt are the caller's business. */
export function applyOrderPatch(order: Order, patch: OrderPatch): Order {
  return withComputedAmounts({
    ...order,
    ...(patch.lines ? { lines: copyLines(patch.lines) } : {}),
    ...(patch.status ? { status: patch.status } : {}),
    ...(patch.paymentCapture ? { paymentCapture: patch.paymentCapture } : {}),
    externalRefs: mergeExternalRefs(order.externalRefs, patch.externalRefs),
  });
}

/**
 * Which statuses make sense for which movement: a payment cannot be "lost", a dispute cannot
 * "succeed". Refusing the nonsense pairs catches a wrong mapping in the client early.
 */
export const STATUSES_BY_KIND: Record<MovementKind, readonly MovementStatus[]> = {
  // authorized and canceled (ours): a payment held for capture at shipment, and one let go.
  payment: ['pending', 'authorized', 'succeeded', 'failed', 'canceled'],
  refund: ['pending', 'succeeded', 'failed'],
  dispute: ['needs_response', 'won', 'lost'],
};

export type MovementOutcome =
  | { outcome: 'created'; order: Order }
  | { outcome: 'updated'; order: Order }
  | { outcome: 'unchanged'; order: Order }
  | { outcome: 'conflict'; message: string }
  | { outcome: 'invalid'; message: string };

const UPDATABLE = [
  'status',
  'method',
  'methodDetails',
  'failureReason',
  'feeAmount',
  'netAmount',
  'provider',
  'pendingReason',
  'settlementCurrency',
] as const;

/**
 * Records a movement idempotently on (kind, transactionRef). occurredAt only moves with a new
 * status: it says when the movement reached its current status, so a replay of the same
 * movement with a re-derived timestamp is still "the same movement" and changes nothing.
 */
export function applyMovement(
  order: Order,
  input: PaymentInput,
  /** Called only when a new movement is created, so a replay consumes no id or timestamp. */
  fresh: () => { paymentId: string; recordedAt: string },
): MovementOutcome {
  if (!STATUSES_BY_KIND[input.kind].includes(input.status)) {
    return {
      outcome: 'invalid',
      message: `status: "${input.status}" is not a status of a ${input.kind}; expected one of ${STATUSES_BY_KIND[input.kind].join(', ')}`,
    };
  }
  if (input.pendingReason !== undefined && input.status !== 'pending') {
    return {
      outcome: 'invalid',
      message: `pendingReason: "${input.pendingReason}" only accompanies status "pending", not "${input.status}"`,
    };
  }
  const occurredAt = new Date(input.occurredAt).toISOString();
  const index = order.payments.findIndex(
    (payment) => payment.kind === input.kind && payment.transactionRef === input.transactionRef,
  );
  const existing = order.payments[index];
  if (!existing) {
    if (input.currency !== order.currency) {
      return {
        outcome: 'invalid',
        message: `currency: "${input.currency}" differs from the order's currency "${order.currency}"`,
      };
    }
    const { paymentId, recordedAt } = fresh();
    const payment: Payment = {
      id: paymentId,
      kind: input.kind,
      transactionRef: input.transactionRef,
      amount: input.amount,
      currency: input.currency,
      status: input.status,
      occurredAt,
      ...(input.method !== undefined ? { method: input.method } : {}),
      ...(input.methodDetails !== undefined ? { methodDetails: input.methodDetails } : {}),
      ...(input.failureReason !== undefined ? { failureReason: input.failureReason } : {}),
      ...(input.feeAmount !== undefined ? { feeAmount: input.feeAmount } : {}),
      ...(input.netAmount !== undefined ? { netAmount: input.netAmount } : {}),
      provider: input.provider ?? 'stripe',
      recordedAt,
      ...(input.pendingReason !== undefined ? { pendingReason: input.pendingReason } : {}),
      ...(input.settlementCurrency !== undefined ? { settlementCurrency: input.settlementCurrency } : {}),
    };
    return { outcome: 'created', order: withComputedAmounts({ ...order, payments: [...order.payments, payment] }) };
  }
  // Ours: capturing an authorisation may take less than was held (the rest is released).
  const capturedLess =
    existing.kind === 'payment' &&
    existing.status === 'authorized' &&
    input.status !== 'authorized' &&
    input.amount < existing.amount;
  if ((existing.amount !== input.amount && !capturedLess) || existing.currency !== input.currency) {
    return {
      outcome: 'conflict',
      message: `${input.kind} ${input.transactionRef} was recorded with ${existing.amount} ${existing.currency}, not ${input.amount} ${input.currency}`,
    };
  }
  const updated: Payment = { ...existing, amount: input.amount };
  for (const field of UPDATABLE) {
    const value = input[field];
    if (value !== undefined) Object.assign(updated, { [field]: value });
  }
  // A pendingReason says why a pending movement waits: it leaves with the pending status.
  if (updated.status !== 'pending') delete updated.pendingReason;
  if (updated.status !== existing.status) updated.occurredAt = occurredAt;
  const changed = updated.amount !== existing.amount || UPDATABLE.some((field) => updated[field] !== existing[field]);
  if (!changed) return { outcome: 'unchanged', order };
  const payments = order.payments.map((payment, at) => (at === index ? updated : payment));
  return { outcome: 'updated', order: withComputedAmounts({ ...order, payments }) };
}
