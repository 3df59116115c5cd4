import type Stripe from 'stripe';
import { startConnectorHarness, type ConnectorHarness } from '../support/connectorHarness';
import { expectOrderSettles } from '../support/orderAssertions';

/**
 * Events in the worst order: the refund's event is the first (and only) one the connector hears
 * of, and a stale `processing` event comes after `succeeded`. The order still ends as Stripe shows it.
 */
describe('Stripe events out of order', () => {
  let h: ConnectorHarness;
  let sdk: Stripe;

  beforeAll(async () => {
    h = await startConnectorHarness();
    sdk = h.sdk;
    // Nothing arrives by webhook: the test hands the workflow exactly the events it chooses.
    await h.stripe.setFaults({ webhooks: { dropRate: 1 } });
  });
  afterAll(() => h?.close());

  async function feeOf(intent: Stripe.PaymentIntent) {
    const charge = await sdk.charges.retrieve(intent.latest_charge as string, { expand: ['balance_transaction'] });
    const balance = charge.balance_transaction as Stripe.BalanceTransaction;
    return { feeAmount: balance.fee, netAmount: balance.net };
  }

  it('records payment and refund when the refund is the first event seen', async () => {
    const order = await h.order(5000);
    const intent = await sdk.paymentIntents.create({
      amount: 5000,
      currency: 'eur',
      payment_method: 'pm_card_visa',
      confirm: true,
      metadata: { monstock_order_id: order.id },
    });
    const refund = await sdk.refunds.create({ payment_intent: intent.id, amount: 1500 });
    await h.delivery.toOrder('default', order.id, {
      eventId: 'evt_refund_first',
      type: 'refund.created',
      created: refund.created,
      objectType: 'refund',
      objectId: refund.id,
      paymentIntentId: intent.id,
    });
    await expectOrderSettles(h.monstock.client, order.id, {
      paymentStatus: 'partially_refunded',
      amountPaid: 5000,
      amountRefunded: 1500,
      payments: [
        {
          kind: 'payment',
          transactionRef: intent.id,
          amount: 5000,
          currency: 'EUR',
          status: 'succeeded',
          method: 'card',
          methodDetails: 'visa ****4242',
          ...(await feeOf(intent)),
        },
        { kind: 'refund', transactionRef: refund.id, amount: 1500, currency: 'EUR', status: 'succeeded' },
      ],
    });
  });

  it('keeps a settled SEPA payment succeeded when its stale processing event comes last', async () => {
    const order = await h.order(3100);
    const intent = await sdk.paymentIntents.create({
      amount: 3100,
      currency: 'eur',
      payment_method: 'pm_sepaDebit',
      confirm: true,
      metadata: { monstock_order_id: order.id },
    });
    await h.stripe.admin(`/_sandbox/payment_intents/${intent.id}/settle`);
    const ref = (type: string, eventId: string) => ({
      eventId,
      type,
      created: intent.created,
      objectType: 'payment_intent' as const,
      objectId: intent.id,
      paymentIntentId: intent.id,
    });
    await h.delivery.toOrder('default', order.id, ref('payment_intent.succeeded', 'evt_succeeded'));
    await h.delivery.toOrder('default', order.id, ref('payment_intent.processing', 'evt_processing_late'));
    const settled = await sdk.paymentIntents.retrieve(intent.id);
    const charge = await sdk.charges.retrieve(settled.latest_charge as string);
    await expectOrderSettles(h.monstock.client, order.id, {
      paymentStatus: 'paid',
      amountPaid: 3100,
      amountRefunded: 0,
      payments: [
        {
          kind: 'payment',
          transactionRef: intent.id,
          amount: 3100,
          currency: 'EUR',
          status: 'succeeded',
          method: 'sepa_debit',
          methodDetails: `sepa_debit ****${charge.payment_method_details?.sepa_debit?.last4}`,
          ...(await feeOf(settled)),
        },
      ],
    });
  });
});
