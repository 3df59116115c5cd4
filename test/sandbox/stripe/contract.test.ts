import Stripe from 'stripe';
import { findStripeMock, startStripeMock, type StripeMock } from '../../support/stripeMock';
import type { StripeSandbox } from '../../../sandbox/stripe/app';
import { client, startSandbox } from './helpers';

/**
 * Contract check: the request shapes the sandbox is exercised with (the headline scenario's)
 * are replayed through the SDK against stripe-mock, which validates each one against Stripe's
 * OpenAPI spec and answers 400 for what the real API would refuse. So the sandbox cannot drift
 * into accepting calls Stripe rejects without this test noticing.
 *
 * API version: the SDK pins `Stripe-Version: <its version>`; stripe-mock only compares that
 * header with its bundled spec when started with `-strict-version-check`, which we do not pass,
 * so the SDK is used unchanged.
 */
describe('stripe sandbox: request shapes accepted by stripe-mock', () => {
  let mock: StripeMock;
  let stripe: Stripe;

  beforeAll(async () => {
    mock = await startStripeMock();
    stripe = new Stripe('sk_test_123', { host: '127.0.0.1', port: mock.port, protocol: 'http', maxNetworkRetries: 0 });
  });
  afterAll(() => mock?.stop());

  it('accepts every call of the headline scenario', async () => {
    const endpoint = await stripe.webhookEndpoints.create({
      url: 'http://127.0.0.1:3000/webhooks/stripe',
      enabled_events: ['*'],
      description: 'connector',
    });
    expect(endpoint.object).toBe('webhook_endpoint');
    await stripe.webhookEndpoints.update(endpoint.id, {
      disabled: true,
      enabled_events: ['payment_intent.succeeded', 'charge.refunded'],
    });
    const customer = await stripe.customers.create({
      email: 'ada@example.com',
      name: 'Ada',
      metadata: { monstock_customer: 'mc_1' },
    });
    await stripe.customers.update(customer.id, { email: 'new@example.com', metadata: { monstock_customer: '' } });
    const intent = await stripe.paymentIntents.create(
      { amount: 4990, currency: 'eur', customer: customer.id, metadata: { order_id: 'ord_1' }, description: 'Order 1' },
      { idempotencyKey: 'order-ord_1' },
    );
    expect(intent.object).toBe('payment_intent');
    await stripe.paymentIntents.confirm(intent.id, { payment_method: 'pm_card_visa', expand: ['latest_charge'] });
    await stripe.paymentIntents.create({
      amount: 1500,
      currency: 'eur',
      customer: customer.id,
      payment_method: 'pm_card_chargeDeclined',
      confirm: true,
      metadata: { order_id: 'ord_2' },
    });
    // stripe-mock's spec predates `allowed_payment_method_types`; the older name is checked here.
    await stripe.paymentIntents.create({
      amount: 2000,
      currency: 'eur',
      payment_method: 'pm_sepaDebit',
      confirm: true,
      payment_method_types: ['sepa_debit'],
    } as Stripe.PaymentIntentCreateParams);
    await stripe.paymentIntents.update(intent.id, { metadata: { late: 'yes' } });
    await stripe.paymentIntents.cancel(intent.id, { cancellation_reason: 'abandoned' });
    await stripe.refunds.create({
      payment_intent: intent.id,
      amount: 2495,
      reason: 'requested_by_customer',
      metadata: { return_id: 'r1' },
    });
    await stripe.refunds.list({ payment_intent: intent.id, limit: 3 });
    await stripe.charges.list({ payment_intent: intent.id, created: { gte: 1_700_000_000 } });
    await stripe.charges.retrieve('ch_123', { expand: ['balance_transaction'] });
    await stripe.balanceTransactions.retrieve('txn_123');
    await stripe.customers.list({ limit: 3, starting_after: customer.id });
    await stripe.customers.search({ query: "metadata['monstock_customer']:'mc_1' AND email:'ada@example.com'" });
    await stripe.paymentIntents.search({ query: "metadata['order_id']:'ord_1' AND status:'succeeded'" });
    await stripe.paymentIntents.list({ customer: customer.id, expand: ['data.latest_charge'] });
    await stripe.events.list({ type: 'charge.dispute.*', delivery_success: false, created: { gte: 1_700_000_000 } });
    await stripe.events.list({ types: ['charge.succeeded', 'customer.created'] });
    await stripe.disputes.update('dp_123', {
      evidence: { uncategorized_text: 'winning_evidence' },
      metadata: { ticket: 'T-1' },
      submit: true,
    });
    await stripe.disputes.close('dp_123');
    await stripe.checkout.sessions.create({
      mode: 'payment',
      line_items: [{ price_data: { currency: 'eur', unit_amount: 1250, product_data: { name: 'Mug' } }, quantity: 2 }],
      success_url: 'https://shop.example.com/thanks',
      client_reference_id: 'cart-77',
      customer_email: 'buyer@example.com',
      metadata: { cart: '77' },
      payment_intent_data: { metadata: { order_id: 'ord-77' } },
    });
    await stripe.customers.del(customer.id);
  });

  it('names a wrong STRIPE_MOCK_PATH instead of silently using another binary', () => {
    expect(() => findStripeMock({ STRIPE_MOCK_PATH: '/nonexistent/stripe-mock', PATH: '' })).toThrow(
      /STRIPE_MOCK_PATH/,
    );
  });

  it('rejects a call Stripe would reject, so the check can fail', async () => {
    await expect(
      stripe.paymentIntents.create({ amount: 'lots' as unknown as number, currency: 'eur' }),
    ).rejects.toMatchObject({ type: 'StripeInvalidRequestError', statusCode: 400 });
    await expect(stripe.customers.create({ colour: 'blue' } as Stripe.CustomerCreateParams)).rejects.toMatchObject({
      statusCode: 400,
    });
    await expect(
      stripe.webhookEndpoints.create({
        url: 'http://127.0.0.1:3000/w',
        enabled_events: ['charge.*' as Stripe.WebhookEndpointCreateParams.EnabledEvent],
      }),
    ).rejects.toMatchObject({ statusCode: 400 });
  });

  describe('the sandbox refuses the same invalid calls', () => {
    let sandbox: StripeSandbox;
    beforeAll(async () => {
      sandbox = await startSandbox();
    });
    afterAll(() => sandbox.close());

    it('answers 400 where stripe-mock does', async () => {
      const sandboxClient = client(sandbox);
      await expect(
        sandboxClient.paymentIntents.create({ amount: 'lots' as unknown as number, currency: 'eur' }),
      ).rejects.toMatchObject({ statusCode: 400, param: 'amount' });
      await expect(
        sandboxClient.customers.create({ colour: 'blue' } as Stripe.CustomerCreateParams),
      ).rejects.toMatchObject({ statusCode: 400, param: 'colour' });
      await expect(
        sandboxClient.webhookEndpoints.create({
          url: 'http://127.0.0.1:3000/w',
          enabled_events: ['charge.*' as Stripe.WebhookEndpointCreateParams.EnabledEvent],
        }),
      ).rejects.toMatchObject({ statusCode: 400 });
    });
  });
});
