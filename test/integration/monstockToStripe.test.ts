import type Stripe from 'stripe';
import type { Order } from '../../src/monstock/schemas';
import { orderWorkflowId } from '../../src/shared/ids';
import { monstockOrderSignal, paymentStateQuery, type MonstockOrderRef } from '../../src/shared/orderPayment';
import { CancelledAfterPayment } from '../../src/shared/searchAttributes';
import { startConnectorHarness, type ConnectorHarness } from '../support/connectorHarness';
import { recordHistory } from '../support/histories';
import { expectOrderSettles } from '../support/orderAssertions';
import { eventually } from '../support/temporal';
import {
  activitiesScheduledIn,
  historyLength,
  historyOnceSignalProcessed,
  type HistoryEvent,
} from '../support/workflowHistory';

/**
 * Monstock → Stripe through orderPaymentWorkflow: an order change (as the Monstock webhook route
 * or the poller delivers it) makes Stripe match the order; then the customer pays that intent and
 * the Stripe side records it, with no hand on it.
 */
describe('Monstock → Stripe', () => {
  let h: ConnectorHarness;
  let sdk: Stripe;

  beforeAll(async () => {
    h = await startConnectorHarness();
    sdk = h.sdk;
  });
  afterAll(() => h?.close());

  function changed(order: Order, type: MonstockOrderRef['type'] = 'order.updated'): MonstockOrderRef {
    return {
      eventId: `evt_${order.id}_${order.version}`,
      type,
      orderId: order.id,
      version: order.version,
      updatedAt: order.updatedAt,
    };
  }

  async function intentOf(orderId: string): Promise<Stripe.PaymentIntent> {
    const id = await eventually(
      async () => (await h.monstock.client.getOrder(orderId)).externalRefs.stripePaymentIntentId,
    );
    return sdk.paymentIntents.retrieve(id);
  }

  it('creates the intent for a new order (amount, currency, customer, metadata) and writes its id back', async () => {
    const order = await h.order(4500);
    await h.delivery.orderChanged('default', changed(order, 'order.created'));
    const intent = await intentOf(order.id);
    expect(intent).toMatchObject({
      amount: 4500,
      currency: 'eur',
      status: 'requires_payment_method',
      metadata: { monstock_order_id: order.id, monstock_order_reference: order.reference },
    });
    expect(intent.description).toContain(order.reference);
    const customer = await h.monstock.client.getCustomer(order.customerId);
    expect(intent.customer).toBe(customer.externalRefs.stripeCustomerId);
    const stripeCustomer = (await sdk.customers.retrieve(intent.customer as string)) as Stripe.Customer;
    expect(stripeCustomer).toMatchObject({ email: customer.email, metadata: { monstock_customer_id: customer.id } });
  });

  it('follows line changes with the amount, then cancels the intent when the order is cancelled', async () => {
    const order = await h.order(1000);
    await h.delivery.orderChanged('default', changed(order, 'order.created'));
    const intent = await intentOf(order.id);
    const bigger = await h.monstock.client.updateOrder(order.id, {
      lines: [{ sku: 'SKU-1', quantity: 3, unitAmount: 1000 }],
    });
    await h.delivery.orderChanged('default', changed(bigger));
    await eventually(async () => ((await sdk.paymentIntents.retrieve(intent.id)).amount === 3000 ? true : undefined));
    const cancelled = await h.monstock.client.updateOrder(order.id, { status: 'cancelled' });
    await h.delivery.orderChanged('default', changed(cancelled, 'order.cancelled'));
    await eventually(async () =>
      (await sdk.paymentIntents.retrieve(intent.id)).status === 'canceled' ? true : undefined,
    );
    await recordHistory(
      'orderPaymentWorkflow.monstockChanges',
      h.client.workflow.getHandle(orderWorkflowId('default', order.id)),
    );
  });

  it('ignores a replayed older snapshot: no Stripe call, nothing changes', async () => {
    const order = await h.order(2000);
    await h.delivery.orderChanged('default', changed(order, 'order.created'));
    const intent = await intentOf(order.id);
    const handle = h.client.workflow.getHandle(orderWorkflowId('default', order.id));
    await eventually(async () => ((await handle.query(paymentStateQuery)).pendingMovements === 0 ? true : undefined));
    const fromEventCount = await historyLength(handle);
    // The older update is dropped at the delivery edge (the workflow's memo shows a later version
    // applied): it never becomes a signal. The replayed creation always goes through, as a signal.
    await h.delivery.orderChanged('default', { ...changed(order), version: order.version - 1 });
    await h.delivery.orderChanged('default', changed(order, 'order.created'));
    // Not a fixed wait: until a workflow task has completed after the last replay, so the
    // workflow has seen both; an activity either of them caused would be in that window.
    const window = await historyOnceSignalProcessed<MonstockOrderRef>(handle, {
      fromEventCount,
      signalName: monstockOrderSignal.name,
      isMarker: (ref) => ref.type === 'order.created',
    });
    const signals = window.filter(
      (event) => event.workflowExecutionSignaledEventAttributes?.signalName === monstockOrderSignal.name,
    );
    expect(signals).toHaveLength(1);
    expect(activitiesScheduledIn(window)).toEqual([]);
    expect((await handle.query(paymentStateQuery)).pendingMovements).toBe(0);
    expect((await sdk.paymentIntents.retrieve(intent.id)).amount).toBe(2000);
  });

  it('runs the whole loop without a hand on it: order, intent, payment, Monstock paid', async () => {
    const order = await h.order(3300);
    await h.delivery.orderChanged('default', changed(order, 'order.created'));
    const intent = await intentOf(order.id);
    const paid = await sdk.paymentIntents.confirm(intent.id, { payment_method: 'pm_card_visa' });
    const charge = await sdk.charges.retrieve(paid.latest_charge as string, { expand: ['balance_transaction'] });
    const balance = charge.balance_transaction as Stripe.BalanceTransaction;
    await expectOrderSettles(h.monstock.client, order.id, {
      paymentStatus: 'paid',
      amountPaid: 3300,
      amountRefunded: 0,
      payments: [
        {
          kind: 'payment',
          transactionRef: intent.id,
          amount: 3300,
          currency: 'EUR',
          status: 'succeeded',
          method: 'card',
          methodDetails: 'visa ****4242',
          feeAmount: balance.fee,
          netAmount: balance.net,
        },
      ],
    });
  });

  it('takes the echo of its own write for what it is: one alignment, one intent, however the webhooks race', async () => {
    const order = await h.order(2100);
    await h.delivery.orderChanged('default', changed(order, 'order.created'));
    // Monstock's webhook for the connector's own write-back (version 2), sent at once: it usually
    // lands while that write is still running, before the workflow knows the version is its own.
    await h.delivery.orderChanged('default', { ...changed(order), version: order.version + 1 });
    const intent = await intentOf(order.id);
    await sdk.paymentIntents.confirm(intent.id, { payment_method: 'pm_card_visa' });
    await eventually(async () =>
      (await h.monstock.client.getOrder(order.id)).paymentStatus === 'paid' ? true : undefined,
    );
    // And the echo of the payment write (version 3).
    await h.delivery.orderChanged('default', { ...changed(order), version: order.version + 2 });
    const handle = h.client.workflow.getHandle(orderWorkflowId('default', order.id));
    await eventually(async () => ((await handle.query(paymentStateQuery)).pendingMovements === 0 ? true : undefined));
    const history = await handle.fetchHistory();
    const aligns = alignmentsIn(history.events ?? []);
    expect(aligns).toBe(1);
    const intents = await sdk.paymentIntents.search({ query: `metadata['monstock_order_id']:'${order.id}'` });
    expect(intents.data.map((found) => found.id)).toEqual([intent.id]);
  });

  it('creates a new intent for the balance when a paid order grows', async () => {
    const order = await h.order(1000);
    await h.delivery.orderChanged('default', changed(order, 'order.created'));
    const first = await intentOf(order.id);
    await sdk.paymentIntents.confirm(first.id, { payment_method: 'pm_card_visa' });
    await eventually(async () =>
      (await h.monstock.client.getOrder(order.id)).paymentStatus === 'paid' ? true : undefined,
    );
    const grown = await h.monstock.client.updateOrder(order.id, {
      lines: [
        { sku: 'SKU-1', quantity: 1, unitAmount: 1000 },
        { sku: 'SKU-2', quantity: 1, unitAmount: 750 },
      ],
    });
    await h.delivery.orderChanged('default', changed(grown));
    const second = await eventually(async () => {
      const id = (await h.monstock.client.getOrder(order.id)).externalRefs.stripePaymentIntentId;
      return id && id !== first.id ? sdk.paymentIntents.retrieve(id) : undefined;
    });
    expect(second).toMatchObject({
      amount: 750,
      currency: 'eur',
      status: 'requires_payment_method',
      metadata: { monstock_order_id: order.id },
    });
  });

  it('flags an order cancelled after payment for a person, and does not refund it', async () => {
    const order = await h.order(2200);
    await h.delivery.orderChanged('default', changed(order, 'order.created'));
    const intent = await intentOf(order.id);
    await sdk.paymentIntents.confirm(intent.id, { payment_method: 'pm_card_visa' });
    await eventually(async () =>
      (await h.monstock.client.getOrder(order.id)).paymentStatus === 'paid' ? true : undefined,
    );
    const cancelled = await h.monstock.client.updateOrder(order.id, { status: 'cancelled' });
    await h.delivery.orderChanged('default', changed(cancelled, 'order.cancelled'));
    const handle = h.client.workflow.getHandle(orderWorkflowId('default', order.id));
    const state = await eventually(async () => (await handle.query(paymentStateQuery)).cancelledAfterPayment);
    expect(state).toMatchObject({ amountPaid: 2200, refunded: false });
    await eventually(async () =>
      (await handle.describe()).typedSearchAttributes.get(CancelledAfterPayment) === true ? true : undefined,
    );
    expect((await sdk.refunds.list({ payment_intent: intent.id })).data).toHaveLength(0);
  });
});

