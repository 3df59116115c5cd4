import { checkOrder, checkOrders, stripeAgreesWithLedger, type OrderEvidence, type Problem } from '../../chaos/checker';
import type { LedgerEntry } from '../../chaos/ledger';
import type { IntentFacts, RefundFacts } from '../../chaos/stripeFacts';
import type { Payment, RefundRequest } from '../../src/monstock/schemas';
import { summarizePayments } from '../../sandbox/monstock/paymentStatus';

/**
 * The checker on the merchant's Monstock-side flows, with synthetic ledgers, Stripe facts and
 * Monstock orders built by hand: capture at shipment (shipped as is, after a line was removed,
 * cancelled) and refund requests (honoured, rejected, duplicated, left unfinished).
 */
const T0 = 1_790_000_000;
const iso = (seconds: number) => new Date(seconds * 1000).toISOString();
const feeOf = (amount: number) => Math.round((amount * 150) / 10_000) + 25;
const kindsOf = (problems: Problem[]) => problems.map((problem) => [problem.kind, problem.ref]);

// --- Capture at shipment: an order of 4200 (3150 + a line of 1050), held, then shipped or cancelled. ---

type Outcome = 'shipped' | 'reduced' | 'cancelled';

function heldEntry(outcome: Outcome): LedgerEntry {
  const due = outcome === 'reduced' ? 3150 : 4200;
  return {
    orderId: 'ord_1',
    reference: 'CH-1',
    totalAmount: due,
    currency: 'EUR',
    story: 'test',
    intents: [
      {
        id: 'pi_1',
        metadata: { monstock_order_id: 'ord_1' },
        amount: 4200,
        currency: 'eur',
        paymentMethod: 'pm_card_visa',
        status: 'requires_capture',
        declines: [],
        refunds: [],
        disputes: [],
        captureMethod: 'manual',
      },
    ],
    capture:
      outcome === 'cancelled'
        ? { outcome: 'cancelled', amountDue: undefined, reduced: false }
        : { outcome: 'shipped', amountDue: due, reduced: outcome === 'reduced' },
    orderStatus: outcome === 'cancelled' ? 'cancelled' : 'shipped',
  };
}

/** Stripe after the connector: captured `captured` (succeeded), released (canceled), or still held. */
function heldStripe(state: { captured: number } | 'canceled' | 'requires_capture'): IntentFacts[] {
  const captured = typeof state === 'object' ? state.captured : 0;
  return [
    {
      id: 'pi_1',
      status: typeof state === 'object' ? 'succeeded' : state,
      amount: 4200,
      amountReceived: captured,
      currency: 'eur',
      created: T0,
      metadata: { monstock_order_id: 'ord_1' },
      captureMethod: 'manual',
      charges: [
        {
          id: 'ch_1',
          paymentIntent: 'pi_1',
          status: 'succeeded',
          amount: 4200,
          currency: 'eur',
          created: T0 + 10,
          methodType: 'card',
          last4: '4242',
          balance:
            captured > 0 ? { fee: feeOf(captured), net: captured - feeOf(captured), currency: 'eur' } : undefined,
        },
      ],
      refunds: [],
      disputes: [],
    },
  ];
}

function order(payments: Payment[], totalAmount: number, status: 'shipped' | 'cancelled' | 'confirmed') {
  return { totalAmount, status, payments, ...summarizePayments(totalAmount, payments) };
}

function heldMovement(change: Partial<Payment>): Payment {
  return {
    id: 'pay_1',
    recordedAt: iso(T0 + 100),
    provider: 'stripe',
    kind: 'payment',
    transactionRef: 'pi_1',
    amount: 4200,
    currency: 'EUR',
    status: 'authorized',
    occurredAt: iso(T0 + 10),
    method: 'card',
    methodDetails: 'visa ****4242',
    ...change,
  };
}

const capturedMovement = (amount: number) =>
  heldMovement({ status: 'succeeded', amount, feeAmount: feeOf(amount), netAmount: amount - feeOf(amount) });

function faithfulHeld(outcome: Outcome): OrderEvidence {
  const entry = heldEntry(outcome);
  if (outcome === 'cancelled')
    return {
      entry,
      stripe: heldStripe('canceled'),
      monstock: order([heldMovement({ status: 'canceled' })], 4200, 'cancelled'),
    };
  const due = entry.totalAmount;
  return { entry, stripe: heldStripe({ captured: due }), monstock: order([capturedMovement(due)], due, 'shipped') };
}

