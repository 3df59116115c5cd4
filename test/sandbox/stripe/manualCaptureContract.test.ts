import Stripe from 'stripe';
import type { StripeSandbox } from '../../../sandbox/stripe/app';
import { startStripeMock, type StripeMock } from '../../support/stripeMock';
import { client, startSandbox } from './helpers';
import { requiredFields } from './sdkTypes';

/**
 * The manual-capture calls the connector makes, checked two ways: stripe-mock (Stripe's
 * OpenAPI spec) accepts each request as the sandbox is sent it, and every object the sandbox
 * answers along the way carries what the pinned SDK types require and what stripe-mock's
 * answer to the same call carries (stripe-mock is stateless, so keys are compared, not values).
 */
describe('stripe sandbox: manual capture against stripe-mock and the SDK types', () => {
  let mock: StripeMock;
  let mockStripe: Stripe;
  let sandbox: StripeSandbox;
  let stripe: Stripe;

  beforeAll(async () => {
    mock = await startStripeMock();
    mockStripe = new Stripe('sk_test_123', {
      host: '127.0.0.1',
      port: mock.port,
      protocol: 'http',
      maxNetworkRetries: 0,
    });
    sandbox = await startSandbox();
    stripe = client(sandbox);
  });
  afterAll(async () => {
    await mock?.stop();
    await sandbox?.close();
  });

  /**
   * Keys stripe-mock's answer has that the sandbox's lacks. stripe-mock's fixtures predate the
   * pinned API version: since 2022-11-15 a charge no longer embeds its `refunds` list.
   */
  const DROPPED_SINCE_MOCK_SPEC = ['lastResponse', 'refunds'];
  const missingAgainst = (reference: object, ours: object) =>
    Object.keys(reference).filter((key) => !DROPPED_SINCE_MOCK_SPEC.includes(key) && !(key in ours));
  const missingRequired = (object: object, file: string, name: string) =>
    requiredFields(file, name).filter((key) => !(key in object));

  const create: Stripe.PaymentIntentCreateParams = {
    amount: 5000,
    currency: 'eur',
    capture_method: 'manual',
    payment_method: 'pm_card_visa',
    confirm: true,
    metadata: { order_id: 'ord-contract' },
  };

  it('sends only requests stripe-mock accepts, and answers with at least its keys', async () => {
    const mockHeld = await mockStripe.paymentIntents.create(create);
    const held = await stripe.paymentIntents.create(create);
    expect(held.status).toBe('requires_capture');

    const capture: Stripe.PaymentIntentCaptureParams = {
      amount_to_capture: 3000,
      metadata: { captured_by: 'connector' },
    };
    const mockCaptured = await mockStripe.paymentIntents.capture(mockHeld.id, capture, {
      idempotencyKey: 'capture-contract',
    });
    const captured = await stripe.paymentIntents.capture(held.id, capture, { idempotencyKey: 'capture-contract' });
    expect(captured).toMatchObject({ status: 'succeeded', metadata: { captured_by: 'connector' } });

    const other = await stripe.paymentIntents.create(create);
    const cancel: Stripe.PaymentIntentCancelParams = { cancellation_reason: 'abandoned' };
    const mockCanceled = await mockStripe.paymentIntents.cancel(mockHeld.id, cancel);
    const canceled = await stripe.paymentIntents.cancel(other.id, cancel);

    await mockStripe.refunds.list({ payment_intent: mockHeld.id, limit: 100 });
    await mockStripe.charges.list({ payment_intent: mockHeld.id });
    const mockCharge = await mockStripe.charges.retrieve('ch_123');
    const heldCharge = await stripe.charges.retrieve(other.latest_charge as string);
    const capturedCharge = await stripe.charges.retrieve(held.latest_charge as string);

    const report = {
      'held PaymentIntent vs mock': missingAgainst(mockHeld, held),
      'captured PaymentIntent vs mock': missingAgainst(mockCaptured, captured),
      'canceled PaymentIntent vs mock': missingAgainst(mockCanceled, canceled),
      'uncaptured Charge vs mock': missingAgainst(mockCharge, heldCharge),
      'held PaymentIntent': missingRequired(held, 'PaymentIntents.d.ts', 'PaymentIntent'),
      'captured PaymentIntent': missingRequired(captured, 'PaymentIntents.d.ts', 'PaymentIntent'),
      'canceled PaymentIntent': missingRequired(canceled, 'PaymentIntents.d.ts', 'PaymentIntent'),
      'uncaptured Charge': missingRequired(heldCharge, 'Charges.d.ts', 'Charge'),
      'captured Charge': missingRequired(capturedCharge, 'Charges.d.ts', 'Charge'),
      'uncaptured Charge card': missingRequired(
        heldCharge.payment_method_details?.card as object,
        'Charges.d.ts',
        'Charge.PaymentMethodDetails.Card',
      ),
    };
    expect(report).toEqual(Object.fromEntries(Object.keys(report).map((key) => [key, []])));
    expect(typeof heldCharge.payment_method_details?.card?.capture_before).toBe('number');
  });

  it('stripe-mock and the sandbox both refuse a malformed capture', async () => {
    const bad = { amount_to_capture: 'all' as unknown as number };
    await expect(mockStripe.paymentIntents.capture('pi_123', bad)).rejects.toMatchObject({ statusCode: 400 });
    const held = await stripe.paymentIntents.create(create);
    await expect(stripe.paymentIntents.capture(held.id, bad)).rejects.toMatchObject({
      statusCode: 400,
      param: 'amount_to_capture',
    });
    const unknown = { colour: 'blue' } as unknown as Stripe.PaymentIntentCaptureParams;
    await expect(mockStripe.paymentIntents.capture('pi_123', unknown)).rejects.toMatchObject({ statusCode: 400 });
    await expect(stripe.paymentIntents.capture(held.id, unknown)).rejects.toMatchObject({
      statusCode: 400,
      param: 'colour',
    });
  });
});
