import os from 'node:os';
import type { Client } from '@temporalio/client';
import type Stripe from 'stripe';
import { loadConfig, withDevelopmentValues } from '../../src/config';
import type { RefundRequest } from '../../src/monstock/schemas';
import { Counters, defineWebhookCounters } from '../../src/observability/counters';
import { createLogger } from '../../src/observability/logger';
import { recordHistory } from '../support/histories';
import { REFUND_REQUEST_ID_KEY } from '../../src/payments/refundPlan';
import { orderWorkflowId } from '../../src/shared/ids';
import { monstockOrderSignal } from '../../src/shared/orderPayment';
import { createConnectorHttpServer, type WebhookRoute } from '../../src/starter/http/server';
import { createMonstockWebhookRoute } from '../../src/starter/monstock/route';
import { createStripeWebhookRoute } from '../../src/starter/stripe/route';
import { createCustomerChangeDelivery } from '../../src/temporal/delivery';
import { listen, type StartedServer } from '../../sandbox/kit/http';
import { startMonstockFixture, TEST_MONSTOCK_WEBHOOK_SECRET, type MonstockFixture } from '../support/monstockSandbox';
import {
  startStripeFixture,
  TEST_STRIPE_KEY,
  TEST_STRIPE_WEBHOOK_SECRET,
  type StripeFixture,
} from '../support/stripeSandbox';
import {
  connectorClients,
  connectTestClient,
  eventually,
  startTestWorker,
  uniqueTaskQueue,
  type RunningWorker,
} from '../support/temporal';
import { startWorkerProcess, type WorkerProcess } from '../support/workerProcess';

/**
 * Refunds started in Monstock (issue 15, part 2), end to end: Monstock's signed
 * `order.refund_requested` webhook and Stripe's webhooks reach the connector's HTTP shell, a real
 * worker refunds in Stripe and reports back; Stripe's sandbox is the witness of how many refunds
 * were made.
 */
interface Stack {
  monstock: MonstockFixture;
  stripe: StripeFixture;
  client: Client;
  taskQueue: string;
  close(): Promise<void>;
}

/** Both sandboxes delivering their webhooks to the connector's real routes, on a task queue of its own. */
async function startStack(prefix: string): Promise<Stack> {
  const logger = createLogger({ level: 'error' });
  const taskQueue = uniqueTaskQueue(prefix);
  const config = loadConfig({
    ...withDevelopmentValues({ CONNECTOR_MODE: 'development' }),
    STRIPE_SECRET_KEY: TEST_STRIPE_KEY,
    STRIPE_WEBHOOK_SECRET: TEST_STRIPE_WEBHOOK_SECRET,
    MONSTOCK_WEBHOOK_SECRET: TEST_MONSTOCK_WEBHOOK_SECRET,
    TEMPORAL_TASK_QUEUE: taskQueue,
    ORDER_IDLE_WINDOW: '1 hour',
    DATA_DIR: os.tmpdir(),
  });
  let routes: { monstock?: WebhookRoute; stripe?: WebhookRoute } = {};
  const server: StartedServer = await listen(
    createConnectorHttpServer({
      logger,
      readiness: async () => ({ ready: true }),
      connectionIds: ['default'],
      webhooks: {
        monstock: (webhook) => routes.monstock!(webhook),
        stripe: (webhook) => routes.stripe!(webhook),
      },
    }),
    0,
  );
  const [monstock, stripe, client] = await Promise.all([
    startMonstockFixture({ webhookUrl: `${server.url}/webhooks/monstock` }),
    // SEPA refunds stay pending for a minute: long enough for a test to fail one.
    startStripeFixture({ webhookUrl: `${server.url}/webhooks/stripe`, sepaSettleMs: 60_000 }),
    connectTestClient(),
  ]);
  const clients = connectorClients({ monstock: monstock.client, stripe: stripe.stripe, client, taskQueue });
  const counters = defineWebhookCounters(new Counters());
  const customerDelivery = createCustomerChangeDelivery({ client, taskQueue, pollInterval: '1 hour' }).deliver;
  routes = {
    monstock: createMonstockWebhookRoute({ client, config, logger, counters, customerDelivery }),
    stripe: createStripeWebhookRoute({ client, matcher: clients.matcher, config, logger, counters }),
  };
  return {
    monstock,
    stripe,
    client,
    taskQueue,
    close: async () => {
      await monstock.close();
      await stripe.close();
      await server.close();
      await client.connection.close();
    },
  };
}

