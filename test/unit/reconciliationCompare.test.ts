import type { Payment } from '../../src/monstock/schemas';
import { movementsFromStripe } from '../../src/payments/movementsFromStripe';
import { charge, intent, T0 } from '../support/snapshots';
import { compareIntent, compareOrder, shouldRepairIntent, type OrderFacts } from '../../src/reconciliation/compare';
import { addToTotals, countByKind, intentTotals, mergeTotals } from '../../src/reconciliation/totals';
import { createdInWindow, stripeCreatedRange, validateWindow, windowEndingAt } from '../../src/reconciliation/window';
import {
  parseReconciliationScheduleId,
  parseReconciliationWorkflowId,
  reconciliationScheduleId,
  reconciliationWorkflowId,
} from '../../src/shared/ids';
import { parseTimeOfDay, reconciliationScheduleSettings } from '../../src/temporal/reconciliationSchedule';

function payments(movements: ReturnType<typeof movementsFromStripe>): Payment[] {
  return movements.map((movement, index) => ({
    ...movement,
    provider: 'stripe',
    id: `pay_${index}`,
    recordedAt: '2026-11-27T00:00:00.000Z',
  }));
}

function order(recorded: Payment[] = [], overrides: Partial<OrderFacts> = {}): OrderFacts {
  const amountPaid = recorded
    .filter((p) => p.kind === 'payment' && p.status === 'succeeded')
    .reduce((sum, p) => sum + p.amount, 0);
  return {
    id: 'ord_1',
    currency: 'EUR',
    totalAmount: 4200,
    amountPaid,
    status: 'confirmed',
    payments: recorded,
    externalRefs: { stripePaymentIntentId: 'pi_1' },
    ...overrides,
  };
}

const refund = { id: 're_1', status: 'succeeded', amount: 1000, currency: 'eur', created: T0 + 20 };
const dispute = {
  id: 'dp_1',
  status: 'needs_response',
  amount: 4200,
  currency: 'eur',
  created: T0 + 30,
  reason: 'fraudulent',
};