describe('chaos checker: capture at shipment', () => {
  it.each<Outcome>(['shipped', 'reduced', 'cancelled'])('passes a faithful order: %s', (outcome) => {
    const evidence = faithfulHeld(outcome);
    expect(checkOrder(evidence)).toEqual([]);
    expect(stripeAgreesWithLedger(evidence.entry, evidence.stripe)).toBe(true);
  });

  it('ends paid with the captured amount, or unpaid when released', () => {
    expect(faithfulHeld('reduced').monstock).toMatchObject({ paymentStatus: 'paid', amountPaid: 3150 });
    expect(faithfulHeld('cancelled').monstock).toMatchObject({ paymentStatus: 'unpaid', amountPaid: 0 });
  });

  it('fails a shipped order still held in Stripe and authorized in Monstock: capture lost', () => {
    const evidence: OrderEvidence = {
      entry: heldEntry('shipped'),
      stripe: heldStripe('requires_capture'),
      monstock: order([heldMovement({})], 4200, 'shipped'),
    };
    const problems = checkOrder(evidence);
    expect(kindsOf(problems)).toEqual([
      ['lost', 'pi_1'],
      ['wrongStatus', 'pi_1'],
      ['wrongStatus', undefined],
    ]);
    expect(problems[1]).toMatchObject({ fields: ['status'] });
    // Stripe's side is not final yet: the converge loop must read it again.
    expect(stripeAgreesWithLedger(evidence.entry, evidence.stripe)).toBe(false);
  });

  it('fails capturing the order as first placed after the shop removed a line', () => {
    const evidence: OrderEvidence = {
      entry: heldEntry('reduced'),
      stripe: heldStripe({ captured: 4200 }),
      monstock: order([capturedMovement(4200)], 3150, 'shipped'),
    };
    const problems = checkOrder(evidence);
    expect(problems[0]).toMatchObject({
      kind: 'wrongStatus',
      ref: 'pi_1',
      detail: 'Stripe captured 4200 of pi_1, the order was due 3150 at shipment',
    });
    // Monstock mirrors Stripe's capture: the movement's amount is not the order's due either.
    expect(problems[1]).toMatchObject({ kind: 'wrongStatus', ref: 'pi_1', fields: ['amount'] });
    expect(checkOrders([evidence])).toMatchObject({ lost: 0, wrongOrder: 0, ledgerMismatch: 0 });
  });

  it('fails a cancelled order captured anyway, and one never released', () => {
    const captured: OrderEvidence = {
      ...faithfulHeld('cancelled'),
      stripe: heldStripe({ captured: 4200 }),
      monstock: order([capturedMovement(4200)], 4200, 'cancelled'),
    };
    expect(kindsOf(checkOrder(captured))).toContainEqual(['wrongStatus', 'pi_1']);
    expect(checkOrder(captured)[0]!.detail).toContain('cancelled before shipment, but pi_1 is succeeded');
    const held: OrderEvidence = {
      ...faithfulHeld('cancelled'),
      stripe: heldStripe('requires_capture'),
      monstock: order([heldMovement({})], 4200, 'cancelled'),
    };
    expect(kindsOf(checkOrder(held))[0]).toEqual(['lost', 'pi_1']);
  });

  it("fails an order status other than the shop's", () => {
    const evidence = faithfulHeld('shipped');
    const reverted = { ...evidence, monstock: { ...evidence.monstock!, status: 'confirmed' as const } };
    expect(checkOrder(reverted)).toEqual([
      { orderId: 'ord_1', kind: 'wrongStatus', detail: 'order status confirmed, the shop set shipped' },
    ]);
  });
});

// --- Refund requests: a paid order of 4200, requests made in Monstock, refunds made by the connector. ---

interface Asked {
  id: string;
  amount: number;
  expected: 'succeeded' | 'rejected';
}

function askingEntry(asked: Asked[]): LedgerEntry {
  return {
    orderId: 'ord_2',
    reference: 'CH-2',
    totalAmount: 4200,
    currency: 'EUR',
    story: 'test',
    intents: [
      {
        id: 'pi_2',
        metadata: { monstock_order_id: 'ord_2' },
        amount: 4200,
        currency: 'eur',
        paymentMethod: 'pm_card_visa',
        status: 'succeeded',
        declines: [],
        refunds: [],
        disputes: [],
      },
    ],
    refundRequests: asked.map((request) => ({ ...request, currency: 'EUR' })),
  };
}

