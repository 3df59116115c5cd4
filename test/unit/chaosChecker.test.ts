import { checkOrder, checkOrders, expectedMovements, problemCount, type OrderEvidence } from '../../chaos/checker';
import type { Payment } from '../../src/monstock/schemas';
import type { ChargeSnapshot, PaymentIntentSnapshot } from '../../src/payments/paymentIntentSnapshot';
import { summarizePayments } from '../../sandbox/monstock/paymentStatus';

const T0 = 1_790_000_000;

function charge(overrides: Partial<ChargeSnapshot> = {}): ChargeSnapshot {
  return {
    id: 'ch_ok',
    status: 'succeeded',
    amount: 4200,
    currency: 'eur',
    created: T0 + 10,
    methodType: 'card',
    methodDetails: 'visa ****4242',
    feeAmount: 88,
    netAmount: 4112,
    ...overrides,
  };
}

function intent(overrides: Partial<PaymentIntentSnapshot> = {}): PaymentIntentSnapshot {
  return {
    id: 'pi_1',
    status: 'succeeded',
    amount: 4200,
    amountReceived: 4200,
    currency: 'eur',
    created: T0,
    latestChargeId: 'ch_ok',
    metadata: {},
    charges: [charge()],
    refunds: [],
    disputes: [],
    ...overrides,
  };
}

/** Monstock showing exactly what Stripe implies for these intents: the starting point each test breaks. */
function faithful(stripe: PaymentIntentSnapshot[], totalAmount = 4200): OrderEvidence {
  const movements = expectedMovements({ orderId: 'ord_1', monstock: undefined, stripe });
  const payments: Payment[] = movements.map((movement, index) => ({
    ...movement,
    provider: 'stripe',
    id: `pay_${index}`,
    recordedAt: '2026-11-27T00:00:00.000Z',
  }));
  return { orderId: 'ord_1', stripe, monstock: { totalAmount, payments, ...summarizePayments(totalAmount, payments) } };
}

function withPayments(evidence: OrderEvidence, change: (payments: Payment[]) => Payment[]): OrderEvidence {
  const payments = change([...evidence.monstock!.payments]);
  return {
    ...evidence,
    monstock: { ...evidence.monstock!, payments, ...summarizePayments(evidence.monstock!.totalAmount, payments) },
  };
}

const refunded = intent({
  refunds: [{ id: 're_1', status: 'succeeded', amount: 1000, currency: 'eur', created: T0 + 20 }],
});
const disputed = intent({
  disputes: [
    { id: 'dp_1', status: 'needs_response', amount: 4200, currency: 'eur', created: T0 + 30, reason: 'fraudulent' },
  ],
});
const declinedThenPaid = intent({
  charges: [
    charge({
      id: 'ch_declined',
      status: 'failed',
      created: T0 + 5,
      failureCode: 'card_declined',
      feeAmount: undefined,
      netAmount: undefined,
    }),
    charge(),
  ],
});

