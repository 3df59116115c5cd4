import type Stripe from 'stripe';
import type { Order } from '../../src/monstock/schemas';
import { startConnectorHarness, type ConnectorHarness } from '../support/connectorHarness';
import { expectOrderSettles } from '../support/orderAssertions';

/**
 * Payments waiting on the customer (3-D Secure) or the bank (SEPA), end to end: Stripe's signed
 * webhooks reach the real route and the order workflow, and the Monstock order shows the payment
 * pending with the reason why, then its outcome.
 */
describe('payments waiting on the customer or the bank', () => {
  let h: ConnectorHarness;
  let sdk: Stripe;

  beforeAll(async () => {
    h = await startConnectorHarness({ sepaSettleMs: 60_000 });
    sdk = h.sdk;
  });
  afterAll(() => h?.close());

  const pay = (orderId: string, amount: number, paymentMethod: string) =>
    sdk.paymentIntents.create({
      amount,
      currency: 'eur',
      payment_method: paymentMethod,
      confirm: true,
      metadata: { monstock_order_id: orderId },
    });

  const line = (order: Order, ref: string) => order.payments.find((payment) => payment.transactionRef === ref);

  it('shows a 3-D Secure payment pending (requires_action), then succeeded once authenticated', async () => {
    const order = await h.order(6000);
    const intent = await pay(order.id, 6000, 'pm_card_threeDSecure2Required');
    expect(intent.status).toBe('requires_action');
    const waiting = await expectOrderSettles(h.monstock.client, order.id, {
      paymentStatus: 'unpaid',
      amountPaid: 0,
      amountRefunded: 0,
      payments: [{ kind: 'payment', transactionRef: intent.id, amount: 6000, currency: 'EUR', status: 'pending' }],
    });
    expect(line(waiting, intent.id)?.pendingReason).toBe('requires_action');

    await h.stripe.admin(`/_sandbox/payment_intents/${intent.id}/authenticate`, { outcome: 'succeed' });
    const paid = await sdk.paymentIntents.retrieve(intent.id, { expand: ['latest_charge.balance_transaction'] });
    const balance = (paid.latest_charge as Stripe.Charge).balance_transaction as Stripe.BalanceTransaction;
    const settled = await expectOrderSettles(h.monstock.client, order.id, {
      paymentStatus: 'paid',
      amountPaid: 6000,
      amountRefunded: 0,
      payments: [
        {
          kind: 'payment',
          transactionRef: intent.id,
          amount: 6000,
          currency: 'EUR',
          status: 'succeeded',
          method: 'card',
          methodDetails: 'visa ****3220',
          feeAmount: balance.fee,
          netAmount: balance.net,
        },
      ],
    });
    expect(line(settled, intent.id)).not.toHaveProperty('pendingReason');
  });

  it('ends a 3-D Secure payment whose authentication fails as failed, the order unpaid', async () => {
    const order = await h.order(2500);
    const intent = await pay(order.id, 2500, 'pm_card_threeDSecure2Required');
    await expectOrderSettles(h.monstock.client, order.id, {
      paymentStatus: 'unpaid',
      amountPaid: 0,
      amountRefunded: 0,
      payments: [{ kind: 'payment', transactionRef: intent.id, amount: 2500, currency: 'EUR', status: 'pending' }],
    });
    await h.stripe.admin(`/_sandbox/payment_intents/${intent.id}/authenticate`, { outcome: 'fail' });
    const failed = await expectOrderSettles(h.monstock.client, order.id, {
      paymentStatus: 'unpaid',
      amountPaid: 0,
      amountRefunded: 0,
      payments: [{ kind: 'payment', transactionRef: intent.id, amount: 2500, currency: 'EUR', status: 'failed' }],
    });
    expect(line(failed, intent.id)).not.toHaveProperty('pendingReason');
    // No charge was made (Stripe charges once authenticated): the reason comes from the intent's error.
    expect(line(failed, intent.id)?.failureReason).toMatch(/^payment_intent_authentication_failure: /);
  });

  it('shows a SEPA debit pending (processing), then succeeded once settled', async () => {
    const order = await h.order(8000);
    const intent = await pay(order.id, 8000, 'pm_sepaDebit');
    expect(intent.status).toBe('processing');
    const sepa = { method: 'sepa_debit', methodDetails: 'sepa_debit ****3000' };
    const waiting = await expectOrderSettles(h.monstock.client, order.id, {
      paymentStatus: 'unpaid',
      amountPaid: 0,
      amountRefunded: 0,
      payments: [
        { kind: 'payment', transactionRef: intent.id, amount: 8000, currency: 'EUR', status: 'pending', ...sepa },
      ],
    });
    expect(line(waiting, intent.id)?.pendingReason).toBe('processing');
    await h.stripe.admin(`/_sandbox/payment_intents/${intent.id}/settle`);
    const paid = await expectOrderSettles(h.monstock.client, order.id, {
      paymentStatus: 'paid',
      amountPaid: 8000,
      amountRefunded: 0,
      payments: [
        {
          kind: 'payment',
          transactionRef: intent.id,
          amount: 8000,
          currency: 'EUR',
          status: 'succeeded',
          ...sepa,
          ...feeOf(await paidIntent(intent.id)),
        },
      ],
    });
    expect(line(paid, intent.id)).not.toHaveProperty('pendingReason');
  });

  it('shows a bank debit that bounces as failed with the reason, the order unpaid', async () => {
    const order = await h.order(3000);
    const intent = await pay(order.id, 3000, 'pm_sepaDebit');
    const sepa = { method: 'sepa_debit', methodDetails: 'sepa_debit ****3000' };
    await expectOrderSettles(h.monstock.client, order.id, {
      paymentStatus: 'unpaid',
      amountPaid: 0,
      amountRefunded: 0,
      payments: [
        { kind: 'payment', transactionRef: intent.id, amount: 3000, currency: 'EUR', status: 'pending', ...sepa },
      ],
    });
    await h.stripe.admin(`/_sandbox/payment_intents/${intent.id}/fail`);
    const failed = await expectOrderSettles(h.monstock.client, order.id, {
      paymentStatus: 'unpaid',
      amountPaid: 0,
      amountRefunded: 0,
      payments: [
        { kind: 'payment', transactionRef: intent.id, amount: 3000, currency: 'EUR', status: 'failed', ...sepa },
      ],
    });
    expect(line(failed, intent.id)?.failureReason).toMatch(/insufficient_funds/);
    expect(line(failed, intent.id)).not.toHaveProperty('pendingReason');
  });

  async function paidIntent(id: string): Promise<Stripe.PaymentIntent> {
    return sdk.paymentIntents.retrieve(id, { expand: ['latest_charge.balance_transaction'] });
  }

  function feeOf(intent: Stripe.PaymentIntent): { feeAmount: number; netAmount: number } {
    const balance = (intent.latest_charge as Stripe.Charge).balance_transaction as Stripe.BalanceTransaction;
    return { feeAmount: balance.fee, netAmount: balance.net };
  }
});