const stripeRefund = (id: string, amount: number, requestId: string | undefined, n = 0): RefundFacts => ({
  id,
  paymentIntent: 'pi_2',
  status: 'succeeded',
  amount,
  currency: 'eur',
  created: T0 + 20 + n,
  balance: { fee: 0, net: -amount, currency: 'eur' },
  metadata: requestId ? { monstock_refund_request_id: requestId } : {},
});

function paidStripe(refunds: RefundFacts[]): IntentFacts[] {
  return [
    {
      id: 'pi_2',
      status: 'succeeded',
      amount: 4200,
      amountReceived: 4200,
      currency: 'eur',
      created: T0,
      metadata: { monstock_order_id: 'ord_2' },
      captureMethod: 'automatic',
      charges: [
        {
          id: 'ch_2',
          paymentIntent: 'pi_2',
          status: 'succeeded',
          amount: 4200,
          currency: 'eur',
          created: T0 + 10,
          methodType: 'card',
          last4: '4242',
          balance: { fee: feeOf(4200), net: 4200 - feeOf(4200), currency: 'eur' },
        },
      ],
      refunds,
      disputes: [],
    },
  ];
}

/** Monstock showing the payment and every Stripe refund, as a faithful connector writes them. */
function paidOrder(refunds: RefundFacts[]) {
  const payments: Payment[] = [
    {
      id: 'pay_0',
      recordedAt: iso(T0 + 100),
      provider: 'stripe',
      kind: 'payment',
      transactionRef: 'pi_2',
      amount: 4200,
      currency: 'EUR',
      status: 'succeeded',
      occurredAt: iso(T0 + 10),
      method: 'card',
      methodDetails: 'visa ****4242',
      feeAmount: feeOf(4200),
      netAmount: 4200 - feeOf(4200),
    },
    ...refunds.map((refund, n): Payment => ({
      id: `pay_${n + 1}`,
      recordedAt: iso(T0 + 100),
      provider: 'stripe',
      kind: 'refund',
      transactionRef: refund.id,
      amount: refund.amount,
      currency: 'EUR',
      status: 'succeeded',
      occurredAt: iso(refund.created),
    })),
  ];
  return { totalAmount: 4200, status: 'confirmed' as const, payments, ...summarizePayments(4200, payments) };
}

function request(asked: Asked, change: Partial<RefundRequest>): RefundRequest {
  return {
    id: asked.id,
    orderId: 'ord_2',
    amount: asked.amount,
    currency: 'EUR',
    reason: 'chaos',
    status: 'requested',
    stripeRefundIds: [],
    createdAt: iso(T0 + 15),
    updatedAt: iso(T0 + 16),
    ...change,
  };
}

const part: Asked = { id: 'rfq_part', amount: 1400, expected: 'succeeded' };
const second: Asked = { id: 'rfq_second', amount: 840, expected: 'succeeded' };
const overAsk: Asked = { id: 'rfq_over', amount: 4250, expected: 'rejected' };

function faithfulAsked(): OrderEvidence {
  const refunds = [stripeRefund('re_a', 1400, part.id), stripeRefund('re_b', 840, second.id, 1)];
  return {
    entry: askingEntry([part, second, overAsk]),
    stripe: paidStripe(refunds),
    monstock: paidOrder(refunds),
    refundRequests: [
      request(part, { status: 'succeeded', stripeRefundIds: ['re_a'] }),
      request(second, { status: 'succeeded', stripeRefundIds: ['re_b'] }),
      request(overAsk, { status: 'rejected', failureReason: 'asks 4250, 1960 refundable' }),
    ],
  };
}

