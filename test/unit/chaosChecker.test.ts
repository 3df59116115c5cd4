import {
  checkOrder,
  checkOrders,
  expectOrder,
  problemCount,
  type OrderEvidence,
  type Problem,
} from '../../chaos/checker';
import { ledgerIndex, type LedgerEntry, type LedgerIntent } from '../../chaos/ledger';
import type { IntentFacts } from '../../chaos/stripeFacts';
import type { Payment } from '../../src/monstock/schemas';
import { summarizePayments } from '../../sandbox/monstock/paymentStatus';

const T0 = 1_790_000_000;
const iso = (seconds: number) => new Date(seconds * 1000).toISOString();
/** The sandbox's EUR card price: 1.5% + 25. */
const feeOf = (amount: number) => Math.round((amount * 150) / 10_000) + 25;

function ledgerIntent(orderId: string, id: string, overrides: Partial<LedgerIntent> = {}): LedgerIntent {
  return {
    id,
    metadata: { monstock_order_id: orderId },
    amount: 4200,
    currency: 'eur',
    paymentMethod: 'pm_card_visa',
    status: 'succeeded',
    declines: [],
    refunds: [],
    disputes: [],
    ...overrides,
  };
}

function entry(orderId = 'ord_1', intent: Partial<LedgerIntent> = {}, intentId = `pi_${orderId}`): LedgerEntry {
  const intents = [ledgerIntent(orderId, intentId, intent)];
  return { orderId, reference: `CH-${orderId}`, totalAmount: 4200, currency: 'EUR', intents, story: 'test' };
}

/** What Stripe shows when it agrees with the ledger: the test's own construction, object by object. */
function stripeFor(ledger: LedgerEntry): IntentFacts[] {
  return ledger.intents.map((intent, n) => ({
    id: intent.id,
    status: intent.status,
    amount: intent.amount,
    amountReceived: intent.status === 'succeeded' ? intent.amount : 0,
    currency: intent.currency,
    created: T0 + n,
    metadata: { ...intent.metadata },
    captureMethod: intent.captureMethod ?? 'automatic',
    charges: [
      ...intent.declines.map((decline, d) => ({
        id: decline.chargeId!,
        paymentIntent: intent.id,
        status: 'failed',
        amount: intent.amount,
        currency: intent.currency,
        created: T0 + 5 + d,
        methodType: 'card',
        last4: '0002',
        balance: undefined,
      })),
      ...(intent.status === 'succeeded'
        ? [
            {
              id: `ch_paid_${intent.id}`,
              paymentIntent: intent.id,
              status: 'succeeded',
              amount: intent.amount,
              currency: intent.currency,
              created: T0 + 10,
              methodType: 'card',
              last4: '4242',
              balance: { fee: feeOf(intent.amount), net: intent.amount - feeOf(intent.amount), currency: 'eur' },
            },
          ]
        : []),
    ],
    refunds: intent.refunds.map((refund, r) => ({
      id: refund.id,
      paymentIntent: intent.id,
      status: 'succeeded',
      amount: refund.amount,
      currency: intent.currency,
      created: T0 + 20 + r,
      balance: { fee: 0, net: -refund.amount, currency: 'eur' },
      metadata: {},
    })),
    disputes: intent.disputes.map((dispute) => ({
      id: dispute.id,
      paymentIntent: intent.id,
      chargeId: `ch_paid_${intent.id}`,
      status: dispute.outcome === 'open' ? 'needs_response' : dispute.outcome,
      amount: intent.amount,
      currency: intent.currency,
      created: T0 + 30,
      balances: [{ fee: 1500, net: -intent.amount - 1500, currency: 'eur' }],
    })),
  }));
}

/** Monstock showing what a faithful connector writes for these Stripe objects, built by hand. */
function shownFor(stripe: IntentFacts[]): Payment[] {
  const payments: Payment[] = [];
  const add = (payment: Omit<Payment, 'id' | 'recordedAt' | 'provider'>) =>
    payments.push({ ...payment, provider: 'stripe', id: `pay_${payments.length}`, recordedAt: iso(T0 + 100) });
  for (const intent of stripe) {
    for (const charge of intent.charges) {
      if (charge.status === 'failed')
        add({
          kind: 'payment',
          transactionRef: charge.id,
          amount: charge.amount,
          currency: 'EUR',
          status: 'failed',
          occurredAt: iso(charge.created),
          method: 'card',
          methodDetails: `visa ****${charge.last4}`,
          failureReason: 'card_declined',
        });
      if (charge.status === 'succeeded')
        add({
          kind: 'payment',
          transactionRef: intent.id,
          amount: intent.amountReceived,
          currency: 'EUR',
          status: 'succeeded',
          occurredAt: iso(charge.created),
          method: 'card',
          methodDetails: `visa ****${charge.last4}`,
          feeAmount: charge.balance!.fee,
          netAmount: charge.balance!.net,
        });
    }
    for (const refund of intent.refunds)
      add({
        kind: 'refund',
        transactionRef: refund.id,
        amount: refund.amount,
        currency: 'EUR',
        status: 'succeeded',
        occurredAt: iso(refund.created),
      });
    for (const dispute of intent.disputes)
      add({
        kind: 'dispute',
        transactionRef: dispute.id,
        amount: dispute.amount,
        currency: 'EUR',
        status: dispute.status === 'needs_response' ? 'needs_response' : (dispute.status as 'won' | 'lost'),
        occurredAt: iso(dispute.created),
        failureReason: 'fraudulent',
      });
  }
  return payments;
}

