import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
import Stripe from 'stripe';
import { request } from 'undici';
import { loadConfig, withDevelopmentValues, type ConnectorConfig } from '../../src/config';
import { OrderMatcher } from '../../src/matching/orderMatcher';
import { Counters, defineWebhookCounters, WEBHOOK_COUNTERS as C } from '../../src/observability/counters';
import { createLogger } from '../../src/observability/logger';
import { listen, type StartedServer } from '../../sandbox/kit/http';
import { orderWorkflowId, unmatchedPaymentWorkflowId } from '../../src/shared/ids';
import {
  ORDER_PAYMENT_WORKFLOW_TYPE,
  UNMATCHED_PAYMENT_WORKFLOW_TYPE,
  unmatchedStateQuery,
} from '../../src/shared/orderPayment';
import { createConnectorHttpServer, type WebhookRoute } from '../../src/starter/http/server';
import { createStripeWebhookRoute } from '../../src/starter/stripe/route';
import { deleteManagedSecret, saveManagedSecret } from '../../src/store/managedSecrets';
import { startFileDatabase, type FileDatabase } from '../support/database';
import { startMonstockFixture, type MonstockFixture } from '../support/monstockSandbox';
import { startStripeFixture, TEST_STRIPE_WEBHOOK_SECRET, type StripeFixture } from '../support/stripeSandbox';
import {
  connectorClients,
  connectTestClient,
  eventually,
  startTestWorker,
  uniqueTaskQueue,
  type RunningWorker,
} from '../support/temporal';

/**
 * The Stripe webhook end to end: the Stripe sandbox signs and delivers its events to the
 * connector's HTTP shell, the route hands them to Temporal, the real worker records the
 * payments on the Monstock sandbox.
 */
