import type { Client } from '@temporalio/client';
import { orderWorkflowId, unmatchedPaymentWorkflowId } from '../../src/shared/ids';
import {
  paymentStateQuery,
  retryMatchSignal,
  unmatchedStateQuery,
  type StripeEventRef,
} from '../../src/shared/orderPayment';
import { PaymentUnmatched } from '../../src/shared/searchAttributes';
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
      connectorClients({ monstock: monstock.client, stripe: stripe.stripe, client, taskQueue }),
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
});
