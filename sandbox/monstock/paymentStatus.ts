import type { MovementKind, MovementStatus, PaymentStatus } from './types';

/**
 * The money summary Monstock derives from an order's movements, exactly as the PaymentStatus
 * schema describes it. Pure, so the rules can be tested as a table without a server.
 */
export interface MovementLike {
  kind: MovementKind;
  status: MovementStatus;
  amount: number;
}

export interface PaymentSummary {
  amountPaid: number;
  amountRefunded: number;
  paymentStatus: PaymentStatus;
}

export function summarizePayments(totalAmount: number, movements: readonly MovementLike[]): PaymentSummary {
  let amountPaid = 0;
  let amountAuthorized = 0;
  let amountRefunded = 0;
  let openDispute = false;
  for (const movement of movements) {
    if (movement.kind === 'payment' && movement.status === 'succeeded') amountPaid += movement.amount;
    // Authorised money is promised, not received: it never counts in amountPaid.
    if (movement.kind === 'payment' && movement.status === 'authorized') amountAuthorized += movement.amount;
    if (movement.kind === 'refund' && movement.status === 'succeeded') amountRefunded += movement.amount;
    // A lost dispute takes the money back just like a refund does.
    if (movement.kind === 'dispute' && movement.status === 'lost') amountRefunded += movement.amount;
    if (movement.kind === 'dispute' && movement.status === 'needs_response') openDispute = true;
  }
  return {
    amountPaid,
    amountRefunded,
    paymentStatus: paymentStatusOf({ totalAmount, amountPaid, amountAuthorized, amountRefunded, openDispute }),
  };
}

function paymentStatusOf(money: {
  totalAmount: number;
  amountPaid: number;
  amountAuthorized: number;
  amountRefunded: number;
  openDispute: boolean;
}): PaymentStatus {
  const { totalAmount, amountPaid, amountAuthorized, amountRefunded } = money;
  if (money.openDispute) return 'disputed';
  if (amountRefunded > 0 && amountRefunded >= amountPaid) return 'refunded';
  if (amountRefunded > 0) return 'partially_refunded';
  if (totalAmount > 0 && amountPaid >= totalAmount) return 'paid';
  if (amountAuthorized > 0 && totalAmount > 0 && amountPaid + amountAuthorized >= totalAmount) return 'authorized';
  if (amountPaid > 0) return 'partially_paid';
  return 'unpaid';
}
