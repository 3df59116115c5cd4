import os from 'node:os';
import type { Client, WorkflowHandle } from '@temporalio/client';
import type Stripe from 'stripe';
import { loadConfig, withDevelopmentValues } from '../../src/config';
import type { Order, Payment, PaymentCapture } from '../../src/monstock/schemas';
import { Counters, defineWebhookCounters } from '../../src/observability/counters';
import { createLogger } from '../../src/observability/logger';
import { listen, type StartedServer } from '../../sandbox/kit/http';
import { orderWorkflowId } from '../../src/shared/ids';
import { paymentStateQuery } from '../../src/shared/orderPayment';
import { AuthorizationExpiresAt } from '../../src/shared/searchAttributes';
import { createConnectorHttpServer, type WebhookRoute } from '../../src/starter/http/server';
import { createMonstockWebhookRoute } from '../../src/starter/monstock/route';
import { createStripeWebhookRoute } from '../../src/starter/stripe/route';
import { createCustomerChangeDelivery } from '../../src/temporal/delivery';
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
import { recordHistory } from '../support/histories';
import { startWorkerProcess, type WorkerProcess } from '../support/workerProcess';

/**
 * Authorise at order, capture at shipment, end to end: both sandboxes deliver their signed
 * webhooks to the connector's HTTP shell, a real worker aligns Stripe with the order (creating a
 * manual-capture intent, capturing once the order ships) and writes what Stripe shows to Monstock.
 */