/** The order as Monstock keeps it: its own summary follows whatever movements it holds. */
function monstockWith(payments: Payment[], totalAmount = 4200): OrderEvidence['monstock'] {
  return { totalAmount, payments, ...summarizePayments(totalAmount, payments) };
}

function faithful(ledger: LedgerEntry): OrderEvidence {
  const stripe = stripeFor(ledger);
  return { entry: ledger, stripe, monstock: monstockWith(shownFor(stripe), ledger.totalAmount) };
}

function withPayments(evidence: OrderEvidence, change: (payments: Payment[]) => Payment[]): OrderEvidence {
  return {
    ...evidence,
    monstock: monstockWith(change([...evidence.monstock!.payments]), evidence.monstock!.totalAmount),
  };
}

function changed(ref: string, change: Partial<Payment>) {
  return (payments: Payment[]) =>
    payments.map((payment) => (payment.transactionRef === ref ? { ...payment, ...change } : payment));
}

const kindsOf = (problems: Problem[]) => problems.map((problem) => [problem.kind, problem.ref]);

const paid = entry('ord_1');
const declinedThenPaid = entry('ord_1', {
  declines: [{ chargeId: 'ch_declined', paymentMethod: 'pm_card_chargeDeclined' }],
});
const refundedTwice = entry('ord_1', {
  refunds: [
    { id: 're_1', amount: 1050, status: 'succeeded' },
    { id: 're_2', amount: 840, status: 'succeeded' },
  ],
});
const refundedInFull = entry('ord_1', { refunds: [{ id: 're_1', amount: 4200, status: 'succeeded' }] });
const disputed = (outcome: 'open' | 'won' | 'lost') => entry('ord_1', { disputes: [{ id: 'dp_1', outcome }] });

