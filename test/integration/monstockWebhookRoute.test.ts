import { Client, Connection, ServiceError, WorkflowNotFoundError, type WorkflowHandle } from '@temporalio/client';
import type Stripe from 'stripe';
import { request } from 'undici';
import { loadConfig, withDevelopmentValues, type ConnectorConfig } from '../../src/config';
import type { Order } from '../../src/monstock/schemas';
import { Counters, defineWebhookCounters, WEBHOOK_COUNTERS as C } from '../../src/observability/counters';
import { createLogger } from '../../src/observability/logger';
import { listen, type StartedServer } from '../../sandbox/kit/http';
import { signPayload } from '../../sandbox/kit/signature';
import { orderWorkflowId } from '../../src/shared/ids';
import type { MonstockOrderRef } from '../../src/shared/orderPayment';
import { createConnectorHttpServer, type WebhookRoute } from '../../src/starter/http/server';
import type { CustomerChangedEvent } from '../../src/shared/customerSync';
import { createMonstockWebhookRoute } from '../../src/starter/monstock/route';
import { startMonstockFixture, TEST_MONSTOCK_WEBHOOK_SECRET, type MonstockFixture } from '../support/monstockSandbox';
import { startStripeFixture, type StripeFixture } from '../support/stripeSandbox';
import {
  connectorClients,
  connectTestClient,
  eventually,
  startTestWorker,
  uniqueTaskQueue,
  type RunningWorker,
} from '../support/temporal';
import { decodeHistoryPayload } from '../support/temporal';
import { activitiesScheduledIn, historyOnceSignalProcessed } from '../support/workflowHistory';

/**
 * The Monstock webhook end to end: the Monstock sandbox signs and delivers its own events to the
 * connector's HTTP shell, the route hands them to Temporal, the real worker makes Stripe match
 * the order and writes the intent's id back to Monstock.
 */
