import Stripe from 'stripe';
import type { StripeSandbox } from '../../../sandbox/stripe/app';
import {
  adminGet,
  adminPost,
  client,
  SECRET_KEY,
  startReceiver,
  startSandbox,
  tempDataFile,
  verifiedEvents,
  waitFor,
} from './helpers';
import { requiredFields } from './sdkTypes';

/**
 * One Stripe account per secret key: every well-formed `sk_test_` key is an account of its own,
 * created on first use, whose objects, searches, events, webhook endpoints and idempotency keys
 * the other keys never see, as with two real Stripe accounts.
 */
const OTHER_KEY = 'sk_test_second_account_5678';

interface RequestLogReading {
  total: number;
  byAccount: Record<string, number>;
  recent: Array<{ method: string; path: string; account: string | null; status: number }>;
}

describe('stripe sandbox: one account per secret key', () => {
  let sandbox: StripeSandbox;
  let first: Stripe;
  let second: Stripe;
  beforeAll(async () => {
    sandbox = await startSandbox();
    first = client(sandbox);
    second = client(sandbox, OTHER_KEY);
  });
  afterAll(() => sandbox.close());
  beforeEach(async () => {
    await adminPost(sandbox, '/_sandbox/reset');
  });

  it('gives each key its own account, with the fields the SDK requires', async () => {
    const own = await first.accounts.retrieveCurrent();
    const other = await second.accounts.retrieveCurrent();
    expect(own.id).toMatch(/^acct_[A-Za-z0-9]{16}$/);
    expect(other.id).toMatch(/^acct_[A-Za-z0-9]{16}$/);
    expect(other.id).not.toBe(own.id);
    expect(own).toMatchObject({ object: 'account', charges_enabled: true, country: 'FR', default_currency: 'eur' });
    expect(requiredFields('Accounts.d.ts', 'Account').filter((key) => !(key in own))).toEqual([]);
    // Derived from the key: the same after a reset.
    await adminPost(sandbox, '/_sandbox/reset');
    expect((await second.accounts.retrieveCurrent()).id).toBe(other.id);
  });

  it("keeps customers, intents, search results and events out of the other key's sight", async () => {
    const customer = await first.customers.create({ email: 'a@example.com', metadata: { order_id: 'shared_1' } });
    const intent = await first.paymentIntents.create({
      amount: 1000,
      currency: 'eur',
      customer: customer.id,
      payment_method: 'pm_card_visa',
      confirm: true,
      metadata: { order_id: 'shared_1' },
    });
    const theirs = await second.customers.create({ email: 'b@example.com', metadata: { order_id: 'shared_1' } });

    await expect(second.customers.retrieve(customer.id)).rejects.toMatchObject({ statusCode: 404 });
    await expect(second.paymentIntents.retrieve(intent.id)).rejects.toMatchObject({ statusCode: 404 });
    await expect(second.charges.retrieve(intent.latest_charge as string)).rejects.toMatchObject({ statusCode: 404 });
    await expect(first.customers.retrieve(theirs.id)).rejects.toMatchObject({ statusCode: 404 });
    // Naming another account's object in a parameter is "no such object" too.
    await expect(
      second.paymentIntents.create({ amount: 500, currency: 'eur', customer: customer.id }),
    ).rejects.toMatchObject({ statusCode: 400, code: 'resource_missing' });

    expect((await second.customers.list()).data.map((c) => c.id)).toEqual([theirs.id]);
    expect((await first.customers.list()).data.map((c) => c.id)).toEqual([customer.id]);
    expect((await second.paymentIntents.list()).data).toEqual([]);
    const query = "metadata['order_id']:'shared_1'";
    expect((await second.paymentIntents.search({ query })).data).toEqual([]);
    expect((await first.paymentIntents.search({ query })).data.map((pi) => pi.id)).toEqual([intent.id]);
    expect((await second.customers.search({ query })).data.map((c) => c.id)).toEqual([theirs.id]);

    const theirEvents = (await second.events.list({ limit: 100 })).data;
    expect(theirEvents.map((event) => event.type)).toEqual(['customer.created']);
    const ourEvents = (await first.events.list({ limit: 100 })).data;
    expect(ourEvents.some((event) => event.type === 'payment_intent.succeeded')).toBe(true);
    expect(
      ourEvents.some((event) => event.data.object === theirs || (event.data.object as { id: string }).id === theirs.id),
    ).toBe(false);
    await expect(second.events.retrieve(ourEvents[0]?.id as string)).rejects.toMatchObject({ statusCode: 404 });
    // A cursor from another account is no cursor here.
    await expect(second.customers.list({ starting_after: customer.id })).rejects.toMatchObject({ statusCode: 400 });
  });

  it('treats the same idempotency key under two keys as two requests', async () => {
    const options = { idempotencyKey: 'same-key-both-accounts' };
    const ours = await first.customers.create({ email: 'x@example.com' }, options);
    const theirs = await second.customers.create({ email: 'x@example.com' }, options);
    expect(theirs.id).not.toBe(ours.id);
    // Within one account the key still replays.
    expect((await second.customers.create({ email: 'x@example.com' }, options)).id).toBe(theirs.id);
    expect((await first.customers.list()).data).toHaveLength(1);
    expect((await second.customers.list()).data).toHaveLength(1);
  });

  it("delivers each account's events to its own endpoints only, signed with their secrets", async () => {
    const ourReceiver = await startReceiver();
    const theirReceiver = await startReceiver();
    try {
      const ourEndpoint = await first.webhookEndpoints.create({ url: ourReceiver.url, enabled_events: ['*'] });
      const theirEndpoint = await second.webhookEndpoints.create({ url: theirReceiver.url, enabled_events: ['*'] });
      expect((await second.webhookEndpoints.list()).data.map((e) => e.id)).toEqual([theirEndpoint.id]);
      const ours = await first.customers.create({ email: 'ours@example.com' });
      const theirs = await second.customers.create({ email: 'theirs@example.com' });
      await waitFor(() => ourReceiver.received.length >= 1 && theirReceiver.received.length >= 1, 'deliveries');
      await new Promise((resolve) => setTimeout(resolve, 200));
      const ourEvents = verifiedEvents(first, ourReceiver, ourEndpoint.secret as string);
      const theirEvents = verifiedEvents(second, theirReceiver, theirEndpoint.secret as string);
      expect(ourEvents.map((e) => (e.data.object as { id: string }).id)).toEqual([ours.id]);
      expect(theirEvents.map((e) => (e.data.object as { id: string }).id)).toEqual([theirs.id]);
      // Neither event names an account: these are the accounts' own, not Connect events.
      expect([...ourEvents, ...theirEvents].every((event) => event.account === undefined)).toBe(true);
    } finally {
      await ourReceiver.close();
      await theirReceiver.close();
    }
  });

  it('records in its request log which account each request was for', async () => {
    const before = (await adminGet<RequestLogReading>(sandbox, '/_sandbox/requests')).body;
    const own = await first.accounts.retrieveCurrent();
    const other = await second.accounts.retrieveCurrent();
    await second.customers.list();
    await expect(client(sandbox, 'pk_test_not_a_secret_key').customers.list()).rejects.toBeInstanceOf(
      Stripe.errors.StripeAuthenticationError,
    );
    const after = (await adminGet<RequestLogReading>(sandbox, '/_sandbox/requests')).body;
    expect(after.total - before.total).toBe(4);
    expect((after.byAccount[other.id] ?? 0) - (before.byAccount[other.id] ?? 0)).toBe(2);
    expect(after.recent.slice(-4)).toEqual([
      { method: 'GET', path: '/v1/account', account: own.id, status: 200 },
      { method: 'GET', path: '/v1/account', account: other.id, status: 200 },
      { method: 'GET', path: '/v1/customers', account: other.id, status: 200 },
      // A refused key acted for no account.
      { method: 'GET', path: '/v1/customers', account: null, status: 401 },
    ]);
  });

  it('still refuses live keys', async () => {
    await expect(client(sandbox, ['sk', 'live', 'abcdef123456'].join('_')).customers.list()).rejects.toMatchObject({
      statusCode: 401,
    });
  });
});

