import type Stripe from 'stripe';
import type { StripeSandbox } from '../../../sandbox/stripe/app';
import { adminPost, client, startSandbox } from './helpers';

/** 3-D Secure: pm_card_threeDSecure2Required waits for the customer, who authenticates or not. */
describe('stripe sandbox: 3-D Secure', () => {
  let sandbox: StripeSandbox;
  let stripe: Stripe;

  beforeAll(async () => {
    sandbox = await startSandbox();
    stripe = client(sandbox);
  });
  afterAll(() => sandbox.close());

  const eventTypesOf = async (ids: string[]) =>
    (await stripe.events.list({ limit: 100 })).data
      .filter((event) => ids.includes((event.data.object as { id: string }).id))
      .map((event) => event.type)
      .reverse();

  const confirmThreeDs = () =>
    stripe.paymentIntents.create({
      amount: 5000,
      currency: 'eur',
      payment_method: 'pm_card_threeDSecure2Required',
      confirm: true,
    });

  it('confirming answers requires_action with a use_stripe_sdk next action and no charge', async () => {
    const intent = await confirmThreeDs();
    expect(intent).toMatchObject({
      status: 'requires_action',
      latest_charge: null,
      amount_received: 0,
      next_action: { type: 'use_stripe_sdk', use_stripe_sdk: expect.any(Object) },
    });
    expect(intent.payment_method).toMatch(/^pm_/);
    expect(await eventTypesOf([intent.id])).toEqual(['payment_intent.created', 'payment_intent.requires_action']);
    const retrieved = await stripe.paymentIntents.retrieve(intent.id);
    expect(retrieved.status).toBe('requires_action');
  });

  it('a successful authentication charges the card and books the money', async () => {
    const intent = await confirmThreeDs();
    const answer = await adminPost<Stripe.PaymentIntent>(
      sandbox,
      `/_sandbox/payment_intents/${intent.id}/authenticate`,
      {
        outcome: 'succeed',
      },
    );
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ status: 'succeeded', amount_received: 5000, next_action: null });
    const paid = await stripe.paymentIntents.retrieve(intent.id, { expand: ['latest_charge.balance_transaction'] });
    const charge = paid.latest_charge as Stripe.Charge;
    expect(charge).toMatchObject({ status: 'succeeded', paid: true, amount: 5000 });
    expect(charge.balance_transaction).toMatchObject({ amount: 5000 });
    expect(await eventTypesOf([intent.id, charge.id])).toEqual([
      'payment_intent.created',
      'payment_intent.requires_action',
      'charge.succeeded',
      'payment_intent.succeeded',
    ]);
    // Only an intent waiting for authentication can be authenticated.
    expect(
      (await adminPost(sandbox, `/_sandbox/payment_intents/${intent.id}/authenticate`, { outcome: 'succeed' })).status,
    ).toBe(400);
  });

  it('a failed authentication wants another payment method and says why', async () => {
    const intent = await confirmThreeDs();
    const answer = await adminPost<Stripe.PaymentIntent>(
      sandbox,
      `/_sandbox/payment_intents/${intent.id}/authenticate`,
      {
        outcome: 'fail',
      },
    );
    expect(answer.body).toMatchObject({
      status: 'requires_payment_method',
      payment_method: null,
      next_action: null,
      latest_charge: null,
      last_payment_error: { code: 'payment_intent_authentication_failure', type: 'invalid_request_error' },
    });
    expect(await eventTypesOf([intent.id])).toEqual([
      'payment_intent.created',
      'payment_intent.requires_action',
      'payment_intent.payment_failed',
    ]);
    // The customer can then pay with another card.
    const retried = await stripe.paymentIntents.confirm(intent.id, { payment_method: 'pm_card_visa' });
    expect(retried.status).toBe('succeeded');
  });

  it('refuses an unknown outcome and an unknown intent', async () => {
    const intent = await confirmThreeDs();
    const route = `/_sandbox/payment_intents/${intent.id}/authenticate`;
    expect((await adminPost(sandbox, route, { outcome: 'maybe' })).status).toBe(400);
    expect(
      (await adminPost(sandbox, '/_sandbox/payment_intents/pi_missing/authenticate', { outcome: 'fail' })).status,
    ).toBe(404);
  });
});