function helpers(stack: () => Stack) {
  const sdk = () => stack().stripe.stripe;
  const monstock = () => stack().monstock;
  async function intentOf(orderId: string): Promise<string> {
    return eventually(
      async () => (await monstock().client.getOrder(orderId)).externalRefs.stripePaymentIntentId,
      20_000,
    );
  }
  async function paymentStatusIs(orderId: string, status: string, timeoutMs = 20_000): Promise<void> {
    await eventually(
      async () => ((await monstock().client.getOrder(orderId)).paymentStatus === status ? true : undefined),
      timeoutMs,
    );
  }
  /** A Monstock order the connector made an intent for, paid by card; the order shows it paid. */
  async function paidOrder(amount: number): Promise<{ orderId: string; intentId: string }> {
    const order = await monstock().createOrder(amount);
    const intentId = await intentOf(order.id);
    await sdk().paymentIntents.confirm(intentId, {
      payment_method: 'pm_card_visa',
    } as Stripe.PaymentIntentConfirmParams);
    await paymentStatusIs(order.id, 'paid');
    return { orderId: order.id, intentId };
  }
  async function requestSettles(
    orderId: string,
    requestId: string,
    status: RefundRequest['status'],
    timeoutMs = 20_000,
  ): Promise<RefundRequest> {
    return eventually(async () => {
      const found = (await monstock().client.listRefundRequests(orderId)).find((request) => request.id === requestId);
      return found?.status === status ? found : undefined;
    }, timeoutMs);
  }
  async function refundsOf(intentId: string): Promise<Stripe.Refund[]> {
    return (await sdk().refunds.list({ payment_intent: intentId, limit: 100 })).data;
  }
  return { intentOf, paymentStatusIs, paidOrder, requestSettles, refundsOf };
}