describe('compareIntent', () => {
  it('finds nothing when Monstock shows exactly what Stripe shows', () => {
    const snapshot = intent({ refunds: [refund], disputes: [dispute] });
    expect(compareIntent(snapshot, { kind: 'order', order: order(payments(movementsFromStripe(snapshot))) })).toEqual(
      [],
    );
  });

  it('reports a payment, refund and dispute missing on the order, all repairable', () => {
    const snapshot = intent({ refunds: [refund], disputes: [dispute] });
    const found = compareIntent(snapshot, { kind: 'order', order: order() });
    expect(found.map((f) => [f.kind, f.transactionRef, f.repairable])).toEqual([
      ['payment_missing_on_order', 'pi_1', true],
      ['refund_missing', 're_1', true],
      ['dispute_missing', 'dp_1', true],
    ]);
    expect(found[0]).toMatchObject({
      paymentIntentId: 'pi_1',
      orderId: 'ord_1',
      stripe: { status: 'succeeded', amount: 4200, currency: 'EUR' },
    });
    expect(shouldRepairIntent(found)).toBe(true);
  });

  it('reports a refund missing when the payment is there', () => {
    const snapshot = intent({ refunds: [refund] });
    const recorded = payments(movementsFromStripe(intent()));
    expect(compareIntent(snapshot, { kind: 'order', order: order(recorded) }).map((f) => f.kind)).toEqual([
      'refund_missing',
    ]);
  });

  it('reports an amount contradiction as unsafe', () => {
    const recorded = payments(movementsFromStripe(intent())).map((p) => ({ ...p, amount: 2500 }));
    const found = compareIntent(intent(), { kind: 'order', order: order(recorded) });
    expect(found).toEqual([
      expect.objectContaining({
        kind: 'amount_mismatch',
        repairable: false,
        stripe: expect.objectContaining({ amount: 4200 }),
        monstock: expect.objectContaining({ amount: 2500 }),
      }),
    ]);
    expect(shouldRepairIntent(found)).toBe(false);
  });

  it('reports a payment in another currency than the order as unsafe, once', () => {
    const found = compareIntent(intent({ currency: 'usd', charges: [charge({ currency: 'usd' })] }), {
      kind: 'order',
      order: order(),
    });
    expect(found.map((f) => [f.kind, f.repairable])).toEqual([['currency_mismatch', false]]);
  });

  it('repairs a status Monstock is behind on, and reports one it is ahead on', () => {
    const pending = payments(movementsFromStripe(intent())).map((p) => ({ ...p, status: 'pending' as const }));
    expect(
      compareIntent(intent(), { kind: 'order', order: order(pending) }).map((f) => [f.kind, f.repairable]),
    ).toEqual([['status_mismatch', true]]);
    const processing = intent({
      status: 'processing',
      amountReceived: 0,
      charges: [charge({ status: 'pending', feeAmount: undefined })],
      refunds: [{ ...refund, status: 'pending' }],
    });
    const ahead = payments(movementsFromStripe(processing)).map((p) =>
      p.kind === 'refund' ? { ...p, status: 'succeeded' as const } : p,
    );
    expect(
      compareIntent(processing, { kind: 'order', order: order(ahead) }).map((f) => [f.kind, f.repairable]),
    ).toEqual([['status_mismatch', false]]);
  });

  it('repairs a pending payment whose pendingReason is wrong or missing, and finds nothing when it agrees', () => {
    const processing = intent({
      status: 'processing',
      amountReceived: 0,
      charges: [charge({ status: 'pending', feeAmount: undefined, netAmount: undefined })],
    });
    const agreed = payments(movementsFromStripe(processing));
    expect(compareIntent(processing, { kind: 'order', order: order(agreed) })).toEqual([]);
    const stale = agreed.map((p) => ({ ...p, pendingReason: 'requires_action' as const }));
    const found = compareIntent(processing, { kind: 'order', order: order(stale) });
    expect(found.map((f) => [f.kind, f.repairable])).toEqual([['status_mismatch', true]]);
    expect(found[0]?.detail).toContain('processing');
    const missing = agreed.map(({ pendingReason: _reason, ...p }) => p);
    expect(
      compareIntent(processing, { kind: 'order', order: order(missing) }).map((f) => [f.kind, f.repairable]),
    ).toEqual([['status_mismatch', true]]);
  });

  it('shows a 3-D Secure payment Monstock does not show yet as missing, repairable', () => {
    const threeDs = intent({ status: 'requires_action', amountReceived: 0, latestChargeId: undefined, charges: [] });
    const found = compareIntent(threeDs, { kind: 'order', order: order() });
    expect(found.map((f) => f.repairable)).toEqual([true]);
    expect(found[0]?.stripe).toMatchObject({ status: 'pending' });
  });

  it('reports Monstock paid while Stripe shows no money as paid_without_stripe_money', () => {
    const recorded = payments(movementsFromStripe(intent()));
    const unpaid = intent({
      status: 'requires_payment_method',
      amountReceived: 0,
      charges: [],
      latestChargeId: undefined,
    });
    const found = compareIntent(unpaid, { kind: 'order', order: order(recorded) });
    expect(found.map((f) => [f.kind, f.transactionRef, f.repairable])).toEqual([
      ['paid_without_stripe_money', 'pi_1', false],
    ]);
    const pendingInStripe = intent({
      status: 'processing',
      amountReceived: 0,
      charges: [charge({ status: 'pending', feeAmount: undefined })],
    });
    expect(compareIntent(pendingInStripe, { kind: 'order', order: order(recorded) }).map((f) => f.kind)).toEqual([
      'paid_without_stripe_money',
    ]);
  });

  it('reports a fee that arrived after the payment as repairable', () => {
    const recorded = payments(movementsFromStripe(intent())).map(
      ({ feeAmount: _fee, netAmount: _net, ...rest }) => rest as Payment,
    );
    expect(
      compareIntent(intent(), { kind: 'order', order: order(recorded) }).map((f) => [f.kind, f.repairable]),
    ).toEqual([['fee_missing', true]]);
  });

  it('reports fee and net recorded without the settlement currency Stripe converted to, as repairable', () => {
    const usdSettlingInEur = intent({
      amount: 5000,
      amountReceived: 5000,
      currency: 'usd',
      charges: [charge({ amount: 5000, currency: 'usd', feeAmount: 161, netAmount: 4439, settlementCurrency: 'eur' })],
    });
    const complete = payments(movementsFromStripe(usdSettlingInEur));
    const usdOrder = (recorded: Payment[]) => ({ kind: 'order' as const, order: order(recorded, { currency: 'USD' }) });
    expect(compareIntent(usdSettlingInEur, usdOrder(complete))).toEqual([]);
    const unnamed = complete.map(({ settlementCurrency: _dropped, ...rest }) => rest as Payment);
    expect(compareIntent(usdSettlingInEur, usdOrder(unnamed))).toEqual([
      expect.objectContaining({
        kind: 'fee_missing',
        repairable: true,
        transactionRef: 'pi_1',
        detail: 'payment pi_1: fee and net are in EUR (Stripe converted), Monstock names no settlement currency',
      }),
    ]);
  });

  it('reports an unmatched payment only when money moved; ignores what another integration owns', () => {
    expect(compareIntent(intent(), { kind: 'unmatched', reason: 'no rule' })).toEqual([
      expect.objectContaining({ kind: 'unmatched_payment', paymentIntentId: 'pi_1', repairable: false }),
    ]);
    expect(
      compareIntent(intent({ status: 'requires_payment_method', charges: [] }), {
        kind: 'unmatched',
        reason: 'no rule',
      }),
    ).toEqual([]);
    expect(compareIntent(intent(), { kind: 'ignored', reason: 'other' })).toEqual([]);
  });

  it('does not repair an intent when one of its findings is unsafe', () => {
    const snapshot = intent({ refunds: [refund] });
    const recorded = payments(movementsFromStripe(intent())).map((p) => ({ ...p, amount: 1 }));
    const found = compareIntent(snapshot, { kind: 'order', order: order(recorded) });
    expect(found.map((f) => f.kind).sort()).toEqual(['amount_mismatch', 'refund_missing']);
    expect(shouldRepairIntent(found)).toBe(false);
  });
});

