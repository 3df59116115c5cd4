import type Stripe from 'stripe';
import type { FaultSettings } from '../../sandbox/kit/faults';
import { orderWorkflowId } from '../../src/shared/ids';
import { recordHistory } from '../support/histories';
import { startConnectorHarness, type ConnectorHarness } from '../support/connectorHarness';
import { expectOrderSettles } from '../support/orderAssertions';

/**
 * Stripe → Monstock end to end, driven only through the sandboxes' public APIs and the `stripe`
 * SDK: Stripe's signed webhooks reach the real webhook route, which hands them to the real
 * worker's orderPaymentWorkflow; each test asserts the final Monstock order exactly. Every
 * scenario runs twice: with clean webhooks, and with Stripe duplicating, reordering and delaying them.
 */
const WEBHOOK_WEATHER: Array<[string, FaultSettings['webhooks']]> = [
  ['clean webhooks', {}],
  ['duplicated, reordered and delayed webhooks', { duplicateRate: 0.5, reorderRate: 0.5, delayMs: 150 }],
];

describe.each(WEBHOOK_WEATHER)('Stripe → Monstock with %s', (_label, webhookFaults) => {
  let h: ConnectorHarness;
  let sdk: Stripe;

  beforeAll(async () => {
    h = await startConnectorHarness({ sepaSettleMs: 60_000, disputeDelayMs: 200 });
    sdk = h.sdk;
    await h.stripe.setFaults({ webhooks: webhookFaults ?? {} });
  });
  afterAll(() => h?.close());

  async function pay(orderId: string, amount: number, paymentMethod = 'pm_card_visa'): Promise<Stripe.PaymentIntent> {
    return sdk.paymentIntents.create({
      amount,
      currency: 'eur',
      payment_method: paymentMethod,
      confirm: true,
      metadata: { monstock_order_id: orderId },
    });
  }

  async function feeOf(intent: Stripe.PaymentIntent): Promise<{ feeAmount: number; netAmount: number }> {
    const charge = await sdk.charges.retrieve(intent.latest_charge as string, { expand: ['balance_transaction'] });
    const balance = charge.balance_transaction as Stripe.BalanceTransaction;
    return { feeAmount: balance.fee, netAmount: balance.net };
  }

  const card = { method: 'card', methodDetails: 'visa ****4242' } as const;

  it('records a card payment with its amount, method, reference, fee and net', async () => {
    const order = await h.order(4200);
    const intent = await pay(order.id, 4200);
    expect(intent.status).toBe('succeeded');
    await expectOrderSettles(h.monstock.client, order.id, {
      paymentStatus: 'paid',
      amountPaid: 4200,
      amountRefunded: 0,
      payments: [
        {
          kind: 'payment',
          transactionRef: intent.id,
          amount: 4200,
          currency: 'EUR',
          status: 'succeeded',
          ...card,
          ...(await feeOf(intent)),
        },
      ],
    });
    if (!webhookFaults?.duplicateRate)
      await recordHistory(
        'orderPaymentWorkflow.cardPayment',
        h.client.workflow.getHandle(orderWorkflowId('default', order.id)),
      );
  });

  it('records a payment made through a Checkout session that names the order by its reference', async () => {
    const order = await h.order(3500);
    const session = await sdk.checkout.sessions.create({
      mode: 'payment',
      client_reference_id: order.reference,
      line_items: [
        {
          quantity: 1,
          price_data: { currency: 'eur', unit_amount: 3500, product_data: { name: 'Order ' + order.reference } },
        },
      ],
      success_url: 'https://shop.example/thanks',
    });
    await h.stripe.admin(`/_sandbox/checkout/sessions/${session.id}/complete`, { payment_method: 'pm_card_visa' });
    const completed = await sdk.checkout.sessions.retrieve(session.id);
    const intent = await sdk.paymentIntents.retrieve(completed.payment_intent as string);
    await expectOrderSettles(h.monstock.client, order.id, {
      paymentStatus: 'paid',
      amountPaid: 3500,
      amountRefunded: 0,
      payments: [
        {
          kind: 'payment',
          transactionRef: intent.id,
          amount: 3500,
          currency: 'EUR',
          status: 'succeeded',
          ...card,
          ...(await feeOf(intent)),
        },
      ],
    });
  });

  it('records a declined attempt as failed with its reason, then the successful retry', async () => {
    const order = await h.order(1999);
    const intent = await sdk.paymentIntents.create({
      amount: 1999,
      currency: 'eur',
      metadata: { monstock_order_id: order.id },
    });
    await expect(
      sdk.paymentIntents.confirm(intent.id, { payment_method: 'pm_card_chargeDeclined' }),
    ).rejects.toMatchObject({ code: 'card_declined' });
    const declined = (await sdk.charges.list({ payment_intent: intent.id })).data.find(
      (charge) => charge.status === 'failed',
    )!;
    const paid = await sdk.paymentIntents.confirm(intent.id, { payment_method: 'pm_card_visa' });
    const settled = await expectOrderSettles(h.monstock.client, order.id, {
      paymentStatus: 'paid',
      amountPaid: 1999,
      amountRefunded: 0,
      payments: [
        {
          kind: 'payment',
          transactionRef: declined.id,
          amount: 1999,
          currency: 'EUR',
          status: 'failed',
          method: 'card',
          methodDetails: 'visa ****0002',
        },
        {
          kind: 'payment',
          transactionRef: intent.id,
          amount: 1999,
          currency: 'EUR',
          status: 'succeeded',
          ...card,
          ...(await feeOf(paid)),
        },
      ],
    });
    expect(settled.payments.find((payment) => payment.transactionRef === declined.id)?.failureReason).toMatch(
      /card_declined/,
    );
  });

  it('adds up two partial payments: partially paid, then paid', async () => {
    const order = await h.order(5000);
    const first = await pay(order.id, 2000);
    await expectOrderSettles(h.monstock.client, order.id, {
      paymentStatus: 'partially_paid',
      amountPaid: 2000,
      amountRefunded: 0,
      payments: [
        {
          kind: 'payment',
          transactionRef: first.id,
          amount: 2000,
          currency: 'EUR',
          status: 'succeeded',
          ...card,
          ...(await feeOf(first)),
        },
      ],
    });
    const second = await pay(order.id, 3000, 'pm_card_mastercard');
    await expectOrderSettles(h.monstock.client, order.id, {
      paymentStatus: 'paid',
      amountPaid: 5000,
      amountRefunded: 0,
      payments: [
        {
          kind: 'payment',
          transactionRef: first.id,
          amount: 2000,
          currency: 'EUR',
          status: 'succeeded',
          ...card,
          ...(await feeOf(first)),
        },
        {
          kind: 'payment',
          transactionRef: second.id,
          amount: 3000,
          currency: 'EUR',
          status: 'succeeded',
          method: 'card',
          methodDetails: 'mastercard ****4444',
          ...(await feeOf(second)),
        },
      ],
    });
  });

  it('records a partial refund, then the rest: partially refunded, then refunded', async () => {
    const order = await h.order(6000);
    const intent = await pay(order.id, 6000);
    const fee = await feeOf(intent);
    const partial = await sdk.refunds.create({ payment_intent: intent.id, amount: 2500 });
    const payment = {
      kind: 'payment',
      transactionRef: intent.id,
      amount: 6000,
      currency: 'EUR',
      status: 'succeeded',
      ...card,
      ...fee,
    };
    await expectOrderSettles(h.monstock.client, order.id, {
      paymentStatus: 'partially_refunded',
      amountPaid: 6000,
      amountRefunded: 2500,
      payments: [
        payment,
        { kind: 'refund', transactionRef: partial.id, amount: 2500, currency: 'EUR', status: 'succeeded' },
      ],
    });
    const rest = await sdk.refunds.create({ payment_intent: intent.id });
    await expectOrderSettles(h.monstock.client, order.id, {
      paymentStatus: 'refunded',
      amountPaid: 6000,
      amountRefunded: 6000,
      payments: [
        payment,
        { kind: 'refund', transactionRef: partial.id, amount: 2500, currency: 'EUR', status: 'succeeded' },
        { kind: 'refund', transactionRef: rest.id, amount: 3500, currency: 'EUR', status: 'succeeded' },
      ],
    });
  });

  it.each([
    ['won', 'winning_evidence', 'paid', 0],
    ['lost', 'close', 'refunded', 2700],
  ] as const)('follows a dispute from opened to %s', async (outcome, how, finalStatus, refunded) => {
    const order = await h.order(2700);
    const intent = await pay(order.id, 2700, 'pm_card_createDispute');
    const dispute = await waitForDispute(intent.id);
    // Stripe's dispute test card is a Visa ending in 0259.
    const payment = {
      kind: 'payment',
      transactionRef: intent.id,
      amount: 2700,
      currency: 'EUR',
      status: 'succeeded',
      method: 'card',
      methodDetails: 'visa ****0259',
      ...(await feeOf(intent)),
    };
    await expectOrderSettles(h.monstock.client, order.id, {
      paymentStatus: 'disputed',
      amountPaid: 2700,
      amountRefunded: 0,
      payments: [
        payment,
        { kind: 'dispute', transactionRef: dispute.id, amount: 2700, currency: 'EUR', status: 'needs_response' },
      ],
    });
    if (how === 'close') await sdk.disputes.close(dispute.id);
    else await sdk.disputes.update(dispute.id, { evidence: { uncategorized_text: how }, submit: true });
    await expectOrderSettles(h.monstock.client, order.id, {
      paymentStatus: finalStatus,
      amountPaid: 2700,
      amountRefunded: refunded,
      payments: [
        payment,
        { kind: 'dispute', transactionRef: dispute.id, amount: 2700, currency: 'EUR', status: outcome },
      ],
    });
    if (!webhookFaults?.duplicateRate)
      await recordHistory(
        `orderPaymentWorkflow.dispute-${outcome}`,
        h.client.workflow.getHandle(orderWorkflowId('default', order.id)),
      );
  });

  it('shows a SEPA debit as pending while it processes, then paid when it settles', async () => {
    const order = await h.order(8000);
    const intent = await pay(order.id, 8000, 'pm_sepaDebit');
    expect(intent.status).toBe('processing');
    const pendingCharge = await sdk.charges.retrieve(intent.latest_charge as string);
    const sepa = {
      method: 'sepa_debit',
      methodDetails: `sepa_debit ****${pendingCharge.payment_method_details?.sepa_debit?.last4}`,
    };
    await expectOrderSettles(h.monstock.client, order.id, {
      paymentStatus: 'unpaid',
      amountPaid: 0,
      amountRefunded: 0,
      payments: [
        { kind: 'payment', transactionRef: intent.id, amount: 8000, currency: 'EUR', status: 'pending', ...sepa },
      ],
    });
    await h.stripe.admin(`/_sandbox/payment_intents/${intent.id}/settle`);
    const settled = await sdk.paymentIntents.retrieve(intent.id);
    await expectOrderSettles(h.monstock.client, order.id, {
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
          ...(await feeOf(settled)),
        },
      ],
    });
  });

  async function waitForDispute(paymentIntentId: string): Promise<Stripe.Dispute> {
    for (let attempt = 0; attempt < 100; attempt += 1) {
      const disputes = await sdk.disputes.list({ payment_intent: paymentIntentId });
      if (disputes.data[0]) return disputes.data[0];
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`no dispute opened on ${paymentIntentId}`);
  }
});
