import type { Payment, RefundRequest } from '../../src/monstock/schemas';
import { movementsFromStripe } from '../../src/payments/movementsFromStripe';
import type { PaymentIntentSnapshot } from '../../src/payments/paymentIntentSnapshot';
import { compareIntent, shouldRepairIntent, type OrderFacts } from '../../src/reconciliation/compare';
import {
  AUTHENTICATION_ABANDONED_MS,
  AUTHORIZATION_WARNING_MS,
  compareTimeBound,
} from '../../src/reconciliation/compareAuthorisations';
import {
  compareRefundRequests,
  mayHaveRefundRequests,
  REFUND_REQUEST_GRACE_MS,
  type OrderRefund,
} from '../../src/reconciliation/compareRefundRequests';
import { charge, intent, T0 } from '../support/snapshots';

/** Issue 15 in the reconciliation: authorisations, abandoned authentication and refund requests. */

const HOUR = 3_600_000;
const captureBefore = T0 + 7 * 24 * 3600;

function recorded(movements: ReturnType<typeof movementsFromStripe>): Payment[] {
  return movements.map((movement, index) => ({
    ...movement,
    provider: 'stripe',
    id: `pay_${index}`,
    recordedAt: '2026-11-27T00:00:00.000Z',
  }));
}

function order(payments: Payment[]): OrderFacts {
  return {
    id: 'ord_1',
    currency: 'EUR',
    totalAmount: 4200,
    amountPaid: 0,
    status: 'confirmed',
    payments,
    externalRefs: { stripePaymentIntentId: 'pi_1' },
  };
}

/** A card authorisation held by Stripe: uncaptured charge, `requires_capture`. */
const held = intent({
  status: 'requires_capture',
  amountReceived: 0,
  amountCapturable: 4200,
  charges: [charge({ captured: false, captureBefore, feeAmount: undefined, netAmount: undefined })],
});

describe('authorisations', () => {
  const shownHeld = order(recorded(movementsFromStripe(held)));

  it('finds nothing for a hold far from its deadline that Monstock shows authorised', () => {
    expect(shownHeld.payments[0]!.status).toBe('authorized');
    expect(compareIntent(held, { kind: 'order', order: shownHeld }, { now: T0 * 1000 })).toEqual([]);
  });

  it('warns (report only) within two days of capture_before, not a minute earlier', () => {
    const deadline = captureBefore * 1000;
    expect(compareTimeBound(held, 'ord_1', deadline - AUTHORIZATION_WARNING_MS - 60_000)).toEqual([]);
    const found = compareIntent(
      held,
      { kind: 'order', order: shownHeld },
      { now: deadline - AUTHORIZATION_WARNING_MS },
    );
    expect(found).toEqual([
      expect.objectContaining({
        kind: 'authorization_expiring',
        repairable: false,
        orderId: 'ord_1',
        paymentIntentId: 'pi_1',
        expiresAt: new Date(deadline).toISOString(),
      }),
    ]);
    // A notice alone sends no repair.
    expect(shouldRepairIntent(found)).toBe(false);
  });

  it('reports a hold past capture_before that Stripe still shows requires_capture as expired, not repairable', () => {
    const found = compareIntent(held, { kind: 'order', order: shownHeld }, { now: captureBefore * 1000 + 1 });
    expect(found).toEqual([expect.objectContaining({ kind: 'authorization_expired', repairable: false })]);
  });

  it('without a clock, no time-bound finding', () => {
    expect(compareIntent(held, { kind: 'order', order: shownHeld })).toEqual([]);
  });

  it.each([
    ['lapsed (cancellation_reason automatic)', { status: 'canceled', cancellationReason: 'automatic' }, 'canceled'],
    ['released by the merchant', { status: 'canceled', cancellationReason: 'requested_by_customer' }, 'canceled'],
    [
      'captured for less',
      {
        status: 'succeeded',
        amountReceived: 3000,
        amountCapturable: 0,
        charges: [charge({ captured: true, amount: 4200 })],
      },
      'succeeded',
    ],
  ] as Array<[string, Partial<PaymentIntentSnapshot>, string]>)(
    'Monstock still authorised while Stripe shows it %s: authorization_expired, repairable',
    (_, change, status) => {
      const ended = intent({ ...held, ...change });
      const found = compareIntent(ended, { kind: 'order', order: shownHeld }, { now: T0 * 1000 });
      expect(found).toEqual([
        expect.objectContaining({
          kind: 'authorization_expired',
          repairable: true,
          transactionRef: 'pi_1',
          monstock: expect.objectContaining({ status: 'authorized' }),
          stripe: expect.objectContaining({ status }),
        }),
      ]);
      expect(shouldRepairIntent(found)).toBe(true);
    },
  );

  it('a lapsed hold Monstock already shows canceled is no finding', () => {
    const lapsed = intent({ ...held, status: 'canceled', cancellationReason: 'automatic' });
    const shown = order(recorded(movementsFromStripe(lapsed, shownHeld.payments)));
    expect(shown.payments[0]).toMatchObject({ status: 'canceled', failureReason: 'authorization_expired' });
    expect(compareIntent(lapsed, { kind: 'order', order: shown }, { now: T0 * 1000 })).toEqual([]);
  });

  it('a notice does not hold back a repair of the same intent', () => {
    // Monstock has nothing yet for a hold close to its deadline: the missing payment is still written.
    const found = compareIntent(held, { kind: 'order', order: order([]) }, { now: captureBefore * 1000 - HOUR });
    expect(found.map((f) => f.kind).sort()).toEqual(['authorization_expiring', 'payment_missing_on_order']);
    expect(shouldRepairIntent(found)).toBe(true);
  });
});

