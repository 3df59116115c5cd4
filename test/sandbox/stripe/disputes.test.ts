import type Stripe from 'stripe';
import type { StripeSandbox } from '../../../sandbox/stripe/app';
import { adminPost, client, startSandbox, waitFor } from './helpers';

/** Disputes from open to won (Stripe's `winning_evidence`) or lost (closed), with their ledger. */
describe('stripe sandbox: disputes', () => {
  let sandbox: StripeSandbox;
  let stripe: Stripe;

  beforeAll(async () => {
    sandbox = await startSandbox();
    stripe = client(sandbox);
  });
  afterAll(() => sandbox.close());

  const disputedPayment = async (amount: number) => {
    const intent = await stripe.paymentIntents.create({
      amount,
      currency: 'eur',
      payment_method: 'pm_card_createDispute',
      confirm: true,
    });
    const chargeId = intent.latest_charge as string;
    const dispute = await waitFor(
      async () => (await stripe.disputes.list({ payment_intent: intent.id })).data[0],
      'the dispute',
    );
    return { intent, chargeId, dispute };
  };

  it('is won with winning_evidence: amount and fee come back', async () => {
    const { chargeId, dispute } = await disputedPayment(5000);
    const updated = await stripe.disputes.update(dispute.id, {
      evidence: { uncategorized_text: 'winning_evidence', customer_name: 'Ada' },
      metadata: { ticket: 'T-1' },
    });
    expect(updated).toMatchObject({
      status: 'under_review',
      metadata: { ticket: 'T-1' },
      evidence: { uncategorized_text: 'winning_evidence', customer_name: 'Ada' },
    });
    expect(updated.evidence_details).toMatchObject({ has_evidence: true, submission_count: 1 });
    const won = await waitFor(async () => {
      const current = await stripe.disputes.retrieve(dispute.id);
      return current.status === 'won' && current;
    }, 'the dispute to be won');
    expect(
      won.balance_transactions.map((transaction) => [
        transaction.amount,
        transaction.fee,
        transaction.net,
        transaction.reporting_category,
      ]),
    ).toEqual([
      [-5000, 1500, -6500, 'dispute'],
      [5000, -1500, 6500, 'dispute_reversal'],
    ]);
    const events = await stripe.events.list({ type: 'charge.dispute.*' });
    expect(events.data.map((event) => event.type).reverse()).toEqual([
      'charge.dispute.created',
      'charge.dispute.funds_withdrawn',
      'charge.dispute.updated',
      'charge.dispute.funds_reinstated',
      'charge.dispute.closed',
    ]);
    const updatedEvent = events.data.find((event) => event.type === 'charge.dispute.updated');
    expect(updatedEvent?.data.previous_attributes).toMatchObject({ status: 'needs_response' });
    await expect(stripe.disputes.close(dispute.id)).rejects.toMatchObject({ statusCode: 400 });
    expect(await stripe.charges.retrieve(chargeId)).toMatchObject({ disputed: true });
  });

  it('is lost when closed, and losing_evidence loses it too', async () => {
    const { dispute } = await disputedPayment(3000);
    const closed = await stripe.disputes.close(dispute.id);
    expect(closed.status).toBe('lost');
    expect(closed.balance_transactions).toHaveLength(1);
    const [closedEvent] = (await stripe.events.list({ type: 'charge.dispute.closed', limit: 1 })).data;
    expect((closedEvent?.data.object as Stripe.Dispute).id).toBe(dispute.id);

    const second = await disputedPayment(2000);
    await stripe.disputes.update(second.dispute.id, { evidence: { uncategorized_text: 'losing_evidence' } });
    await waitFor(
      async () => (await stripe.disputes.retrieve(second.dispute.id)).status === 'lost',
      'the dispute to be lost',
    );
    await expect(
      stripe.disputes.update(second.dispute.id, { evidence: { product_description: 'late' } }),
    ).rejects.toMatchObject({ statusCode: 400 });
  });

  it('keeps staged evidence without submitting, refuses refunds of a disputed charge, and opens disputes on demand', async () => {
    const { intent, dispute } = await disputedPayment(1000);
    const staged = await stripe.disputes.update(dispute.id, {
      evidence: { product_description: 'A hat' },
      submit: false,
    });
    expect(staged).toMatchObject({
      status: 'needs_response',
      evidence_details: expect.objectContaining({ has_evidence: true, submission_count: 0 }),
    });
    await expect(stripe.refunds.create({ payment_intent: intent.id })).rejects.toMatchObject({
      code: 'charge_disputed',
    });
    await expect(
      stripe.disputes.update(dispute.id, {
        evidence: { favourite_colour: 'blue' } as Stripe.DisputeUpdateParams.Evidence,
      }),
    ).rejects.toMatchObject({
      statusCode: 400,
      param: 'evidence[favourite_colour]',
    });

    const plain = await stripe.paymentIntents.create({
      amount: 700,
      currency: 'eur',
      payment_method: 'pm_card_visa',
      confirm: true,
    });
    const opened = await adminPost<Stripe.Dispute>(
      sandbox,
      `/_sandbox/charges/${plain.latest_charge as string}/dispute`,
    );
    expect(opened.status).toBe(200);
    expect(opened.body).toMatchObject({ object: 'dispute', status: 'needs_response', amount: 700 });
  });
});