describe('Monstock → Stripe with automatic refunds of cancelled orders', () => {
  let h: ConnectorHarness;
  beforeAll(async () => {
    h = await startConnectorHarness({ orderSettings: { createPaymentIntents: true, autoRefundCancelled: true } });
  });
  afterAll(() => h?.close());

  it('refunds an order cancelled after payment, and Monstock shows it refunded', async () => {
    const order = await h.order(1800);
    await h.delivery.orderChanged('default', {
      eventId: 'e1',
      type: 'order.created',
      orderId: order.id,
      version: order.version,
      updatedAt: order.updatedAt,
    });
    const intentId = await eventually(
      async () => (await h.monstock.client.getOrder(order.id)).externalRefs.stripePaymentIntentId,
    );
    await h.sdk.paymentIntents.confirm(intentId, { payment_method: 'pm_card_visa' });
    await eventually(async () =>
      (await h.monstock.client.getOrder(order.id)).paymentStatus === 'paid' ? true : undefined,
    );
    const cancelled = await h.monstock.client.updateOrder(order.id, { status: 'cancelled' });
    await h.delivery.orderChanged('default', {
      eventId: 'e2',
      type: 'order.cancelled',
      orderId: order.id,
      version: cancelled.version,
      updatedAt: cancelled.updatedAt,
    });
    await eventually(async () =>
      (await h.monstock.client.getOrder(order.id)).paymentStatus === 'refunded' ? true : undefined,
    );
    expect((await h.sdk.refunds.list({ payment_intent: intentId })).data).toEqual([
      expect.objectContaining({ amount: 1800, status: 'succeeded' }),
    ]);
  });
});

