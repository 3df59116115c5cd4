import type Stripe from 'stripe';
import type { StripeSandbox } from '../../../sandbox/stripe/app';
import {
  adminGet,
  adminPost,
  client,
  startReceiver,
  startSandbox,
  verifiedEvents,
  waitFor,
  type WebhookReceiver,
} from './helpers';

/**
 * Manual capture as Stripe does it for cards: authorise, then capture all or part, cancel, or
 * let the hold lapse (shortened here through the expiry knob and the sandbox clock).
 */
describe('stripe sandbox: manual capture', () => {
  const SECRET = 'whsec_manual_capture_tests';
  let sandbox: StripeSandbox;
  let stripe: Stripe;
  let receiver: WebhookReceiver;

  const authorize = (amount = 5000, extra: Partial<Stripe.PaymentIntentCreateParams> = {}) =>
    stripe.paymentIntents.create({
      amount,
      currency: 'eur',
      capture_method: 'manual',
      payment_method: 'pm_card_visa',
      confirm: true,
      metadata: { order_id: 'ord-hold' },
      ...extra,
    });
  const eventsFor = (id: string) =>
    verifiedEvents(stripe, receiver, SECRET).filter(
      (event) =>
        (event.data.object as { id: string; payment_intent?: string }).id === id ||
        (event.data.object as { payment_intent?: string }).payment_intent === id,
    );

  beforeAll(async () => {
    receiver = await startReceiver();
    sandbox = await startSandbox({ webhookUrl: receiver.url, webhookSecret: SECRET });
    stripe = client(sandbox);
  });
  afterAll(async () => {
    await sandbox.close();
    await receiver.close();
  });
  beforeEach(async () => {
    await adminPost(sandbox, '/_sandbox/reset');
    receiver.received.length = 0;
  });

  it('authorises without moving money, then captures it all', async () => {
    const before = Math.floor(Date.now() / 1000);
    const held = await authorize();
    expect(held).toMatchObject({
      status: 'requires_capture',
      capture_method: 'manual',
      amount_capturable: 5000,
      amount_received: 0,
    });
    const charge = await stripe.charges.retrieve(held.latest_charge as string);
    expect(charge).toMatchObject({
      captured: false,
      status: 'succeeded',
      paid: true,
      amount_captured: 0,
      balance_transaction: null,
    });
    const captureBefore = charge.payment_method_details?.card?.capture_before as number;
    expect(captureBefore).toBeGreaterThanOrEqual(before + 7 * 24 * 3600);
    expect(captureBefore).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) + 7 * 24 * 3600);
    // Nothing to refund while only authorised.
    await expect(stripe.refunds.create({ payment_intent: held.id })).rejects.toMatchObject({ statusCode: 400 });

    const captured = await stripe.paymentIntents.capture(held.id);
    expect(captured).toMatchObject({ status: 'succeeded', amount_received: 5000, amount_capturable: 0 });
    const capturedCharge = await stripe.charges.retrieve(held.latest_charge as string, {
      expand: ['balance_transaction'],
    });
    expect(capturedCharge).toMatchObject({
      captured: true,
      amount_captured: 5000,
      amount_refunded: 0,
      refunded: false,
    });
    const ledger = capturedCharge.balance_transaction as Stripe.BalanceTransaction;
    expect(ledger).toMatchObject({ type: 'charge', amount: 5000 });
    expect(ledger.fee).toBeGreaterThan(0);
    expect(ledger.net).toBe(5000 - ledger.fee);

    const types = (
      await waitFor(() => {
        const seen = eventsFor(held.id).map((event) => event.type);
        return seen.includes('payment_intent.succeeded') && seen;
      }, 'the capture events')
    ).sort();
    expect(types).toEqual(
      [
        'charge.captured',
        'charge.succeeded',
        'payment_intent.amount_capturable_updated',
        'payment_intent.created',
        'payment_intent.succeeded',
      ].sort(),
    );
  });

  it('captures part and releases the rest; refunds only reach what was captured', async () => {
    const held = await authorize(5000);
    const captured = await stripe.paymentIntents.capture(held.id, { amount_to_capture: 3000 });
    expect(captured).toMatchObject({ status: 'succeeded', amount_received: 3000, amount_capturable: 0 });
    const charge = await stripe.charges.retrieve(held.latest_charge as string, { expand: ['balance_transaction'] });
    expect(charge).toMatchObject({ captured: true, amount: 5000, amount_captured: 3000, refunded: false });
    expect(charge.amount_refunded).toBe(2000);
    expect(charge.balance_transaction).toMatchObject({ amount: 3000 });
    await expect(stripe.refunds.create({ payment_intent: held.id, amount: 3001 })).rejects.toMatchObject({
      code: 'amount_too_large',
    });
    const refund = await stripe.refunds.create({ payment_intent: held.id, metadata: { return_id: 'r-1' } });
    expect(refund.amount).toBe(3000);
    expect(await stripe.charges.retrieve(held.latest_charge as string)).toMatchObject({
      amount_refunded: 5000,
      refunded: true,
    });
  });

  it('refuses to capture more than authorised, or an intent not awaiting capture', async () => {
    const held = await authorize(2000);
    await expect(stripe.paymentIntents.capture(held.id, { amount_to_capture: 2001 })).rejects.toMatchObject({
      statusCode: 400,
      type: 'StripeInvalidRequestError',
      code: 'amount_too_large',
      param: 'amount_to_capture',
    });
    const automatic = await stripe.paymentIntents.create({
      amount: 2000,
      currency: 'eur',
      payment_method: 'pm_card_visa',
      confirm: true,
    });
    await expect(stripe.paymentIntents.capture(automatic.id)).rejects.toMatchObject({
      statusCode: 400,
      code: 'payment_intent_unexpected_state',
    });
    await stripe.paymentIntents.capture(held.id);
    await expect(stripe.paymentIntents.capture(held.id)).rejects.toMatchObject({
      code: 'payment_intent_unexpected_state',
    });
    // Bank debits have nothing to hold.
    await expect(
      stripe.paymentIntents.create({
        amount: 2000,
        currency: 'eur',
        capture_method: 'manual',
        payment_method: 'pm_sepaDebit',
        confirm: true,
      }),
    ).rejects.toMatchObject({ statusCode: 400 });
  });

  it('answers a retried capture with the same idempotency key from memory', async () => {
    const held = await authorize(4000);
    const first = await stripe.paymentIntents.capture(
      held.id,
      { amount_to_capture: 1500 },
      { idempotencyKey: `capture-${held.id}` },
    );
    const again = await stripe.paymentIntents.capture(
      held.id,
      { amount_to_capture: 1500 },
      { idempotencyKey: `capture-${held.id}` },
    );
    expect(again).toEqual(first);
    expect(again.lastResponse.headers['idempotent-replayed']).toBe('true');
    const ledgers = await stripe.balanceTransactions.list({ type: 'charge' });
    expect(ledgers.data).toHaveLength(1);
  });

  it('cancelling an authorised intent releases the hold', async () => {
    const held = await authorize(2500);
    const canceled = await stripe.paymentIntents.cancel(held.id, { cancellation_reason: 'requested_by_customer' });
    expect(canceled).toMatchObject({
      status: 'canceled',
      cancellation_reason: 'requested_by_customer',
      amount_capturable: 0,
      amount_received: 0,
    });
    expect(await stripe.charges.retrieve(held.latest_charge as string)).toMatchObject({
      captured: false,
      refunded: true,
      amount_refunded: 2500,
      balance_transaction: null,
    });
    expect((await stripe.balanceTransactions.list()).data).toHaveLength(0);
    await expect(stripe.paymentIntents.capture(held.id)).rejects.toMatchObject({
      code: 'payment_intent_unexpected_state',
    });
    const types = await waitFor(() => {
      const seen = eventsFor(held.id).map((event) => event.type);
      return seen.includes('payment_intent.canceled') && seen;
    }, 'the cancel event');
    expect(types).toContain('charge.refunded');
  });

  it('lets an authorisation lapse after the shortened expiry, in real time', async () => {
    expect((await adminGet(sandbox, '/_sandbox/authorization_expiry')).body).toEqual({ seconds: 7 * 24 * 3600 });
    expect((await adminPost(sandbox, '/_sandbox/authorization_expiry', { seconds: 1 })).body).toEqual({ seconds: 1 });
    expect((await adminPost(sandbox, '/_sandbox/authorization_expiry', { seconds: -3 })).status).toBe(400);
    const held = await authorize(1800);
    const charge = await stripe.charges.retrieve(held.latest_charge as string);
    expect(charge.payment_method_details?.card?.capture_before).toBe(charge.created + 1);
    const lapsed = await waitFor(async () => {
      const intent = await stripe.paymentIntents.retrieve(held.id);
      return intent.status === 'canceled' && intent;
    }, 'the authorisation to lapse');
    expect(lapsed).toMatchObject({ cancellation_reason: 'automatic', amount_capturable: 0 });
    expect(await stripe.charges.retrieve(held.latest_charge as string)).toMatchObject({ refunded: true });
    const types = await waitFor(() => {
      const seen = eventsFor(held.id).map((event) => event.type);
      return seen.includes('payment_intent.canceled') && seen;
    }, 'the lapse events');
    expect(types).toContain('charge.expired');
    await expect(stripe.paymentIntents.capture(held.id)).rejects.toMatchObject({
      code: 'payment_intent_unexpected_state',
    });
    // A reset returns to Stripe's seven days.
    await adminPost(sandbox, '/_sandbox/reset');
    expect((await adminGet(sandbox, '/_sandbox/authorization_expiry')).body).toEqual({ seconds: 7 * 24 * 3600 });
  });

  it('lets an authorisation lapse once the sandbox clock passes capture_before', async () => {
    const held = await authorize(1200);
    const other = await authorize(1300);
    await adminPost(sandbox, '/_sandbox/clock/advance', { seconds: 6 * 24 * 3600 });
    expect((await stripe.paymentIntents.retrieve(held.id)).status).toBe('requires_capture');
    await stripe.paymentIntents.capture(other.id);
    await adminPost(sandbox, '/_sandbox/clock/advance', { seconds: 24 * 3600 + 5 });
    expect(await stripe.paymentIntents.retrieve(held.id)).toMatchObject({
      status: 'canceled',
      cancellation_reason: 'automatic',
    });
    expect((await stripe.paymentIntents.retrieve(other.id)).status).toBe('succeeded');
  });

  it('the expire knob lapses one authorisation at once', async () => {
    const held = await authorize(900);
    const expired = await adminPost<Stripe.PaymentIntent>(sandbox, `/_sandbox/payment_intents/${held.id}/expire`);
    expect(expired.body).toMatchObject({ status: 'canceled', cancellation_reason: 'automatic' });
    expect((await adminPost(sandbox, `/_sandbox/payment_intents/${held.id}/expire`)).status).toBe(400);
  });

  it('a refund of a captured payment can fail afterwards, signed events included', async () => {
    const held = await authorize(4000);
    await stripe.paymentIntents.capture(held.id);
    const mine = await stripe.refunds.create({ payment_intent: held.id, amount: 1000, metadata: { return_id: 'r-9' } });
    await stripe.refunds.create({ charge: held.latest_charge as string, amount: 500 });
    const failed = await adminPost<Stripe.Refund>(sandbox, `/_sandbox/refunds/${mine.id}/fail`);
    expect(failed.body).toMatchObject({ status: 'failed', failure_reason: 'expired_or_canceled_card' });
    expect(await stripe.charges.retrieve(held.latest_charge as string)).toMatchObject({
      amount_refunded: 500,
      refunded: false,
    });
    const listed = await stripe.refunds.list({ payment_intent: held.id });
    expect(listed.data.find((refund) => refund.metadata?.return_id === 'r-9')).toMatchObject({ status: 'failed' });
    expect((await stripe.charges.list({ payment_intent: held.id })).data.map((charge) => charge.id)).toEqual([
      held.latest_charge,
    ]);
    const types = await waitFor(() => {
      const seen = eventsFor(mine.id).map((event) => event.type);
      return seen.includes('refund.failed') && seen.includes('charge.refund.updated') && seen;
    }, 'the refund failure events');
    expect(types).toEqual(expect.arrayContaining(['refund.created', 'refund.failed', 'charge.refund.updated']));
  });
});
