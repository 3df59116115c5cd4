import type { Client } from '@temporalio/client';
import { orderWorkflowId } from '../../src/shared/ids';
import {
  paymentStateQuery,
  recordMovementSignal,
  resumeSignal,
  type PaymentMovement,
} from '../../src/shared/orderPayment';
import { NeedsAttention, OrderPaymentStatus } from '../../src/shared/searchAttributes';
import { orderPaymentWorkflow } from '../../src/workflows';
import { startStripeFixture, type StripeFixture } from '../support/stripeSandbox';
import { startMonstockFixture, type MonstockFixture } from '../support/monstockSandbox';
import { recordHistory } from '../support/histories';
import {
  connectorClients,
  connectTestClient,
  eventually,
  startTestWorker,
  uniqueTaskQueue,
  type RunningWorker,
} from '../support/temporal';

/**
 * orderPaymentWorkflow against a real Temporal dev server, a real worker and the Monstock
 * sandbox: movements land once each, through duplicates, Monstock outages and rate limits.
 */
describe('orderPaymentWorkflow', () => {
  let monstock: MonstockFixture;
  let stripe: StripeFixture;
  let client: Client;
  let worker: RunningWorker;
  const taskQueue = uniqueTaskQueue('order-payment');

  beforeAll(async () => {
    monstock = await startMonstockFixture();
    stripe = await startStripeFixture();
    client = await connectTestClient();
    worker = await startTestWorker(
      taskQueue,
      connectorClients({ monstock: monstock.client, stripe: stripe.stripe, client, taskQueue }),
    );
  });

  afterAll(async () => {
    await worker?.stop();
    await client?.connection.close();
    await monstock?.close();
    await stripe?.close();
  });

  afterEach(() => monstock.setFaults({}));

  function payment(ref: string, amount: number, status: PaymentMovement['status'] = 'succeeded'): PaymentMovement {
    return {
      kind: 'payment',
      transactionRef: ref,
      amount,
      currency: 'EUR',
      status,
      occurredAt: '2026-11-27T10:00:00.000Z',
      method: 'card',
      methodDetails: 'visa ****4242',
    };
  }

  async function deliver(orderId: string, movement: PaymentMovement) {
    return client.workflow.signalWithStart(orderPaymentWorkflow, {
      workflowId: orderWorkflowId('default', orderId),
      taskQueue,
      args: [{ connectionId: 'default', orderId, idleWindow: '1 minute' }],
      signal: recordMovementSignal,
      signalArgs: [movement],
    });
  }

  it('records a payment on the Monstock order once, however often it is delivered', async () => {
    const order = await monstock.createOrder(4200);
    const movement = payment('pi_once_1', 4200);
    const handle = await deliver(order.id, movement);
    await deliver(order.id, movement);
    await deliver(order.id, movement);

    const state = await eventually(async () => {
      const current = await handle.query(paymentStateQuery);
      return current.paymentStatus === 'paid' && current.pendingMovements === 0 ? current : undefined;
    });
    expect(state).toMatchObject({
      orderId: order.id,
      orderReference: order.reference,
      amountPaid: 4200,
      paymentIntentIds: ['pi_once_1'],
    });

    const stored = await monstock.client.getOrder(order.id);
    expect(stored.payments).toHaveLength(1);
    expect(stored.payments[0]).toMatchObject({
      kind: 'payment',
      transactionRef: 'pi_once_1',
      amount: 4200,
      currency: 'EUR',
      status: 'succeeded',
      method: 'card',
      methodDetails: 'visa ****4242',
      provider: 'stripe',
    });
    expect(stored).toMatchObject({ paymentStatus: 'paid', amountPaid: 4200 });

    const description = await eventually(async () => {
      const described = await handle.describe();
      return described.typedSearchAttributes.get(OrderPaymentStatus) === 'paid' ? described : undefined;
    });
    expect(description.typedSearchAttributes.get(OrderPaymentStatus)).toBe('paid');
    await recordHistory('orderPaymentWorkflow.duplicates', handle);
  });

  it('waits out a Monstock outage and a rate limit, then lands each movement once', async () => {
    const order = await monstock.createOrder(5000);
    await monstock.setFaults({ errorRate: 1 });
    const handle = await deliver(order.id, payment('pi_outage_1', 2000));
    await deliver(order.id, payment('pi_outage_2', 3000));
    // Several attempts fail while Monstock answers 500 to everything.
    await eventually(async () => {
      const pending = (await handle.describe()).raw.pendingActivities ?? [];
      return pending.some((activity) => (activity.attempt ?? 0) >= 3) ? true : undefined;
    }, 20_000);
    // Then Monstock throttles: one request a second, 429 with Retry-After for the rest.
    await monstock.setFaults({ rateLimitPerSecond: 1 });
    await eventually(
      async () => ((await handle.query(paymentStateQuery)).paymentStatus === 'paid' ? true : undefined),
      30_000,
    );
    await monstock.setFaults({});
    const stored = await monstock.client.getOrder(order.id);
    expect(stored.payments.map((item) => item.transactionRef).sort()).toEqual(['pi_outage_1', 'pi_outage_2']);
    expect(stored).toMatchObject({ amountPaid: 5000, paymentStatus: 'paid' });
    await recordHistory('orderPaymentWorkflow.outage', handle);
  });

  it('parks on a write Monstock refuses for good, visibly, and retries when an operator resumes it', async () => {
    const order = await monstock.createOrder(1000);
    // Recorded once as 1000, then contradicted with another amount: Monstock answers 409 for good.
    await monstock.client.recordPayment(order.id, { ...payment('pi_conflict', 1000), provider: 'stripe' });
    const handle = await deliver(order.id, payment('pi_conflict', 999));

    const parked = await eventually(async () => {
      const state = await handle.query(paymentStateQuery);
      return state.needsAttention ? state : undefined;
    });
    expect(parked.needsAttention?.reason).toMatch(/409/);
    const described = await eventually(async () => {
      const current = await handle.describe();
      return current.typedSearchAttributes.get(NeedsAttention) === true ? current : undefined;
    });
    expect(described.status.name).toBe('RUNNING');

    await handle.signal(resumeSignal, { note: 'checked by a person' });
    await eventually(async () => {
      const history = await handle.fetchHistory();
      const scheduled = history.events?.filter((event) => event.activityTaskScheduledEventAttributes).length ?? 0;
      return scheduled >= 2 ? true : undefined;
    });
    expect((await handle.query(paymentStateQuery)).needsAttention).toBeDefined();
    expect((await monstock.client.getOrder(order.id)).payments).toHaveLength(1);
    await recordHistory('orderPaymentWorkflow.parked', handle);
    await handle.terminate('test done');
  });

  it('stays open for its idle window after the last movement, then completes with the order state', async () => {
    const order = await monstock.createOrder(3000);
    const handle = await client.workflow.signalWithStart(orderPaymentWorkflow, {
      workflowId: orderWorkflowId('default', order.id),
      taskQueue,
      args: [{ connectionId: 'default', orderId: order.id, idleWindow: '2 seconds' }],
      signal: recordMovementSignal,
      signalArgs: [payment('pi_lifetime', 3000)],
    });
    const state = await handle.result();
    expect(state).toMatchObject({
      orderId: order.id,
      paymentStatus: 'paid',
      amountPaid: 3000,
      paymentIntentIds: ['pi_lifetime'],
      pendingMovements: 0,
    });
    const history = await handle.fetchHistory();
    const timer = history.events?.find((event) => event.timerStartedEventAttributes);
    expect(Number(timer?.timerStartedEventAttributes?.startToFireTimeout?.seconds)).toBe(2);
    await recordHistory('orderPaymentWorkflow.completed', handle);

    // A late refund starts a new run, which rebuilds the order's payment facts from Monstock.
    const late = await deliver(order.id, {
      kind: 'refund',
      transactionRef: 're_late',
      amount: 1000,
      currency: 'EUR',
      status: 'succeeded',
      occurredAt: '2026-12-27T10:00:00.000Z',
    });
    expect(late.signaledRunId).not.toBe(handle.signaledRunId);
    const rebuilt = await eventually(async () => {
      const current = await late.query(paymentStateQuery);
      return current.paymentStatus === 'partially_refunded' ? current : undefined;
    });
    expect(rebuilt).toMatchObject({ amountPaid: 3000, amountRefunded: 1000, paymentIntentIds: ['pi_lifetime'] });
  });
});