describe('Monstock → Stripe when the shop takes payment itself', () => {
  let h: ConnectorHarness;
  beforeAll(async () => {
    h = await startConnectorHarness({ orderSettings: { createPaymentIntents: false, autoRefundCancelled: false } });
  });
  afterAll(() => h?.close());

  it('creates no intent, and still records the shop’s own payment carrying the metadata', async () => {
    const order = await h.order(1500);
    await h.delivery.orderChanged('default', {
      eventId: 'e1',
      type: 'order.created',
      orderId: order.id,
      version: order.version,
      updatedAt: order.updatedAt,
    });
    const handle = h.client.workflow.getHandle(orderWorkflowId('default', order.id));
    await eventually(async () =>
      (await handle.query(paymentStateQuery)).orderVersion === order.version ? true : undefined,
    );
    expect((await h.monstock.client.getOrder(order.id)).externalRefs.stripePaymentIntentId).toBeUndefined();
    const own = await h.sdk.paymentIntents.create({
      amount: 1500,
      currency: 'eur',
      payment_method: 'pm_card_visa',
      confirm: true,
      metadata: { monstock_order_id: order.id },
    });
    await eventually(async () => {
      const stored = await h.monstock.client.getOrder(order.id);
      return stored.paymentStatus === 'paid' && stored.payments[0]?.transactionRef === own.id ? true : undefined;
    });
  });
});

/**
 * Alignments run by an order workflow: scheduled activities, or local activities (the lean path),
 * whose marker names the activity type in its plain `data` payload (the result is encrypted).
 */
function alignmentsIn(events: readonly HistoryEvent[]): number {
  return events.filter((event) => {
    if (event.activityTaskScheduledEventAttributes?.activityType?.name === 'alignStripeWithOrder') return true;
    const marker = event.markerRecordedEventAttributes;
    const data = marker?.markerName === 'core_local_activity' ? marker.details?.data?.payloads?.[0]?.data : undefined;
    if (!data) return false;
    const details = JSON.parse(Buffer.from(data).toString('utf8')) as { activity_type?: string };
    return details.activity_type === 'alignStripeWithOrder';
  }).length;
}