describe('chaos checker', () => {
  it.each([
    ['paid', paid],
    ['declined, then paid', declinedThenPaid],
    ['refunded in part twice', refundedTwice],
    ['refunded in full', refundedInFull],
    ['disputed', disputed('open')],
    ['disputed, won', disputed('won')],
    ['disputed, lost', disputed('lost')],
  ])('passes a clean order: %s', (_name, ledger) => {
    const evidence = faithful(ledger);
    expect(checkOrder(evidence, ledgerIndex([ledger]))).toEqual([]);
    expect(problemCount(checkOrders([evidence]))).toBe(0);
  });

  it('derives the expectation from the ledger: one movement per thing the shop did', () => {
    const { movements } = expectOrder(declinedThenPaid, stripeFor(declinedThenPaid));
    expect(movements.map((movement) => [movement.kind, movement.transactionRef, movement.status])).toEqual([
      ['payment', 'pi_ord_1', 'succeeded'],
      ['payment', 'ch_declined', 'failed'],
    ]);
    expect(movements[0]).toMatchObject({
      amount: 4200,
      currency: 'EUR',
      occurredAt: T0 + 10,
      method: { rule: 'equal', value: 'card' },
      fee: { rule: 'equal', value: { fee: 88, net: 4112 } },
    });
  });

  describe('wrongOrder', () => {
    const other = entry('ord_2', { amount: 1000 });
    const index = ledgerIndex([paid, other]);

    it("fails another order's intent copied onto the order", () => {
      const copied = withPayments(faithful(paid), (payments) => [
        ...payments,
        ...shownFor(stripeFor(other)).map((payment) => ({ ...payment, id: 'pay_copied' })),
      ]);
      const result = checkOrders([copied], index);
      expect(result.wrongOrder).toBe(1);
      expect(result.problems.find((problem) => problem.kind === 'wrongOrder')).toMatchObject({
        ref: 'pi_ord_2',
        detail: expect.stringContaining('the shop made pi_ord_2 for order ord_2'),
      });
      // The copy inflates amountPaid: told once, as wrongOrder, not again as a duplicate.
      expect(result).toMatchObject({ lost: 0, duplicated: 0 });
    });

    it("fails another order's refund or dispute recorded on the order", () => {
      const withRefund = entry('ord_2', { refunds: [{ id: 're_of_2', amount: 100, status: 'succeeded' }] });
      const evidence = withPayments(faithful(paid), (payments) => [
        ...payments,
        { ...payments[0]!, id: 'pay_x', kind: 'refund', transactionRef: 're_of_2', amount: 100 },
      ]);
      expect(kindsOf(checkOrder(evidence, ledgerIndex([paid, withRefund])))).toContainEqual(['wrongOrder', 're_of_2']);
    });

    it('fails a payment recorded on the wrong order while its own order lacks it', () => {
      // The mapping bug a checker fed by Monstock would accept: ord_2's payment written on ord_1.
      const onWrongOrder = withPayments(faithful(paid), () => shownFor(stripeFor(other)));
      const result = checkOrders([onWrongOrder, { ...faithful(other), monstock: monstockWith([], 1000) }], index);
      expect(kindsOf(result.problems.filter((problem) => problem.ref !== undefined))).toEqual([
        ['lost', 'pi_ord_1'],
        ['wrongOrder', 'pi_ord_2'],
        ['lost', 'pi_ord_2'],
      ]);
    });

    it('fails an intent the shop never made, whose Stripe metadata names another order or this one', () => {
      const stranger = (orderId: string | undefined): OrderEvidence => ({
        ...withPayments(faithful(paid), (payments) => [
          ...payments,
          { ...payments[0]!, id: 'pay_s', transactionRef: 'pi_stranger' },
        ]),
        owners: { pi_stranger: { known: true, paymentIntent: 'pi_stranger', orderId } },
      });
      for (const owner of ['ord_9', undefined, 'ord_1']) {
        const problem = checkOrder(stranger(owner), index).find((found) => found.ref === 'pi_stranger');
        expect(problem).toMatchObject({ kind: 'wrongOrder' });
      }
    });
  });

  it('fails an amount mismatch as wrongStatus', () => {
    const evidence = withPayments(faithful(refundedTwice), changed('re_2', { amount: 800 }));
    const problems = checkOrder(evidence);
    expect(problems.find((problem) => problem.ref === 're_2')).toMatchObject({
      kind: 'wrongStatus',
      fields: ['amount'],
    });
    // Monstock's own summary follows the wrong refund: amountRefunded is wrong too.
    expect(problems.map((problem) => problem.kind)).toEqual(['wrongStatus', 'wrongStatus']);
  });

  it('fails a currency mismatch as wrongStatus, and takes lower case for the same currency', () => {
    const usd = withPayments(faithful(paid), changed('pi_ord_1', { currency: 'USD' }));
    expect(checkOrder(usd)).toEqual([
      expect.objectContaining({ kind: 'wrongStatus', ref: 'pi_ord_1', fields: ['currency'] }),
    ]);
    expect(checkOrder(withPayments(faithful(paid), changed('pi_ord_1', { currency: 'eur' })))).toEqual([]);
  });

  it.each([
    ['a fee off', { feeAmount: 87 }, ['fee']],
    ['a net off', { netAmount: 4200 }, ['net']],
    ['both missing', { feeAmount: undefined, netAmount: undefined }, ['fee', 'net']],
  ])('fails a fee/net mismatch on a paid payment as wrongStatus: %s', (_name, change, fields) => {
    const evidence = withPayments(faithful(paid), changed('pi_ord_1', change));
    expect(checkOrder(evidence)).toEqual([expect.objectContaining({ kind: 'wrongStatus', ref: 'pi_ord_1', fields })]);
  });

  it('fails a fee on a declined attempt, which moved no money', () => {
    const evidence = withPayments(
      faithful(declinedThenPaid),
      changed('ch_declined', { feeAmount: 25, netAmount: -25 }),
    );
    expect(checkOrder(evidence)).toEqual([
      expect.objectContaining({ kind: 'wrongStatus', ref: 'ch_declined', fields: ['fee', 'net'] }),
    ]);
  });

  it('fails a wrong method or occurredAt, and takes another notation of the same instant', () => {
    const wrong = withPayments(
      faithful(paid),
      changed('pi_ord_1', { method: 'sepa_debit', occurredAt: iso(T0), methodDetails: 'visa ****1111' }),
    );
    expect(checkOrder(wrong)).toEqual([
      expect.objectContaining({ kind: 'wrongStatus', fields: ['occurredAt', 'method', 'methodDetails'] }),
    ]);
    const offset = new Date((T0 + 10) * 1000).toISOString().replace('.000Z', '+00:00');
    expect(checkOrder(withPayments(faithful(paid), changed('pi_ord_1', { occurredAt: offset })))).toEqual([]);
  });

  it('fails a refund the shop made that the order lacks as lost', () => {
    const evidence = withPayments(faithful(refundedTwice), (payments) =>
      payments.filter((payment) => payment.transactionRef !== 're_1'),
    );
    const result = checkOrders([evidence]);
    expect(result).toMatchObject({ lost: 1, duplicated: 0, wrongOrder: 0 });
    expect(result.problems[0]).toMatchObject({ kind: 'lost', ref: 're_1' });
  });

  it('fails every movement of an order Monstock cannot show as lost', () => {
    expect(checkOrders([{ ...faithful(refundedTwice), monstock: undefined }])).toMatchObject({
      lost: 3,
      duplicated: 0,
      wrongStatus: 0,
    });
  });

  it('fails a movement recorded twice as duplicated, once', () => {
    const evidence = withPayments(faithful(paid), (payments) => [...payments, { ...payments[0]!, id: 'pay_copy' }]);
    const result = checkOrders([evidence]);
    expect(result).toMatchObject({ lost: 0, duplicated: 1, wrongStatus: 0, wrongOrder: 0 });
    expect(result.problems[0]!.detail).toContain('payment:pi_ord_1 recorded 2 times');
  });

  it('fails an amountPaid beyond what the shop paid as duplicated', () => {
    const evidence = faithful(paid);
    const inflated: OrderEvidence = { ...evidence, monstock: { ...evidence.monstock!, amountPaid: 8400 } };
    expect(checkOrders([inflated])).toMatchObject({ lost: 0, duplicated: 1, wrongStatus: 0 });
  });

  it('fails a stale dispute status and the order status that follows it as wrongStatus', () => {
    const stale = withPayments(faithful(disputed('lost')), changed('dp_1', { status: 'needs_response' }));
    const problems = checkOrder(stale);
    expect(problems.find((problem) => problem.ref === 'dp_1')).toMatchObject({
      kind: 'wrongStatus',
      fields: ['status'],
    });
    expect(problems.map((problem) => problem.kind)).toEqual(['wrongStatus', 'wrongStatus']);
  });

  it('fails a wrong order summary as wrongStatus', () => {
    const evidence = faithful(refundedTwice);
    const wrong: OrderEvidence = {
      ...evidence,
      monstock: { ...evidence.monstock!, paymentStatus: 'paid', amountRefunded: 0 },
    };
    expect(checkOrder(wrong)).toEqual([
      {
        orderId: 'ord_1',
        kind: 'wrongStatus',
        detail: 'paymentStatus paid, the ledger implies partially_refunded; amountRefunded 0, the ledger implies 1890',
      },
    ]);
  });

  it('fails a movement nothing stands behind as wrongStatus, and leaves other providers alone', () => {
    const phantom = withPayments(faithful(paid), (payments) => [
      ...payments,
      { ...payments[0]!, id: 'pay_x', kind: 'refund', transactionRef: 're_ghost', amount: 100 },
    ]);
    expect(kindsOf(checkOrder({ ...phantom, owners: { re_ghost: { known: false } } }))).toEqual([
      ['wrongStatus', 're_ghost'],
      ['wrongStatus', undefined],
    ]);
    const cash = withPayments(faithful(paid), (payments) => [
      ...payments,
      { ...payments[0]!, id: 'pay_cash', transactionRef: 'till-7', amount: 1000, provider: 'cash' },
    ]);
    expect(checkOrder(cash).filter((problem) => problem.ref === 'till-7')).toEqual([]);
  });

  it('reports Stripe disagreeing with the ledger as ledgerMismatch', () => {
    const evidence = faithful(disputed('won'));
    // Stripe has not decided the dispute yet.
    const undecided: OrderEvidence = {
      ...evidence,
      stripe: evidence.stripe.map((intent) => ({
        ...intent,
        disputes: intent.disputes.map((dispute) => ({ ...dispute, status: 'under_review' })),
      })),
    };
    expect(checkOrders([undecided])).toMatchObject({ ledgerMismatch: 1 });
    const renamed: OrderEvidence = {
      ...faithful(paid),
      stripe: stripeFor(paid).map((intent) => ({ ...intent, metadata: { monstock_order_id: 'ord_2' } })),
    };
    expect(kindsOf(checkOrder(renamed))).toEqual([['ledgerMismatch', 'pi_ord_1']]);
    expect(kindsOf(checkOrder({ ...faithful(paid), stripe: [] }))).toEqual([['ledgerMismatch', 'pi_ord_1']]);
  });

  it('counts every kind, and problemCount adds them all', () => {
    const result = checkOrders([faithful(paid)]);
    expect(result).toEqual({
      ordersChecked: 1,
      movementsChecked: 1,
      lost: 0,
      duplicated: 0,
      wrongStatus: 0,
      wrongOrder: 0,
      ledgerMismatch: 0,
      problems: [],
    });
    expect(problemCount({ ...result, wrongOrder: 2, lost: 1 })).toBe(3);
  });
});
