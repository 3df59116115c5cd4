import type { Client, WorkflowHandle } from '@temporalio/client';
import type Stripe from 'stripe';
import type { ActivityClients } from '../../src/activities';
import { orderFeedWorkflowId, orderWorkflowId, parseOrderFeedWorkflowId } from '../../src/shared/ids';
import { orderFeedStateQuery, ORDER_FEED_WORKFLOW_TYPE, type OrderFeedState } from '../../src/shared/orderFeed';
import type { MonstockOrderRef } from '../../src/shared/orderPayment';
import { ensureOrderFeedRunning } from '../../src/temporal/longRunning';
import { recordHistory } from '../support/histories';
import { startMonstockFixture, type MonstockFixture } from '../support/monstockSandbox';
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

/**
 * Webhooks can be lost: with the Monstock sandbox sending none at all, the order feed alone
 * brings each new order to its workflow, and Stripe gets the intent within a few poll intervals.
 */
describe('monstockOrderFeedWorkflow', () => {
  const taskQueue = uniqueTaskQueue('order-feed');
  // Its own connection id: the feed's workflow id is per connection, and the dev server is shared.
  const connectionId = uniqueTaskQueue('feed');
  const ROUNDS_PER_RUN = 5;
  let monstock: MonstockFixture;
  let stripe: StripeFixture;
  let sdk: Stripe;
  let client: Client;
  let clients: ActivityClients;
  let worker: RunningWorker;
  let feed: WorkflowHandle;
  /** The run that delivered the first order, recorded once it has continued as new. */
  let deliveringRunId: string;

  beforeAll(async () => {
    [monstock, stripe, client] = await Promise.all([startMonstockFixture(), startStripeFixture(), connectTestClient()]);
    sdk = stripe.stripe;
    clients = connectorClients({ monstock: monstock.client, stripe: sdk, client, taskQueue });
    worker = await startTestWorker(taskQueue, clients);
    feed = await ensureOrderFeedRunning(client, {
      connectionId,
      taskQueue,
      pollInterval: '1 second',
      roundsPerRun: ROUNDS_PER_RUN,
    });
  });

  afterAll(async () => {
    await feed?.terminate('test done').catch(() => undefined);
    await worker?.stop();
    await monstock?.close();
    await stripe?.close();
    await client?.connection.close();
  });

  const state = (): Promise<OrderFeedState> => feed.query(orderFeedStateQuery);

  async function intentOf(orderId: string, timeoutMs = 15_000): Promise<Stripe.PaymentIntent> {
    const id = await eventually(
      async () => (await monstock.client.getOrder(orderId)).externalRefs.stripePaymentIntentId,
      timeoutMs,
      50,
    );
    return sdk.paymentIntents.retrieve(id);
  }

  async function orderSignals(orderId: string): Promise<MonstockOrderRef[]> {
    const signals = (
      (await client.workflow.getHandle(orderWorkflowId(connectionId, orderId)).fetchHistory()).events ?? []
    )
      .map((event) => event.workflowExecutionSignaledEventAttributes)
      .filter((signal) => signal?.signalName === 'monstockOrder');
    return Promise.all(signals.map((signal) => decodeHistoryPayload<MonstockOrderRef>(signal!.input!.payloads![0]!)));
  }

  /** Waits until `polls` more polls ran with nothing new delivered: the feed is caught up. */
  async function caughtUp(polls = 2): Promise<OrderFeedState> {
    let mark = await state();
    return eventually(
      async () => {
        const now = await state();
        if (now.counts.delivered !== mark.counts.delivered) mark = now;
        return now.counts.polls >= mark.counts.polls + polls ? now : undefined;
      },
      20_000,
      200,
    );
  }

  it('brings an order whose webhook never came to Stripe within a few poll intervals', async () => {
    const started = Date.now();
    const order = await monstock.createOrder(4200);
    const intent = await intentOf(order.id);
    const elapsed = Date.now() - started;
    expect(intent).toMatchObject({ amount: 4200, currency: 'eur', metadata: { monstock_order_id: order.id } });
    expect(elapsed).toBeLessThan(10_000);
    process.stderr.write(
      `[order feed] order created (no webhook) → intent written back to Monstock in ${elapsed} ms (poll interval 1 s)\n`,
    );
    deliveringRunId = (await feed.describe()).runId;

    const [first] = await orderSignals(order.id);
    expect(first).toEqual({
      eventId: `poll:${order.id}:${order.version}`,
      type: 'order.polled',
      orderId: order.id,
      version: order.version,
      updatedAt: order.updatedAt,
    });
  });

  it('moves its cursor past the last order delivered, our own write-back included', async () => {
    const order = await monstock.createOrder(1500);
    await intentOf(order.id);
    const latest = await monstock.client.getOrder(order.id);
    const now = await eventually(async () => {
      const current = await state();
      return current.cursor.updatedSince === latest.updatedAt && current.cursor.lastId === order.id
        ? current
        : undefined;
    });
    expect(now.cursor.page).toBeUndefined();
    expect(now.counts.delivered).toBeGreaterThanOrEqual(3);
    expect(now.counts.failedPolls).toBe(0);
    expect(now.lastError).toBeUndefined();
    // The write-back's version reached the workflow too, and changed nothing there.
    expect((await orderSignals(order.id)).map((change) => change.version)).toContain(latest.version);
  });

  it('follows a line change found by the feed with the intent amount', async () => {
    const order = await monstock.createOrder(1000);
    const intent = await intentOf(order.id);
    await monstock.client.updateOrder(order.id, { lines: [{ sku: 'SKU-1', quantity: 4, unitAmount: 1000 }] });
    await eventually(
      async () => ((await sdk.paymentIntents.retrieve(intent.id)).amount === 4000 ? true : undefined),
      15_000,
      100,
    );
  });

  it('carries on from its cursor after a worker restart instead of delivering everything again', async () => {
    const earlier = await monstock.createOrder(2100);
    await intentOf(earlier.id);
    const before = await caughtUp();
    const earlierSignals = (await orderSignals(earlier.id)).length;

    await worker.stop();
    const whileDown = await monstock.createOrder(3100);
    worker = await startTestWorker(taskQueue, clients);
    // What src/worker.ts does at every start: the running feed is kept, state and all.
    const again = await ensureOrderFeedRunning(client, { connectionId, taskQueue, pollInterval: '1 minute' });
    expect(again.workflowId).toBe(feed.workflowId);

    expect((await intentOf(whileDown.id)).amount).toBe(3100);
    const after = await caughtUp();
    // Only the new order: its creation and our write-back, or just the latter when read late.
    expect(after.counts.delivered - before.counts.delivered).toBeGreaterThanOrEqual(1);
    expect(after.counts.delivered - before.counts.delivered).toBeLessThanOrEqual(2);
    expect(after.counts.polls).toBeGreaterThan(before.counts.polls);
    expect((await orderSignals(earlier.id)).length).toBe(earlierSignals);
  });

  it('continues as new every few rounds, keeping its cursor and counts', async () => {
    const now = await eventually(
      async () => {
        const current = await state();
        return current.run >= 2 ? current : undefined;
      },
      20_000,
      200,
    );
    expect(now.counts.delivered).toBeGreaterThanOrEqual(5);
    expect(now.cursor.updatedSince).toBeDefined();
    const delivering = client.workflow.getHandle(feed.workflowId, deliveringRunId);
    expect((await delivering.describe()).status.name).toBe('CONTINUED_AS_NEW');
    const described = await feed.describe();
    expect(described.type).toBe(ORDER_FEED_WORKFLOW_TYPE);
    expect(parseOrderFeedWorkflowId(described.workflowId)).toEqual({ connectionId });
    expect(orderFeedWorkflowId(connectionId)).toBe(described.workflowId);
    await recordHistory('monstockOrderFeedWorkflow.delivered', delivering);
  });
});
