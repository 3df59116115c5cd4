import { formatAmount } from '../../payments/money';
import type { OrderPaymentState } from '../../shared/orderPayment';

/** The lines an operator reads in the Web UI: what the order's money looks like right now. */
export function describeOrderPayment(state: OrderPaymentState): string {
  const money = (amount: number | undefined) =>
    amount === undefined || !state.currency ? '?' : formatAmount(amount, state.currency);
  const lines = [
    `Order ${state.orderReference ?? state.orderId} (${state.orderId})`,
    `Payment status: ${state.paymentStatus ?? 'not read yet'}`,
    `Paid ${money(state.amountPaid)} of ${money(state.totalAmount)}; refunded ${money(state.amountRefunded)}`,
  ];
  if (state.balance !== undefined && state.balance !== 0) {
    lines.push(state.balance > 0 ? `OVER-PAID by ${money(state.balance)}` : `UNDER-PAID by ${money(-state.balance)}`);
  }
  if (state.paymentIntentIds.length > 0) lines.push(`Stripe payment intents: ${state.paymentIntentIds.join(', ')}`);
  if (state.cancelledAfterPayment) {
    lines.push(
      state.cancelledAfterPayment.refunded
        ? `CANCELLED AFTER PAYMENT: ${money(state.cancelledAfterPayment.amountPaid)} refunded automatically.`
        : `CANCELLED AFTER PAYMENT: ${money(state.cancelledAfterPayment.amountPaid)} was paid. A person decides whether to refund it (or set AUTO_REFUND_CANCELLED_ORDERS=true).`,
    );
  }
  if (state.needsAttention)
    lines.push(
      `NEEDS ATTENTION since ${state.needsAttention.since}: ${state.needsAttention.reason}. Fix the cause, then send the "resume" signal.`,
    );
  return lines.join('\n');
}
