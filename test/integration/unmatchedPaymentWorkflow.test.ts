import type { Client } from '@temporalio/client';
import { DEFAULT_MATCH_RULES, parseIgnoreRules, parseMatchRules } from '../../src/matching/matchRules';
import { orderWorkflowId, unmatchedPaymentWorkflowId } from '../../src/shared/ids';
import {
  paymentStateQuery,
  retryMatchSignal,
  stripeEventSignal,
  UNMATCHED_PAYMENT_WORKFLOW_TYPE,
  unmatchedStateQuery,
  type StripeEventRef,
  type UnmatchedPaymentState,
  type UnmatchedPaymentWorkflowInput,
  type UnmatchedSchedule,
} from '../../src/shared/orderPayment';
import { NeedsAttention, PaymentUnmatched } from '../../src/shared/searchAttributes';
import { createWorkflowDelivery, type WorkflowDelivery } from '../../src/temporal/delivery';
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

/** A payment no rule can match is kept, visible, and attached to its order once one is known. */
describe('unmatchedPaymentWorkflow', () => {
  let monstock: MonstockFixture;
  let stripe: StripeFixture;
  let client: Client;
  let worker: RunningWorker;
  let delivery: WorkflowDelivery;
  const taskQueue = uniqueTaskQueue('unmatched');

  beforeAll(async () => {
    monstock = await startMonstockFixture();
    stripe = await startStripeFixture();
    client = await connectTestClient();
    worker = await startTestWorker(
      taskQueue,
      connectorClients({
        monstock: monstock.client,
        stripe: stripe.stripe,
        client,
        taskQueue,
        settings: { rules: parseMatchRules(DEFAULT_MATCH_RULES), ignore: parseIgnoreRules('integration=other-shop') },
      }),
    );
    delivery = createWorkflowDelivery({ client, taskQueue, idleWindow: '1 hour' });
  });

  afterAll(async () => {
    await worker?.stop();
    await client?.connection.close();
    await stripe?.close();
    await monstock?.close();
  });

  async function paidIntentWithoutOrder(amount: number) {
    return stripe.stripe.paymentIntents.create({
      amount,
      currency: 'eur',
      payment_method: 'pm_card_visa',
      confirm: true,
      metadata: { channel: 'pos' },
    });
  }

  function eventFor(paymentIntentId: string): StripeEventRef {
    return {
      eventId: `evt_${paymentIntentId}`,
      type: 'payment_intent.succeeded',
      created: 1_790_000_000,
      objectType: 'payment_intent',
      objectId: paymentIntentId,
      paymentIntentId,
    };
  }

  it('is attached, by the rules, once the payment names its order', async () => {
    const order = await monstock.createOrder(2500);
    const intent = await paidIntentWithoutOrder(2500);
    await delivery.toUnmatched('default', intent.id, 'no match rule found a value on the payment', eventFor(intent.id));
    const handle = client.workflow.getHandle(unmatchedPaymentWorkflowId('default', intent.id));
    await eventually(async () =>
      (await handle.describe()).typedSearchAttributes.get(PaymentUnmatched) === true ? true : undefined,
    );

    // Someone adds the order id in Stripe; a retry (reconciliation, operator) finds it.
    await stripe.stripe.paymentIntents.update(intent.id, { metadata: { monstock_order_id: order.id } });
    await handle.signal(retryMatchSignal, {});
    const state = await handle.result();
    expect(state).toMatchObject({ paymentIntentId: intent.id, matchedOrderId: order.id, attempts: 1 });

    const orderHandle = client.workflow.getHandle(orderWorkflowId('default', order.id));
    await eventually(async () =>
      (await orderHandle.query(paymentStateQuery)).paymentStatus === 'paid' ? true : undefined,
    );
    const stored = await monstock.client.getOrder(order.id);
    expect(stored.payments).toEqual([
      expect.objectContaining({
        kind: 'payment',
        transactionRef: intent.id,
        amount: 2500,
        status: 'succeeded',
        methodDetails: 'visa ****4242',
      }),
    ]);
    expect((await handle.describe()).typedSearchAttributes.get(PaymentUnmatched)).toBe(false);
    await recordHistory('unmatchedPaymentWorkflow.matched', handle);
  });

  it('is attached by hand to the order an operator names, and the payment intent is tagged with it', async () => {
    const order = await monstock.createOrder(1200);
    const intent = await paidIntentWithoutOrder(1200);
    await delivery.toUnmatched('default', intent.id, 'no match rule found a value on the payment', eventFor(intent.id));
    const handle = client.workflow.getHandle(unmatchedPaymentWorkflowId('default', intent.id));

    await handle.signal(retryMatchSignal, { orderId: 'ord_does_not_exist' });
    await eventually(async () => {
      const current = await handle.query(unmatchedStateQuery);
      return current.attempts === 1 ? current : undefined;
    });
    expect((await handle.query(unmatchedStateQuery)).reason).toMatch(/does not exist/);

    await handle.signal(retryMatchSignal, { orderId: order.id });
    expect(await handle.result()).toMatchObject({ matchedOrderId: order.id, attempts: 2 });
    expect((await stripe.stripe.paymentIntents.retrieve(intent.id)).metadata.monstock_order_id).toBe(order.id);
    await eventually(async () =>
      (await monstock.client.getOrder(order.id)).paymentStatus === 'paid' ? true : undefined,
    );
  });

  /** As the webhook route starts it, with a schedule short enough for a test. */
  async function startUnmatched(paymentIntentId: string, schedule: UnmatchedSchedule) {
    const input: UnmatchedPaymentWorkflowInput = {
      connectionId: 'default',
      paymentIntentId,
      reason: 'no match rule found a value on the payment',
      schedule,
    };
    return client.workflow.signalWithStart(UNMATCHED_PAYMENT_WORKFLOW_TYPE, {
      workflowId: unmatchedPaymentWorkflowId('default', paymentIntentId),
      taskQueue,
      args: [input],
      signal: stripeEventSignal,
      signalArgs: [eventFor(paymentIntentId)],
    });
  }

  async function timersOf(handle: { fetchHistory(): Promise<{ events?: unknown[] | null }> }): Promise<number[]> {
    const events = ((await handle.fetchHistory()).events ?? []) as Array<{
      timerStartedEventAttributes?: { startToFireTimeout?: { seconds?: unknown; nanos?: number | null } | null } | null;
    }>;
    return events
      .map((event) => event.timerStartedEventAttributes?.startToFireTimeout)
      .filter((timeout): timeout is NonNullable<typeof timeout> => !!timeout)
      .map((timeout) => Number(timeout.seconds ?? 0) * 1000 + Math.round((timeout.nanos ?? 0) / 1e6));
  }

  it('closes a payment whose intent was canceled without moving money: completed, still findable', async () => {
    const intent = await stripe.stripe.paymentIntents.create({ amount: 900, currency: 'eur', metadata: {} });
    await stripe.stripe.paymentIntents.cancel(intent.id, { cancellation_reason: 'abandoned' });
    const handle = await startUnmatched(intent.id, { firstLookAfterMs: 200 });

    const state: UnmatchedPaymentState = await handle.result();
    expect(state).toMatchObject({
      status: 'closed',
      closed: { reason: 'no_money_moved' },
      intentStatus: 'canceled',
      moneyMoved: false,
      attempts: 1,
    });
    expect(state.matchedOrderId).toBeUndefined();
    const described = await handle.describe();
    expect(described.status.name).toBe('COMPLETED');
    // Still searchable as an unmatched payment, with a final details line saying why it ended.
    expect(described.typedSearchAttributes.get(PaymentUnmatched)).toBe(true);
    const metadata = await handle.query<{ currentDetails?: string }>('__temporal_workflow_metadata');
    expect(metadata.currentDetails).toMatch(/^CLOSED unmatched payment .*canceled and never moved money/);
    await recordHistory('unmatchedPaymentWorkflow.closed', handle);
  });

  it('closes an intent abandoned before any payment once it is old enough, and not before', async () => {
    const intent = await stripe.stripe.paymentIntents.create({ amount: 700, currency: 'eur', metadata: {} });
    expect(intent.status).toBe('requires_payment_method');
    const young = await startUnmatched(intent.id, { firstLookAfterMs: 200, abandonedAfterMs: 0 });
    expect(await young.result()).toMatchObject({
      status: 'closed',
      closed: { reason: 'no_money_moved', detail: expect.stringMatching(/requires_payment_method/) },
    });

    const recent = await stripe.stripe.paymentIntents.create({ amount: 700, currency: 'eur', metadata: {} });
    const waiting = await startUnmatched(recent.id, { firstLookAfterMs: 200, abandonedAfterMs: 7 * 86_400_000 });
    const state = await eventually(async () => {
      const current = await waiting.query(unmatchedStateQuery);
      return current.attempts >= 1 ? current : undefined;
    });
    expect(state).toMatchObject({ status: 'waiting', intentStatus: 'requires_payment_method', moneyMoved: false });
    await waiting.terminate('test done');
  });

  it('closes another integration’s payment as not ours', async () => {
    const intent = await stripe.stripe.paymentIntents.create({
      amount: 1500,
      currency: 'eur',
      payment_method: 'pm_card_visa',
      confirm: true,
      metadata: { integration: 'other-shop' },
    });
    const handle = await startUnmatched(intent.id, { firstLookAfterMs: 200 });
    expect(await handle.result()).toMatchObject({ status: 'closed', closed: { reason: 'not_ours' }, moneyMoved: true });
    expect((await handle.describe()).typedSearchAttributes.get(PaymentUnmatched)).toBe(false);
  });

  it('looks again with backoff for a payment that moved money, then parks it for a person', async () => {
    const intent = await paidIntentWithoutOrder(3100);
    const schedule = { firstLookAfterMs: 250, maxLookIntervalMs: 1_000, parkAfterMs: 5_000 };
    const handle = await startUnmatched(intent.id, schedule);

    const parked = await eventually(
      async () => {
        const current = await handle.query(unmatchedStateQuery);
        return current.status === 'parked' ? current : undefined;
      },
      20_000,
      100,
    );
    expect(parked).toMatchObject({ moneyMoved: true, intentStatus: 'succeeded' });
    expect(parked.parkedSince).toBeDefined();
    const described = await handle.describe();
    expect(described.status.name).toBe('RUNNING');
    expect(described.typedSearchAttributes.get(NeedsAttention)).toBe(true);
    expect(described.typedSearchAttributes.get(PaymentUnmatched)).toBe(true);
    // 250 ms, doubling, capped at 1 s: the schedule's looks, then none once parked.
    const timers = await timersOf(handle);
    expect(timers.slice(0, 3)).toEqual([250, 500, 1_000]);
    expect(timers.slice(3).every((ms) => ms === 1_000)).toBe(true);
    // Parking is decided on the time waited, looks included: on a loaded machine slow looks fill
    // the 5 s sooner, so at least the three backoff steps are asserted, not a fourth 1 s look.
    expect(timers.length).toBeGreaterThanOrEqual(3);
    const looks = parked.scheduledLooks!;
    expect(looks).toBe(timers.length);
    expect(looks).toBeLessThanOrEqual(8);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const later = await handle.query(unmatchedStateQuery);
    expect({ looks: later.scheduledLooks, attempts: later.attempts }).toEqual({
      looks,
      attempts: parked.attempts,
    });
    expect(await timersOf(handle)).toHaveLength(timers.length);

    // A person names the order: attached, and no longer needs attention.
    const order = await monstock.createOrder(3100);
    await handle.signal(retryMatchSignal, { orderId: order.id });
    expect(await handle.result()).toMatchObject({ status: 'matched', matchedOrderId: order.id });
    const done = await handle.describe();
    expect(done.typedSearchAttributes.get(NeedsAttention)).toBe(false);
    expect(done.typedSearchAttributes.get(PaymentUnmatched)).toBe(false);
    await recordHistory('unmatchedPaymentWorkflow.parked', handle);
  });
});