describe('compareOrder', () => {
  const manual: Payment = {
    id: 'pay_x',
    kind: 'payment',
    transactionRef: 'manual-42',
    amount: 1000,
    currency: 'EUR',
    status: 'succeeded',
    occurredAt: '2026-11-27T00:00:00.000Z',
    provider: 'stripe',
    recordedAt: '2026-11-27T00:00:00.000Z',
  };

  it('reports Stripe-labelled money that names no payment intent, and returns the intents to read', () => {
    const recorded = [
      ...payments(movementsFromStripe(intent())),
      manual,
      { ...manual, transactionRef: 'cash-1', provider: 'cash' },
    ];
    const { found, intentIds } = compareOrder(order(recorded), { checkOrderIntents: true });
    expect(found.map((f) => [f.kind, f.transactionRef, f.repairable])).toEqual([
      ['paid_without_stripe_money', 'manual-42', false],
    ]);
    expect(intentIds).toEqual(['pi_1']);
  });

  it('reports an order with an amount due and no intent only when intents are on', () => {
    const bare = order([], { externalRefs: {} });
    expect(compareOrder(bare, { checkOrderIntents: true }).found.map((f) => [f.kind, f.repairable])).toEqual([
      ['order_without_intent', true],
    ]);
    expect(compareOrder(bare, { checkOrderIntents: false }).found).toEqual([]);
    expect(compareOrder({ ...bare, status: 'cancelled' }, { checkOrderIntents: true }).found).toEqual([]);
    expect(compareOrder({ ...bare, amountPaid: 4200 }, { checkOrderIntents: true }).found).toEqual([]);
  });
});