describe('chaos checker', () => {
  it.each([
    ['a payment', [intent()]],
    ['a partial refund', [refunded]],
    ['an open dispute', [disputed]],
    ['a declined attempt, then a payment', [declinedThenPaid]],
    ['nothing paid yet', [intent({ status: 'requires_payment_method', amountReceived: 0, charges: [] })]],
  ])('finds nothing wrong when Monstock shows what Stripe shows: %s', (_name, stripe) => {
    expect(checkOrder(faithful(stripe))).toEqual([]);
  });

  it('counts a Stripe movement missing on the order as lost', () => {
    const evidence = withPayments(faithful([refunded]), (payments) =>
      payments.filter((payment) => payment.transactionRef !== 're_1'),
    );
    const result = checkOrders([evidence]);
    expect(result).toMatchObject({ ordersChecked: 1, lost: 1, duplicated: 0 });
    expect(result.problems[0]).toMatchObject({ kind: 'lost', ref: 're_1' });
    // The order's summary follows its movements, so amountRefunded is wrong too.
    expect(result.wrongStatus).toBe(1);
  });

  it('counts every movement of an order Monstock cannot show as lost', () => {
    expect(checkOrders([{ orderId: 'ord_1', monstock: undefined, stripe: [refunded] }])).toMatchObject({
      lost: 2,
      duplicated: 0,
      wrongStatus: 0,
    });
  });

  it('counts one Stripe id recorded twice as duplicated, once, even though amountPaid is too high', () => {
    const evidence = withPayments(faithful([intent()]), (payments) => [
      ...payments,
      { ...payments[0]!, id: 'pay_copy' },
    ]);
    const result = checkOrders([evidence]);
    expect(result).toMatchObject({ lost: 0, duplicated: 1, wrongStatus: 0 });
    expect(result.problems[0]!.detail).toContain('payment:pi_1 recorded 2 times');
  });

  it('counts an amountPaid beyond what Stripe collected as duplicated', () => {
    const evidence = faithful([intent()]);
    const inflated: OrderEvidence = { ...evidence, monstock: { ...evidence.monstock!, amountPaid: 8400 } };
    expect(checkOrders([inflated])).toMatchObject({ lost: 0, duplicated: 1, wrongStatus: 0 });
  });

  it('counts a movement whose status or amount differs from Stripe as wrongStatus', () => {
    const stale = withPayments(faithful([disputed]), (payments) =>
      payments.map((payment) => (payment.kind === 'dispute' ? { ...payment, status: 'won' } : payment)),
    );
    const result = checkOrders([stale]);
    expect(result.problems.find((problem) => problem.ref === 'dp_1')).toMatchObject({
      kind: 'wrongStatus',
      detail: expect.stringContaining('status won, Stripe implies needs_response'),
    });
    // Monstock's status follows the stale dispute (paid instead of disputed): one more finding for the order.
    expect(result).toMatchObject({ lost: 0, duplicated: 0, wrongStatus: 2 });
  });

  it('counts a missing fee on a succeeded payment as wrongStatus', () => {
    const evidence = withPayments(faithful([intent()]), (payments) =>
      payments.map(({ feeAmount: _fee, netAmount: _net, ...rest }) => rest),
    );
    expect(checkOrders([evidence])).toMatchObject({ lost: 0, duplicated: 0, wrongStatus: 1 });
  });

  it('counts a movement Stripe knows nothing of as wrongStatus, and leaves other providers alone', () => {
    const phantom = withPayments(faithful([intent()]), (payments) => [
      ...payments,
      { ...payments[0]!, id: 'pay_x', kind: 'refund', transactionRef: 're_ghost', amount: 100 },
    ]);
    expect(checkOrders([phantom]).problems.map((problem) => [problem.kind, problem.ref])).toEqual([
      ['wrongStatus', 're_ghost'],
      ['wrongStatus', undefined],
    ]);
    const cash = withPayments(faithful([intent()], 5200), (payments) => [
      ...payments,
      {
        ...payments[0]!,
        id: 'pay_cash',
        transactionRef: 'till-7',
        amount: 1000,
        provider: 'cash',
        feeAmount: undefined,
      },
    ]);
    expect(checkOrder(cash).filter((problem) => problem.ref === 'till-7')).toEqual([]);
  });

  it('compares paymentStatus, amountPaid and amountRefunded with what Stripe implies', () => {
    const evidence = faithful([refunded]);
    const wrong: OrderEvidence = {
      ...evidence,
      monstock: { ...evidence.monstock!, paymentStatus: 'paid', amountRefunded: 0 },
    };
    const result = checkOrders([wrong]);
    expect(result).toMatchObject({ lost: 0, duplicated: 0, wrongStatus: 1 });
    expect(result.problems[0]!.detail).toBe(
      'paymentStatus paid, Stripe implies partially_refunded; amountRefunded 0, Stripe implies 1000',
    );
    expect(problemCount(result)).toBe(1);
  });

  it('judges several intents of one order together', () => {
    const second = intent({
      id: 'pi_2',
      amount: 1000,
      amountReceived: 1000,
      latestChargeId: 'ch_2',
      charges: [charge({ id: 'ch_2', amount: 1000, feeAmount: 40, netAmount: 960 })],
    });
    expect(checkOrder(faithful([intent(), second], 5200))).toEqual([]);
    const missingSecond = withPayments(faithful([intent(), second], 5200), (payments) =>
      payments.filter((payment) => payment.transactionRef !== 'pi_2'),
    );
    expect(checkOrders([missingSecond])).toMatchObject({ lost: 1, wrongStatus: 1 });
  });
});