describe('POST /webhooks/monstock', () => {
  const taskQueue = uniqueTaskQueue('monstock-webhook');
  const logger = createLogger({ level: 'error' });
  let config: ConnectorConfig;
  let monstock: MonstockFixture;
  let stripe: StripeFixture;
  let sdk: Stripe;
  let client: Client;
  let worker: RunningWorker;
  let server: StartedServer;
  let counters: Counters;
  let route: WebhookRoute;
  let url: string;

  beforeAll(async () => {
    config = loadConfig(
      withDevelopmentValues({
        MONSTOCK_WEBHOOK_SECRET: `old-secret-rotating-out,${TEST_MONSTOCK_WEBHOOK_SECRET}`,
        TEMPORAL_TASK_QUEUE: taskQueue,
        ORDER_IDLE_WINDOW: '1 hour',
      }),
    );
    counters = defineWebhookCounters(new Counters());
    // The route needs the Temporal client, the sandbox needs the route's URL: bound late.
    server = await listen(
      createConnectorHttpServer({
        logger,
        readiness: async () => ({ ready: true }),
        connectionIds: ['default'],
        webhooks: { monstock: (webhook) => route(webhook) },
      }),
      0,
    );
    url = `${server.url}/webhooks/monstock`;
    [monstock, stripe, client] = await Promise.all([
      startMonstockFixture({ webhookUrl: url }),
      startStripeFixture(),
      connectTestClient(),
    ]);
    sdk = stripe.stripe;
    route = createMonstockWebhookRoute({ client, config, logger, counters });
    worker = await startTestWorker(
      taskQueue,
      connectorClients({ monstock: monstock.client, stripe: sdk, client, taskQueue }),
    );
  });

  afterAll(async () => {
    await worker?.stop();
    await monstock?.close();
    await stripe?.close();
    await server?.close();
    await client?.connection.close();
  });

  /** A Monstock-shaped event, signed as Monstock signs (or with another secret, or at another time). */
  async function post(body: string, header: string | null = signPayload(body, TEST_MONSTOCK_WEBHOOK_SECRET)) {
    const answer = await request(url, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', ...(header !== null ? { 'monstock-signature': header } : {}) },
    });
    return { status: answer.statusCode, body: (await answer.body.json()) as Record<string, unknown> };
  }

  const eventBody = (
    type: string,
    object: Record<string, unknown>,
    id = `evt_test_${Math.random().toString(36).slice(2)}`,
  ) => JSON.stringify({ id, type, createdAt: new Date().toISOString(), data: { object } });

  async function intentOf(orderId: string): Promise<Stripe.PaymentIntent> {
    const id = await eventually(
      async () => (await monstock.client.getOrder(orderId)).externalRefs.stripePaymentIntentId,
      10_000,
      25,
    );
    return sdk.paymentIntents.retrieve(id);
  }

  async function workflowExists(workflowId: string): Promise<boolean> {
    try {
      await client.workflow.getHandle(workflowId).describe();
      return true;
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return false;
      throw error;
    }
  }

  /** The order changes the workflow received: the one it was started with (`firstChange`), then its signals. */
  async function orderChanges(handle: WorkflowHandle): Promise<MonstockOrderRef[]> {
    const events = (await handle.fetchHistory()).events ?? [];
    const started = events[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
    const input = started ? await decodeHistoryPayload<{ firstChange?: MonstockOrderRef }>(started) : {};
    const signals = events
      .map((event) => event.workflowExecutionSignaledEventAttributes)
      .filter((signal) => signal?.signalName === 'monstockOrder');
    const signalled = await Promise.all(
      signals.map((signal) => decodeHistoryPayload<MonstockOrderRef>(signal!.input!.payloads![0]!)),
    );
    return [...(input.firstChange ? [input.firstChange] : []), ...signalled];
  }

  async function activitiesScheduled(handle: WorkflowHandle): Promise<number> {
    return ((await handle.fetchHistory()).events ?? []).filter((event) => event.activityTaskScheduledEventAttributes)
      .length;
  }

  /** Waits until the workflow has nothing running and its history stopped growing. */
  async function settled(handle: WorkflowHandle): Promise<number> {
    let last = -1;
    return eventually(
      async () => {
        const pending = (await handle.describe()).raw.pendingActivities?.length ?? 0;
        const count = await activitiesScheduled(handle);
        const stable = pending === 0 && count === last;
        last = count;
        return stable ? count : undefined;
      },
      15_000,
      300,
    );
  }

  it('turns a new Monstock order into a Stripe intent for its amount, its id written back, within a second or two', async () => {
    const started = Date.now();
    const order = await monstock.createOrder(4500);
    const intent = await intentOf(order.id);
    const elapsed = Date.now() - started;
    expect(intent).toMatchObject({
      amount: 4500,
      currency: 'eur',
      status: 'requires_payment_method',
      metadata: { monstock_order_id: order.id },
    });
    expect(elapsed).toBeLessThan(5_000);
    process.stderr.write(`[monstock webhook] order created → intent written back to Monstock in ${elapsed} ms\n`);

    const signals = await orderChanges(client.workflow.getHandle(orderWorkflowId('default', order.id)));
    expect(signals[0]).toMatchObject({
      type: 'order.created',
      orderId: order.id,
      version: order.version,
      updatedAt: order.updatedAt,
    });
    expect(signals[0]!.eventId).toMatch(/^evt_/);
    expect(
      counters.get(C.accepted, { source: 'monstock', connection: 'default', workflow: 'order' }),
    ).toBeGreaterThanOrEqual(1);
    // The order's customer was created first: acknowledged, counted, left for customer sync.
    expect(
      counters.get(C.ignored, { source: 'monstock', connection: 'default', reason: 'customer_sync_not_wired' }),
    ).toBeGreaterThanOrEqual(1);
  });

  it('follows line changes with the amount, then cancels the intent when the order is cancelled', async () => {
    const order = await monstock.createOrder(1000);
    const intent = await intentOf(order.id);
    await monstock.client.updateOrder(order.id, { lines: [{ sku: 'SKU-1', quantity: 3, unitAmount: 1000 }] });
    await eventually(async () => ((await sdk.paymentIntents.retrieve(intent.id)).amount === 3000 ? true : undefined));
    await monstock.client.updateOrder(order.id, { status: 'cancelled' });
    await eventually(async () =>
      (await sdk.paymentIntents.retrieve(intent.id)).status === 'canceled' ? true : undefined,
    );
  });

  it('changes nothing for a replayed older snapshot', async () => {
    const order: Order = await monstock.createOrder(2000);
    const intent = await intentOf(order.id);
    await monstock.client.updateOrder(order.id, {
      lines: [
        { sku: 'SKU-1', quantity: 2, unitAmount: 1000 },
        { sku: 'SKU-2', quantity: 1, unitAmount: 500 },
      ],
    });
    await eventually(async () => ((await sdk.paymentIntents.retrieve(intent.id)).amount === 2500 ? true : undefined));
    const handle = client.workflow.getHandle(orderWorkflowId('default', order.id));
    await settled(handle);
    const fromEventCount = ((await handle.fetchHistory()).events ?? []).length;

    const old = await post(eventBody('order.created', { ...order }, 'evt_replayed_old_snapshot'));
    expect(old).toEqual({ status: 200, body: { received: true } });
    // It did reach the workflow, which let it go: not a fixed wait, but until a workflow task
    // completed after that signal; an activity it caused would be scheduled in that window.
    const window = await historyOnceSignalProcessed<MonstockOrderRef>(handle, {
      fromEventCount,
      signalName: 'monstockOrder',
      isMarker: (change) => change.eventId === 'evt_replayed_old_snapshot',
    });
    expect(activitiesScheduledIn(window)).toEqual([]);
    expect((await sdk.paymentIntents.retrieve(intent.id)).amount).toBe(2500);
    expect((await monstock.client.getOrder(order.id)).externalRefs.stripePaymentIntentId).toBe(intent.id);
  });

  it('refuses a bad, missing or stale signature, a broken body and an order without its version with 400, and starts nothing', async () => {
    const forged = { id: 'ord_forged_1', version: 1, updatedAt: new Date().toISOString(), totalAmount: 100 };
    const body = eventBody('order.created', forged);
    const rejected = (reason: string) =>
      counters.get(C.rejected, { source: 'monstock', connection: 'default', reason });
    const before = rejected('bad_signature');
    const now = Math.floor(Date.now() / 1000);

    expect(await post(body, signPayload(body, 'somebody-else-entirely'))).toEqual({
      status: 400,
      body: { error: 'bad_signature' },
    });
    expect(await post(body, null)).toEqual({ status: 400, body: { error: 'missing_signature' } });
    expect(await post(body, signPayload(body, TEST_MONSTOCK_WEBHOOK_SECRET, now - 400))).toEqual({
      status: 400,
      body: { error: 'stale_timestamp' },
    });
    expect(await post('{"id": "evt_1", "type": ')).toEqual({ status: 400, body: { error: 'malformed_json' } });
    expect(await post(JSON.stringify({ hello: 'world' }))).toEqual({ status: 400, body: { error: 'not_an_event' } });
    expect(await post(eventBody('order.updated', { ...forged, version: undefined }))).toEqual({
      status: 400,
      body: { error: 'invalid_order' },
    });

    // Signed, but an id no workflow id could carry: a 400 (no retry could cure it), not a 503.
    const invalidBefore = rejected('invalid_id');
    expect(await post(eventBody('order.updated', { ...forged, id: `ord_${'a'.repeat(1996)}` }))).toMatchObject({
      status: 400,
      body: { error: 'invalid_id', field: 'order_id' },
    });
    expect(await post(eventBody('order.updated', forged, `evt_${'x'.repeat(1996)}`))).toMatchObject({
      status: 400,
      body: { error: 'invalid_id', field: 'event_id' },
    });
    expect(await post(eventBody('order.updated', { ...forged, id: 'ord/../1' }))).toMatchObject({
      status: 400,
      body: { error: 'invalid_id', field: 'order_id' },
    });
    expect(rejected('invalid_id')).toBe(invalidBefore + 3);

    expect(rejected('bad_signature')).toBe(before + 1);
    expect(await workflowExists(orderWorkflowId('default', 'ord_forged_1'))).toBe(false);
  });

  it('accepts the rotated-out secret too while both are configured', async () => {
    const body = eventBody('stock.adjusted', { id: 'stk_1' });
    expect((await post(body, signPayload(body, 'old-secret-rotating-out'))).status).toBe(200);
  });

  it('acknowledges an event type it does not handle, and counts it', async () => {
    const before = counters.get(C.unknown, { source: 'monstock', connection: 'default' });
    expect(await post(eventBody('stock.adjusted', { id: 'stk_1', sku: 'SKU-1', quantity: 3 }))).toEqual({
      status: 200,
      body: { received: true },
    });
    expect(counters.get(C.unknown, { source: 'monstock', connection: 'default' })).toBe(before + 1);
    // What /metrics (on the admin listener) serves.
    expect(counters.toPrometheus()).toContain(`${C.unknown}{connection="default",source="monstock"} ${before + 1}`);
  });

  it('hands customer events to customer sync once it is wired, and answers 503 when that fails', async () => {
    const received: Array<[string, CustomerChangedEvent]> = [];
    let fail: false | 'unreachable' | 'bug' = false;
    const wired = createMonstockWebhookRoute({
      client,
      config,
      logger,
      counters,
      customerDelivery: async (connectionId, change) => {
        if (fail === 'unreachable') throw new ServiceError('customer sync unreachable');
        if (fail === 'bug') throw new TypeError('cannot read properties of undefined');
        received.push([connectionId, change]);
      },
    });
    const body = eventBody(
      'customer.updated',
      { id: 'mcu_42', email: 'ada@example.com', version: 3, updatedAt: '2025-11-27T09:40:00.000Z' },
      'evt_customer_1',
    );
    const call = () =>
      wired({
        connectionId: 'default',
        headers: { 'monstock-signature': signPayload(body, TEST_MONSTOCK_WEBHOOK_SECRET) },
        rawBody: Buffer.from(body),
      });
    expect(await call()).toEqual({ status: 200, body: { received: true } });
    expect(received).toEqual([
      [
        'default',
        { source: 'monstock', customerId: 'mcu_42', eventId: 'evt_customer_1', changedAt: JSON.parse(body).createdAt },
      ],
    ]);
    expect(counters.get(C.accepted, { source: 'monstock', connection: 'default', workflow: 'customer' })).toBe(1);
    fail = 'unreachable';
    expect((await call()).status).toBe(503);
    // A cause a retry alone will not cure answers 500, counted apart: never a 503.
    const failedBefore = counters.get(C.failed, {
      source: 'monstock',
      connection: 'default',
      reason: 'internal_error',
    });
    fail = 'bug';
    expect(await call()).toMatchObject({ status: 500, body: { reason: 'internal_error' } });
    expect(counters.get(C.failed, { source: 'monstock', connection: 'default', reason: 'internal_error' })).toBe(
      failedBefore + 1,
    );
  });

  it('answers 503 within seconds when Temporal cannot be reached, so Monstock retries', async () => {
    const connection = Connection.lazy({ address: '127.0.0.1:1', connectTimeout: 200 });
    const offline = createMonstockWebhookRoute({
      client: new Client({ connection }),
      config,
      logger,
      counters,
      temporalDeadlineMs: 500,
    });
    const before = counters.get(C.unavailable, { source: 'monstock', connection: 'default' });
    const body = eventBody('order.updated', { id: 'ord_offline_1', version: 2, updatedAt: new Date().toISOString() });
    const started = Date.now();
    const answer = await offline({
      connectionId: 'default',
      headers: { 'monstock-signature': signPayload(body, TEST_MONSTOCK_WEBHOOK_SECRET) },
      rawBody: Buffer.from(body),
    });
    expect(answer.status).toBe(503);
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(counters.get(C.unavailable, { source: 'monstock', connection: 'default' })).toBe(before + 1);
    expect(await workflowExists(orderWorkflowId('default', 'ord_offline_1'))).toBe(false);
    // The abandoned call retries until its deadline; closing under it would throw from a timer.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, started + 2_500 - Date.now())));
    await connection.close().catch(() => undefined);
  });

  it('got every sandbox delivery answered with 2xx', async () => {
    const stats = (await (await request(`${monstock.sandbox.url}/_sandbox/webhooks`)).body.json()) as {
      delivered: number;
      failedAttempts: number;
      pending: number;
    };
    expect(stats.delivered).toBeGreaterThan(0);
    expect(stats.failedAttempts).toBe(0);
  });
});
