import type Stripe from 'stripe';
import type { StripeSandbox } from '../../../sandbox/stripe/app';
import { adminPost, client, startSandbox, waitFor } from './helpers';

/** Checkout Sessions, completed by the admin route that plays the buyer. */
describe('stripe sandbox: checkout sessions', () => {
  let sandbox: StripeSandbox;
  let stripe: Stripe;

  beforeAll(async () => {
    sandbox = await startSandbox({ sepaSettleMs: 200 });
    stripe = client(sandbox);
  });
  afterAll(() => sandbox.close());

  const createSession = (extra: Partial<Stripe.Checkout.SessionCreateParams> = {}) =>
    stripe.checkout.sessions.create({
      mode: 'payment',
      line_items: [
        { price_data: { currency: 'eur', unit_amount: 1250, product_data: { name: 'Mug' } }, quantity: 2 },
        { price_data: { currency: 'eur', unit_amount: 500, product_data: { name: 'Sticker' } }, quantity: 1 },
      ],
      success_url: 'https://shop.example.com/thanks',
      client_reference_id: 'cart-77',
      metadata: { cart: '77' },
      payment_intent_data: { metadata: { order_id: 'ord-77' } },
      ...extra,
    });

  it('completes a session: customer, payment and events', async () => {
    const session = await createSession({ customer_email: 'buyer@example.com' });
    expect(session).toMatchObject({
      object: 'checkout.session',
      status: 'open',
      payment_status: 'unpaid',
      amount_total: 3000,
      currency: 'eur',
      payment_intent: null,
      client_reference_id: 'cart-77',
    });
    expect(session.id).toMatch(/^cs_test_/);
    expect(session.url).toContain(session.id);
    const items = await stripe.checkout.sessions.listLineItems(session.id);
    expect(items.data.map((item) => [item.description, item.quantity, item.amount_total])).toEqual([
      ['Mug', 2, 2500],
      ['Sticker', 1, 500],
    ]);

    const completed = await adminPost<Stripe.Checkout.Session>(
      sandbox,
      `/_sandbox/checkout/sessions/${session.id}/complete`,
      {},
    );
    expect(completed.status).toBe(200);
    expect(completed.body).toMatchObject({
      status: 'complete',
      payment_status: 'paid',
      customer: expect.stringMatching(/^cus_/),
    });
    const intent = await stripe.paymentIntents.retrieve(completed.body.payment_intent as string);
    expect(intent).toMatchObject({
      status: 'succeeded',
      amount: 3000,
      metadata: { order_id: 'ord-77' },
      customer: completed.body.customer,
    });
    expect((await stripe.customers.retrieve(completed.body.customer as string)) as Stripe.Customer).toMatchObject({
      email: 'buyer@example.com',
    });
    const retrieved = await stripe.checkout.sessions.retrieve(session.id, { expand: ['payment_intent', 'line_items'] });
    expect((retrieved.payment_intent as Stripe.PaymentIntent).id).toBe(intent.id);
    expect(retrieved.line_items?.data).toHaveLength(2);
    const [event] = (await stripe.events.list({ type: 'checkout.session.completed' })).data;
    expect(event?.data.object as Stripe.Checkout.Session).toMatchObject({
      id: session.id,
      metadata: { cart: '77' },
      client_reference_id: 'cart-77',
    });
    expect((await stripe.checkout.sessions.list({ payment_intent: intent.id })).data.map((item) => item.id)).toEqual([
      session.id,
    ]);
    expect((await adminPost(sandbox, `/_sandbox/checkout/sessions/${session.id}/complete`, {})).status).toBe(400);

    // A second session for the same email reuses that customer.
    const again = await createSession({ customer_email: 'buyer@example.com' });
    const secondCompletion = await adminPost<Stripe.Checkout.Session>(
      sandbox,
      `/_sandbox/checkout/sessions/${again.id}/complete`,
      { payment_method: 'pm_card_mastercard' },
    );
    expect(secondCompletion.body.customer).toBe(completed.body.customer);
  });

  it('stays open after a declined card, then completes with the same payment intent', async () => {
    const session = await createSession();
    const declined = await adminPost<{ error: { code: string; payment_intent: { id: string } } }>(
      sandbox,
      `/_sandbox/checkout/sessions/${session.id}/complete`,
      { payment_method: 'pm_card_chargeDeclined' },
    );
    expect(declined.status).toBe(402);
    expect(declined.body.error.code).toBe('card_declined');
    expect((await stripe.checkout.sessions.retrieve(session.id)).status).toBe('open');
    const completed = await adminPost<Stripe.Checkout.Session>(
      sandbox,
      `/_sandbox/checkout/sessions/${session.id}/complete`,
      { payment_method: 'pm_card_visa' },
    );
    expect(completed.body.payment_intent).toBe(declined.body.error.payment_intent.id);
    expect(completed.body.customer).toBeNull();
  });

  it('follows a SEPA payment with async_payment_succeeded, and expires open sessions', async () => {
    const session = await createSession();
    const completed = await adminPost<Stripe.Checkout.Session>(
      sandbox,
      `/_sandbox/checkout/sessions/${session.id}/complete`,
      { payment_method: 'pm_sepaDebit' },
    );
    expect(completed.body).toMatchObject({ status: 'complete', payment_status: 'unpaid' });
    await waitFor(
      async () => (await stripe.checkout.sessions.retrieve(session.id)).payment_status === 'paid',
      'the session to be paid',
    );
    const [event] = (await stripe.events.list({ type: 'checkout.session.async_payment_succeeded' })).data;
    expect((event?.data.object as Stripe.Checkout.Session).id).toBe(session.id);

    const abandoned = await createSession();
    const expired = await stripe.checkout.sessions.expire(abandoned.id);
    expect(expired.status).toBe('expired');
    await expect(
      stripe.checkout.sessions.create({ mode: 'subscription', line_items: [{ price: 'price_123', quantity: 1 }] }),
    ).rejects.toMatchObject({ statusCode: 400, param: 'mode' });
  });
});
