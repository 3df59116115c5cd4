import type Stripe from 'stripe';
import type { Order } from '../../src/monstock/schemas';
import { orderWorkflowId } from '../../src/shared/ids';
import { paymentStateQuery, type MonstockOrderRef } from '../../src/shared/orderPayment';
import { startConnectorHarness, type ConnectorHarness } from '../support/connectorHarness';
import { eventually } from '../support/temporal';

/**
 * Amounts in currencies whose Stripe unit is not (or not always) the ISO minor unit, through the
 * order workflow against the Stripe and Monstock sandboxes. The Stripe sandbox does not check
 * Stripe's currency rules (three-decimal amounts ending in 0, ISK in hundredths): these tests
 * check what the connector sends, not that the sandbox would refuse anything else.
 */
describe('currencies whose Stripe amount is not the Monstock amount', () => {
  let h: ConnectorHarness;
  let sdk: Stripe;

  beforeAll(async () => {
    h = await startConnectorHarness();
    sdk = h.sdk;
  });
  afterAll(() => h?.close());

  function created(order: Order): MonstockOrderRef {
    return {
      eventId: `evt_${order.id}_${order.version}`,
      type: 'order.created',
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

  it.each([
    ['JPY', 4500, 4500, 'jpy'],
    ['KWD', 5120, 5120, 'kwd'],
    ['ISK', 5000, 500_000, 'isk'],
  ])('an order of %s %i gets an intent for Stripe amount %i', async (currency, amount, stripeAmount, code) => {
    const order = await h.order(amount, currency);
    await h.delivery.orderChanged('default', created(order));
    const intent = await intentOf(order.id);
    expect(intent).toMatchObject({ amount: stripeAmount, currency: code, status: 'requires_payment_method' });
  });

  it('records a paid ISK order in krónur: Stripe 500000 is ISK 5000 on Monstock', async () => {
    const order = await h.order(5000, 'ISK');
    await h.delivery.orderChanged('default', created(order));
    const intent = await intentOf(order.id);
    await sdk.paymentIntents.confirm(intent.id, { payment_method: 'pm_card_visa' });
    const paid = await eventually(async () => {
      const now = await h.monstock.client.getOrder(order.id);
      return now.paymentStatus === 'paid' ? now : undefined;
    });
    expect(paid.amountPaid).toBe(5000);
    expect(paid.payments).toEqual([
      expect.objectContaining({ kind: 'payment', transactionRef: intent.id, amount: 5000, currency: 'ISK' }),
    ]);
  });

  it('records a paid KWD order with fee and net in fils', async () => {
    const order = await h.order(5120, 'KWD');
    await h.delivery.orderChanged('default', created(order));
    const intent = await intentOf(order.id);
    const confirmed = await sdk.paymentIntents.confirm(intent.id, { payment_method: 'pm_card_visa' });
    const charge = await sdk.charges.retrieve(confirmed.latest_charge as string, { expand: ['balance_transaction'] });
    const balance = charge.balance_transaction as Stripe.BalanceTransaction;
    const paid = await eventually(async () => {
      const now = await h.monstock.client.getOrder(order.id);
      return now.paymentStatus === 'paid' && now.payments[0]?.feeAmount !== undefined ? now : undefined;
    });
    expect(paid.payments[0]).toMatchObject({
      amount: 5120,
      currency: 'KWD',
      feeAmount: balance.fee,
      netAmount: balance.net,
    });
  });

  it('records a USD payment settling in EUR with fee and net in euro cents, EUR named', async () => {
    await h.stripe.admin('/_sandbox/settlement', { currency: 'eur', rate: 0.9 });
    try {
      const order = await h.order(5000, 'USD');
      await h.delivery.orderChanged('default', created(order));
      const intent = await intentOf(order.id);
      const confirmed = await sdk.paymentIntents.confirm(intent.id, { payment_method: 'pm_card_visa' });
      const charge = await sdk.charges.retrieve(confirmed.latest_charge as string, {
        expand: ['balance_transaction'],
      });
      const balance = charge.balance_transaction as Stripe.BalanceTransaction;
      expect(balance).toMatchObject({ amount: 4500, currency: 'eur', exchange_rate: 0.9 });
      const paid = await eventually(async () => {
        const now = await h.monstock.client.getOrder(order.id);
        return now.paymentStatus === 'paid' && now.payments[0]?.feeAmount !== undefined ? now : undefined;
      });
      expect(paid.amountPaid).toBe(5000);
      expect(paid.payments[0]).toMatchObject({
        amount: 5000,
        currency: 'USD',
        feeAmount: balance.fee,
        netAmount: balance.net,
        settlementCurrency: 'EUR',
      });
      expect(balance.net).toBe(4500 - balance.fee);
    } finally {
      await h.stripe.admin('/_sandbox/settlement', { currency: null });
    }
  });

  it('parks an order of KWD 1.235 for a person instead of rounding it, and creates no intent', async () => {
    const order = await h.order(1235, 'KWD');
    await h.delivery.orderChanged('default', created(order));
    const handle = h.client.workflow.getHandle(orderWorkflowId('default', order.id));
    const attention = await eventually(async () => (await handle.query(paymentStateQuery)).needsAttention);
    expect(attention.reason).toMatch(/1\.235 KWD cannot be charged by Stripe.*not rounded/);
    expect((await h.monstock.client.getOrder(order.id)).externalRefs.stripePaymentIntentId).toBeUndefined();
  });
});
