import { randomUUID } from 'node:crypto';
import type Stripe from 'stripe';
import { lastGoodRunAt, retentionWarnings } from '../../src/activities/reconciliation/retention';
import { saveReport } from '../../src/store/reports';
import { reconciliationWorkflowId, unmatchedPaymentWorkflowId } from '../../src/shared/ids';
import {
  RECONCILIATION_WORKFLOW_TYPE,
  reconciliationProgressQuery,
  type ReconciliationReport,
  type ReconciliationWorkflowInput,
} from '../../src/shared/reconciliation';
import { stripeEventAction, type StripeWebhookEvent } from '../../src/events/stripeEventActions';
import type { ConnectorHarness } from '../support/connectorHarness';
import { startReconciliationHarness, type ReconciliationHarness } from '../support/reconciliationHarness';
import { recordHistory } from '../support/histories';
import { expectOrderSettles } from '../support/orderAssertions';

/**
 * Failed webhook deliveries: payments made while the Stripe sandbox drops every webhook are put
 * right by the run's replay of the window's `delivery_success: false` events alone (repairs
 * from the comparison are off), through the same action table, matcher and order workflows as
 * the webhook. And the retention warning: loud with no previous good run, quiet after one.
 */
describe('reconciliationWorkflow: failed deliveries and retention', () => {
  let h: ConnectorHarness;
  let sdk: Stripe;

  let harness: ReconciliationHarness;

  beforeAll(async () => {
    harness = await startReconciliationHarness({ folderPrefix: 'reconciliation-events-' });
    h = harness.h;
    sdk = h.sdk;
  });
  afterAll(async () => {
    await harness?.close();
  });

  const card = { method: 'card', methodDetails: 'visa ****4242' } as const;

  function pay(orderId: string | undefined, amount: number): Promise<Stripe.PaymentIntent> {
    return sdk.paymentIntents.create({
      amount,
      currency: 'eur',
      payment_method: 'pm_card_visa',
      confirm: true,
      metadata: orderId ? { monstock_order_id: orderId } : {},
    });
  }

  async function paymentOf(intent: Stripe.PaymentIntent, amount: number) {
    const charge = await sdk.charges.retrieve(intent.latest_charge as string, { expand: ['balance_transaction'] });
    const balance = charge.balance_transaction as Stripe.BalanceTransaction;
    return {
      kind: 'payment',
      transactionRef: intent.id,
      amount,
      currency: 'EUR',
      status: 'succeeded',
      ...card,
      feeAmount: balance.fee,
      netAmount: balance.net,
    };
  }

  async function reconcile(window: { from: string; to: string }, options: ReconciliationWorkflowInput['options']) {
    const input: ReconciliationWorkflowInput = { connectionId: 'default', window, options };
    const handle = await h.client.workflow.start(RECONCILIATION_WORKFLOW_TYPE, {
      workflowId: reconciliationWorkflowId('default', `events-${randomUUID().slice(0, 8)}`),
      taskQueue: h.taskQueue,
      args: [input],
    });
    return { handle, report: (await handle.result()) as ReconciliationReport };
  }

  /** What the webhook route would have delivered: the window's failed events the action table hands to a workflow. */
  async function deliverableFailedEvents(window: { from: string; to: string }): Promise<number> {
    let count = 0;
    for await (const event of sdk.events.list({
      delivery_success: false,
      created: { gte: Math.floor(Date.parse(window.from) / 1000), lt: Math.ceil(Date.parse(window.to) / 1000) },
      limit: 100,
    })) {
      if (stripeEventAction(event as unknown as StripeWebhookEvent).kind === 'deliver') count += 1;
    }
    return count;
  }

  it('replays the window’s failed webhook deliveries through the order workflows: the orders end exactly right, once', async () => {
    const from = new Date(Date.now() - 2000).toISOString();
    await h.stripe.setFaults({ webhooks: { dropRate: 1 } });
    const a = await h.order(1500);
    const aIntent = await pay(a.id, 1500);
    const b = await h.order(4000);
    const bIntent = await pay(b.id, 4000);
    const refund = await sdk.refunds.create({ payment_intent: bIntent.id, amount: 1000 });
    const stray = await pay(undefined, 777);
    await h.stripe.setFaults({});
    // Nothing reached Monstock.
    expect((await h.monstock.client.getOrder(a.id)).payments).toEqual([]);
    const window = { from, to: new Date(Date.now() + 1000).toISOString() };
    const expectedReplays = await deliverableFailedEvents(window);
    // payment_intent.succeeded for each of the three payments, and the refund's own events.
    expect(expectedReplays).toBeGreaterThanOrEqual(4);

    // Repairs off: only the replay of the failed events can put the orders right.
    const first = await reconcile(window, { repair: false, replayFailedEvents: true, pageSize: 3 });
    expect(first.report.replayedEvents).toBe(expectedReplays);
    expect(first.report.counts.repairsSent).toBe(0);
    expect(first.report.byKind).toMatchObject({ payment_missing_on_order: 2, refund_missing: 1, unmatched_payment: 1 });
    // A fresh data folder: no previous good run, a loud warning in the report, the query and the details.
    expect(first.report.lastGoodRunAt).toBeUndefined();
    expect(first.report.warnings).toEqual([expect.stringMatching(/No previous successful reconciliation run/)]);
    expect((await first.handle.query(reconciliationProgressQuery)).warnings).toEqual(first.report.warnings);
    const metadata = (await first.handle.query('__temporal_workflow_metadata')) as { currentDetails?: string };
    expect(metadata.currentDetails).toMatch(/WARNING: No previous successful reconciliation run/);
    expect(metadata.currentDetails).toMatch(new RegExp(`${expectedReplays} failed Stripe deliveries replayed`));

    await expectOrderSettles(h.monstock.client, a.id, {
      paymentStatus: 'paid',
      amountPaid: 1500,
      amountRefunded: 0,
      payments: [await paymentOf(aIntent, 1500)],
    });
    await expectOrderSettles(h.monstock.client, b.id, {
      paymentStatus: 'partially_refunded',
      amountPaid: 4000,
      amountRefunded: 1000,
      payments: [
        await paymentOf(bIntent, 4000),
        { kind: 'refund', transactionRef: refund.id, amount: 1000, currency: 'EUR', status: 'succeeded' },
      ],
    });
    await h.client.workflow.getHandle(unmatchedPaymentWorkflowId('default', stray.id)).describe();
    await recordHistory('reconciliationWorkflow.failedEvents', first.handle);

    // Stripe still lists them as failed: a second run replays them again and nothing changes; the warning is gone.
    const second = await reconcile(window, { repair: false, replayFailedEvents: true });
    expect(second.report.replayedEvents).toBe(expectedReplays);
    expect(second.report.byKind).toEqual({ unmatched_payment: 1 });
    expect(second.report.lastGoodRunAt).toBe(first.report.finishedAt);
    expect(second.report.warnings).toEqual([]);
    await expectOrderSettles(h.monstock.client, a.id, {
      paymentStatus: 'paid',
      amountPaid: 1500,
      amountRefunded: 0,
      payments: [await paymentOf(aIntent, 1500)],
    });
    expect((await h.monstock.client.getOrder(b.id)).payments).toHaveLength(2);
  });

  it('warns when the last good run is older than Stripe’s 30 days of events, not when it is recent', async () => {
    // A connection of this test's own: the file's database also holds the runs above.
    const connectionId = `retention-${randomUUID().slice(0, 8)}`;
    const database = async () => harness.db.database;
    const now = new Date('2026-03-01T02:00:00.000Z');
    expect(await lastGoodRunAt(database, connectionId)).toBeUndefined();
    // Written in finish order: the last report written is the connection's last run.
    const write = async (reportId: string, connection: string, finishedAt: string) => {
      const report = {
        reportId,
        connectionId: connection,
        finishedAt,
        findings: [],
      } as unknown as ReconciliationReport;
      await saveReport(harness.db.database, report, `/reports/${reportId}`);
    };
    await write(`old-${connectionId}`, connectionId, '2026-01-20T02:10:00.000Z');
    await write(`other-${connectionId}`, `${connectionId}-b`, '2026-02-28T02:10:00.000Z');
    const last = await lastGoodRunAt(database, connectionId);
    expect(last).toBe('2026-01-20T02:10:00.000Z');
    expect(retentionWarnings(last, now)).toEqual([
      expect.stringMatching(/39 days ago.*longer ago than Stripe keeps events \(30 days\)/),
    ]);
    await write(`recent-${connectionId}`, connectionId, '2026-02-27T02:10:00.000Z');
    expect(await lastGoodRunAt(database, connectionId)).toBe('2026-02-27T02:10:00.000Z');
    expect(await lastGoodRunAt(database, connectionId, `recent-${connectionId}`)).toBe('2026-01-20T02:10:00.000Z');
    expect(retentionWarnings('2026-02-27T02:10:00.000Z', now)).toEqual([]);
  });
});
