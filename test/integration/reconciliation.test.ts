import { randomUUID } from 'node:crypto';
import type Stripe from 'stripe';
import { findReport } from '../../src/store/reports';
import { reconciliationWorkflowId, unmatchedPaymentWorkflowId } from '../../src/shared/ids';
import {
  RECONCILIATION_WORKFLOW_TYPE,
  reconciliationProgressQuery,
  type ReconciliationFinding,
  type ReconciliationReport,
  type ReconciliationWorkflowInput,
} from '../../src/shared/reconciliation';
import { ensureReconciliationSchedule } from '../../src/temporal/reconciliationSchedule';
import type { ConnectorHarness } from '../support/connectorHarness';
import { startReconciliationHarness, type ReconciliationHarness } from '../support/reconciliationHarness';
import { recordHistory } from '../support/histories';
import { expectOrderSettles } from '../support/orderAssertions';
import { eventually } from '../support/temporal';

/**
 * Nightly reconciliation end to end: both sandboxes, the real webhook route and a real worker.
 * Payments are made with Stripe's webhooks dropped, Monstock is edited by hand, and one run must
 * find exactly what was planted, repair what is safe through the order workflows, report the rest.
 */
describe('reconciliationWorkflow', () => {
  let h: ConnectorHarness;
  let sdk: Stripe;

  let harness: ReconciliationHarness;

  beforeAll(async () => {
    harness = await startReconciliationHarness({ folderPrefix: 'reconciliation-' });
    h = harness.h;
    sdk = h.sdk;
  });
  afterAll(async () => {
    await harness?.close();
  });

  const card = { method: 'card', methodDetails: 'visa ****4242' } as const;

  function pay(
    orderId: string | undefined,
    amount: number,
    paymentMethod = 'pm_card_visa',
  ): Promise<Stripe.PaymentIntent> {
    return sdk.paymentIntents.create({
      amount,
      currency: 'eur',
      payment_method: paymentMethod,
      confirm: true,
      metadata: orderId ? { monstock_order_id: orderId } : {},
    });
  }

  async function feeOf(intent: Stripe.PaymentIntent): Promise<{ feeAmount: number; netAmount: number }> {
    const charge = await sdk.charges.retrieve(intent.latest_charge as string, { expand: ['balance_transaction'] });
    const balance = charge.balance_transaction as Stripe.BalanceTransaction;
    return { feeAmount: balance.fee, netAmount: balance.net };
  }

  async function paymentOf(intent: Stripe.PaymentIntent, amount: number) {
    return {
      kind: 'payment',
      transactionRef: intent.id,
      amount,
      currency: 'EUR',
      status: 'succeeded',
      ...card,
      ...(await feeOf(intent)),
    };
  }

  async function reconcile(from: string, options: ReconciliationWorkflowInput['options'] = {}) {
    const input: ReconciliationWorkflowInput = {
      connectionId: 'default',
      window: { from, to: new Date().toISOString() },
      options,
    };
    const handle = await h.client.workflow.start(RECONCILIATION_WORKFLOW_TYPE, {
      workflowId: reconciliationWorkflowId('default', `test-${randomUUID().slice(0, 8)}`),
      taskQueue: h.taskQueue,
      args: [input],
    });
    return { handle, report: (await handle.result()) as ReconciliationReport };
  }

  const brief = (f: ReconciliationFinding) =>
    `${f.kind} ${f.orderId ?? '-'} ${f.paymentIntentId ?? f.transactionRef ?? '-'} ${f.action}`;

  it('finds each planted discrepancy and nothing else, repairs the repairable, reports the rest; a second run finds nothing new', async () => {
    const from = new Date(Date.now() - 2000).toISOString();
    // With webhooks: a clean payment, a payment later refunded without its webhook, and one Monstock then gets an
    // extra, hand-typed payment on.
    const clean = await h.order(4200);
    const cleanIntent = await pay(clean.id, 4200);
    const refunded = await h.order(6000);
    const refundedIntent = await pay(refunded.id, 6000);
    const extra = await h.order(3000);
    const extraIntent = await pay(extra.id, 3000);
    for (const [order, intent] of [
      [clean, cleanIntent],
      [refunded, refundedIntent],
      [extra, extraIntent],
    ] as const) {
      await expectOrderSettles(h.monstock.client, order.id, {
        paymentStatus: 'paid',
        amountPaid: order.totalAmount,
        amountRefunded: 0,
        payments: [await paymentOf(intent, order.totalAmount)],
      });
    }

    // Webhooks dropped from here on.
    await h.stripe.setFaults({ webhooks: { dropRate: 1 } });
    const refund = await sdk.refunds.create({ payment_intent: refundedIntent.id, amount: 2500 });
    await h.monstock.client.recordPayment(extra.id, {
      kind: 'payment',
      transactionRef: 'manual-7731',
      amount: 1000,
      currency: 'EUR',
      status: 'succeeded',
      occurredAt: new Date().toISOString(),
      provider: 'stripe',
    });
    const lostA = await h.order(1500);
    const lostAIntent = await pay(lostA.id, 1500);
    const lostB = await h.order(2500);
    const lostBIntent = await pay(lostB.id, 2500);
    // Monstock typed a wrong amount for a real payment.
    const wrongAmount = await h.order(3000);
    const wrongAmountIntent = await pay(wrongAmount.id, 3000);
    await h.monstock.client.recordPayment(wrongAmount.id, {
      kind: 'payment',
      transactionRef: wrongAmountIntent.id,
      amount: 2500,
      currency: 'EUR',
      status: 'succeeded',
      occurredAt: new Date().toISOString(),
      provider: 'stripe',
    });
    // Monstock says paid; the intent was never confirmed.
    const noMoney = await h.order(2000);
    const noMoneyIntent = await sdk.paymentIntents.create({
      amount: 2000,
      currency: 'eur',
      metadata: { monstock_order_id: noMoney.id },
    });
    await h.monstock.client.recordPayment(noMoney.id, {
      kind: 'payment',
      transactionRef: noMoneyIntent.id,
      amount: 2000,
      currency: 'EUR',
      status: 'succeeded',
      occurredAt: new Date().toISOString(),
      provider: 'stripe',
    });
    // Monstock still shows a paid intent as pending.
    const behind = await h.order(1800);
    const behindIntent = await pay(behind.id, 1800);
    await h.monstock.client.recordPayment(behind.id, {
      kind: 'payment',
      transactionRef: behindIntent.id,
      amount: 1800,
      currency: 'EUR',
      status: 'pending',
      occurredAt: new Date().toISOString(),
      provider: 'stripe',
    });
    // A payment naming no order.
    const stray = await pay(undefined, 999);
    await h.stripe.setFaults({ webhooks: {} });

    const first = await reconcile(from);
    const expected = [
      `payment_missing_on_order ${lostA.id} ${lostAIntent.id} repair_sent`,
      `payment_missing_on_order ${lostB.id} ${lostBIntent.id} repair_sent`,
      `refund_missing ${refunded.id} ${refundedIntent.id} repair_sent`,
      `status_mismatch ${behind.id} ${behindIntent.id} repair_sent`,
      `amount_mismatch ${wrongAmount.id} ${wrongAmountIntent.id} reported`,
      `paid_without_stripe_money ${noMoney.id} ${noMoneyIntent.id} reported`,
      `paid_without_stripe_money ${extra.id} manual-7731 reported`,
      `unmatched_payment - ${stray.id} unmatched_signalled`,
    ].sort();
    expect(first.report.findings.map(brief).sort()).toEqual(expected);
    expect(first.report.byKind).toEqual({
      payment_missing_on_order: 2,
      refund_missing: 1,
      status_mismatch: 1,
      amount_mismatch: 1,
      paid_without_stripe_money: 2,
      unmatched_payment: 1,
    });
    expect(first.report.counts).toMatchObject({ intents: 9, findings: 8, repairsSent: 5 });
    expect(first.report.unresolved).toBe(4);
    // Stripe collected 4200+6000+3000+1500+2500+3000+1800+999; Monstock: the clean three, 2500 typed for 3000, 2000
    // without money, the 1000 typed by hand.
    expect(first.report.totals.EUR).toEqual({
      stripeCollected: 22_999,
      monstockRecorded: 4200 + 6000 + 3000 + 2500 + 2000 + 1000,
      refunded: 2500,
      disputed: 0,
      difference: 18_700 - 22_999,
    });
    const file = (await findReport(harness.db.database, first.report.reportId))!;
    expect(file.findings.map(brief).sort()).toEqual(expected);
    const progress = await first.handle.query(reconciliationProgressQuery);
    expect(progress).toMatchObject({ phase: 'done', findings: 8, items: first.report.counts.items });

    // The repairs land through the order workflows, exactly once each.
    await expectOrderSettles(h.monstock.client, lostA.id, {
      paymentStatus: 'paid',
      amountPaid: 1500,
      amountRefunded: 0,
      payments: [await paymentOf(lostAIntent, 1500)],
    });
    await expectOrderSettles(h.monstock.client, lostB.id, {
      paymentStatus: 'paid',
      amountPaid: 2500,
      amountRefunded: 0,
      payments: [await paymentOf(lostBIntent, 2500)],
    });
    await expectOrderSettles(h.monstock.client, behind.id, {
      paymentStatus: 'paid',
      amountPaid: 1800,
      amountRefunded: 0,
      payments: [await paymentOf(behindIntent, 1800)],
    });
    await expectOrderSettles(h.monstock.client, refunded.id, {
      paymentStatus: 'partially_refunded',
      amountPaid: 6000,
      amountRefunded: 2500,
      payments: [
        await paymentOf(refundedIntent, 6000),
        { kind: 'refund', transactionRef: refund.id, amount: 2500, currency: 'EUR', status: 'succeeded' },
      ],
    });
    // What was only reported is untouched; the stray payment has its unmatched workflow.
    expect((await h.monstock.client.getOrder(wrongAmount.id)).amountPaid).toBe(2500);
    expect((await h.monstock.client.getOrder(noMoney.id)).paymentStatus).toBe('paid');
    await h.client.workflow.getHandle(unmatchedPaymentWorkflowId('default', stray.id)).describe();
    await recordHistory('reconciliationWorkflow.repairs', first.handle);

    const second = await reconcile(from);
    const unresolved = expected.filter((line) => !line.endsWith('repair_sent'));
    expect(second.report.findings.map(brief).sort()).toEqual(unresolved);
    expect(second.report.counts.repairsSent).toBe(1); // the unmatched payment is asked to look again
    expect(second.report.totals.EUR!.monstockRecorded).toBe(18_700 + 1500 + 2500 + 1800);
  });

  it('walks in small pages across continue-as-new and ends with the same report', async () => {
    const from = new Date(Date.now() - 600_000).toISOString();
    const whole = await reconcile(from, { repair: false });
    const paged = await reconcile(from, {
      repair: false,
      pageSize: 2,
      pagesPerActivity: 1,
      activityCallsPerRun: 2,
      maxFindingsInResult: 3,
    });
    expect(paged.report.counts.findings).toBe(whole.report.counts.findings);
    expect(paged.report.byKind).toEqual(whole.report.byKind);
    expect(paged.report.totals).toEqual(whole.report.totals);
    expect(paged.report.findings).toHaveLength(3);
    expect(paged.report.findingsTruncated).toBe(true);
    expect(paged.report.counts.pages).toBeGreaterThan(whole.report.counts.pages);
    expect((await findReport(harness.db.database, paged.report.reportId))!.findings).toHaveLength(
      whole.report.counts.findings,
    );
    const history = await paged.handle.describe();
    expect(history.runId).not.toBe(paged.report.reportId); // it continued as new at least once
    expect(whole.report.findings.every((f) => f.action !== 'repair_sent')).toBe(true);
    await recordHistory('reconciliationWorkflow.continued', paged.handle);
  });

  it('creates the nightly schedule idempotently, with SKIP and a catch-up window; triggering it runs the workflow', async () => {
    const options = {
      connectionId: 'default',
      taskQueue: h.taskQueue,
      at: '02:00',
      timeZone: 'Europe/Paris',
      windowHours: 48,
      options: { repair: false },
    };
    await ensureReconciliationSchedule(h.client, options);
    const handle = await ensureReconciliationSchedule(h.client, { ...options, at: '02:30' });
    try {
      const described = await handle.describe();
      expect(described.spec.timezone).toBe('Europe/Paris');
      expect(described.spec.calendars).toEqual([
        expect.objectContaining({ hour: [{ start: 2, end: 2, step: 1 }], minute: [{ start: 30, end: 30, step: 1 }] }),
      ]);
      expect(described.policies.overlap).toBe('SKIP');
      expect(described.policies.catchupWindow).toBe(86_400_000);
      expect(described.action).toMatchObject({
        type: 'startWorkflow',
        workflowType: RECONCILIATION_WORKFLOW_TYPE,
        taskQueue: h.taskQueue,
      });

      await handle.trigger();
      const started = await eventually(
        async () => (await handle.describe()).info.recentActions[0]?.action.workflow.workflowId,
      );
      expect(started).toMatch(/^reconciliation\/default\/scheduled-/);
      const report = (await h.client.workflow.getHandle(started).result()) as ReconciliationReport;
      expect(Date.parse(report.window.to) - Date.parse(report.window.from)).toBe(48 * 3_600_000);
      expect(Math.abs(Date.parse(report.window.to) - Date.now())).toBeLessThan(60_000);
      expect(report.counts.intents).toBeGreaterThanOrEqual(9);
    } finally {
      await handle.delete();
    }
  });
});
