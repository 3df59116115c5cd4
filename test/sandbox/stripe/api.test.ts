import Stripe from 'stripe';
import { fetch } from 'undici';
import type { StripeSandbox } from '../../../sandbox/stripe/app';
import { client, SECRET_KEY, startSandbox } from './helpers';

/** The API's general behaviour: auth, errors, paging, search, idempotency, expansion. */
describe('stripe sandbox: API behaviour', () => {
  let sandbox: StripeSandbox;
  let stripe: Stripe;

  beforeAll(async () => {
    sandbox = await startSandbox();
    stripe = client(sandbox);
  });
  afterAll(() => sandbox.close());
  beforeEach(async () => {
    await fetch(`${sandbox.url}/_sandbox/reset`, { method: 'POST' });
  });

  // Any well-formed sk_test_ key is an account of its own (accounts.test.ts); other keys are refused.
  it("accepts only test secret keys, with Stripe's 401", async () => {
    const wrong = client(sandbox, 'pk_test_someone_elses_key_wxyz');
    await expect(wrong.customers.list()).rejects.toMatchObject({
      type: 'StripeAuthenticationError',
      statusCode: 401,
      message: 'Invalid API Key provided: pk_test_****wxyz',
    });
    const anonymous = await fetch(`${sandbox.url}/v1/customers`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('request-id')).toMatch(/^req_/);
    expect(((await anonymous.json()) as { error: { type: string } }).error.type).toBe('invalid_request_error');
    const basic = await fetch(`${sandbox.url}/v1/customers`, {
      headers: { authorization: `Basic ${Buffer.from(`${SECRET_KEY}:`).toString('base64')}` },
    });
    expect(basic.status).toBe(200);
  });

  it('answers resource_missing and parameter errors as Stripe does', async () => {
    await expect(stripe.paymentIntents.retrieve('pi_missing')).rejects.toMatchObject({
      type: 'StripeInvalidRequestError',
      statusCode: 404,
      code: 'resource_missing',
      param: 'id',
      message: "No such payment_intent: 'pi_missing'",
    });
    await expect(
      stripe.paymentIntents.create({ currency: 'eur' } as Stripe.PaymentIntentCreateParams),
    ).rejects.toMatchObject({
      statusCode: 400,
      code: 'parameter_missing',
      param: 'amount',
    });
    await expect(stripe.customers.create({ colour: 'blue' } as Stripe.CustomerCreateParams)).rejects.toMatchObject({
      statusCode: 400,
      code: 'parameter_unknown',
      param: 'colour',
      message: 'Received unknown parameter: colour',
    });
    await expect(
      stripe.paymentIntents.create({ amount: 1000, currency: 'eur', customer: 'cus_nobody' }),
    ).rejects.toMatchObject({ statusCode: 400, code: 'resource_missing', param: 'customer' });
    await expect(stripe.paymentIntents.create({ amount: 10, currency: 'eur' })).rejects.toMatchObject({
      code: 'amount_too_small',
      param: 'amount',
    });
    const notFound = await fetch(`${sandbox.url}/v1/nothing_here`, {
      headers: { authorization: `Bearer ${SECRET_KEY}` },
    });
    expect(notFound.status).toBe(404);
    expect(((await notFound.json()) as { error: { message: string } }).error.message).toMatch(
      /^Unrecognized request URL \(GET: \/v1\/nothing_here\)/,
    );
  });

  it('pages newest first with starting_after, ending_before and has_more', async () => {
    const ids: string[] = [];
    for (let index = 0; index < 7; index += 1)
      ids.push((await stripe.customers.create({ email: `c${index}@example.com` })).id);
    const newestFirst = [...ids].reverse();
    const first = await stripe.customers.list({ limit: 3 });
    expect(first).toMatchObject({ object: 'list', url: '/v1/customers', has_more: true });
    expect(first.data.map((customer) => customer.id)).toEqual(newestFirst.slice(0, 3));
    const second = await stripe.customers.list({ limit: 3, starting_after: first.data[2]?.id });
    expect(second.data.map((customer) => customer.id)).toEqual(newestFirst.slice(3, 6));
    const last = await stripe.customers.list({ limit: 3, starting_after: second.data[2]?.id });
    expect(last.data.map((customer) => customer.id)).toEqual(newestFirst.slice(6));
    expect(last.has_more).toBe(false);
    const back = await stripe.customers.list({ limit: 2, ending_before: second.data[0]?.id });
    expect(back.data.map((customer) => customer.id)).toEqual(newestFirst.slice(1, 3));
    expect(back.has_more).toBe(true);
    const all: string[] = [];
    for await (const customer of stripe.customers.list({ limit: 2 })) all.push(customer.id);
    expect(all).toEqual(newestFirst);
    await expect(stripe.customers.list({ limit: 101 })).rejects.toMatchObject({ statusCode: 400, param: 'limit' });
    await expect(stripe.customers.list({ starting_after: 'cus_unknown' })).rejects.toMatchObject({
      code: 'resource_missing',
      param: 'starting_after',
    });
    const byEmail = await stripe.customers.list({ email: 'c3@example.com' });
    expect(byEmail.data.map((customer) => customer.id)).toEqual([ids[3]]);
  });

  it('filters by created range', async () => {
    const customer = await stripe.customers.create({});
    const inRange = await stripe.customers.list({ created: { gte: customer.created, lte: customer.created } });
    expect(inRange.data.map((item) => item.id)).toEqual([customer.id]);
    expect((await stripe.customers.list({ created: { gt: customer.created } })).data).toEqual([]);
  });

  it('searches customers and payment intents', async () => {
    const ada = await stripe.customers.create({ email: 'ada@example.com', metadata: { tier: 'gold', shop: 'paris' } });
    await stripe.customers.create({ email: 'bob@example.com', metadata: { tier: 'gold', shop: 'lyon' } });
    const found = await stripe.customers.search({ query: "metadata['tier']:'gold' AND metadata['shop']:'paris'" });
    expect(found).toMatchObject({
      object: 'search_result',
      has_more: false,
      next_page: null,
      url: '/v1/customers/search',
    });
    expect(found.data.map((customer) => customer.id)).toEqual([ada.id]);
    expect(
      (await stripe.customers.search({ query: "email:'ADA@example.com'" })).data.map((customer) => customer.id),
    ).toEqual([ada.id]);
    const gold = await stripe.customers.search({ query: "metadata['tier']:'gold'", limit: 1 });
    expect(gold.has_more).toBe(true);
    const next = await stripe.customers.search({
      query: "metadata['tier']:'gold'",
      limit: 1,
      page: gold.next_page as string,
    });
    expect(next.data[0]?.id).not.toBe(gold.data[0]?.id);
    expect(next.has_more).toBe(false);
    await expect(stripe.customers.search({ query: 'colour:"blue"' })).rejects.toMatchObject({
      statusCode: 400,
      param: 'query',
    });

    const intent = await stripe.paymentIntents.create({
      amount: 1200,
      currency: 'eur',
      metadata: { order_id: 'o-42' },
      payment_method: 'pm_card_mastercard',
      confirm: true,
    });
    await stripe.paymentIntents.create({ amount: 1300, currency: 'eur', metadata: { order_id: 'o-43' } });
    const hits = await stripe.paymentIntents.search({ query: "metadata['order_id']:'o-42' AND status:'succeeded'" });
    expect(hits.data.map((item) => item.id)).toEqual([intent.id]);
    expect((await stripe.paymentIntents.search({ query: "status:'succeeded' AND amount>1250" })).data).toEqual([]);
  });

  it('replays an idempotent request and refuses a key reused with other parameters', async () => {
    const first = await stripe.paymentIntents.create(
      { amount: 2000, currency: 'eur', metadata: { order_id: 'idem' } },
      { idempotencyKey: 'order-idem-1' },
    );
    const again = await stripe.paymentIntents.create(
      { amount: 2000, currency: 'eur', metadata: { order_id: 'idem' } },
      { idempotencyKey: 'order-idem-1' },
    );
    expect(again.id).toBe(first.id);
    expect(again).toEqual(first);
    expect(again.lastResponse.headers['idempotent-replayed']).toBe('true');
    expect(first.lastResponse.headers['idempotent-replayed']).toBeUndefined();
    expect(first.lastResponse.requestId).toMatch(/^req_/);
    expect((await stripe.paymentIntents.list()).data).toHaveLength(1);
    await expect(
      stripe.paymentIntents.create({ amount: 2500, currency: 'eur' }, { idempotencyKey: 'order-idem-1' }),
    ).rejects.toMatchObject({
      type: 'StripeIdempotencyError',
      statusCode: 400,
    });
    // A declined confirmation is an executed request: its 402 is replayed too, not re-run.
    const decline = () =>
      stripe.paymentIntents.create(
        { amount: 900, currency: 'eur', payment_method: 'pm_card_chargeDeclinedInsufficientFunds', confirm: true },
        { idempotencyKey: 'decline-1' },
      );
    const firstDecline = await decline().catch((error: Stripe.errors.StripeCardError) => error);
    const secondDecline = await decline().catch((error: Stripe.errors.StripeCardError) => error);
    expect(firstDecline).toMatchObject({ decline_code: 'insufficient_funds' });
    expect(secondDecline).toMatchObject({
      decline_code: 'insufficient_funds',
      charge: (firstDecline as Stripe.errors.StripeCardError).charge,
    });
    expect((await stripe.charges.list()).data.filter((charge) => charge.status === 'failed')).toHaveLength(1);
  });

  it('expands related objects on retrieve and list', async () => {
    const customer = await stripe.customers.create({ email: 'x@example.com' });
    const intent = await stripe.paymentIntents.create({
      amount: 3000,
      currency: 'usd',
      customer: customer.id,
      payment_method: 'pm_card_visa',
      confirm: true,
    });
    const listed = await stripe.paymentIntents.list({
      customer: customer.id,
      expand: ['data.latest_charge', 'data.customer'],
    });
    const item = listed.data[0] as Stripe.PaymentIntent;
    expect((item.latest_charge as Stripe.Charge).object).toBe('charge');
    expect((item.customer as Stripe.Customer).email).toBe('x@example.com');
    const charge = await stripe.charges.retrieve(intent.latest_charge as string, {
      expand: ['balance_transaction', 'payment_intent'],
    });
    // USD card: 2.9% of 3000 = 87, plus 30.
    expect(charge.balance_transaction).toMatchObject({ fee: 117, net: 2883 });
    expect((charge.payment_intent as Stripe.PaymentIntent).id).toBe(intent.id);
    await expect(stripe.paymentIntents.list({ expand: ['latest_charge'] })).rejects.toMatchObject({ statusCode: 400 });
    await expect(stripe.paymentIntents.retrieve(intent.id, { expand: ['amount'] })).rejects.toMatchObject({
      statusCode: 400,
    });
  });

  it("updates, deletes and cancels with Stripe's semantics", async () => {
    const customer = await stripe.customers.create({ email: 'old@example.com', metadata: { a: '1', b: '2' } });
    const updated = await stripe.customers.update(customer.id, {
      email: 'new@example.com',
      metadata: { a: '', c: '3' },
    });
    expect(updated.metadata).toEqual({ b: '2', c: '3' });
    const [event] = (await stripe.events.list({ type: 'customer.updated' })).data;
    expect(event?.data.previous_attributes).toEqual({ email: 'old@example.com', metadata: { a: '1', c: null } });
    const deleted = await stripe.customers.del(customer.id);
    expect(deleted).toMatchObject({ id: customer.id, object: 'customer', deleted: true });
    expect(await stripe.customers.retrieve(customer.id)).toMatchObject({ id: customer.id, deleted: true });
    await expect(stripe.customers.update(customer.id, { name: 'x' })).rejects.toMatchObject({ statusCode: 404 });
    expect((await stripe.customers.list()).data).toEqual([]);

    const intent = await stripe.paymentIntents.create({ amount: 1000, currency: 'eur' });
    const changed = await stripe.paymentIntents.update(intent.id, { amount: 1500, metadata: { k: 'v' } });
    expect(changed).toMatchObject({ amount: 1500, metadata: { k: 'v' } });
    const canceled = await stripe.paymentIntents.cancel(intent.id, { cancellation_reason: 'abandoned' });
    expect(canceled).toMatchObject({ status: 'canceled', cancellation_reason: 'abandoned' });
    expect(canceled.canceled_at).toEqual(expect.any(Number));
    await expect(stripe.paymentIntents.confirm(intent.id, { payment_method: 'pm_card_visa' })).rejects.toMatchObject({
      code: 'payment_intent_unexpected_state',
    });
    const succeeded = await stripe.paymentIntents.create({
      amount: 1000,
      currency: 'eur',
      payment_method: 'pm_card_visa',
      confirm: true,
    });
    await expect(stripe.paymentIntents.update(succeeded.id, { amount: 5 })).rejects.toMatchObject({
      code: 'payment_intent_unexpected_state',
    });
    expect((await stripe.paymentIntents.update(succeeded.id, { metadata: { late: 'yes' } })).metadata).toEqual({
      late: 'yes',
    });
  });

  it('puts a Request-Id on every answer and a Stripe error body on injected faults', async () => {
    await fetch(`${sandbox.url}/_sandbox/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ errorRate: 1 }),
    });
    try {
      await expect(stripe.customers.list()).rejects.toMatchObject({
        type: 'StripeAPIError',
        statusCode: 500,
        requestId: expect.stringMatching(/^req_/),
      });
      await fetch(`${sandbox.url}/_sandbox/faults`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ rateLimitPerSecond: 1 }),
      });
      await stripe.customers.list();
      await expect(stripe.customers.list()).rejects.toMatchObject({
        type: 'StripeRateLimitError',
        statusCode: 429,
        code: 'rate_limit',
      });
    } finally {
      await fetch(`${sandbox.url}/_sandbox/faults`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
    }
    // The SDK retries injected 500s (with its automatic Idempotency-Key) until one gets through.
    await fetch(`${sandbox.url}/_sandbox/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ errorRate: 0.3 }),
    });
    try {
      const retrying = new Stripe(SECRET_KEY, {
        host: '127.0.0.1',
        port: sandbox.port,
        protocol: 'http',
        maxNetworkRetries: 10,
      });
      for (let index = 0; index < 3; index += 1) await retrying.customers.create({ email: `r${index}@example.com` });
    } finally {
      await fetch(`${sandbox.url}/_sandbox/faults`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
    }
    expect((await stripe.customers.list({ limit: 100 })).data).toHaveLength(3);
  });

  it('settles in another currency when told to, with exchange_rate on the balance transaction', async () => {
    const set = await fetch(`${sandbox.url}/_sandbox/settlement`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ currency: 'EUR', rate: 0.9 }),
    });
    expect(await set.json()).toEqual({ currency: 'eur', rate: 0.9 });
    const paid = await stripe.paymentIntents.create({
      amount: 5000,
      currency: 'usd',
      payment_method: 'pm_card_visa',
      confirm: true,
      expand: ['latest_charge.balance_transaction'],
    });
    const charge = paid.latest_charge as Stripe.Charge;
    const balance = charge.balance_transaction as Stripe.BalanceTransaction;
    // 2.9% + 30 of USD 50.00 = 175 cents, at 0.9: 157.5, rounded to 158 euro cents.
    expect(charge).toMatchObject({ amount: 5000, currency: 'usd' });
    expect(balance).toMatchObject({ amount: 4500, currency: 'eur', exchange_rate: 0.9, fee: 158, net: 4342 });
    expect(balance.fee_details[0]).toMatchObject({ amount: 158, currency: 'eur' });
    const euros = await stripe.paymentIntents.create({
      amount: 1000,
      currency: 'eur',
      payment_method: 'pm_card_visa',
      confirm: true,
      expand: ['latest_charge.balance_transaction'],
    });
    const own = (euros.latest_charge as Stripe.Charge).balance_transaction as Stripe.BalanceTransaction;
    expect(own).toMatchObject({ amount: 1000, currency: 'eur', exchange_rate: null });
    const bad = await fetch(`${sandbox.url}/_sandbox/settlement`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ currency: 'eur' }),
    });
    expect(bad.status).toBe(400);
    await fetch(`${sandbox.url}/_sandbox/reset`, { method: 'POST' });
    const cleared = await fetch(`${sandbox.url}/_sandbox/settlement`);
    expect(await cleared.json()).toEqual({ currency: null, rate: null });
  });
});
