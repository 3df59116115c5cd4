import { randomUUID } from 'node:crypto';
import type Stripe from 'stripe';
import { REFUND_REQUEST_ID_KEY } from '../../src/payments/refundPlan';
import { ConnectorPages } from '../../src/reports/pages';
import { orderWorkflowId, reconciliationWorkflowId } from '../../src/shared/ids';
import { monstockOrderSignal, type MonstockOrderRef } from '../../src/shared/orderPayment';
import {
  RECONCILIATION_WORKFLOW_TYPE,
  type ReconciliationFinding,
  type ReconciliationReport,
  type ReconciliationWorkflowInput,
} from '../../src/shared/reconciliation';
import { startConnectorHarness, type ConnectorHarness } from '../support/connectorHarness';
import { startFileDatabase, type FileDatabase } from '../support/database';
import { TEST_STRIPE_KEY } from '../support/stripeSandbox';
import { connectorClients, eventually, startTestWorker, type RunningWorker } from '../support/temporal';

/**
 * The reconciliation and the problems page on what merchants run every day (issue 15): an
 * authorisation that lapsed while Monstock still shows it held, a refund request no Stripe refund
 * carries out, a Stripe refund naming a request that does not exist, a 3-D Secure payment abandoned
 * for 25 h. Both sandboxes, a real worker and real reconciliation runs; the reconciliation's clock
 * is moved with the Stripe sandbox's, so "24 h later" is the same moment on both sides.
 */
