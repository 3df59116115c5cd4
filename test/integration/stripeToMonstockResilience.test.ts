import type Stripe from 'stripe';
import { orderWorkflowId, unmatchedPaymentWorkflowId } from '../../src/shared/ids';
import { retryMatchSignal } from '../../src/shared/orderPayment';
import { PaymentUnmatched } from '../../src/shared/searchAttributes';
import { startConnectorHarness, type ConnectorHarness } from '../support/connectorHarness';
import { expectOrderSettles } from '../support/orderAssertions';
import { eventually } from '../support/temporal';
import { startWorkerProcess } from '../support/workerProcess';

/** Stripe → Monstock while things break: Monstock down or throttling, the worker killed, no order to match. */
describe('Stripe → Monstock under faults', () => {
  jest.setTimeout(180_000);
  let h: ConnectorHarness;
  let sdk: Stripe;

  beforeAll(async () => {
    h = await startConnectorHarness({ startWorker: false });
    sdk = h.sdk;
  });
  afterAll(() => h?.close());

  async function feeOf(intent: Stripe.PaymentIntent) {
    const charge = await sdk.charges.retrieve(intent.latest_charge as string, { expand: ['balance_transaction'] });
    const balance = charge.balance_transaction as Stripe.BalanceTransaction;
    return { feeAmount: balance.fee, netAmount: balance.net };
  }

  it('lands every payment once after Monstock answered 5xx, then 429, for a while', async () => {
    await h.startWorker();
    try {
      const orders = [await h.order(1100), await h.order(2200)];
      await h.monstock.setFaults({ errorRate: 1 });
      const intents = [];
      for (const order of orders) {
        intents.push(
          await sdk.paymentIntents.create({
            amount: order.totalAmount,
            currency: 'eur',
            payment_method: 'pm_card_visa',
            confirm: true,
            metadata: { monstock_order_id: order.id },
          }),
        );
      }
      // Monstock down for a while: the webhook edge cannot confirm the order (503, Stripe retries) and
      // any sync already running fails and retries (a local activity on the lean path: not listed as pending).
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      await h.monstock.setFaults({ rateLimitPerSecond: 2 });
      await new Promise((resolve) => setTimeout(resolve, 1500));
      await h.monstock.setFaults({});
      for (const [index, order] of orders.entries()) {
        const intent = intents[index]!;
        await expectOrderSettles(
          h.monstock.client,
          order.id,
          {
            paymentStatus: 'paid',
            amountPaid: order.totalAmount,
            amountRefunded: 0,
            payments: [
              {
                kind: 'payment',
                transactionRef: intent.id,
                amount: order.totalAmount,
                currency: 'EUR',
                status: 'succeeded',
                method: 'card',
                methodDetails: 'visa ****4242',
                ...(await feeOf(intent)),
              },
            ],
          },
          60_000,
        );
      }
    } finally {
      await h.monstock.setFaults({});
      await h.stopWorker();
    }
  });

  it('records the payment once when the worker is SIGKILLed in the middle of recording it', async () => {
    const urls = { taskQueue: h.taskQueue, monstockApiUrl: h.monstock.sandbox.apiUrl, stripeApiUrl: h.stripe.url };
    const first = await startWorkerProcess(urls);
    const order = await h.order(4300);
    // Slow Monstock down so the kill lands while the activity is in flight.
    await h.monstock.setFaults({ latencyMs: 4000 });
    const intent = await sdk.paymentIntents.create({
      amount: 4300,
      currency: 'eur',
      payment_method: 'pm_card_visa',
      confirm: true,
      metadata: { monstock_order_id: order.id },
    });
    const handle = h.client.workflow.getHandle(orderWorkflowId('default', order.id));
    // The sync runs while the worker holds a workflow task (a local activity on the lean path; an activity on the
    // old one). Monstock answers slowly, so the webhook edge may need Stripe's retries before the workflow exists.
    await eventually(async () => {
      const { raw } = await handle.describe();
      const started = (raw.pendingActivities ?? []).some(
        (activity) => String(activity.state) === '2' || String(activity.state) === 'PENDING_ACTIVITY_STATE_STARTED',
      );
      return started || Boolean(raw.pendingWorkflowTask) || undefined;
    }, 60_000);
    expect(await first.kill('SIGKILL')).toBeNull();
    await h.monstock.setFaults({});

    const second = await startWorkerProcess(urls);
    try {
      await expectOrderSettles(
        h.monstock.client,
        order.id,
        {
          paymentStatus: 'paid',
          amountPaid: 4300,
          amountRefunded: 0,
          payments: [
            {
              kind: 'payment',
              transactionRef: intent.id,
              amount: 4300,
              currency: 'EUR',
              status: 'succeeded',
              method: 'card',
              methodDetails: 'visa ****4242',
              ...(await feeOf(intent)),
            },
          ],
        },
        90_000,
      );
    } finally {
      await second.kill('SIGTERM');
    }
  });

  it('keeps a payment no order matches, visibly, and attaches it once its order is named', async () => {
    await h.startWorker();
    try {
      const order = await h.order(900);
      const intent = await sdk.paymentIntents.create({
        amount: 900,
        currency: 'eur',
        payment_method: 'pm_card_visa',
        confirm: true,
        metadata: { till: 'shop-floor-2' },
      });
      const unmatched = h.client.workflow.getHandle(unmatchedPaymentWorkflowId('default', intent.id));
      await eventually(async () =>
        (await unmatched.describe()).typedSearchAttributes.get(PaymentUnmatched) === true ? true : undefined,
      );
      expect((await h.monstock.client.getOrder(order.id)).payments).toEqual([]);

      await unmatched.signal(retryMatchSignal, { orderId: order.id });
      await expectOrderSettles(h.monstock.client, order.id, {
        paymentStatus: 'paid',
        amountPaid: 900,
        amountRefunded: 0,
        payments: [
          {
            kind: 'payment',
            transactionRef: intent.id,
            amount: 900,
            currency: 'EUR',
            status: 'succeeded',
            method: 'card',
            methodDetails: 'visa ****4242',
            ...(await feeOf(intent)),
          },
        ],
      });
      expect(await unmatched.result()).toMatchObject({ matchedOrderId: order.id });
      // Later events of that payment now go straight to the order: a refund lands there.
      const refund = await sdk.refunds.create({ payment_intent: intent.id, amount: 400 });
      await eventually(async () => {
        const stored = await h.monstock.client.getOrder(order.id);
        return stored.payments.some((payment) => payment.transactionRef === refund.id && payment.status === 'succeeded')
          ? stored
          : undefined;
      });
    } finally {
      await h.stopWorker();
    }
  });
});