describe('abandoned authentication', () => {
  const waiting = intent({ status: 'requires_action', amountReceived: 0, charges: [], latestChargeId: undefined });
  const shown = order(recorded(movementsFromStripe(waiting)));

  it('is reported after 24 h of requires_action, never before', () => {
    expect(shown.payments[0]).toMatchObject({ status: 'pending', pendingReason: 'requires_action' });
    expect(
      compareIntent(waiting, { kind: 'order', order: shown }, { now: T0 * 1000 + AUTHENTICATION_ABANDONED_MS }),
    ).toEqual([]);
    const found = compareIntent(waiting, { kind: 'order', order: shown }, { now: T0 * 1000 + 25 * HOUR });
    expect(found).toEqual([
      expect.objectContaining({ kind: 'authentication_abandoned', repairable: false, orderId: 'ord_1' }),
    ]);
    expect(found[0]!.detail).toContain('25 h');
  });

  it('counts from the last attempt, not the intent', () => {
    const retried = intent({
      ...waiting,
      charges: [charge({ status: 'failed', created: T0 + 20 * 3600, failureCode: 'authentication_required' })],
    });
    expect(compareTimeBound(retried, 'ord_1', T0 * 1000 + 25 * HOUR)).toEqual([]);
  });

  it('is not reported for a payment that belongs to no order', () => {
    expect(compareIntent(waiting, { kind: 'unmatched', reason: 'none' }, { now: T0 * 1000 + 48 * HOUR })).toEqual([]);
  });

  it("a failed payment's reason is in the finding's detail", () => {
    const failed = intent({
      status: 'requires_payment_method',
      amountReceived: 0,
      charges: [charge({ status: 'failed', failureCode: 'card_declined', declineCode: 'insufficient_funds' })],
    });
    const found = compareIntent(failed, { kind: 'order', order: shown });
    expect(found.find((f) => f.transactionRef === 'pi_1')?.detail).toContain('card_declined/insufficient_funds');
  });
});