describe('capture at shipment', () => {
  const logger = createLogger({ level: 'error' });
  let monstock: MonstockFixture;
  let stripe: StripeFixture;
  let client: Client;
  let server: StartedServer;
  let routes: { monstock?: WebhookRoute; stripe?: WebhookRoute } = {};
  let sequence = 0;

  /** The webhook routes deliver to the workers of `taskQueue`. */
  function routeTo(taskQueue: string): void {
    const config = loadConfig({
      ...withDevelopmentValues({ CONNECTOR_MODE: 'development' }),
      STRIPE_SECRET_KEY: TEST_STRIPE_KEY,
      STRIPE_WEBHOOK_SECRET: TEST_STRIPE_WEBHOOK_SECRET,
      MONSTOCK_WEBHOOK_SECRET: TEST_MONSTOCK_WEBHOOK_SECRET,
      TEMPORAL_TASK_QUEUE: taskQueue,
      ORDER_IDLE_WINDOW: '1 hour',
      DATA_DIR: os.tmpdir(),
    });
    const clients = connectorClients({ monstock: monstock.client, stripe: stripe.stripe, client, taskQueue });
    const customerDelivery = createCustomerChangeDelivery({ client, taskQueue, pollInterval: '1 hour' }).deliver;
    const counters = defineWebhookCounters(new Counters());
    routes = {
      monstock: createMonstockWebhookRoute({ client, config, logger, counters, customerDelivery }),
      stripe: createStripeWebhookRoute({ client, matcher: clients.matcher, config, logger, counters }),
    };
  }

  beforeAll(async () => {
    server = await listen(
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
    [monstock, stripe, client] = await Promise.all([
      startMonstockFixture({ webhookUrl: `${server.url}/webhooks/monstock` }),
      startStripeFixture({ webhookUrl: `${server.url}/webhooks/stripe` }),
      connectTestClient(),
    ]);
  });

  afterAll(async () => {
    await monstock?.close();
    await stripe?.close();
    await server?.close();
    await client?.connection.close();
  });

  afterEach(async () => {
    await stripe.setFaults({});
    await monstock.setFaults({});
  });

  async function createOrder(amount: number, paymentCapture?: PaymentCapture): Promise<Order> {
    sequence += 1;
    const customer = await monstock.client.createCustomer({
      email: `holder${sequence}@example.test`,
      name: `Holder ${sequence}`,
    });
    return monstock.client.createOrder({
      reference: `CAP-${sequence}`,
      customerId: customer.id,
      currency: 'EUR',
      lines: [{ sku: 'SKU-1', quantity: 1, unitAmount: amount }],
      ...(paymentCapture ? { paymentCapture } : {}),
    });
  }

  async function orderWhere(orderId: string, test: (order: Order) => boolean, timeoutMs = 20_000): Promise<Order> {
    return eventually(
      async () => {
        const order = await monstock.client.getOrder(orderId);
        return test(order) ? order : undefined;
      },
      timeoutMs,
      100,
    );
  }

  async function intentOf(orderId: string): Promise<Stripe.PaymentIntent> {
    const order = await orderWhere(orderId, (o) => o.externalRefs.stripePaymentIntentId !== undefined);
    return stripe.stripe.paymentIntents.retrieve(order.externalRefs.stripePaymentIntentId!);
  }

  function pay(intentId: string): Promise<Stripe.PaymentIntent> {
    return stripe.stripe.paymentIntents.confirm(intentId, {
      payment_method: 'pm_card_visa',
    } as Stripe.PaymentIntentConfirmParams);
  }

  function movementOf(order: Order, intentId: string): Payment | undefined {
    return order.payments.find((payment) => payment.kind === 'payment' && payment.transactionRef === intentId);
  }

  /** An on_shipment order, authorised by the customer, and Monstock showing it. */
  async function authorisedOrder(amount: number, capture?: PaymentCapture) {
    const created = await createOrder(amount, capture);
    const intent = await intentOf(created.id);
    expect(intent.capture_method).toBe('manual');
    expect((await pay(intent.id)).status).toBe('requires_capture');
    const order = await orderWhere(created.id, (o) => movementOf(o, intent.id)?.status === 'authorized');
    return { order, intentId: intent.id, handle: client.workflow.getHandle(orderWorkflowId('default', created.id)) };
  }

  async function expiresAt(handle: WorkflowHandle): Promise<Date | undefined> {
    return (await handle.describe()).typedSearchAttributes.get(AuthorizationExpiresAt);
  }

  /** The captures Stripe made of an intent, from its own events. */
  async function capturesOf(intentId: string): Promise<number> {
    const events = await stripe.stripe.events.list({ type: 'charge.captured', limit: 100 });
    return events.data.filter((event) => (event.data.object as Stripe.Charge).payment_intent === intentId).length;
  }

  describe('with an in-process worker (connection default: automatic)', () => {
    const taskQueue = uniqueTaskQueue('capture');
    let worker: RunningWorker;
    let clients: ReturnType<typeof connectorClients>;

    beforeAll(async () => {
      routeTo(taskQueue);
      clients = connectorClients({
        monstock: monstock.client,
        stripe: stripe.stripe,
        client,
        taskQueue,
        orderSettings: { createPaymentIntents: true, autoRefundCancelled: false, capture: 'automatic' },
      });
      worker = await startTestWorker(taskQueue, clients);
    });

    afterAll(async () => {
      await worker?.stop();
    });

    it('(a) authorises at payment, captures in full at shipment', async () => {
      const { order, intentId, handle } = await authorisedOrder(4200, 'on_shipment');
      expect(order.paymentStatus).toBe('authorized');
      expect(order.amountPaid).toBe(0);
      expect(movementOf(order, intentId)).toMatchObject({ status: 'authorized', amount: 4200 });
      expect(movementOf(order, intentId)?.feeAmount).toBeUndefined();
      const charge = await stripe.stripe.charges.retrieve(
        (await stripe.stripe.paymentIntents.retrieve(intentId)).latest_charge as string,
      );
      const captureBefore = charge.payment_method_details?.card?.capture_before;
      expect(captureBefore).toBeGreaterThan(Date.now() / 1000);
      await eventually(async () => ((await expiresAt(handle))?.getTime() === captureBefore! * 1000 ? true : undefined));
      expect((await handle.query(paymentStateQuery)).movements).toContainEqual(
        expect.objectContaining({ transactionRef: intentId, status: 'authorized' }),
      );

      await monstock.client.updateOrder(order.id, { status: 'shipped' });
      const paid = await orderWhere(order.id, (o) => o.paymentStatus === 'paid');
      const movement = movementOf(paid, intentId)!;
      expect(movement).toMatchObject({ status: 'succeeded', amount: 4200 });
      expect(movement.feeAmount).toBeGreaterThan(0);
      expect(movement.netAmount).toBe(4200 - movement.feeAmount!);
      expect(paid.amountPaid).toBe(4200);
      const intent = await stripe.stripe.paymentIntents.retrieve(intentId);
      expect(intent).toMatchObject({ status: 'succeeded', amount_received: 4200 });
      await eventually(async () => ((await expiresAt(handle)) === undefined ? true : undefined));
      expect(await capturesOf(intentId)).toBe(1);
      await recordHistory('orderPaymentWorkflow.captureAtShipment', handle);
    });

    it('delivered without ever being shipped: captured in full, once', async () => {
      const { order, intentId } = await authorisedOrder(3900, 'on_shipment');
      await monstock.client.updateOrder(order.id, { status: 'delivered' });
      const paid = await orderWhere(order.id, (o) => o.paymentStatus === 'paid');
      expect(paid.status).toBe('delivered');
      expect(movementOf(paid, intentId)).toMatchObject({ status: 'succeeded', amount: 3900 });
      expect(movementOf(paid, intentId)?.feeAmount).toBeGreaterThan(0);
      expect(await stripe.stripe.paymentIntents.retrieve(intentId)).toMatchObject({
        status: 'succeeded',
        amount_received: 3900,
      });
      expect(await capturesOf(intentId)).toBe(1);
    });

    it('shipped before the customer paid: captured as soon as the payment is authorised', async () => {
      const created = await createOrder(4200, 'on_shipment');
      const intent = await intentOf(created.id);
      expect(intent.capture_method).toBe('manual');
      await monstock.client.updateOrder(created.id, { status: 'shipped' });
      await new Promise((resolve) => setTimeout(resolve, 300));
      await pay(intent.id);
      const paid = await orderWhere(created.id, (o) => o.paymentStatus === 'paid');
      expect(movementOf(paid, intent.id)).toMatchObject({ status: 'succeeded', amount: 4200 });
      expect(await capturesOf(intent.id)).toBe(1);
    });

    it('(b) lines reduced before shipment: captures the amount due, the rest is released', async () => {
      const { order, intentId } = await authorisedOrder(5000, 'on_shipment');
      await monstock.client.updateOrder(order.id, { lines: [{ sku: 'SKU-1', quantity: 1, unitAmount: 3200 }] });
      // Not shipped yet: the authorisation is left as it is.
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect((await stripe.stripe.paymentIntents.retrieve(intentId)).status).toBe('requires_capture');

      await monstock.client.updateOrder(order.id, { status: 'shipped' });
      const paid = await orderWhere(order.id, (o) => o.paymentStatus === 'paid');
      expect(movementOf(paid, intentId)).toMatchObject({ status: 'succeeded', amount: 3200 });
      expect(paid.amountPaid).toBe(3200);
      const intent = await stripe.stripe.paymentIntents.retrieve(intentId);
      expect(intent).toMatchObject({ status: 'succeeded', amount_received: 3200, amount_capturable: 0 });
      const charge = await stripe.stripe.charges.retrieve(intent.latest_charge as string);
      expect(charge).toMatchObject({ amount_captured: 3200, amount_refunded: 1800 });
      // The released remainder is no refund of the customer's money.
      expect(paid.amountRefunded).toBe(0);
    });

    it('(c) total raised above the authorisation: captures all of it and asks for the balance', async () => {
      const { order, intentId } = await authorisedOrder(5000, 'on_shipment');
      await monstock.client.updateOrder(order.id, { lines: [{ sku: 'SKU-1', quantity: 1, unitAmount: 6500 }] });
      await monstock.client.updateOrder(order.id, { status: 'shipped' });
      const withBalance = await orderWhere(
        order.id,
        (o) => o.externalRefs.stripePaymentIntentId !== intentId && movementOf(o, intentId)?.status === 'succeeded',
      );
      expect(movementOf(withBalance, intentId)).toMatchObject({ status: 'succeeded', amount: 5000 });
      expect(withBalance.paymentStatus).toBe('partially_paid');
      const balance = await stripe.stripe.paymentIntents.retrieve(withBalance.externalRefs.stripePaymentIntentId!);
      // Shipped already: the balance is captured when paid.
      expect(balance).toMatchObject({ amount: 1500, currency: 'eur', status: 'requires_payment_method' });
      expect(balance.capture_method).not.toBe('manual');

      await pay(balance.id);
      const paid = await orderWhere(order.id, (o) => o.paymentStatus === 'paid');
      expect(paid.amountPaid).toBe(6500);
      expect(await capturesOf(intentId)).toBe(1);
    });

    it('(d) cancelled before shipment: the authorisation is released', async () => {
      const { order, intentId, handle } = await authorisedOrder(4200, 'on_shipment');
      await monstock.client.updateOrder(order.id, { status: 'cancelled' });
      const released = await orderWhere(order.id, (o) => movementOf(o, intentId)?.status === 'canceled');
      expect(movementOf(released, intentId)).toMatchObject({
        status: 'canceled',
        failureReason: 'authorization_released',
      });
      expect(released.amountPaid).toBe(0);
      expect(released.paymentStatus).not.toBe('authorized');
      expect((await stripe.stripe.paymentIntents.retrieve(intentId)).status).toBe('canceled');
      expect(await capturesOf(intentId)).toBe(0);
      await eventually(async () => ((await expiresAt(handle)) === undefined ? true : undefined));
    });

    it('(e) an authorisation that lapses is recorded as canceled: authorization_expired', async () => {
      const { order, intentId, handle } = await authorisedOrder(4200, 'on_shipment');
      await stripe.admin(`/_sandbox/payment_intents/${intentId}/expire`);
      const expired = await orderWhere(order.id, (o) => movementOf(o, intentId)?.status === 'canceled');
      expect(movementOf(expired, intentId)).toMatchObject({ failureReason: 'authorization_expired', amount: 4200 });
      expect(expired.amountPaid).toBe(0);
      expect(await stripe.stripe.paymentIntents.retrieve(intentId)).toMatchObject({
        status: 'canceled',
        cancellation_reason: 'automatic',
      });
      await eventually(async () => ((await expiresAt(handle)) === undefined ? true : undefined));
    });

    it('an automatic order is captured at payment, as before', async () => {
      const created = await createOrder(4200);
      expect(created.paymentCapture).toBeUndefined();
      const intent = await intentOf(created.id);
      expect(intent.capture_method).not.toBe('manual');
      expect((await pay(intent.id)).status).toBe('succeeded');
      await orderWhere(created.id, (o) => o.paymentStatus === 'paid');
    });

    it('(g) duplicated webhooks from both sides: exactly one capture', async () => {
      const { order, intentId } = await authorisedOrder(4200, 'on_shipment');
      await monstock.setFaults({ webhooks: { duplicateRate: 1 } });
      await stripe.setFaults({ webhooks: { duplicateRate: 1 } });
      await monstock.client.updateOrder(order.id, { status: 'shipped' });
      const paid = await orderWhere(order.id, (o) => o.paymentStatus === 'paid');
      // Let the duplicates land, then check nothing moved twice.
      await new Promise((resolve) => setTimeout(resolve, 1500));
      const settled = await monstock.client.getOrder(order.id);
      expect(settled.amountPaid).toBe(4200);
      expect(settled.payments.filter((p) => p.kind === 'payment')).toHaveLength(1);
      expect(paid.amountPaid).toBe(4200);
      expect(await capturesOf(intentId)).toBe(1);
      expect((await stripe.stripe.paymentIntents.retrieve(intentId)).amount_received).toBe(4200);
    });

    it('(i) Monstock down at shipment: captured once it is back, movement written', async () => {
      const { order, intentId } = await authorisedOrder(4200, 'on_shipment');
      // The worker is away while the order ships and Monstock goes down, so the outage is what it meets.
      await worker.stop();
      await monstock.client.updateOrder(order.id, { status: 'shipped' });
      await monstock.setFaults({ errorRate: 1 });
      worker = await startTestWorker(taskQueue, clients);
      await new Promise((resolve) => setTimeout(resolve, 3000));
      // Nothing captured while the order cannot be read.
      expect((await stripe.stripe.paymentIntents.retrieve(intentId)).status).toBe('requires_capture');
      await monstock.setFaults({});
      const paid = await orderWhere(order.id, (o) => o.paymentStatus === 'paid', 60_000);
      expect(movementOf(paid, intentId)).toMatchObject({ status: 'succeeded', amount: 4200 });
      expect(await capturesOf(intentId)).toBe(1);
    }, 90_000);
  });

  describe("the shop's own checkout authorises (the connector creates no intent)", () => {
    const taskQueue = uniqueTaskQueue('capture-shop');
    let worker: RunningWorker;

    beforeAll(async () => {
      routeTo(taskQueue);
      const clients = connectorClients({
        monstock: monstock.client,
        stripe: stripe.stripe,
        client,
        taskQueue,
        orderSettings: { createPaymentIntents: false, autoRefundCancelled: false },
      });
      worker = await startTestWorker(taskQueue, clients);
    });

    afterAll(async () => {
      await worker?.stop();
    });

    /** Authorised by an intent the shop made (its id never written back to the order), Monstock showing it. */
    async function authorisedByShop(amount: number) {
      const created = await createOrder(amount, 'on_shipment');
      const intent = await stripe.stripe.paymentIntents.create({
        amount,
        currency: 'eur',
        capture_method: 'manual',
        payment_method: 'pm_card_visa',
        confirm: true,
        metadata: { monstock_order_id: created.id },
      });
      expect(intent.status).toBe('requires_capture');
      const order = await orderWhere(created.id, (o) => movementOf(o, intent.id)?.status === 'authorized');
      expect(order.externalRefs.stripePaymentIntentId).toBeUndefined();
      return { order, intentId: intent.id };
    }

    it('captures at shipment the authorisation Monstock shows', async () => {
      const { order, intentId } = await authorisedByShop(3900);
      await monstock.client.updateOrder(order.id, { status: 'shipped' });
      const paid = await orderWhere(order.id, (o) => o.paymentStatus === 'paid');
      expect(movementOf(paid, intentId)).toMatchObject({ status: 'succeeded', amount: 3900 });
      expect(await capturesOf(intentId)).toBe(1);
    });

    it('captures what is due after a line was removed, the rest released', async () => {
      const { order, intentId } = await authorisedByShop(5000);
      await monstock.client.updateOrder(order.id, { lines: [{ sku: 'SKU-1', quantity: 1, unitAmount: 3750 }] });
      await monstock.client.updateOrder(order.id, { status: 'shipped' });
      const paid = await orderWhere(order.id, (o) => o.paymentStatus === 'paid');
      expect(paid.amountPaid).toBe(3750);
      expect(await stripe.stripe.paymentIntents.retrieve(intentId)).toMatchObject({
        status: 'succeeded',
        amount_received: 3750,
      });
    });

    it('releases it when the order is cancelled before shipment', async () => {
      const { order, intentId } = await authorisedByShop(4100);
      await monstock.client.updateOrder(order.id, { status: 'cancelled' });
      const released = await orderWhere(order.id, (o) => movementOf(o, intentId)?.status === 'canceled');
      expect(movementOf(released, intentId)).toMatchObject({ failureReason: 'authorization_released' });
      expect((await stripe.stripe.paymentIntents.retrieve(intentId)).status).toBe('canceled');
      expect(await capturesOf(intentId)).toBe(0);
    });

    it('releases it when the cancellation is aligned before the authorisation reaches Monstock', async () => {
      const created = await createOrder(4300, 'on_shipment');
      // Stripe's webhooks are late: the cancellation is aligned while Monstock shows nothing authorised.
      await stripe.setFaults({ webhooks: { delayMs: 3_000 } });
      const intent = await stripe.stripe.paymentIntents.create({
        amount: 4300,
        currency: 'eur',
        capture_method: 'manual',
        payment_method: 'pm_card_visa',
        confirm: true,
        metadata: { monstock_order_id: created.id },
      });
      await monstock.client.updateOrder(created.id, { status: 'cancelled' });
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect(movementOf(await monstock.client.getOrder(created.id), intent.id)).toBeUndefined();
      await stripe.setFaults({});

      const released = await orderWhere(created.id, (o) => movementOf(o, intent.id)?.status === 'canceled');
      expect(movementOf(released, intent.id)).toMatchObject({ failureReason: 'authorization_released' });
      expect((await stripe.stripe.paymentIntents.retrieve(intent.id)).status).toBe('canceled');
    });
  });

  describe('with the production worker process (STRIPE_CAPTURE=on_shipment)', () => {
    const taskQueue = uniqueTaskQueue('capture-process');
    let worker: WorkerProcess | undefined;

    const startWorker = () =>
      startWorkerProcess({
        taskQueue,
        monstockApiUrl: monstock.sandbox.apiUrl,
        stripeApiUrl: stripe.url,
        env: { STRIPE_CAPTURE: 'on_shipment', DATA_DIR: os.tmpdir() },
      });

    beforeAll(async () => {
      routeTo(taskQueue);
      worker = await startWorker();
    }, 90_000);

    afterAll(async () => {
      await worker?.kill('SIGTERM');
    });

    it('(f) an order without paymentCapture follows the connection default', async () => {
      const created = await createOrder(4200);
      expect(created.paymentCapture).toBeUndefined();
      const intent = await intentOf(created.id);
      expect(intent.capture_method).toBe('manual');
      await pay(intent.id);
      const authorised = await orderWhere(created.id, (o) => o.paymentStatus === 'authorized');
      expect(authorised.amountPaid).toBe(0);
    }, 60_000);

    it('(h) worker killed mid-capture: after restart exactly one capture, order paid', async () => {
      const { order, intentId } = await authorisedOrder(4200);
      const writesBefore = await intentWrites();
      // Stripe answers slowly, so the worker dies with the capture in flight.
      await stripe.setFaults({ latencyMs: 3000 });
      await monstock.client.updateOrder(order.id, { status: 'shipped' });
      // The alignment's first write after the shipment is the capture (counted on arrival, before the latency).
      await eventually(async () => ((await intentWrites()) > writesBefore ? true : undefined), 20_000, 20);
      await worker!.kill('SIGKILL');
      worker = undefined;
      await stripe.setFaults({});
      worker = await startWorker();
      const paid = await orderWhere(order.id, (o) => o.paymentStatus === 'paid', 60_000);
      expect(movementOf(paid, intentId)).toMatchObject({ status: 'succeeded', amount: 4200 });
      expect(paid.amountPaid).toBe(4200);
      expect(await capturesOf(intentId)).toBe(1);
      expect((await stripe.stripe.paymentIntents.retrieve(intentId)).amount_received).toBe(4200);
    }, 120_000);

    /** Writes to payment intents the Stripe sandbox received, counted on arrival. */
    async function intentWrites(): Promise<number> {
      const answer = await fetch(`${stripe.url}/_sandbox/requests`);
      const log = (await answer.json()) as { byRoute: Record<string, number> };
      return log.byRoute['POST /v1/payment_intents'] ?? 0;
    }
  });
});