describe('POST /webhooks/stripe', () => {
  const taskQueue = uniqueTaskQueue('stripe-webhook');
  const logger = createLogger({ level: 'error' });
  let dataDir: string;
  // Where setup would store the managed endpoint's secret: this file's own database.
  let db: FileDatabase;
  let config: ConnectorConfig;
  let monstock: MonstockFixture;
  let stripe: StripeFixture;
  let client: Client;
  let worker: RunningWorker;
  let server: StartedServer;
  let counters: Counters;
  let route: WebhookRoute;

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'stripe-webhook-'));
    db = await startFileDatabase();
    config = loadConfig(
      withDevelopmentValues({
        STRIPE_WEBHOOK_SECRET: TEST_STRIPE_WEBHOOK_SECRET,
        TEMPORAL_TASK_QUEUE: taskQueue,
        DATA_DIR: dataDir,
        ORDER_IDLE_WINDOW: '1 hour',
        STRIPE_IGNORE_METADATA: 'integration=other-shop',
      }),
    );
    counters = defineWebhookCounters(new Counters());
    // The route needs the Stripe client, the Stripe sandbox needs the route's URL: bound late.
    server = await listen(
      createConnectorHttpServer({
        logger,
        readiness: async () => ({ ready: true }),
        connectionIds: ['default'],
        webhooks: { stripe: (webhook) => route(webhook) },
      }),
      0,
    );
    [monstock, stripe, client] = await Promise.all([
      startMonstockFixture(),
      startStripeFixture({ webhookUrl: `${server.url}/webhooks/stripe` }),
      connectTestClient(),
    ]);
    const matcher = new OrderMatcher({ stripe: stripe.stripe, monstock: monstock.client, settings: config.matching });
    route = createStripeWebhookRoute({ client, matcher, config, logger, counters });
    worker = await startTestWorker(
      taskQueue,
      connectorClients({
        monstock: monstock.client,
        stripe: stripe.stripe,
        client,
        taskQueue,
        settings: config.matching,
      }),
    );
  });

  afterAll(async () => {
    await worker?.stop();
    await stripe?.close();
    await server?.close();
    await client?.connection.close();
    await monstock?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
    await db?.stop();
  });

  /** A Stripe-shaped event, signed as Stripe signs (or with another secret). */
  async function post(
    event: Record<string, unknown>,
    secret = TEST_STRIPE_WEBHOOK_SECRET,
    target: string = `${server.url}/webhooks/stripe`,
  ) {
    const body = JSON.stringify(event, null, 2);
    const answer = await request(target, {
      method: 'POST',
      body,
      headers: {
        'content-type': 'application/json',
        'stripe-signature': Stripe.webhooks.generateTestHeaderString({ payload: body, secret }),
      },
    });
    return { status: answer.statusCode, body: (await answer.body.json()) as Record<string, unknown> };
  }

  function intentEvent(paymentIntentId: string, metadata: Record<string, string>) {
    return {
      id: `evt_test_${paymentIntentId}`,
      object: 'event',
      type: 'payment_intent.succeeded',
      created: Math.floor(Date.now() / 1000),
      data: {
        object: {
          id: paymentIntentId,
          object: 'payment_intent',
          amount: 4200,
          currency: 'eur',
          metadata,
          status: 'succeeded',
        },
      },
    };
  }

  const pay = (metadata: Record<string, string>, amount = 4200) =>
    stripe.stripe.paymentIntents.create({
      amount,
      currency: 'eur',
      payment_method: 'pm_card_visa',
      confirm: true,
      metadata,
    });

  async function workflowExists(workflowId: string): Promise<boolean> {
    try {
      await client.workflow.getHandle(workflowId).describe();
      return true;
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return false;
      throw error;
    }
  }

  it('records a card payment on its Monstock order through the order workflow', async () => {
    const order = await monstock.createOrder(4200);
    const intent = await pay({ monstock_order_id: order.id });

    const stored = await eventually(async () => {
      const current = await monstock.client.getOrder(order.id);
      return current.paymentStatus === 'paid' ? current : undefined;
    });
    expect(stored.payments).toHaveLength(1);
    const [payment] = stored.payments;
    expect(payment).toMatchObject({
      kind: 'payment',
      transactionRef: intent.id,
      amount: 4200,
      currency: 'EUR',
      status: 'succeeded',
      method: 'card',
      methodDetails: 'visa ****4242',
    });
    expect(payment!.feeAmount).toBeGreaterThan(0);
    expect(payment!.netAmount).toBe(4200 - payment!.feeAmount!);

    const handle = client.workflow.getHandle(orderWorkflowId('default', order.id));
    const described = await handle.describe();
    expect(described.type).toBe(ORDER_PAYMENT_WORKFLOW_TYPE);
    expect(described.taskQueue).toBe(taskQueue);
    const signals = ((await handle.fetchHistory()).events ?? []).filter(
      (event) => event.workflowExecutionSignaledEventAttributes?.signalName === 'stripeEvent',
    );
    expect(signals.length).toBeGreaterThanOrEqual(1);
    expect(
      counters.get(C.accepted, { source: 'stripe', connection: 'default', workflow: 'order' }),
    ).toBeGreaterThanOrEqual(signals.length);
  });

  it('records a half refund (charge.refunded, refund.*) as a refund movement', async () => {
    const order = await monstock.createOrder(4200);
    const intent = await pay({ monstock_order_id: order.id });
    await eventually(async () =>
      (await monstock.client.getOrder(order.id)).paymentStatus === 'paid' ? true : undefined,
    );
    const refund = await stripe.stripe.refunds.create({ payment_intent: intent.id, amount: 2100 });

    const stored = await eventually(async () => {
      const current = await monstock.client.getOrder(order.id);
      return current.paymentStatus === 'partially_refunded' ? current : undefined;
    });
    expect(stored.payments.find((movement) => movement.kind === 'refund')).toMatchObject({
      transactionRef: refund.id,
      amount: 2100,
      status: 'succeeded',
    });
    expect(stored).toMatchObject({ amountPaid: 4200, amountRefunded: 2100 });
  });

  it('finds the order of a Checkout payment by client_reference_id', async () => {
    const order = await monstock.createOrder(2500);
    const session = await stripe.stripe.checkout.sessions.create({
      mode: 'payment',
      line_items: [{ price_data: { currency: 'eur', unit_amount: 2500, product_data: { name: 'Mug' } }, quantity: 1 }],
      success_url: 'https://shop.example.com/thanks',
      client_reference_id: order.reference,
    });
    await stripe.admin(`/_sandbox/checkout/sessions/${session.id}/complete`, { payment_method: 'pm_card_visa' });
    const stored = await eventually(async () => {
      const current = await monstock.client.getOrder(order.id);
      return current.paymentStatus === 'paid' ? current : undefined;
    });
    expect(stored.payments).toHaveLength(1);
    const signals = (
      (await client.workflow.getHandle(orderWorkflowId('default', order.id)).fetchHistory()).events ?? []
    )
      .map((event) => event.workflowExecutionSignaledEventAttributes)
      .filter((signal) => signal?.signalName === 'stripeEvent');
    expect(signals.length).toBeGreaterThanOrEqual(1);
  });

  it('refuses a bad or missing signature with 400 and starts nothing', async () => {
    const order = await monstock.createOrder(1000);
    const before = counters.get(C.rejected, { source: 'stripe', connection: 'default', reason: 'bad_signature' });
    const forged = await post(intentEvent('pi_forged_1', { monstock_order_id: order.id }), 'whsec_not_the_right_one');
    expect(forged).toEqual({ status: 400, body: { error: 'bad_signature' } });
    const unsigned = await request(`${server.url}/webhooks/stripe`, {
      method: 'POST',
      body: JSON.stringify(intentEvent('pi_forged_1', { monstock_order_id: order.id })),
    });
    expect(unsigned.statusCode).toBe(400);
    expect(await unsigned.body.json()).toEqual({ error: 'missing_signature' });
    expect(counters.get(C.rejected, { source: 'stripe', connection: 'default', reason: 'bad_signature' })).toBe(
      before + 1,
    );
    expect(await workflowExists(orderWorkflowId('default', order.id))).toBe(false);
  });

  it('acknowledges an event type it does not handle, and counts it', async () => {
    const before = counters.get(C.unknown, { source: 'stripe', connection: 'default' });
    const answer = await post({
      id: 'evt_unknown_1',
      object: 'event',
      type: 'invoice.paid',
      created: Math.floor(Date.now() / 1000),
      data: { object: { id: 'in_1', object: 'invoice' } },
    });
    expect(answer).toEqual({ status: 200, body: { received: true } });
    expect(counters.get(C.unknown, { source: 'stripe', connection: 'default' })).toBe(before + 1);
    // What /metrics (on the admin listener) serves.
    expect(counters.toPrometheus()).toContain(`${C.unknown}{connection="default",source="stripe"} ${before + 1}`);
  });

  it('acknowledges a payment another integration owns and starts nothing', async () => {
    const order = await monstock.createOrder(4200);
    const ignored = () => counters.get(C.ignored, { source: 'stripe', connection: 'default', reason: 'ignore_rule' });
    const before = ignored();
    const intent = await pay({ monstock_order_id: order.id, integration: 'other-shop' });
    // payment_intent.succeeded at least (the events that only echo it are dropped before matching).
    await eventually(async () => (ignored() >= before + 1 ? true : undefined));
    expect(await workflowExists(orderWorkflowId('default', order.id))).toBe(false);
    expect(await workflowExists(unmatchedPaymentWorkflowId('default', intent.id))).toBe(false);
  });

  it('delivers a payment that matches no order to its unmatched-payment workflow', async () => {
    const before = counters.get(C.unmatched, { source: 'stripe', connection: 'default' });
    // No rule finds a value: no order metadata, no Checkout session.
    const intent = await pay({ note: 'paid at the counter' });
    const handle = client.workflow.getHandle(unmatchedPaymentWorkflowId('default', intent.id));
    const described = await eventually(() => handle.describe());
    expect(described.type).toBe(UNMATCHED_PAYMENT_WORKFLOW_TYPE);
    expect(counters.get(C.unmatched, { source: 'stripe', connection: 'default' })).toBeGreaterThan(before);
    // It holds the event and waits to look again (a later event, a retryMatch or its backoff).
    const state = await eventually(async () => {
      const current = await handle.query(unmatchedStateQuery);
      return current.events >= 1 && !(await handle.describe()).raw.pendingActivities?.length ? current : undefined;
    });
    expect(state.matchedOrderId).toBeUndefined();
    await handle.terminate('test done');
  });

  it('refuses with 400 (not 503) an event whose ids no workflow id could carry, and counts it', async () => {
    const invalid = () => counters.get(C.rejected, { source: 'stripe', connection: 'default', reason: 'invalid_id' });
    const before = invalid();
    const unavailableBefore = counters.get(C.unavailable, { source: 'stripe', connection: 'default' });
    // A 2,000-character payment intent id: the unmatched workflow id would pass Temporal's 1,000 bytes.
    const longIntent = `pi_${'A'.repeat(1997)}`;
    expect(longIntent).toHaveLength(2000);
    const byObject = await post({ ...intentEvent(longIntent, {}), id: 'evt_long_intent_1' });
    expect(byObject.status).toBe(400);
    expect(byObject.body).toMatchObject({ error: 'invalid_id', field: 'object_id' });
    // A 2,000-character event id, and an intent id with characters Stripe never uses.
    const byEvent = await post({ ...intentEvent('pi_fine_1', {}), id: `evt_${'x'.repeat(1996)}` });
    expect(byEvent).toMatchObject({ status: 400, body: { error: 'invalid_id', field: 'event_id' } });
    const byCharge = await post({
      id: 'evt_charge_bad_intent',
      object: 'event',
      type: 'charge.refunded',
      created: Math.floor(Date.now() / 1000),
      data: { object: { id: 'ch_bad_intent', object: 'charge', payment_intent: 'pi_../../x y' } },
    });
    expect(byCharge).toMatchObject({ status: 400, body: { error: 'invalid_id', field: 'payment_intent_id' } });
    expect(invalid()).toBe(before + 3);
    expect(counters.get(C.unavailable, { source: 'stripe', connection: 'default' })).toBe(unavailableBefore);
    expect(counters.notedEvents('stripe')[0]).toMatchObject({ reason: 'invalid_id', status: 400 });
  });

  it('acknowledges (2xx), counts and notes an event whose payment intent Stripe does not know', async () => {
    const notFound = () =>
      counters.get(C.ignored, { source: 'stripe', connection: 'default', reason: 'object_not_found' });
    const before = notFound();
    const unavailableBefore = counters.get(C.unavailable, { source: 'stripe', connection: 'default' });
    // The matcher must read the intent (a charge carries only its id): Stripe answers 404.
    const answer = await post({
      id: 'evt_charge_unknown_intent',
      object: 'event',
      type: 'charge.refunded',
      created: Math.floor(Date.now() / 1000),
      data: { object: { id: 'ch_unknown_intent', object: 'charge', payment_intent: 'pi_NotInThisAccount1' } },
    });
    expect(answer).toEqual({ status: 200, body: { received: true } });
    expect(notFound()).toBe(before + 1);
    expect(counters.get(C.unavailable, { source: 'stripe', connection: 'default' })).toBe(unavailableBefore);
    expect(counters.notedEvents('stripe')[0]).toMatchObject({
      source: 'stripe',
      reason: 'object_not_found',
      eventId: 'evt_charge_unknown_intent',
      paymentIntentId: 'pi_NotInThisAccount1',
      status: 200,
    });
    expect(await workflowExists(unmatchedPaymentWorkflowId('default', 'pi_NotInThisAccount1'))).toBe(false);
  });

  it('refuses with 400 a live-mode event when the key is a test key, and counts it', async () => {
    const mismatch = () =>
      counters.get(C.rejected, { source: 'stripe', connection: 'default', reason: 'livemode_mismatch' });
    const before = mismatch();
    const order = await monstock.createOrder(1000);
    const answer = await post({ ...intentEvent('pi_live_1', { monstock_order_id: order.id }), livemode: true });
    expect(answer).toMatchObject({ status: 400, body: { error: 'livemode_mismatch', event: 'live', key: 'test' } });
    expect(mismatch()).toBe(before + 1);
    expect(await workflowExists(orderWorkflowId('default', order.id))).toBe(false);
    // The key's own mode is delivered as before.
    const testMode = await post({ ...intentEvent('pi_test_mode_1', { monstock_order_id: order.id }), livemode: false });
    expect(testMode).toEqual({ status: 200, body: { received: true } });
    await eventually(() => workflowExists(orderWorkflowId('default', order.id)).then((found) => found || undefined));
    await client.workflow
      .getHandle(orderWorkflowId('default', order.id))
      .terminate('test done')
      .catch(() => undefined);
  });

  it('also accepts the managed endpoint’s secret, stored (by setup, on any replica) while it runs', async () => {
    const managedRoute = createStripeWebhookRoute({
      client,
      matcher: new OrderMatcher({ stripe: stripe.stripe, monstock: monstock.client, settings: config.matching }),
      config,
      database: db.database,
      logger,
      counters,
      secretReloadIntervalMs: 0,
    });
    const call = (secret: string) => {
      const body = JSON.stringify({
        id: 'evt_managed_1',
        object: 'event',
        type: 'customer.updated',
        created: Math.floor(Date.now() / 1000),
        data: { object: { id: 'cus_1', object: 'customer' } },
      });
      return managedRoute({
        connectionId: 'default',
        headers: { 'stripe-signature': Stripe.webhooks.generateTestHeaderString({ payload: body, secret }) },
        rawBody: Buffer.from(body),
      });
    };
    expect((await call(TEST_STRIPE_WEBHOOK_SECRET)).status).toBe(200);
    expect((await call('whsec_managed_endpoint_secret')).status).toBe(400);
    await saveManagedSecret(db.database, config.temporal.encryptionKeys, 'default', {
      endpointId: 'we_managed_1',
      secret: 'whsec_managed_endpoint_secret',
    });
    expect((await call('whsec_managed_endpoint_secret')).status).toBe(200);
    expect((await call(TEST_STRIPE_WEBHOOK_SECRET)).status).toBe(200);
    await deleteManagedSecret(db.database, 'default');
  });

  it('answers 503 when Stripe cannot tell which order a charge belongs to, so Stripe retries', async () => {
    const before = counters.get(C.unavailable, { source: 'stripe', connection: 'default' });
    await stripe.setFaults({ errorRate: 1 });
    try {
      const answer = await post({
        id: 'evt_charge_outage',
        object: 'event',
        type: 'charge.refunded',
        created: Math.floor(Date.now() / 1000),
        data: { object: { id: 'ch_outage', object: 'charge', payment_intent: 'pi_outage_1' } },
      });
      expect(answer.status).toBe(503);
    } finally {
      await stripe.setFaults({});
    }
    expect(counters.get(C.unavailable, { source: 'stripe', connection: 'default' })).toBe(before + 1);
    expect(await workflowExists(unmatchedPaymentWorkflowId('default', 'pi_outage_1'))).toBe(false);
  });

  it('answers 503 when Temporal cannot be reached, so Stripe retries', async () => {
    const order = await monstock.createOrder(1000);
    const connection = Connection.lazy({ address: '127.0.0.1:1', connectTimeout: 200 });
    const offline = createStripeWebhookRoute({
      client: new Client({ connection }),
      matcher: new OrderMatcher({ stripe: stripe.stripe, monstock: monstock.client, settings: config.matching }),
      config,
      logger,
      counters,
      temporalDeadlineMs: 500,
    });
    const before = counters.get(C.unavailable, { source: 'stripe', connection: 'default' });
    const body = JSON.stringify(intentEvent('pi_offline_1', { monstock_order_id: order.id }));
    const started = Date.now();
    const answer = await offline({
      connectionId: 'default',
      headers: {
        'stripe-signature': Stripe.webhooks.generateTestHeaderString({
          payload: body,
          secret: TEST_STRIPE_WEBHOOK_SECRET,
        }),
      },
      rawBody: Buffer.from(body),
    });
    expect(answer.status).toBe(503);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(counters.get(C.unavailable, { source: 'stripe', connection: 'default' })).toBe(before + 1);
    await connection.close().catch(() => undefined);
  });
});