describe('chaos checker: refund requests', () => {
  it("passes a faithful order: the connector's refunds are expected, not a ledger mismatch", () => {
    const evidence = faithfulAsked();
    expect(checkOrder(evidence)).toEqual([]);
    expect(checkOrders([evidence])).toMatchObject({ movementsChecked: 3, ledgerMismatch: 0 });
    expect(stripeAgreesWithLedger(evidence.entry, evidence.stripe)).toBe(true);
  });

  it('fails a request refunded twice in Stripe as duplicated, once', () => {
    const refunds = [stripeRefund('re_a', 1400, part.id), stripeRefund('re_a2', 1400, part.id, 1)];
    const evidence: OrderEvidence = {
      entry: askingEntry([part]),
      stripe: paidStripe(refunds),
      monstock: paidOrder(refunds),
      refundRequests: [request(part, { status: 'succeeded', stripeRefundIds: ['re_a', 're_a2'] })],
    };
    expect(checkOrders([evidence])).toMatchObject({ duplicated: 1, lost: 0, wrongStatus: 0, ledgerMismatch: 0 });
    expect(checkOrder(evidence)[0]!.detail).toContain('refunded 2 times in Stripe (re_a, re_a2)');
  });

  it.each(['requested', 'processing'] as const)('fails a request left %s as lost', (status) => {
    const evidence: OrderEvidence = {
      entry: askingEntry([part]),
      stripe: paidStripe([]),
      monstock: paidOrder([]),
      refundRequests: [request(part, { status })],
    };
    const problems = checkOrder(evidence);
    // No refund in Stripe, none on the order: the order's summary is consistent, the request is not.
    expect(kindsOf(problems)).toEqual([
      ['lost', 'rfq_part'],
      ['lost', 'rfq_part'],
    ]);
    expect(problems[0]!.detail).toBe('refund request rfq_part has no refund in Stripe');
    expect(problems[1]!.detail).toBe(`refund request rfq_part left ${status}, expected succeeded`);
    expect(stripeAgreesWithLedger(evidence.entry, evidence.stripe)).toBe(false);
  });

  it('fails a request Monstock no longer shows as lost', () => {
    const evidence = { ...faithfulAsked(), refundRequests: faithfulAsked().refundRequests!.slice(1) };
    expect(kindsOf(checkOrder(evidence))).toEqual([['lost', 'rfq_part']]);
  });

  it('fails an over-asking request refunded or reported succeeded as wrongStatus', () => {
    const refunds = [stripeRefund('re_x', 4200, overAsk.id)];
    const refunded: OrderEvidence = {
      entry: askingEntry([overAsk]),
      stripe: paidStripe(refunds),
      monstock: paidOrder(refunds),
      refundRequests: [request(overAsk, { status: 'succeeded', stripeRefundIds: ['re_x'] })],
    };
    const problems = checkOrder(refunded);
    expect(kindsOf(problems)).toEqual([
      ['wrongStatus', 'rfq_over'],
      ['wrongStatus', 'rfq_over'],
    ]);
    expect(problems[1]!.detail).toBe('refund request rfq_over is succeeded, expected rejected');
    const unexplained: OrderEvidence = {
      ...faithfulAsked(),
      refundRequests: faithfulAsked().refundRequests!.map((shown) =>
        shown.id === overAsk.id ? { ...shown, failureReason: undefined } : shown,
      ),
    };
    expect(kindsOf(checkOrder(unexplained))).toEqual([['wrongStatus', 'rfq_over']]);
  });

  it('fails a refund of another amount than asked, and a request not naming its Stripe refund', () => {
    const refunds = [stripeRefund('re_a', 1500, part.id)];
    const wrongAmount: OrderEvidence = {
      entry: askingEntry([part]),
      stripe: paidStripe(refunds),
      monstock: paidOrder(refunds),
      refundRequests: [request(part, { status: 'succeeded', stripeRefundIds: ['re_a'] })],
    };
    expect(checkOrder(wrongAmount)).toEqual([
      expect.objectContaining({ kind: 'wrongStatus', ref: 'rfq_part', fields: ['amount'] }),
    ]);
    const unnamed: OrderEvidence = {
      ...faithfulAsked(),
      refundRequests: faithfulAsked().refundRequests!.map((shown) =>
        shown.id === part.id ? { ...shown, stripeRefundIds: [] } : shown,
      ),
    };
    expect(checkOrder(unnamed)).toEqual([
      expect.objectContaining({ kind: 'wrongStatus', ref: 'rfq_part', fields: ['stripeRefundIds'] }),
    ]);
  });

  it("fails the connector's refund missing on the order as lost", () => {
    const evidence = faithfulAsked();
    const missing: OrderEvidence = {
      ...evidence,
      monstock: paidOrder([stripeRefund('re_b', 840, second.id, 1)]),
    };
    expect(kindsOf(checkOrder(missing))).toEqual([
      ['lost', 're_a'],
      ['wrongStatus', undefined],
    ]);
  });

  it('still reports a Stripe refund naming no request of the order as a ledger mismatch', () => {
    const refunds = [stripeRefund('re_a', 1400, part.id), stripeRefund('re_z', 100, 'rfq_of_another_order', 2)];
    const evidence: OrderEvidence = {
      ...faithfulAsked(),
      entry: askingEntry([part]),
      stripe: paidStripe(refunds),
      monstock: paidOrder(refunds),
      refundRequests: [request(part, { status: 'succeeded', stripeRefundIds: ['re_a'] })],
    };
    expect(kindsOf(checkOrder(evidence))).toEqual([['ledgerMismatch', 're_z']]);
  });
});
