import type Stripe from 'stripe';
import type { StripeSandbox } from '../../../sandbox/stripe/app';
import { client, startSandbox, waitFor } from './helpers';
import { requiredFields } from './sdkTypes';

/**
 * Every object the sandbox answers carries each property the installed SDK's types mark as
 * required for its pinned API version, so connector code typed against the SDK never reads
 * `undefined` where Stripe would give a value or null.
 */
describe('stripe sandbox: object shapes follow the pinned SDK types', () => {
  let sandbox: StripeSandbox;
  let stripe: Stripe;
  beforeAll(async () => {
    sandbox = await startSandbox();
    stripe = client(sandbox);
  });
  afterAll(() => sandbox.close());

  const missing = (object: object, file: string, name: string) =>
    requiredFields(file, name).filter((key) => !(key in object));

  it('has every required field', async () => {
    const customer = await stripe.customers.create({ email: 'shape@example.com' });
    const disputed = await stripe.paymentIntents.create({
      amount: 1000,
      currency: 'eur',
      customer: customer.id,
      payment_method: 'pm_card_createDispute',
      confirm: true,
    });
    const charge = await stripe.charges.retrieve(disputed.latest_charge as string);
    const paid = await stripe.paymentIntents.create({
      amount: 1000,
      currency: 'eur',
      payment_method: 'pm_card_visa',
      confirm: true,
    });
    const refund = await stripe.refunds.create({ payment_intent: paid.id });
    const dispute = await waitFor(
      async () => (await stripe.disputes.list({ charge: charge.id })).data[0],
      'the dispute',
    );
    const transaction = await stripe.balanceTransactions.retrieve(charge.balance_transaction as string);
    const endpoint = await stripe.webhookEndpoints.create({ url: 'http://127.0.0.1:9/hooks', enabled_events: ['*'] });
    const session = await stripe.checkout.sessions.create({
      mode: 'payment',
      line_items: [{ price_data: { currency: 'eur', unit_amount: 100, product_data: { name: 'x' } }, quantity: 1 }],
    });
    const paymentMethod = await stripe.paymentMethods.retrieve(disputed.payment_method as string);
    const [event] = (await stripe.events.list({ limit: 1 })).data;
    const sepa = await stripe.paymentIntents.create({
      amount: 1000,
      currency: 'eur',
      payment_method: 'pm_sepaDebit',
      confirm: true,
    });
    const sepaCharge = await stripe.charges.retrieve(sepa.latest_charge as string);

    const report = {
      PaymentIntent: missing(disputed, 'PaymentIntents.d.ts', 'PaymentIntent'),
      Charge: missing(charge, 'Charges.d.ts', 'Charge'),
      'Charge.Outcome': missing(charge.outcome as object, 'Charges.d.ts', 'Charge.Outcome'),
      'Charge.BillingDetails': missing(charge.billing_details, 'Charges.d.ts', 'Charge.BillingDetails'),
      'Charge.PaymentMethodDetails.Card': missing(
        charge.payment_method_details?.card as object,
        'Charges.d.ts',
        'Charge.PaymentMethodDetails.Card',
      ),
      'Charge.PaymentMethodDetails.SepaDebit': missing(
        sepaCharge.payment_method_details?.sepa_debit as object,
        'Charges.d.ts',
        'Charge.PaymentMethodDetails.SepaDebit',
      ),
      Customer: missing(customer, 'Customers.d.ts', 'Customer'),
      Refund: missing(refund, 'Refunds.d.ts', 'Refund'),
      Dispute: missing(dispute, 'Disputes.d.ts', 'Dispute'),
      'Dispute.Evidence': missing(dispute.evidence, 'Disputes.d.ts', 'Dispute.Evidence'),
      'Dispute.EvidenceDetails': missing(dispute.evidence_details, 'Disputes.d.ts', 'Dispute.EvidenceDetails'),
      BalanceTransaction: missing(transaction, 'BalanceTransactions.d.ts', 'BalanceTransaction'),
      'BalanceTransaction.FeeDetail': missing(
        transaction.fee_details[0] as object,
        'BalanceTransactions.d.ts',
        'BalanceTransaction.FeeDetail',
      ),
      WebhookEndpoint: missing(endpoint, 'WebhookEndpoints.d.ts', 'WebhookEndpoint'),
      'Checkout.Session': missing(session, 'Checkout/Sessions.d.ts', 'Session'),
      PaymentMethod: missing(paymentMethod, 'PaymentMethods.d.ts', 'PaymentMethod'),
      'PaymentMethod.Card': missing(paymentMethod.card as object, 'PaymentMethods.d.ts', 'PaymentMethod.Card'),
      Event: missing(event as object, 'Events.d.ts', 'EventBase'),
    };
    expect(report).toEqual(Object.fromEntries(Object.keys(report).map((key) => [key, []])));
    expect(requiredFields('PaymentIntents.d.ts', 'PaymentIntent').length).toBeGreaterThan(30);
  });
});