describe('stripe sandbox: accounts survive a restart', () => {
  it("keeps every key's account and objects in the data file", async () => {
    const data = tempDataFile();
    try {
      const before = await startSandbox({ dataFile: data.file });
      let accountId: string;
      let customerId: string;
      try {
        accountId = (await client(before, OTHER_KEY).accounts.retrieveCurrent()).id;
        customerId = (await client(before, OTHER_KEY).customers.create({ email: 'kept@example.com' })).id;
        await client(before, OTHER_KEY).customers.create({ email: 'kept@example.com' }, { idempotencyKey: 'kept' });
      } finally {
        await before.close();
      }
      const after = await startSandbox({ dataFile: data.file });
      try {
        const other = client(after, OTHER_KEY);
        expect((await other.accounts.retrieveCurrent()).id).toBe(accountId);
        expect((await other.customers.retrieve(customerId)).id).toBe(customerId);
        await expect(client(after, SECRET_KEY).customers.retrieve(customerId)).rejects.toMatchObject({
          statusCode: 404,
        });
        const ids = (await adminGet<{ accounts: Array<{ id: string }> }>(after, '/_sandbox/accounts')).body.accounts;
        expect(ids.map((account) => account.id)).toContain(accountId);
      } finally {
        await after.close();
      }
    } finally {
      data.cleanup();
    }
  });
});
