import { WorkflowNotFoundError } from '@temporalio/client';
import Stripe from 'stripe';
import { request } from 'undici';
import type { Order } from '../../src/monstock/schemas';
import { orderWorkflowId, unmatchedPaymentWorkflowId } from '../../src/shared/ids';
import { paymentStateQuery, unmatchedStateQuery, type UnmatchedPaymentState } from '../../src/shared/orderPayment';
import { recordHistory } from '../support/histories';
import { startConnectorHarness, type ConnectorHarness } from '../support/connectorHarness';
import { orderMoney } from '../support/orderAssertions';
import { TEST_STRIPE_WEBHOOK_SECRET } from '../support/stripeSandbox';
import { eventually } from '../support/temporal';

/**
 * A correctly signed Stripe event whose body names another order (a leaked signing secret, an
 * edited or replayed event) must not put a payment on that order: the activity that writes checks
 * the route against the intent read fresh from Stripe, writes nothing on a mismatch and hands the
 * payment to its unmatched-payment workflow. The real webhook route, worker and both sandboxes;
 * the Stripe sandbox's own webhooks are off, so the test decides which event arrives when.
 */
describe('a signed Stripe event naming another order', () => {
  let h: ConnectorHarness;

  beforeAll(async () => {
    h = await startConnectorHarness({ stripeWebhooks: false });
  });
  afterAll(() => h?.close());

  /** Signs the body as Stripe does, with the route's own webhook secret, and posts it to the real route. */
  async function post(event: object): Promise<number> {
    const body = JSON.stringify(event);
    const answer = await request(h.webhookUrl, {
      method: 'POST',
      body,
      headers: {
        'content-type': 'application/json',
        'stripe-signature': Stripe.webhooks.generateTestHeaderString({
          payload: body,
          secret: TEST_STRIPE_WEBHOOK_SECRET,
        }),
      },
    });
    await answer.body.dump();
    return answer.statusCode;
  }

  /** `payment_intent.succeeded` for the real intent, its metadata replaced by what the forger wants. */
  function forgedEvent(intent: Stripe.PaymentIntent, metadata: Record<string, string>, suffix: string) {
    return {
      id: `evt_forged_${intent.id}_${suffix}`,
      object: 'event',
      type: 'payment_intent.succeeded',
      api_version: '2025-09-30.clover',
      created: Math.floor(Date.now() / 1000),
      livemode: false,
      pending_webhooks: 1,
      request: { id: null, idempotency_key: null },
      data: { object: { ...intent, metadata } },
    };
  }

  /** The Stripe sandbox's own events of the intent (its metadata naming order A), as Stripe would deliver them. */
  async function ownEventsOf(intent: Stripe.PaymentIntent): Promise<Stripe.Event[]> {
    const events = await h.sdk.events.list({ limit: 100 });
    const mine = events.data.filter((event) => {
      const object = event.data.object as { id?: string; payment_intent?: unknown };
      return object.id === intent.id || object.payment_intent === intent.id;
    });
    expect(mine.length).toBeGreaterThan(0);
    return mine.reverse();
  }

  async function paidIntentNaming(order: Order): Promise<Stripe.PaymentIntent> {
    const intent = await h.sdk.paymentIntents.create({
      amount: order.totalAmount,
      currency: 'eur',
      payment_method: 'pm_card_visa',
      confirm: true,
      metadata: { monstock_order_id: order.id },
    });
    expect(intent.status).toBe('succeeded');
    return intent;
  }

  /**
   * Waits until the forged event was dealt with: the payment's unmatched-payment workflow exists
   * (the fix), or the other order shows a payment (the bug), whichever comes first.
   */
  async function afterForgedEvent(
    intent: Stripe.PaymentIntent,
    victim: Order,
  ): Promise<UnmatchedPaymentState | undefined> {
    const unmatched = h.client.workflow.getHandle(unmatchedPaymentWorkflowId('default', intent.id));
    return eventually(async () => {
      try {
        const state = await unmatched.query(unmatchedStateQuery);
        if (state.reason.includes(victim.id)) return state;
      } catch (error) {
        if (!(error instanceof WorkflowNotFoundError)) throw error;
      }
      if ((await h.monstock.client.getOrder(victim.id)).payments.length > 0) return null;
      return undefined;
    }, 30_000).then((state) => state ?? undefined);
  }

  /** Waits until the order is paid, then checks it shows exactly the intent's one card payment. */
  async function expectPaidBy(order: Order, intent: Stripe.PaymentIntent): Promise<void> {
    const paid = await eventually(async () => {
      const current = await h.monstock.client.getOrder(order.id);
      return current.paymentStatus === 'paid' ? current : undefined;
    }, 30_000);
    expect(orderMoney(paid)).toMatchObject({
      paymentStatus: 'paid',
      amountPaid: order.totalAmount,
      amountRefunded: 0,
      payments: [
        { kind: 'payment', transactionRef: intent.id, amount: order.totalAmount, currency: 'EUR', status: 'succeeded' },
      ],
    });
    expect(paid.payments).toHaveLength(1);
  }

  it('leaves order B untouched when the body names B for an intent of order A; A is paid by its own events', async () => {
    const orderA = await h.order(4200);
    const orderB = await h.order(4200);
    const before = orderMoney(await h.monstock.client.getOrder(orderB.id));
    const intent = await paidIntentNaming(orderA);

    expect(await post(forgedEvent(intent, { monstock_order_id: orderB.id }, 'b'))).toBe(200);
    const unmatched = await afterForgedEvent(intent, orderB);

    // Nothing written on B: no movement, status unchanged; its workflow does not claim the intent.
    const orderBNow = await h.monstock.client.getOrder(orderB.id);
    expect(orderMoney(orderBNow)).toEqual(before);
    expect(orderBNow.version).toBe(orderB.version);
    expect(unmatched?.reason).toMatch(
      new RegExp(`is not Monstock order ${orderB.id}'s.*names Monstock order ${orderA.id}`),
    );
    const workflowB = h.client.workflow.getHandle(orderWorkflowId('default', orderB.id));
    const stateB = await workflowB.query(paymentStateQuery);
    expect(stateB.paymentIntentIds).not.toContain(intent.id);
    expect(stateB.paymentIntents.map((item) => item.id)).not.toContain(intent.id);
    expect(stateB.movements).toEqual([]);
    // The refused sync in history (with its patch marker), replayed by test/replay.
    await recordHistory('orderPaymentWorkflow.refusedIntent', workflowB);

    // A's own events (the sandbox's, signed the same way) still reach A: the forged body poisoned no routing.
    for (const event of await ownEventsOf(intent)) expect(await post(event)).toBe(200);
    await expectPaidBy(orderA, intent);
    expect(orderMoney(await h.monstock.client.getOrder(orderB.id))).toEqual(before);
  });

  it('leaves order B untouched when the forged event comes after order A was paid', async () => {
    const orderA = await h.order(1500);
    const orderB = await h.order(1500);
    const before = orderMoney(await h.monstock.client.getOrder(orderB.id));
    const intent = await paidIntentNaming(orderA);
    for (const event of await ownEventsOf(intent)) expect(await post(event)).toBe(200);
    await expectPaidBy(orderA, intent);

    expect(await post(forgedEvent(intent, { monstock_order_id: orderB.id }, 'late'))).toBe(200);
    const unmatched = await afterForgedEvent(intent, orderB);
    expect(unmatched?.reason).toContain(orderA.id);
    expect(orderMoney(await h.monstock.client.getOrder(orderB.id))).toEqual(before);
    await expectPaidBy(orderA, intent);
  });
});