describe('refunds started in Monstock', () => {
  let stack: Stack;
  let worker: RunningWorker;
  const { intentOf, paymentStatusIs, paidOrder, requestSettles, refundsOf } = helpers(() => stack);

  beforeAll(async () => {
    stack = await startStack('refund-requests');
    const clients = connectorClients({
      monstock: stack.monstock.client,
      stripe: stack.stripe.stripe,
      client: stack.client,
      taskQueue: stack.taskQueue,
    });
    worker = await startTestWorker(stack.taskQueue, clients);
  });

  afterAll(async () => {
    await worker?.stop();
    await stack?.close();
  });

  it('refunds a request in full: one Stripe refund with the metadata, the request succeeded, the order refunded', async () => {
    const { orderId, intentId } = await paidOrder(4200);
    const request = await stack.monstock.client.createRefundRequest(orderId, {
      amount: 4200,
      currency: 'EUR',
      reason: 'returned',
    });

    const done = await requestSettles(orderId, request.id, 'succeeded');
    const refunds = await refundsOf(intentId);
    expect(refunds).toHaveLength(1);
    expect(refunds[0]!.amount).toBe(4200);
    expect(refunds[0]!.metadata).toEqual({ [REFUND_REQUEST_ID_KEY]: request.id, monstock_order_id: orderId });
    expect(done.stripeRefundIds).toEqual([refunds[0]!.id]);
    await paymentStatusIs(orderId, 'refunded');
    expect((await stack.monstock.client.getOrder(orderId)).amountRefunded).toBe(4200);
  });

  it('refunds part of an order: partially_refunded', async () => {
    const { orderId, intentId } = await paidOrder(5000);
    const request = await stack.monstock.client.createRefundRequest(orderId, { amount: 1500, currency: 'EUR' });

    await requestSettles(orderId, request.id, 'succeeded');
    expect((await refundsOf(intentId)).map((refund) => refund.amount)).toEqual([1500]);
    await paymentStatusIs(orderId, 'partially_refunded');
    expect((await stack.monstock.client.getOrder(orderId)).amountRefunded).toBe(1500);
  });

  it('splits a request across two payments of the order, newest first', async () => {
    const order = await stack.monstock.createOrder(5000);
    const connectorIntentId = await intentOf(order.id);
    // Stripe's `created` counts seconds: the second payment must be visibly newer.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const first = await stack.stripe.stripe.paymentIntents.create({
      amount: 2000,
      currency: 'eur',
      payment_method: 'pm_card_visa',
      confirm: true,
      metadata: { monstock_order_id: order.id },
    });
    await paymentStatusIs(order.id, 'partially_paid');
    // The connector reduces its own intent to what is still due; the customer pays that.
    await eventually(
      async () =>
        (await stack.stripe.stripe.paymentIntents.retrieve(connectorIntentId)).amount === 3000 ? true : undefined,
      20_000,
    );
    await stack.stripe.stripe.paymentIntents.confirm(connectorIntentId, {
      payment_method: 'pm_card_visa',
    } as Stripe.PaymentIntentConfirmParams);
    await paymentStatusIs(order.id, 'paid');

    const request = await stack.monstock.client.createRefundRequest(order.id, { amount: 4000, currency: 'EUR' });
    const done = await requestSettles(order.id, request.id, 'succeeded');
    const newest = await refundsOf(first.id);
    const oldest = await refundsOf(connectorIntentId);
    expect(newest.map((refund) => refund.amount)).toEqual([2000]);
    expect(oldest.map((refund) => refund.amount)).toEqual([2000]);
    expect([...done.stripeRefundIds].sort()).toEqual([newest[0]!.id, oldest[0]!.id].sort());
    // Each refund's movement arrives with its own webhook.
    await eventually(
      async () => ((await stack.monstock.client.getOrder(order.id)).amountRefunded === 4000 ? true : undefined),
      20_000,
    );
    expect((await stack.monstock.client.getOrder(order.id)).paymentStatus).toBe('partially_refunded');
  });

  it('rejects a request above what is refundable, with the reason, and refunds nothing', async () => {
    const { orderId, intentId } = await paidOrder(3000);
    const request = await stack.monstock.client.createRefundRequest(orderId, { amount: 5000, currency: 'EUR' });

    const rejected = await requestSettles(orderId, request.id, 'rejected');
    expect(rejected.failureReason).toBe('exceeds_refundable: asked 5000, refundable 3000');
    expect(rejected.stripeRefundIds).toEqual([]);
    expect(await refundsOf(intentId)).toEqual([]);
    expect((await stack.monstock.client.getOrder(orderId)).paymentStatus).toBe('paid');
  });

  it("fails the request with Stripe's reason when Stripe fails the refund, and the order shows what Stripe shows", async () => {
    const order = await stack.monstock.createOrder(8000);
    const intentId = await intentOf(order.id);
    await stack.stripe.stripe.paymentIntents.confirm(intentId, {
      payment_method: 'pm_sepaDebit',
    } as Stripe.PaymentIntentConfirmParams);
    await stack.stripe.admin(`/_sandbox/payment_intents/${intentId}/settle`);
    await paymentStatusIs(order.id, 'paid');

    const request = await stack.monstock.client.createRefundRequest(order.id, { amount: 8000, currency: 'EUR' });
    // A SEPA refund waits on the bank: the request stays processing, with the refund's id.
    const processing = await eventually(async () => {
      const found = (await stack.monstock.client.listRefundRequests(order.id)).find((item) => item.id === request.id);
      return found?.status === 'processing' && found.stripeRefundIds.length === 1 ? found : undefined;
    }, 20_000);
    // The order shows the refund as Stripe does: pending, not yet refunded.
    await eventually(async () => {
      const shown = await stack.monstock.client.getOrder(order.id);
      return shown.payments.some((payment) => payment.kind === 'refund' && payment.status === 'pending')
        ? true
        : undefined;
    }, 20_000);

    await stack.stripe.admin(`/_sandbox/refunds/${processing.stripeRefundIds[0]}/fail`, {
      failure_reason: 'insufficient_funds',
    });
    const failed = await requestSettles(order.id, request.id, 'failed');
    expect(failed.failureReason).toBe('insufficient_funds');
    await paymentStatusIs(order.id, 'paid');
    const shown = await stack.monstock.client.getOrder(order.id);
    expect(shown.amountRefunded).toBe(0);
    expect(shown.payments.find((payment) => payment.kind === 'refund')?.status).toBe('failed');
    expect(await refundsOf(intentId)).toHaveLength(1);
  });

  it('makes exactly one Stripe refund per request when the webhook comes twice and the workflow is signalled twice', async () => {
    const { orderId, intentId } = await paidOrder(6000);
    await stack.monstock.setFaults({ webhooks: { duplicateRate: 1 } });
    try {
      const request = await stack.monstock.client.createRefundRequest(orderId, { amount: 2500, currency: 'EUR' });
      const order = await stack.monstock.client.getOrder(orderId);
      const handle = stack.client.workflow.getHandle(orderWorkflowId('default', orderId));
      const change = {
        eventId: `test-${request.id}`,
        type: 'order.refund_requested' as const,
        orderId,
        version: order.version,
        updatedAt: order.updatedAt,
      };
      await Promise.all([handle.signal(monstockOrderSignal, change), handle.signal(monstockOrderSignal, change)]);
      await requestSettles(orderId, request.id, 'succeeded');
      await paymentStatusIs(orderId, 'partially_refunded');
      // Give the repeats time to be handled, then count from Stripe.
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      const refunds = await refundsOf(intentId);
      expect(refunds.map((refund) => [refund.amount, refund.metadata?.[REFUND_REQUEST_ID_KEY]])).toEqual([
        [2500, request.id],
      ]);
    } finally {
      await stack.monstock.setFaults({});
    }
  });

  it('refunds a request asked before the payment reached Monstock (Stripe shows it paid): never rejected as nothing_paid', async () => {
    const order = await stack.monstock.createOrder(3600);
    await intentOf(order.id);
    // The shop's own checkout pays; Stripe's webhooks are lost, so Monstock never hears of the payment.
    await stack.stripe.setFaults({ webhooks: { dropRate: 1 } });
    try {
      const paid = await stack.stripe.stripe.paymentIntents.create({
        amount: 3600,
        currency: 'eur',
        payment_method: 'pm_card_visa',
        confirm: true,
        metadata: { monstock_order_id: order.id },
      });
      expect(paid.status).toBe('succeeded');
      const request = await stack.monstock.client.createRefundRequest(order.id, { amount: 1000, currency: 'EUR' });

      const done = await requestSettles(order.id, request.id, 'succeeded');
      const refunds = await refundsOf(paid.id);
      expect(refunds.map((refund) => [refund.amount, refund.metadata?.[REFUND_REQUEST_ID_KEY]])).toEqual([
        [1000, request.id],
      ]);
      expect(done.stripeRefundIds).toEqual([refunds[0]!.id]);
      expect((await stack.monstock.client.getOrder(order.id)).payments).toEqual([]);
    } finally {
      await stack.stripe.setFaults({});
    }
  });

  it("refunds a request whose webhook was lost and whose order version a realign took in (the shop's own checkout paid)", async () => {
    const order = await stack.monstock.createOrder(4400);
    const ourIntentId = await intentOf(order.id);
    // The request's webhook is lost; nothing else (no order feed here) will name its version.
    await stack.monstock.setFaults({ webhooks: { dropRate: 1 } });
    let requestId: string;
    try {
      requestId = (await stack.monstock.client.createRefundRequest(order.id, { amount: 1100, currency: 'EUR' })).id;
    } finally {
      await stack.monstock.setFaults({});
    }
    // Paid through another intent: the workflow records it, then realigns (cancelling its own
    // intent), and that realign reads the version the request made.
    const paid = await stack.stripe.stripe.paymentIntents.create({
      amount: 4400,
      currency: 'eur',
      payment_method: 'pm_card_visa',
      confirm: true,
      metadata: { monstock_order_id: order.id },
    });
    const done = await requestSettles(order.id, requestId, 'succeeded');
    const refunds = await refundsOf(paid.id);
    expect(refunds.map((refund) => [refund.amount, refund.metadata?.[REFUND_REQUEST_ID_KEY]])).toEqual([
      [1100, requestId],
    ]);
    expect(done.stripeRefundIds).toEqual([refunds[0]!.id]);
    expect((await stack.stripe.stripe.paymentIntents.retrieve(ourIntentId)).status).toBe('canceled');
    await paymentStatusIs(order.id, 'partially_refunded');
    await recordHistory(
      'orderPaymentWorkflow.unannouncedRefundRequest',
      stack.client.workflow.getHandle(orderWorkflowId('default', order.id)),
    );
  });

  it('keeps a request open while the payment is processing, and refunds it once the payment lands', async () => {
    const order = await stack.monstock.createOrder(5200);
    const intentId = await intentOf(order.id);
    await stack.stripe.stripe.paymentIntents.confirm(intentId, {
      payment_method: 'pm_sepaDebit',
    } as Stripe.PaymentIntentConfirmParams);
    expect((await stack.stripe.stripe.paymentIntents.retrieve(intentId)).status).toBe('processing');
    const request = await stack.monstock.client.createRefundRequest(order.id, { amount: 5200, currency: 'EUR' });

    // Looked at, and left open: neither rejected nor refunded while the bank has not settled.
    await requestSettles(order.id, request.id, 'processing');
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const waiting = (await stack.monstock.client.listRefundRequests(order.id)).find((item) => item.id === request.id)!;
    expect(waiting).toMatchObject({ status: 'processing', stripeRefundIds: [] });
    expect(await refundsOf(intentId)).toEqual([]);

    await stack.stripe.admin(`/_sandbox/payment_intents/${intentId}/settle`);
    const done = await eventually(async () => {
      const found = (await stack.monstock.client.listRefundRequests(order.id)).find((item) => item.id === request.id);
      return found && found.stripeRefundIds.length === 1 ? found : undefined;
    }, 20_000);
    const refunds = await refundsOf(intentId);
    expect(refunds.map((refund) => refund.amount)).toEqual([5200]);
    expect(done.stripeRefundIds).toEqual([refunds[0]!.id]);
    expect(done.status).not.toBe('rejected');
  });

  it('processes a request that arrived while Monstock was down once Monstock is back', async () => {
    const { orderId, intentId } = await paidOrder(4000);
    const request = await stack.monstock.client.createRefundRequest(orderId, { amount: 4000, currency: 'EUR' });
    // The webhook is out already; every API call the connector makes now fails.
    await stack.monstock.setFaults({ errorRate: 1 });
    try {
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      expect(await refundsOf(intentId)).toEqual([]);
    } finally {
      await stack.monstock.setFaults({});
    }
    await requestSettles(orderId, request.id, 'succeeded', 60_000);
    expect(await refundsOf(intentId)).toHaveLength(1);
    await paymentStatusIs(orderId, 'refunded', 60_000);
  }, 90_000);
});

