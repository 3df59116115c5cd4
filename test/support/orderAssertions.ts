import type { MonstockClient } from '../../src/monstock/client';
import type { Order } from '../../src/monstock/schemas';

/** The part of a Monstock order that payments decide, in a stable order for exact comparison. */
export interface OrderMoney {
  paymentStatus: Order['paymentStatus'];
  amountPaid: number;
  amountRefunded: number;
  payments: Array<{
    kind: string;
    transactionRef: string;
    amount: number;
    currency: string;
    status: string;
    method?: string | undefined;
    methodDetails?: string | undefined;
    feeAmount?: number | undefined;
    netAmount?: number | undefined;
  }>;
}

export function orderMoney(order: Order): OrderMoney {
  return {
    paymentStatus: order.paymentStatus,
    amountPaid: order.amountPaid,
    amountRefunded: order.amountRefunded,
    payments: order.payments
      .map((payment) => ({
        kind: payment.kind,
        transactionRef: payment.transactionRef,
        amount: payment.amount,
        currency: payment.currency,
        status: payment.status,
        ...(payment.method !== undefined ? { method: payment.method } : {}),
        ...(payment.methodDetails !== undefined ? { methodDetails: payment.methodDetails } : {}),
        ...(payment.feeAmount !== undefined ? { feeAmount: payment.feeAmount } : {}),
        ...(payment.netAmount !== undefined ? { netAmount: payment.netAmount } : {}),
      }))
      .sort((a, b) => `${a.kind}:${a.transactionRef}`.localeCompare(`${b.kind}:${b.transactionRef}`)),
  };
}

/**
 * Waits until the Monstock order shows exactly `expected` (movements compared as a sorted list),
 * then checks it stays so for a moment: a late duplicate must not change it afterwards.
 */
export async function expectOrderSettles(
  monstock: MonstockClient,
  orderId: string,
  expected: OrderMoney,
  timeoutMs = 20_000,
): Promise<Order> {
  const want = {
    ...expected,
    payments: [...expected.payments].sort((a, b) =>
      `${a.kind}:${a.transactionRef}`.localeCompare(`${b.kind}:${b.transactionRef}`),
    ),
  };
  const deadline = Date.now() + timeoutMs;
  let last: OrderMoney | undefined;
  for (;;) {
    const order = await monstock.getOrder(orderId).catch(() => undefined);
    if (order) {
      last = orderMoney(order);
      if (JSON.stringify(last) === JSON.stringify(want)) {
        await new Promise((resolve) => setTimeout(resolve, 500));
        const after = orderMoney(await monstock.getOrder(orderId));
        expect(after).toEqual(want);
        return order;
      }
    }
    if (Date.now() > deadline) {
      expect(last).toEqual(want);
      throw new Error('order never settled');
    }
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
}