describe('refund requests', () => {
  const NOW = Date.parse('2026-11-30T12:00:00.000Z');
  const old = new Date(NOW - REFUND_REQUEST_GRACE_MS - 1000).toISOString();
  const young = new Date(NOW - 60_000).toISOString();

  function request(overrides: Partial<RefundRequest> = {}): RefundRequest {
    return {
      id: 'rfq_1',
      orderId: 'ord_1',
      amount: 1000,
      currency: 'EUR',
      reason: 'return',
      status: 'requested',
      stripeRefundIds: [],
      createdAt: old,
      updatedAt: old,
      ...overrides,
    };
  }
  function refund(overrides: Partial<OrderRefund> = {}): OrderRefund {
    return {
      id: 're_1',
      paymentIntentId: 'pi_1',
      status: 'succeeded',
      amount: 1000,
      currency: 'eur',
      created: T0,
      refundRequestId: 'rfq_1',
      ...overrides,
    };
  }
  const kinds = (requests: RefundRequest[], refunds: OrderRefund[]) =>
    compareRefundRequests('ord_1', requests, refunds, NOW).map((f) => [f.kind, f.repairable, f.refundRequestId]);

  it('an open request past its grace with no Stripe refund: repairable', () => {
    expect(kinds([request()], [])).toEqual([['refund_request_without_refund', true, 'rfq_1']]);
    expect(kinds([request({ status: 'processing' })], [])).toEqual([['refund_request_without_refund', true, 'rfq_1']]);
  });

  it('an open request within its grace is left to the order workflow', () => {
    expect(kinds([request({ createdAt: young, updatedAt: young })], [])).toEqual([]);
  });

  it('a refund for another request does not count for this one', () => {
    expect(kinds([request()], [refund({ refundRequestId: undefined })])).toEqual([
      ['refund_request_without_refund', true, 'rfq_1'],
    ]);
  });

  it('agreeing sides: no finding', () => {
    expect(kinds([request({ status: 'succeeded', stripeRefundIds: ['re_1'] })], [refund()])).toEqual([]);
    expect(kinds([request({ status: 'failed', stripeRefundIds: ['re_1'] })], [refund({ status: 'failed' })])).toEqual(
      [],
    );
    expect(kinds([request({ status: 'rejected' })], [])).toEqual([]);
  });

  it.each([
    [
      'succeeded, but its only refund failed',
      { status: 'succeeded', stripeRefundIds: ['re_1'] },
      [refund({ status: 'failed' })],
    ],
    ['succeeded, with no refund at all', { status: 'succeeded' }, []],
    ['failed, but Stripe refunded', { status: 'failed', stripeRefundIds: ['re_1'] }, [refund()]],
    ['rejected, but Stripe refunded', { status: 'rejected', stripeRefundIds: ['re_1'] }, [refund()]],
    ['still processing past its grace while Stripe refunded', { status: 'processing' }, [refund()]],
  ] as Array<[string, Partial<RefundRequest>, OrderRefund[]]>)(
    'request %s: status mismatch, repairable',
    (_, overrides, refunds) => {
      expect(kinds([request(overrides)], refunds)).toEqual([['refund_request_status_mismatch', true, 'rfq_1']]);
    },
  );

  it('a processing request whose refund is still pending at Stripe is no finding', () => {
    expect(kinds([request({ status: 'processing' })], [refund({ status: 'pending' })])).toEqual([]);
  });

  it('a Stripe refund naming a request the order does not have: refund_without_request, report only', () => {
    const found = compareRefundRequests('ord_1', [], [refund({ refundRequestId: 'rfq_bogus' })], NOW);
    expect(found).toEqual([
      expect.objectContaining({
        kind: 'refund_without_request',
        repairable: false,
        transactionRef: 're_1',
        paymentIntentId: 'pi_1',
        refundRequestId: 'rfq_bogus',
        stripe: { status: 'succeeded', amount: 1000, currency: 'EUR' },
      }),
    ]);
  });

  it('a Stripe refund a finished request does not list: refund_without_request', () => {
    const requests = [request({ status: 'succeeded', stripeRefundIds: ['re_1'] })];
    expect(kinds(requests, [refund(), refund({ id: 're_2' })])).toEqual([['refund_without_request', false, 'rfq_1']]);
  });

  it('a refund without request metadata (made in the dashboard) is not this check', () => {
    expect(kinds([], [refund({ refundRequestId: undefined })])).toEqual([]);
  });

  describe('mayHaveRefundRequests (what bounds the Monstock calls)', () => {
    const base = {
      amountPaid: 4200,
      amountRefunded: 0,
      updatedAt: '2026-11-27T00:00:00.000Z',
      payments: [{ kind: 'payment', recordedAt: '2026-11-27T00:00:00.000Z' }] as Payment[],
    };
    it('skips an unpaid order and a paid one that has not moved since its last movement', () => {
      expect(mayHaveRefundRequests({ ...base, amountPaid: 0 })).toBe(false);
      expect(mayHaveRefundRequests(base)).toBe(false);
    });
    it('asks for a refunded order, or one that moved after its last movement', () => {
      expect(mayHaveRefundRequests({ ...base, amountRefunded: 100 })).toBe(true);
      expect(mayHaveRefundRequests({ ...base, updatedAt: '2026-11-27T00:00:01.000Z' })).toBe(true);
    });
  });
});