describe('refunds started in Monstock, worker killed mid-refund', () => {
  let stack: Stack;
  let worker: WorkerProcess | undefined;
  const { paidOrder, requestSettles, refundsOf } = helpers(() => stack);
  const startWorker = async () =>
    startWorkerProcess({
      taskQueue: stack.taskQueue,
      monstockApiUrl: stack.monstock.sandbox.apiUrl,
      stripeApiUrl: stack.stripe.url,
      env: { DATA_DIR: os.tmpdir() },
    });

  beforeAll(async () => {
    stack = await startStack('refund-kill');
    worker = await startWorker();
  }, 90_000);

  afterAll(async () => {
    if (worker && worker.child.exitCode === null) await worker.kill('SIGTERM');
    await stack?.close();
  });

  it('makes exactly one Stripe refund when the worker dies between the refund and its report', async () => {
    const { orderId, intentId } = await paidOrder(7000);
    // Slow Monstock: the report after the refund takes seconds, time enough to kill the worker.
    await stack.monstock.setFaults({ latencyMs: 2_000 });
    const request = await stack.monstock.client.createRefundRequest(orderId, { amount: 7000, currency: 'EUR' });
    await eventually(async () => ((await refundsOf(intentId)).length > 0 ? true : undefined), 30_000, 50);
    await worker!.kill('SIGKILL');
    await stack.monstock.setFaults({});
    expect((await stack.monstock.client.listRefundRequests(orderId))[0]!.status).not.toBe('succeeded');

    worker = await startWorker();
    // The activity's attempt is retried once its start-to-close timeout (30 s) runs out.
    const done = await requestSettles(orderId, request.id, 'succeeded', 80_000);
    const refunds = await refundsOf(intentId);
    expect(refunds).toHaveLength(1);
    expect(done.stripeRefundIds).toEqual([refunds[0]!.id]);
  }, 150_000);
});
