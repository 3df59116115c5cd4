import type { MonstockClient } from '../../monstock/client';
import type { Order, PaymentStatus } from '../../monstock/schemas';
import type { PaymentMovement } from '../../shared/orderPayment';
import { withActivityFailures } from '../failures';

/** What the workflow keeps of the order after a write: figures and ids, no personal data. */
export interface OrderPaymentSummary {
  orderId: string;
  reference: string;
  currency: string;
  totalAmount: number;
  amountPaid: number;
  amountRefunded: number;
  paymentStatus: PaymentStatus;
  version: number;
  /** Payment intents Monstock shows payments of: a new run (after the idle window) rebuilds from them. */
  paymentIntentIds?: string[];
}

export function summariseOrder(order: Order): OrderPaymentSummary {
  return {
    orderId: order.id,
    reference: order.reference,
    currency: order.currency,
    totalAmount: order.totalAmount,
    amountPaid: order.amountPaid,
    amountRefunded: order.amountRefunded,
    paymentStatus: order.paymentStatus,
    version: order.version,
    paymentIntentIds: [
      ...new Set(
        order.payments
          .filter((payment) => payment.kind === 'payment' && payment.transactionRef.startsWith('pi_'))
          .map((payment) => payment.transactionRef),
      ),
    ],
  };
}

export function createRecordMovement(monstock: MonstockClient) {
  /** Safe to run twice: Monstock de-duplicates on (orderId, kind, transactionRef). */
  return async function recordMovement(input: {
    orderId: string;
    movement: PaymentMovement;
  }): Promise<OrderPaymentSummary> {
    return withActivityFailures(async () => {
      const { order } = await monstock.recordPayment(input.orderId, { ...input.movement, provider: 'stripe' });
      return summariseOrder(order);
    });
  };
}
