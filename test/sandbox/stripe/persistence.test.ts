import Stripe from 'stripe';
import { adminPost, client, startReceiver, startSandbox, tempDataFile, verifiedEvents, waitFor } from './helpers';
import { fakeLiveKey } from '../../support/fakeKeys';

/** State lives in SQLite: a restarted sandbox still knows everything, and finishes what it started. */
describe('stripe sandbox: restart persistence', () => {
  it('keeps objects, events, idempotency keys and pending work across a restart', async () => {
    const data = tempDataFile();
    const receiver = await startReceiver();
    try {
      const first = await startSandbox({ dataFile: data.file, webhookUrl: receiver.url, sepaSettleMs: 1000 });
      const stripe1 = client(first);
      const customer = await stripe1.customers.create({ email: 'kept@example.com', metadata: { k: 'v' } });
      const paid = await stripe1.paymentIntents.create(
        { amount: 1000, currency: 'eur', customer: customer.id, payment_method: 'pm_card_visa', confirm: true },
        { idempotencyKey: 'persist-1' },
      );
      const debit = await stripe1.paymentIntents.create({
        amount: 2000,
        currency: 'eur',
        payment_method: 'pm_sepaDebit',
        confirm: true,
      });
      const secret = first.webhookSecret;
      expect((await stripe1.paymentIntents.retrieve(debit.id)).status).toBe('processing');
      await first.close();

      const second = await startSandbox({ dataFile: data.file, webhookUrl: receiver.url, sepaSettleMs: 400 });
      try {
        const stripe2 = client(second);
        expect(second.webhookSecret).toBe(secret);
        expect(await stripe2.customers.retrieve(customer.id)).toMatchObject({
          email: 'kept@example.com',
          metadata: { k: 'v' },
        });
        const replayed = await stripe2.paymentIntents.create(
          { amount: 1000, currency: 'eur', customer: customer.id, payment_method: 'pm_card_visa', confirm: true },
          { idempotencyKey: 'persist-1' },
        );
        expect(replayed.id).toBe(paid.id);
        expect(replayed.lastResponse.headers['idempotent-replayed']).toBe('true');
        // The debit scheduled before the restart settles after it.
        await waitFor(
          async () => (await stripe2.paymentIntents.retrieve(debit.id)).status === 'succeeded',
          'the debit to settle after restart',
        );
        const events = await stripe2.events.list({ limit: 100 });
        expect(events.data.map((event) => event.type)).toContain('payment_intent.succeeded');
        await waitFor(() => receiver.received.length >= events.data.length, 'every event delivered');
        expect(new Set(verifiedEvents(stripe2, receiver, secret).map((event) => event.id))).toEqual(
          new Set(events.data.map((event) => event.id)),
        );

        await adminPost(second, '/_sandbox/reset');
        await expect(stripe2.customers.retrieve(customer.id)).rejects.toMatchObject({ statusCode: 404 });
        expect((await stripe2.events.list()).data).toEqual([]);
      } finally {
        await second.close();
      }
    } finally {
      await receiver.close();
      data.cleanup();
    }
  });

  it('refuses live keys and an empty key at start', async () => {
    await expect(startSandbox({ secretKey: fakeLiveKey('sk', '123456') })).rejects.toThrow(/live/);
    await expect(startSandbox({ secretKey: fakeLiveKey('rk', '123456') })).rejects.toThrow(/live/);
    await expect(startSandbox({ secretKey: '' })).rejects.toThrow(/secretKey/);
    // Not a refusal of everything: a test key starts it; a live key presented later is refused too.
    const sandbox = await startSandbox({ secretKey: 'sk_test_other_key_9876' });
    try {
      expect((await client(sandbox, 'sk_test_other_key_9876').customers.list()).object).toBe('list');
      await expect(client(sandbox, fakeLiveKey('sk', '123456')).customers.list()).rejects.toBeInstanceOf(
        Stripe.errors.StripeAuthenticationError,
      );
    } finally {
      await sandbox.close();
    }
  });
});
