import Stripe from 'stripe';
import { fetch } from 'undici';
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
 * Stripe Connect: a platform acts for its connected accounts with the `Stripe-Account` header.
 * A connected account's objects are its own (the platform's requests without the header and
 * other connected accounts do not see them); its events carry `account` and go to the
 * platform's Connect endpoints (`connect=true`), not to its ordinary ones.
 */
const OTHER_PLATFORM_KEY = 'sk_test_other_platform_0001';
const KNOWN_ACCOUNT = 'acct_1KnownConnected0';

interface RequestLogReading {
  recent: Array<{ method: string; path: string; account: string | null; status: number }>;
}

describe('stripe sandbox: Connect connected accounts', () => {
  let sandbox: StripeSandbox;
  let platform: Stripe;
  let connectReceiver: WebhookReceiver;
  let ownReceiver: WebhookReceiver;
  beforeAll(async () => {
    sandbox = await startSandbox();
    platform = client(sandbox);
    connectReceiver = await startReceiver();
    ownReceiver = await startReceiver();
  });
  afterAll(async () => {
    await sandbox.close();
    await connectReceiver.close();
    await ownReceiver.close();
  });
  beforeEach(async () => {
    await adminPost(sandbox, '/_sandbox/reset');
    connectReceiver.received.length = 0;
    ownReceiver.received.length = 0;
  });

  it('creates connected accounts through the API and the knob, listed under their platform only', async () => {
    const created = await platform.accounts.create({
      type: 'express',
      country: 'FR',
      email: 'shop@example.com',
      metadata: { shop: 'lyon' },
    });
    expect(created).toMatchObject({
      object: 'account',
      type: 'express',
      charges_enabled: true,
      country: 'FR',
      default_currency: 'eur',
      metadata: { shop: 'lyon' },
    });
    const knob = await adminPost<{ id: string; platform: string }>(sandbox, '/_sandbox/accounts', {
      id: KNOWN_ACCOUNT,
    });
    expect(knob.status).toBe(200);
    expect(knob.body.platform).toBe((await platform.accounts.retrieveCurrent()).id);
    expect((await platform.accounts.list()).data.map((account) => account.id)).toEqual([KNOWN_ACCOUNT, created.id]);
    expect((await platform.accounts.retrieve(created.id)).id).toBe(created.id);
    // Acting as the connected account, /v1/account is that account.
    expect((await platform.accounts.retrieveCurrent({}, { stripeAccount: created.id })).id).toBe(created.id);
    const other = client(sandbox, OTHER_PLATFORM_KEY);
    expect((await other.accounts.list()).data).toEqual([]);
    await expect(other.accounts.retrieve(created.id)).rejects.toMatchObject({ statusCode: 404 });
    // Taken ids and malformed bodies are refused by the knob.
    expect((await adminPost(sandbox, '/_sandbox/accounts', { id: KNOWN_ACCOUNT })).status).toBe(400);
    expect((await adminPost(sandbox, '/_sandbox/accounts', { id: 'nope' })).status).toBe(400);
  });

  it('keeps a connected account apart from its platform and from another connected account', async () => {
    const shop = await platform.accounts.create({ type: 'express', country: 'FR' });
    const other = await platform.accounts.create({ type: 'custom', country: 'FR' });
    const asShop = { stripeAccount: shop.id };
    const customer = await platform.customers.create({ email: 'c@example.com', metadata: { k: 'v' } }, asShop);
    const intent = await platform.paymentIntents.create(
      { amount: 2500, currency: 'eur', customer: customer.id, payment_method: 'pm_card_visa', confirm: true },
      asShop,
    );
    expect(intent.status).toBe('succeeded');
    const own = await platform.customers.create({ email: 'platform@example.com', metadata: { k: 'v' } });

    await expect(platform.customers.retrieve(customer.id)).rejects.toMatchObject({ statusCode: 404 });
    await expect(platform.paymentIntents.retrieve(intent.id)).rejects.toMatchObject({ statusCode: 404 });
    await expect(platform.customers.retrieve(customer.id, {}, { stripeAccount: other.id })).rejects.toMatchObject({
      statusCode: 404,
    });
    await expect(platform.customers.retrieve(own.id, {}, asShop)).rejects.toMatchObject({ statusCode: 404 });
    expect((await platform.customers.list({}, asShop)).data.map((c) => c.id)).toEqual([customer.id]);
    expect((await platform.customers.list()).data.map((c) => c.id)).toEqual([own.id]);
    expect((await platform.customers.list({}, { stripeAccount: other.id })).data).toEqual([]);
    const query = "metadata['k']:'v'";
    expect((await platform.customers.search({ query }, asShop)).data.map((c) => c.id)).toEqual([customer.id]);
    expect((await platform.customers.search({ query })).data.map((c) => c.id)).toEqual([own.id]);
    // Idempotency keys are the connected account's own too.
    const first = await platform.customers.create({}, { ...asShop, idempotencyKey: 'connect-key' });
    const second = await platform.customers.create({}, { idempotencyKey: 'connect-key' });
    expect(second.id).not.toBe(first.id);
  });

  it("sends a connected account's events, carrying `account`, to the platform's Connect endpoint only", async () => {
    const connectEndpoint = await platform.webhookEndpoints.create({
      url: connectReceiver.url,
      enabled_events: ['*'],
      connect: true,
    });
    const ownEndpoint = await platform.webhookEndpoints.create({ url: ownReceiver.url, enabled_events: ['*'] });
    const shop = await platform.accounts.create({ type: 'express' });
    const theirs = await platform.customers.create({ email: 'shop@example.com' }, { stripeAccount: shop.id });
    const ours = await platform.customers.create({ email: 'platform@example.com' });
    await waitFor(() => connectReceiver.received.length >= 1 && ownReceiver.received.length >= 1, 'deliveries');
    await new Promise((resolve) => setTimeout(resolve, 200));

    const connectEvents = verifiedEvents(platform, connectReceiver, connectEndpoint.secret as string);
    expect(connectEvents.map((event) => [event.type, event.account, (event.data.object as { id: string }).id])).toEqual(
      [['customer.created', shop.id, theirs.id]],
    );
    const ownEvents = verifiedEvents(platform, ownReceiver, ownEndpoint.secret as string);
    expect(ownEvents.map((event) => [event.type, event.account, (event.data.object as { id: string }).id])).toEqual([
      ['customer.created', undefined, ours.id],
    ]);
    // Each delivery is signed with its own endpoint's secret, not the other's.
    expect(() => verifiedEvents(platform, connectReceiver, ownEndpoint.secret as string)).toThrow(
      Stripe.errors.StripeSignatureVerificationError,
    );
    // The events list is per account too; the connected account's events name it.
    const listed = (await platform.events.list({}, { stripeAccount: shop.id })).data;
    expect(listed.map((event) => event.account)).toEqual([shop.id]);
    expect((await platform.events.list()).data.every((event) => event.account === undefined)).toBe(true);
  });

  it("lets knobs act on a connected account's objects, whose events keep going to Connect endpoints", async () => {
    await platform.webhookEndpoints.create({ url: connectReceiver.url, enabled_events: ['*'], connect: true });
    await adminPost(sandbox, '/_sandbox/accounts', { id: KNOWN_ACCOUNT });
    const asShop = { stripeAccount: KNOWN_ACCOUNT };
    const intent = await platform.paymentIntents.create(
      { amount: 3000, currency: 'eur', payment_method: 'pm_sepaDebit', confirm: true },
      asShop,
    );
    expect(intent.status).toBe('processing');
    expect((await adminPost(sandbox, `/_sandbox/payment_intents/${intent.id}/settle`)).status).toBe(200);
    expect((await platform.paymentIntents.retrieve(intent.id, {}, asShop)).status).toBe('succeeded');
    const succeeded = await waitFor(
      () =>
        connectReceiver.received
          .map((delivery) => JSON.parse(delivery.rawBody) as Stripe.Event)
          .find((event) => event.type === 'payment_intent.succeeded'),
      'payment_intent.succeeded at the Connect endpoint',
    );
    expect(succeeded.account).toBe(KNOWN_ACCOUNT);
    const charge = await platform.charges.retrieve(intent.latest_charge as string, {}, asShop);
    expect(charge.status).toBe('succeeded');
    await expect(platform.charges.retrieve(charge.id)).rejects.toMatchObject({ statusCode: 404 });
  });

  it("keeps what the clock knob's sweep does to a connected account's holds in that account", async () => {
    await adminPost(sandbox, '/_sandbox/accounts', { id: KNOWN_ACCOUNT });
    const asShop = { stripeAccount: KNOWN_ACCOUNT };
    const held = await platform.paymentIntents.create(
      { amount: 1200, currency: 'eur', capture_method: 'manual', payment_method: 'pm_card_visa', confirm: true },
      asShop,
    );
    expect(held.status).toBe('requires_capture');
    expect((await adminPost(sandbox, '/_sandbox/clock/advance', { seconds: 8 * 24 * 60 * 60 })).status).toBe(200);
    expect((await platform.paymentIntents.retrieve(held.id, {}, asShop)).status).toBe('canceled');
    const canceled = (await platform.events.list({ type: 'payment_intent.canceled' }, asShop)).data;
    expect(canceled.map((event) => [event.account, (event.data.object as { id: string }).id])).toEqual([
      [KNOWN_ACCOUNT, held.id],
    ]);
    expect((await platform.events.list({ type: 'payment_intent.canceled' })).data).toEqual([]);
  });

  it('refuses an unknown account, or one connected to another platform, as Stripe does', async () => {
    const theirs = await client(sandbox, OTHER_PLATFORM_KEY).accounts.create({ type: 'express' });
    for (const account of ['acct_1DoesNotExist000', theirs.id]) {
      await expect(platform.customers.list({}, { stripeAccount: account })).rejects.toMatchObject({
        type: 'StripePermissionError',
        statusCode: 403,
        code: 'account_invalid',
      });
    }
    // A connected account is no platform: it cannot act for another one.
    const shop = await platform.accounts.create({ type: 'express' });
    const shopKeyless = await fetch(`${sandbox.url}/v1/customers`, {
      headers: { authorization: 'Bearer sk_test_second_account_5678', 'stripe-account': shop.id },
    });
    expect(shopKeyless.status).toBe(403);
  });

  it('records the connected account a request was for', async () => {
    const shop = await platform.accounts.create({ type: 'express' });
    await platform.customers.list({}, { stripeAccount: shop.id });
    await expect(platform.customers.list({}, { stripeAccount: 'acct_1DoesNotExist000' })).rejects.toThrow();
    const log = (await adminGet<RequestLogReading>(sandbox, '/_sandbox/requests')).body;
    expect(log.recent.slice(-2)).toEqual([
      { method: 'GET', path: '/v1/customers', account: shop.id, status: 200 },
      { method: 'GET', path: '/v1/customers', account: 'acct_1DoesNotExist000', status: 403 },
    ]);
  });
});
