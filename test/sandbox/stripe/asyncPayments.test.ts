import type Stripe from 'stripe';
import type { StripeSandbox } from '../../../sandbox/stripe/app';
import { adminPost, client, startSandbox, waitFor } from './helpers';

/** SEPA debits (processing, then settled or failed) and refunds that fail after the fact. */
describe('stripe sandbox: asynchronous payments and refunds', () => {
  let sandbox: StripeSandbox;
  let stripe: Stripe;

  beforeAll(async () => {
    sandbox = await startSandbox({ sepaSettleMs: 300 });
    stripe = client(sandbox);
  });
  afterAll(() => sandbox.close());

  it('a SEPA debit is processing, then succeeds on its own', async () => {
    const intent = await stripe.paymentIntents.create({
      amount: 10_000,
      currency: 'eur',
      payment_method: 'pm_sepaDebit',
      confirm: true,
      metadata: { order_id: 'sepa-1' },
    });
    expect(intent.status).toBe('processing');
    const pending = await stripe.charges.retrieve(intent.latest_charge as string);
    expect(pending).toMatchObject({
      status: 'pending',
      paid: false,
      balance_transaction: null,
      payment_method_details: {
        type: 'sepa_debit',
        sepa_debit: expect.objectContaining({ last4: '3000', country: 'DE' }),
      },
    });
    const settled = await waitFor(async () => {
      const current = await stripe.paymentIntents.retrieve(intent.id, {
        expand: ['latest_charge.balance_transaction'],
      });
      return current.status === 'succeeded' && current;
    }, 'the debit to settle');
    const charge = settled.latest_charge as Stripe.Charge;
    expect(charge).toMatchObject({ status: 'succeeded', paid: true });
    // SEPA Direct Debit: a flat 0.35 EUR.
    expect(charge.balance_transaction).toMatchObject({ amount: 10_000, fee: 35, net: 9965 });
    const types = (await stripe.events.list({ limit: 100 })).data
      .filter(
        (event) =>
          (event.data.object as { id: string }).id === intent.id ||
          (event.data.object as { id: string }).id === charge.id,
      )
      .map((event) => event.type)
      .reverse();
    expect(types).toEqual([
      'payment_intent.created',
      'charge.pending',
      'payment_intent.processing',
      'charge.succeeded',
      'payment_intent.succeeded',
    ]);
  });

  it('the admin routes settle now or fail a processing debit', async () => {
    const slow = await startSandbox({ sepaSettleMs: 60_000 });
    try {
      const stripeSlow = client(slow);
      const toSettle = await stripeSlow.paymentIntents.create({
        amount: 2000,
        currency: 'eur',
        payment_method: 'pm_sepa_debit',
        confirm: true,
        allowed_payment_method_types: ['sepa_debit'],
      });
      expect(toSettle).toMatchObject({
        allowed_payment_method_types: ['sepa_debit'],
        payment_method_types: ['sepa_debit'],
      });
      const settled = await adminPost<Stripe.PaymentIntent>(slow, `/_sandbox/payment_intents/${toSettle.id}/settle`);
      expect(settled.body.status).toBe('succeeded');
      expect((await adminPost(slow, `/_sandbox/payment_intents/${toSettle.id}/settle`)).status).toBe(400);

      const toFail = await stripeSlow.paymentIntents.create({
        amount: 2000,
        currency: 'eur',
        payment_method: 'pm_sepaDebit',
        confirm: true,
      });
      const failed = await adminPost<Stripe.PaymentIntent>(slow, `/_sandbox/payment_intents/${toFail.id}/fail`);
      expect(failed.body).toMatchObject({
        status: 'requires_payment_method',
        last_payment_error: expect.objectContaining({ code: 'insufficient_funds' }),
      });
      expect(await stripeSlow.charges.retrieve(toFail.latest_charge as string)).toMatchObject({
        status: 'failed',
        failure_code: 'insufficient_funds',
      });
      const failedEvents = await stripeSlow.events.list({ types: ['payment_intent.payment_failed', 'charge.failed'] });
      expect(failedEvents.data).toHaveLength(2);
      // A card-only intent refuses the debit.
      const cardOnly = await stripeSlow.paymentIntents.create({
        amount: 2000,
        currency: 'eur',
        excluded_payment_method_types: ['sepa_debit'],
      });
      expect(cardOnly.payment_method_types).toEqual(['card']);
      await expect(
        stripeSlow.paymentIntents.confirm(cardOnly.id, { payment_method: 'pm_sepaDebit' }),
      ).rejects.toMatchObject({ statusCode: 400, param: 'payment_method' });
      // The older API versions' `payment_method_types` is understood too.
      const legacy = await stripeSlow.paymentIntents.create({
        amount: 2000,
        currency: 'eur',
        payment_method_types: ['card'],
      } as Stripe.PaymentIntentCreateParams);
      expect(legacy).toMatchObject({ payment_method_types: ['card'], automatic_payment_methods: null });
    } finally {
      await slow.close();
    }
  });

  it('a refund can fail afterwards, giving the money back to the balance', async () => {
    const intent = await stripe.paymentIntents.create({
      amount: 3000,
      currency: 'eur',
      payment_method: 'pm_card_visa',
      confirm: true,
    });
    const full = await stripe.refunds.create({ charge: intent.latest_charge as string });
    expect(full).toMatchObject({ amount: 3000, status: 'succeeded' });
    expect(await stripe.charges.retrieve(intent.latest_charge as string)).toMatchObject({
      refunded: true,
      amount_refunded: 3000,
    });
    await expect(stripe.refunds.create({ payment_intent: intent.id })).rejects.toMatchObject({
      code: 'charge_already_refunded',
    });

    const failed = await adminPost<Stripe.Refund>(sandbox, `/_sandbox/refunds/${full.id}/fail`, {
      failure_reason: 'expired_or_canceled_card',
    });
    expect(failed.body).toMatchObject({ status: 'failed', failure_reason: 'expired_or_canceled_card' });
    expect(await stripe.balanceTransactions.retrieve(failed.body.failure_balance_transaction as string)).toMatchObject({
      type: 'refund_failure',
      amount: 3000,
    });
    expect(await stripe.charges.retrieve(intent.latest_charge as string)).toMatchObject({
      refunded: false,
      amount_refunded: 0,
    });
    const refundEvents = await stripe.events.list({
      types: ['refund.failed', 'charge.refund.updated', 'refund.updated'],
    });
    expect(refundEvents.data.map((event) => event.type).sort()).toEqual([
      'charge.refund.updated',
      'refund.failed',
      'refund.updated',
    ]);
    expect(
      refundEvents.data.find((event) => event.type === 'charge.refund.updated')?.data.previous_attributes,
    ).toMatchObject({ status: 'succeeded' });
    expect((await stripe.refunds.list({ payment_intent: intent.id })).data.map((refund) => refund.id)).toEqual([
      full.id,
    ]);
    // What failed can be refunded again.
    expect((await stripe.refunds.create({ payment_intent: intent.id, amount: 1000 })).status).toBe('succeeded');
  });

  it('a SEPA refund is pending, then succeeds', async () => {
    const intent = await stripe.paymentIntents.create({
      amount: 4000,
      currency: 'eur',
      payment_method: 'pm_sepaDebit',
      confirm: true,
    });
    await adminPost(sandbox, `/_sandbox/payment_intents/${intent.id}/settle`);
    const refund = await stripe.refunds.create({ payment_intent: intent.id, amount: 1500 });
    expect(refund.status).toBe('pending');
    await waitFor(
      async () => (await stripe.refunds.retrieve(refund.id)).status === 'succeeded',
      'the refund to settle',
    );
    const [updated] = (await stripe.events.list({ type: 'refund.updated', limit: 1 })).data;
    expect(updated?.data.previous_attributes).toEqual({ status: 'pending' });
  });
});
