import type Stripe from 'stripe';
import type { StripeSandbox } from '../../../sandbox/stripe/app';
import type { OutboxStats } from '../../../sandbox/kit/webhookOutbox';
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

/** Webhook endpoints and delivery: filtering, signing, retries, fault knobs, event retention. */
describe('stripe sandbox: webhooks and events', () => {
  let sandbox: StripeSandbox;
  let stripe: Stripe;
  const receivers: WebhookReceiver[] = [];

  const receiver = async () => {
    const started = await startReceiver();
    receivers.push(started);
    return started;
  };
  const pay = (amount = 1000) =>
    stripe.paymentIntents.create({ amount, currency: 'eur', payment_method: 'pm_card_visa', confirm: true });

  beforeAll(async () => {
    sandbox = await startSandbox();
    stripe = client(sandbox);
  });
  afterAll(async () => {
    await sandbox.close();
    await Promise.all(receivers.map((item) => item.close()));
  });
  beforeEach(async () => {
    await adminPost(sandbox, '/_sandbox/reset');
    await adminPost(sandbox, '/_sandbox/faults', {});
  });

  it('manages endpoints and delivers only the enabled events', async () => {
    const intents = await receiver();
    const charges = await receiver();
    const paused = await receiver();
    const onlySucceeded = await stripe.webhookEndpoints.create({
      url: intents.url,
      enabled_events: ['payment_intent.succeeded'],
      api_version: '2024-06-20',
    });
    const chargeFamily = await stripe.webhookEndpoints.create({
      url: charges.url,
      enabled_events: ['charge.succeeded', 'charge.failed'],
    });
    const disabled = await stripe.webhookEndpoints.create({
      url: paused.url,
      enabled_events: ['*'],
      metadata: { team: 'ops' },
    });
    expect(disabled).toMatchObject({
      object: 'webhook_endpoint',
      status: 'enabled',
      enabled_events: ['*'],
      metadata: { team: 'ops' },
      api_version: null,
    });
    const updated = await stripe.webhookEndpoints.update(disabled.id, { disabled: true, description: 'paused' });
    expect(updated).toMatchObject({ status: 'disabled', description: 'paused' });
    expect((await stripe.webhookEndpoints.list()).data.map((endpoint) => endpoint.id)).toEqual([
      disabled.id,
      chargeFamily.id,
      onlySucceeded.id,
    ]);
    await expect(
      stripe.webhookEndpoints.create({ url: 'ftp://example.com', enabled_events: ['*'] }),
    ).rejects.toMatchObject({ statusCode: 400, param: 'url' });
    // Stripe has no event families in enabled_events (only in the events list's `type`).
    await expect(
      stripe.webhookEndpoints.create({
        url: charges.url,
        enabled_events: ['charge.*' as Stripe.WebhookEndpointCreateParams.EnabledEvent],
      }),
    ).rejects.toMatchObject({ statusCode: 400 });

    await pay();
    await pay(2000);
    await waitFor(() => intents.received.length >= 2 && charges.received.length >= 2, 'filtered deliveries');
    const intentEvents = verifiedEvents(stripe, intents, onlySucceeded.secret as string);
    expect(intentEvents.map((event) => event.type)).toEqual(['payment_intent.succeeded', 'payment_intent.succeeded']);
    // The payload carries the endpoint's pinned API version.
    expect(intentEvents.every((event) => event.api_version === '2024-06-20')).toBe(true);
    expect(verifiedEvents(stripe, charges, chargeFamily.secret as string).map((event) => event.type)).toEqual([
      'charge.succeeded',
      'charge.succeeded',
    ]);
    expect(paused.received).toEqual([]);

    const deleted = await stripe.webhookEndpoints.del(chargeFamily.id);
    expect(deleted).toMatchObject({ id: chargeFamily.id, deleted: true });
    await expect(stripe.webhookEndpoints.retrieve(chargeFamily.id)).rejects.toMatchObject({ statusCode: 404 });
    await pay();
    await waitFor(() => intents.received.length >= 3, 'the third delivery');
    expect(charges.received).toHaveLength(2);
  });

  it('retries a failing endpoint and reports delivery_success', async () => {
    const flaky = await receiver();
    flaky.respondWith(500);
    const before = (await adminGet<OutboxStats>(sandbox, '/_sandbox/webhooks')).body.failedAttempts;
    const endpoint = await stripe.webhookEndpoints.create({ url: flaky.url, enabled_events: ['customer.created'] });
    const customer = await stripe.customers.create({ email: 'retry@example.com' });
    const [event] = (await stripe.events.list({ type: 'customer.created' })).data;
    expect(event?.pending_webhooks).toBe(1);
    await waitFor(
      async () => (await adminGet<OutboxStats>(sandbox, '/_sandbox/webhooks')).body.failedAttempts >= before + 2,
      'two failed attempts',
    );
    const failing = await stripe.events.list({ delivery_success: false });
    expect(failing.data.map((item) => item.id)).toEqual([event?.id]);
    expect((await stripe.events.list({ delivery_success: true })).data).toEqual([]);

    flaky.respondWith(200);
    await waitFor(() => flaky.received.length >= 1, 'the retried delivery', 15_000);
    const [delivered] = verifiedEvents(stripe, flaky, endpoint.secret as string);
    expect(delivered).toMatchObject({ id: event?.id, type: 'customer.created' });
    expect((delivered?.data.object as Stripe.Customer).id).toBe(customer.id);
    await waitFor(
      async () => (await stripe.events.list({ delivery_success: true })).data.length === 1,
      'the event to count as delivered',
    );
    expect((await stripe.events.retrieve(event?.id as string)).pending_webhooks).toBe(0);
  });

  it('duplicates and drops deliveries on the fault knobs', async () => {
    const sink = await receiver();
    const endpoint = await stripe.webhookEndpoints.create({ url: sink.url, enabled_events: ['customer.created'] });
    await adminPost(sandbox, '/_sandbox/faults', { webhooks: { duplicateRate: 1 } });
    const twice = await stripe.customers.create({ email: 'twice@example.com' });
    await waitFor(() => sink.received.length >= 2, 'both copies');
    const copies = verifiedEvents(stripe, sink, endpoint.secret as string);
    expect(copies.map((event) => (event.data.object as Stripe.Customer).id)).toEqual([twice.id, twice.id]);
    expect(copies[0]?.id).toBe(copies[1]?.id);

    await adminPost(sandbox, '/_sandbox/faults', { webhooks: { dropRate: 1 } });
    await stripe.customers.create({ email: 'lost@example.com' });
    const stats = await adminGet<OutboxStats>(sandbox, '/_sandbox/webhooks');
    expect(stats.body.dropped).toBeGreaterThanOrEqual(1);
    const undelivered = await stripe.events.list({ delivery_success: false });
    expect(undelivered.data).toHaveLength(1);
    expect((undelivered.data[0]?.data.object as Stripe.Customer).email).toBe('lost@example.com');
    // A dropped delivery is given up on: nothing is pending any more.
    expect(undelivered.data[0]?.pending_webhooks).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(sink.received).toHaveLength(2);
  });

  it('lists only the last 30 days of events, filtered by type, types and created', async () => {
    const old = await stripe.customers.create({ email: 'old@example.com' });
    const [oldEvent] = (await stripe.events.list()).data;
    const advanced = await adminPost<{ offset_seconds: number }>(sandbox, '/_sandbox/clock/advance', {
      seconds: 31 * 24 * 60 * 60,
    });
    expect(advanced.body.offset_seconds).toBe(31 * 24 * 60 * 60);
    const fresh = await stripe.customers.create({ email: 'fresh@example.com' });
    expect(fresh.created - old.created).toBeGreaterThanOrEqual(31 * 24 * 60 * 60);
    const listed = await stripe.events.list();
    expect(listed.data.map((event) => (event.data.object as Stripe.Customer).id)).toEqual([fresh.id]);
    // Retrieval by id still works; only listing is bounded.
    expect((await stripe.events.retrieve(oldEvent?.id as string)).id).toBe(oldEvent?.id);

    await pay();
    const types = await stripe.events.list({ types: ['charge.succeeded', 'customer.created'] });
    expect(types.data.map((event) => event.type).sort()).toEqual(['charge.succeeded', 'customer.created']);
    const since = await stripe.events.list({ created: { gte: fresh.created }, type: 'payment_intent.*' });
    expect(since.data.map((event) => event.type).sort()).toEqual([
      'payment_intent.created',
      'payment_intent.succeeded',
    ]);
    await expect(stripe.events.list({ type: 'charge.succeeded', types: ['charge.failed'] })).rejects.toMatchObject({
      statusCode: 400,
    });
    const paged = await stripe.events.list({ limit: 2 });
    expect(paged.has_more).toBe(true);
  });
});