describe('totals, windows, ids, schedule', () => {
  it('adds totals per currency with their difference', () => {
    const totals = {};
    intentTotals(
      totals,
      intent({ refunds: [refund], disputes: [dispute] }),
      order(payments(movementsFromStripe(intent()))),
    );
    intentTotals(totals, intent({ id: 'pi_2' }), undefined);
    addToTotals(totals, 'EUR', { monstockRecorded: 1000 });
    expect(totals).toEqual({
      EUR: { stripeCollected: 8400, monstockRecorded: 5200, refunded: 1000, disputed: 4200, difference: -3200 },
    });
    expect(mergeTotals({}, totals)).toEqual(totals);
    expect(
      countByKind([{ kind: 'refund_missing' }, { kind: 'refund_missing' }, { kind: 'unmatched_payment' }] as never),
    ).toEqual({ refund_missing: 2, unmatched_payment: 1 });
  });

  it('computes windows and Stripe created ranges', () => {
    const window = windowEndingAt(new Date('2026-11-27T01:00:00Z'), 48);
    expect(window).toEqual({ from: '2026-11-25T01:00:00.000Z', to: '2026-11-27T01:00:00.000Z' });
    expect(stripeCreatedRange({ from: '2026-11-27T00:00:00.500Z', to: '2026-11-27T00:00:01.200Z' })).toEqual({
      gte: 1_795_737_600,
      lt: 1_795_737_602,
    });
    expect(createdInWindow(Date.parse(window.from) / 1000, window)).toBe(true);
    expect(createdInWindow(Date.parse(window.from) / 1000 - 1, window)).toBe(false);
    expect(() => validateWindow({ from: '2026-11-27T00:00:00Z', to: '2026-11-26T00:00:00Z' })).toThrow(/end after/);
  });

  it('names workflows and schedules with an inverse', () => {
    expect(
      parseReconciliationWorkflowId(reconciliationWorkflowId('default', 'scheduled-2026-11-27T01:00:00Z')),
    ).toEqual({ connectionId: 'default', runKey: 'scheduled-2026-11-27T01:00:00Z' });
    expect(parseReconciliationWorkflowId('order-payment/default/x')).toBeUndefined();
    expect(parseReconciliationScheduleId(reconciliationScheduleId('shop-1'))).toEqual({ connectionId: 'shop-1' });
    expect(parseReconciliationScheduleId('reconciliation-schedule/a/b')).toBeUndefined();
  });

  it('builds the schedule: calendar in the time zone, SKIP, one day of catch-up', () => {
    expect(parseTimeOfDay('2:05')).toEqual({ hour: 2, minute: 5 });
    expect(() => parseTimeOfDay('25:00')).toThrow();
    const settings = reconciliationScheduleSettings({
      connectionId: 'default',
      taskQueue: 'q',
      at: '02:00',
      timeZone: 'Europe/Paris',
      windowHours: 48,
    });
    expect(settings.spec).toMatchObject({
      calendars: [expect.objectContaining({ hour: 2, minute: 0 })],
      timezone: 'Europe/Paris',
    });
    expect(settings.policies).toEqual({ overlap: 'SKIP', catchupWindow: '1 day', pauseOnFailure: false });
    expect(settings.action).toMatchObject({
      workflowType: 'reconciliationWorkflow',
      taskQueue: 'q',
      args: [{ connectionId: 'default', windowHours: 48 }],
    });
  });
});

describe('comparison in Monstock minor units', () => {
  const iskCharge = charge({ currency: 'isk', amount: 500_000, feeAmount: 12_300, netAmount: 487_700 });
  const isk = intent({ currency: 'isk', amount: 500_000, amountReceived: 500_000, charges: [iskCharge] });

  it('finds nothing when Monstock shows ISK 5000 for Stripe 500000, and totals count krónur', () => {
    const recorded = payments(movementsFromStripe(isk));
    expect(recorded[0]).toMatchObject({ amount: 5000, currency: 'ISK' });
    const facts = order(recorded, { currency: 'ISK', totalAmount: 5000 });
    expect(compareIntent(isk, { kind: 'order', order: facts })).toEqual([]);
    const totals = {};
    intentTotals(totals, isk, facts);
    expect(totals).toEqual({
      ISK: { stripeCollected: 5000, monstockRecorded: 5000, refunded: 0, disputed: 0, difference: 0 },
    });
  });

  it('reports Stripe amount 500000 ISK against Monstock 500000 (unconverted) as an amount mismatch', () => {
    const wrong = payments(movementsFromStripe(isk)).map((p) => ({ ...p, amount: 500_000 }));
    const found = compareIntent(isk, { kind: 'order', order: order(wrong, { currency: 'ISK' }) });
    expect(found).toMatchObject([
      { kind: 'amount_mismatch', repairable: false, stripe: { amount: 5000 }, monstock: { amount: 500_000 } },
    ]);
  });

  it('turns a Stripe amount that cannot convert into a finding for a person, and leaves it out of totals', () => {
    const fractional = intent({
      currency: 'isk',
      amount: 550,
      amountReceived: 550,
      charges: [charge({ currency: 'isk', amount: 550 })],
    });
    const found = compareIntent(fractional, { kind: 'order', order: order([], { currency: 'ISK' }) });
    expect(found).toMatchObject([
      { kind: 'amount_mismatch', repairable: false, orderId: 'ord_1', paymentIntentId: 'pi_1' },
    ]);
    expect(found[0]?.detail).toMatch(/550 ISK has a fraction/);
    expect(compareIntent(fractional, { kind: 'unmatched', reason: 'no order' })[0]).toMatchObject({
      kind: 'amount_mismatch',
    });
    const totals = {};
    intentTotals(totals, fractional, undefined);
    expect(totals).toEqual({});
  });
});
