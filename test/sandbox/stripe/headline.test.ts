import Stripe from 'stripe';
import type { StripeSandbox } from '../../../sandbox/stripe/app';
import { client, startReceiver, startSandbox, verifiedEvents, waitFor, type WebhookReceiver } from './helpers';

/**
 * The connector's day in one run, through the official SDK only: a customer pays, is refunded
 * half, a second payment is declined, a third is disputed; objects, ledger, events and signed
 * webhooks (to a created endpoint and to the start endpoint) must all agree.
 */
describe('stripe sandbox: headline scenario', () => {
  const START_SECRET = 'whsec_start_endpoint_secret_for_tests';
  let sandbox: StripeSandbox;
  let stripe: Stripe;
  let created: WebhookReceiver;
  let start: WebhookReceiver;

  beforeAll(async () => {
    created = await startReceiver();
    start = await startReceiver();
    sandbox = await startSandbox({ webhookUrl: start.url, webhookSecret: START_SECRET });
    stripe = client(sandbox);
  });

  afterAll(async () => {
    await sandbox.close();
    await created.close();
    await start.close();
  });

  it('pays, refunds, declines, disputes, and tells everyone about it', async () => {
    const endpoint = await stripe.webhookEndpoints.create({
      url: created.url,
      enabled_events: ['*'],
      description: 'connector',
    });
    expect(endpoint.secret).toMatch(/^whsec_/);
    const endpointSecret = endpoint.secret as string;
    expect((await stripe.webhookEndpoints.retrieve(endpoint.id)).secret).toBeUndefined();

    const customer = await stripe.customers.create({
      email: 'ada@example.com',
      name: 'Ada',
      metadata: { monstock_customer: 'mc_1' },
    });
    expect(customer).toMatchObject({
      object: 'customer',
      livemode: false,
      email: 'ada@example.com',
      metadata: { monstock_customer: 'mc_1' },
    });
    expect(customer.id).toMatch(/^cus_/);

    // 1. A card payment that succeeds.
    const paid = await stripe.paymentIntents.create({
      amount: 4990,
      currency: 'EUR',
      customer: customer.id,
      metadata: { order_id: 'ord_1' },
      description: 'Order 1',
    });
    expect(paid).toMatchObject({
      status: 'requires_payment_method',
      currency: 'eur',
      amount: 4990,
      metadata: { order_id: 'ord_1' },
    });
    const confirmed = await stripe.paymentIntents.confirm(paid.id, {
      payment_method: 'pm_card_visa',
      expand: ['latest_charge.balance_transaction'],
    });
    expect(confirmed.status).toBe('succeeded');
    expect(confirmed.amount_received).toBe(4990);
    expect(confirmed.payment_method).toMatch(/^pm_/);
    const charge = confirmed.latest_charge as Stripe.Charge;
    expect(charge).toMatchObject({
      object: 'charge',
      status: 'succeeded',
      paid: true,
      captured: true,
      amount: 4990,
      amount_captured: 4990,
      payment_intent: paid.id,
      customer: customer.id,
    });
    expect(charge.metadata).toEqual({ order_id: 'ord_1' });
    expect(charge.payment_method_details?.type).toBe('card');
    expect(charge.payment_method_details?.card).toMatchObject({ brand: 'visa', last4: '4242', funding: 'credit' });
    const ledger = charge.balance_transaction as Stripe.BalanceTransaction;
    // EUR card: 1.5% of 4990 = 74.85 → 75, plus 25.
    expect(ledger).toMatchObject({
      object: 'balance_transaction',
      type: 'charge',
      amount: 4990,
      fee: 100,
      net: 4890,
      currency: 'eur',
      source: charge.id,
      status: 'pending',
    });
    expect(ledger.fee_details).toEqual([expect.objectContaining({ amount: 100, type: 'stripe_fee' })]);
    const unexpanded = await stripe.paymentIntents.retrieve(paid.id);
    expect(unexpanded.latest_charge).toBe(charge.id);

    // 2. Half of it refunded.
    const refund = await stripe.refunds.create({
      payment_intent: paid.id,
      amount: 2495,
      reason: 'requested_by_customer',
      metadata: { return_id: 'r1' },
    });
    expect(refund).toMatchObject({
      object: 'refund',
      status: 'succeeded',
      amount: 2495,
      charge: charge.id,
      payment_intent: paid.id,
      reason: 'requested_by_customer',
    });
    const refundedCharge = await stripe.charges.retrieve(charge.id);
    expect(refundedCharge).toMatchObject({ amount_refunded: 2495, refunded: false });
    const refundLedger = await stripe.balanceTransactions.retrieve(refund.balance_transaction as string);
    expect(refundLedger).toMatchObject({ type: 'refund', amount: -2495, fee: 0, net: -2495, source: refund.id });
    await expect(stripe.refunds.create({ payment_intent: paid.id, amount: 2496 })).rejects.toMatchObject({
      type: 'StripeInvalidRequestError',
      code: 'amount_too_large',
      param: 'amount',
    });

    // 3. A declined card.
    const declinedError = await stripe.paymentIntents
      .create({
        amount: 1500,
        currency: 'eur',
        customer: customer.id,
        metadata: { order_id: 'ord_2' },
        payment_method: 'pm_card_chargeDeclined',
        confirm: true,
      })
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(declinedError).toBeInstanceOf(Stripe.errors.StripeCardError);
    const cardError = declinedError as Stripe.errors.StripeCardError;
    expect(cardError).toMatchObject({
      statusCode: 402,
      code: 'card_declined',
      decline_code: 'generic_decline',
      message: 'Your card was declined.',
    });
    const declinedIntent = cardError.payment_intent as Stripe.PaymentIntent;
    expect(declinedIntent.status).toBe('requires_payment_method');
    const declined = await stripe.paymentIntents.retrieve(declinedIntent.id);
    expect(declined.last_payment_error).toMatchObject({
      type: 'card_error',
      code: 'card_declined',
      decline_code: 'generic_decline',
    });
    expect(declined.payment_method).toBeNull();
    const failedCharges = await stripe.charges.list({ payment_intent: declined.id });
    expect(failedCharges.data).toHaveLength(1);
    expect(failedCharges.data[0]).toMatchObject({
      status: 'failed',
      paid: false,
      failure_code: 'card_declined',
      balance_transaction: null,
      id: cardError.charge,
    });

    // 4. A payment that gets disputed a moment later.
    const disputedIntent = await stripe.paymentIntents.create({
      amount: 8000,
      currency: 'eur',
      customer: customer.id,
      payment_method: 'pm_card_createDispute',
      confirm: true,
      metadata: { order_id: 'ord_3' },
    });
    expect(disputedIntent.status).toBe('succeeded');
    const disputedChargeId = disputedIntent.latest_charge as string;
    const dispute = await waitFor(
      async () => (await stripe.disputes.list({ charge: disputedChargeId })).data[0],
      'the dispute to open',
    );
    expect(dispute).toMatchObject({
      object: 'dispute',
      status: 'needs_response',
      reason: 'fraudulent',
      amount: 8000,
      currency: 'eur',
      charge: disputedChargeId,
      payment_intent: disputedIntent.id,
    });
    expect(dispute.balance_transactions).toEqual([
      expect.objectContaining({ amount: -8000, fee: 1500, net: -9500, type: 'adjustment' }),
    ]);
    expect(await stripe.charges.retrieve(disputedChargeId)).toMatchObject({ disputed: true });

    // Events, newest first, as the API lists them.
    const events = await stripe.events.list({ limit: 100 });
    const types = events.data.map((event) => event.type).reverse();
    expect(types).toEqual([
      'customer.created',
      'payment_intent.created',
      'charge.succeeded',
      'payment_intent.succeeded',
      'refund.created',
      'charge.refunded',
      'payment_intent.created',
      'charge.failed',
      'payment_intent.payment_failed',
      'payment_intent.created',
      'charge.succeeded',
      'payment_intent.succeeded',
      'charge.dispute.created',
      'charge.dispute.funds_withdrawn',
    ]);
    const succeededEvent = events.data.find(
      (event) =>
        event.type === 'payment_intent.succeeded' && (event.data.object as Stripe.PaymentIntent).id === paid.id,
    );
    expect(succeededEvent).toMatchObject({
      object: 'event',
      livemode: false,
      api_version: Stripe.API_VERSION,
      request: { id: expect.stringMatching(/^req_/) },
    });
    expect((succeededEvent?.data.object as Stripe.PaymentIntent).metadata).toEqual({ order_id: 'ord_1' });
    const disputeEvents = await stripe.events.list({ type: 'charge.dispute.*' });
    expect(disputeEvents.data.map((event) => event.type).sort()).toEqual([
      'charge.dispute.created',
      'charge.dispute.funds_withdrawn',
    ]);

    // Both endpoints receive every event, each signed with its own secret.
    const ids = new Set(events.data.map((event) => event.id));
    await waitFor(
      () => created.received.length >= ids.size && start.received.length >= ids.size,
      'all webhook deliveries',
    );
    const viaCreated = verifiedEvents(stripe, created, endpointSecret);
    const viaStart = verifiedEvents(stripe, start, START_SECRET);
    expect(new Set(viaCreated.map((event) => event.id))).toEqual(ids);
    expect(new Set(viaStart.map((event) => event.id))).toEqual(ids);
    expect(() => verifiedEvents(stripe, created, START_SECRET)).toThrow(Stripe.errors.StripeSignatureVerificationError);
    const delivered = viaCreated.find((event) => event.type === 'payment_intent.payment_failed');
    expect((delivered?.data.object as Stripe.PaymentIntent).last_payment_error?.decline_code).toBe('generic_decline');
    await waitFor(
      async () => (await stripe.events.retrieve(delivered?.id as string)).pending_webhooks === 0,
      'pending_webhooks to drop to 0',
    );
  });
});