describe('reconciliation of authorisations, refund requests and abandoned authentication', () => {
  let h: ConnectorHarness;
  let sdk: Stripe;
  let db: FileDatabase;
  let worker: RunningWorker;
  /** Order changes the reconciliation handed to the order workflows. */
  const changesSent: MonstockOrderRef[] = [];
  /** How far the reconciliation's clock runs ahead of the wall clock (as the Stripe sandbox's, once advanced). */
  let clockOffsetMs = 0;
  const from = new Date(Date.now() - 5_000).toISOString();

  beforeAll(async () => {
    h = await startConnectorHarness({ startWorker: false });
    db = await startFileDatabase();
    sdk = h.sdk;
    const clients = connectorClients({
      monstock: h.monstock.client,
      stripe: sdk,
      client: h.client,
      taskQueue: h.taskQueue,
    });
    worker = await startTestWorker(h.taskQueue, {
      ...clients,
      orderChanged: async (connectionId, change) => {
        changesSent.push(change);
        await clients.orderChanged!(connectionId, change);
      },
      toUnmatched: h.delivery.toUnmatched,
      reconciliation: { ...h.reconciliation(db.database), now: () => Date.now() + clockOffsetMs },
    });
  });
  afterAll(async () => {
    await worker?.stop();
    await h?.close();
    await db?.stop();
  });

  async function sandboxAdmin(path: string, body: unknown = {}): Promise<unknown> {
    const answer = await fetch(`${h.stripe.url}${path}`, {
      method: 'POST',
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json' },
    });
    const text = await answer.text();
    if (!answer.ok) throw new Error(`${path} answered ${answer.status}: ${text}`);
    return text ? (JSON.parse(text) as unknown) : undefined;
  }

  async function reconcile(): Promise<ReconciliationReport> {
    const input: ReconciliationWorkflowInput = {
      connectionId: 'default',
      window: { from, to: new Date().toISOString() },
    };
    const handle = await h.client.workflow.start(RECONCILIATION_WORKFLOW_TYPE, {
      workflowId: reconciliationWorkflowId('default', `test-${randomUUID().slice(0, 8)}`),
      taskQueue: h.taskQueue,
      args: [input],
    });
    return (await handle.result()) as ReconciliationReport;
  }

  const brief = (f: ReconciliationFinding) => `${f.kind} ${f.action}`;
  const ofOrder = (report: ReconciliationReport, orderId: string) =>
    report.findings
      .filter((f) => f.orderId === orderId)
      .map(brief)
      .sort();

  async function paymentOf(orderId: string, status: string) {
    return eventually(async () => {
      const order = await h.monstock.client.getOrder(orderId);
      return order.payments.find((p) => p.kind === 'payment' && p.status === status);
    });
  }

  async function paidOrder(amount: number) {
    const order = await h.order(amount);
    const intent = await sdk.paymentIntents.create({
      amount,
      currency: 'eur',
      payment_method: 'pm_card_visa',
      confirm: true,
      metadata: { monstock_order_id: order.id },
    });
    await paymentOf(order.id, 'succeeded');
    return { order, intent };
  }

  it('an authorisation that lapsed while Monstock shows it held: authorization_expired, repaired by the order workflow', async () => {
    const order = await h.order(5000);
    const intent = await sdk.paymentIntents.create({
      amount: 5000,
      currency: 'eur',
      capture_method: 'manual',
      payment_method: 'pm_card_visa',
      confirm: true,
      metadata: { monstock_order_id: order.id },
    });
    expect(intent.status).toBe('requires_capture');
    await paymentOf(order.id, 'authorized');

    // The lapse's webhooks are lost: Monstock still shows the money held.
    await h.stripe.setFaults({ webhooks: { dropRate: 1 } });
    await sandboxAdmin(`/_sandbox/payment_intents/${intent.id}/expire`);
    expect((await sdk.paymentIntents.retrieve(intent.id)).status).toBe('canceled');
    await h.stripe.setFaults({ webhooks: {} });
    expect((await h.monstock.client.getOrder(order.id)).payments[0]!.status).toBe('authorized');

    const report = await reconcile();
    expect(ofOrder(report, order.id)).toEqual(['authorization_expired repair_sent']);
    expect(report.byKind.authorization_expired).toBeGreaterThanOrEqual(1);
    const repaired = await paymentOf(order.id, 'canceled');
    expect(repaired).toMatchObject({ transactionRef: intent.id, failureReason: 'authorization_expired' });

    const again = await reconcile();
    expect(ofOrder(again, order.id)).toEqual([]);
  });

  it('a hold close to its deadline: authorization_expiring in the report and on the problems page', async () => {
    await sandboxAdmin('/_sandbox/authorization_expiry', { seconds: 3600 });
    try {
      const order = await h.order(2200);
      const intent = await sdk.paymentIntents.create({
        amount: 2200,
        currency: 'eur',
        capture_method: 'manual',
        payment_method: 'pm_card_visa',
        confirm: true,
        metadata: { monstock_order_id: order.id },
      });
      await paymentOf(order.id, 'authorized');
      const report = await reconcile();
      expect(ofOrder(report, order.id)).toEqual(['authorization_expiring reported']);

      // The order workflow publishes the deadline (AuthorizationExpiresAt); the page lists it.
      const html = await eventually(async () => {
        const body = (await pages().problems()).body;
        return body.includes(orderWorkflowId('default', order.id)) ? body : undefined;
      }, 20_000);
      const section = html.slice(html.indexOf('id="authorization_expiring"'));
      expect(section).toContain(intent.id);
      expect(section.slice(0, section.indexOf('</section>'))).toContain(orderWorkflowId('default', order.id));
    } finally {
      await sandboxAdmin('/_sandbox/authorization_expiry', { seconds: null });
    }
  });

  it('a refund request with no Stripe refund past its grace: a finding and an order.refund_requested change to the order workflow', async () => {
    const { order } = await paidOrder(3000);
    // This harness's Monstock sends no webhooks: nobody tells the connector of the request.
    const request = await h.monstock.client.createRefundRequest(order.id, { amount: 1000, currency: 'EUR' });
    clockOffsetMs = 16 * 60 * 1000;
    try {
      const report = await reconcile();
      expect(ofOrder(report, order.id)).toEqual(['refund_request_without_refund order_change_sent']);
      expect(report.findings.find((f) => f.orderId === order.id)).toMatchObject({
        refundRequestId: request.id,
        monstock: { status: 'requested', amount: 1000, currency: 'EUR' },
      });
      expect(changesSent.filter((c) => c.orderId === order.id)).toEqual([
        expect.objectContaining({ type: 'order.refund_requested', orderId: order.id }),
      ]);
      // It reached the order workflow as a signal: the workflow looks at the order's requests again.
      const handle = h.client.workflow.getHandle(orderWorkflowId('default', order.id));
      await eventually(async () => {
        const history = await handle.fetchHistory();
        const signals = (history.events ?? []).filter(
          (e) => e.workflowExecutionSignaledEventAttributes?.signalName === monstockOrderSignal.name,
        );
        return signals.length > 0 ? true : undefined;
      });
      // The order workflow carries the request out (one Stripe refund), and the next run finds nothing.
      const done = await eventually(async () => {
        const requests = await h.monstock.client.listRefundRequests(order.id);
        return requests.find((r) => r.id === request.id && r.status === 'succeeded');
      }, 20_000);
      expect(done.stripeRefundIds).toHaveLength(1);
      expect(ofOrder(await reconcile(), order.id)).toEqual([]);
    } finally {
      clockOffsetMs = 0;
    }
  });

  it('a Stripe refund naming a refund request the order does not have: refund_without_request, reported', async () => {
    const { order, intent } = await paidOrder(4000);
    const refund = await sdk.refunds.create({
      payment_intent: intent.id,
      amount: 500,
      metadata: { [REFUND_REQUEST_ID_KEY]: 'rfq_bogus', monstock_order_id: order.id },
    });
    await eventually(async () =>
      (await h.monstock.client.getOrder(order.id)).payments.some((p) => p.transactionRef === refund.id)
        ? true
        : undefined,
    );
    const report = await reconcile();
    expect(ofOrder(report, order.id)).toEqual(['refund_without_request reported']);
    expect(report.findings.find((f) => f.orderId === order.id)).toMatchObject({
      transactionRef: refund.id,
      refundRequestId: 'rfq_bogus',
      stripe: { status: 'succeeded', amount: 500, currency: 'EUR' },
    });
  });

  it('a 3-D Secure payment left 25 h: authentication_abandoned, listed on the problems page from the report', async () => {
    const order = await h.order(6100);
    const intent = await sdk.paymentIntents.create({
      amount: 6100,
      currency: 'eur',
      payment_method: 'pm_card_threeDSecure2Required',
      confirm: true,
      metadata: { monstock_order_id: order.id },
    });
    expect(intent.status).toBe('requires_action');
    await paymentOf(order.id, 'pending');
    const before = await reconcile();
    expect(ofOrder(before, order.id)).toEqual([]);

    await sandboxAdmin('/_sandbox/clock/advance', { seconds: 25 * 3600 });
    clockOffsetMs = 25 * 3600 * 1000;
    const report = await reconcile();
    expect(ofOrder(report, order.id)).toEqual(['authentication_abandoned reported']);
    expect(report.byKind.authentication_abandoned).toBe(1);

    const html = (await pages().problems()).body;
    const section = html.slice(html.indexOf('id="authentication_abandoned"'));
    expect(section).toContain(intent.id);
    expect(section).toContain(order.id);
    expect(section).toContain(report.reportId);
    const reportHtml = (await pages().report(report.reportId, false, { url: `/reports/${report.reportId}` } as never))
      .body;
    expect(reportHtml).toContain('Customer left 3-D Secure unfinished for over 24 h');
  });

  it('fee and net recorded without the currency Stripe converted to: fee_missing, repaired with settlementCurrency', async () => {
    await sandboxAdmin('/_sandbox/settlement', { currency: 'eur', rate: 0.9 });
    try {
      const order = await h.order(5000, 'USD');
      // The payment's webhooks are lost; an older connector wrote fee and net without naming EUR.
      await h.stripe.setFaults({ webhooks: { dropRate: 1 } });
      const intent = await sdk.paymentIntents.create({
        amount: 5000,
        currency: 'usd',
        payment_method: 'pm_card_visa',
        confirm: true,
        metadata: { monstock_order_id: order.id },
      });
      await h.stripe.setFaults({ webhooks: {} });
      const charge = await sdk.charges.retrieve(intent.latest_charge as string, { expand: ['balance_transaction'] });
      const balance = charge.balance_transaction as Stripe.BalanceTransaction;
      expect(balance.currency).toBe('eur');
      await h.monstock.client.recordPayment(order.id, {
        kind: 'payment',
        transactionRef: intent.id,
        amount: 5000,
        currency: 'USD',
        status: 'succeeded',
        occurredAt: new Date(intent.created * 1000).toISOString(),
        provider: 'stripe',
        feeAmount: balance.fee,
        netAmount: balance.net,
      });

      const report = await reconcile();
      expect(ofOrder(report, order.id)).toEqual(['fee_missing repair_sent']);
      expect(report.findings.find((f) => f.orderId === order.id)?.detail).toContain('fee and net are in EUR');
      const repaired = await eventually(async () => {
        const now = await h.monstock.client.getOrder(order.id);
        return now.payments.find((p) => p.transactionRef === intent.id && p.settlementCurrency === 'EUR');
      }, 20_000);
      expect(repaired).toMatchObject({ feeAmount: balance.fee, netAmount: balance.net, status: 'succeeded' });
      expect(ofOrder(await reconcile(), order.id)).toEqual([]);
    } finally {
      await h.stripe.setFaults({ webhooks: {} });
      await sandboxAdmin('/_sandbox/settlement', { currency: null });
    }
  });

  function pages(): ConnectorPages {
    return new ConnectorPages({
      client: h.client,
      database: db.database,
      connectionId: 'default',
      namespace: 'default',
      temporalUiUrl: 'http://127.0.0.1:8233',
      stripeSecretKey: TEST_STRIPE_KEY,
      problemsCacheMs: 0,
    });
  }
});
