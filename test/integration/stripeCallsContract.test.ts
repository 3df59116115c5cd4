import { TEST_ENCRYPTION_KEYS } from '../support/temporal';
import { loadManagedSecret } from '../../src/store/managedSecrets';
import { startFileDatabase, type FileDatabase } from '../support/database';
import type Stripe from 'stripe';
import { DEFAULT_MATCH_RULES, parseMatchRules } from '../../src/matching/matchRules';
import { OrderMatcher } from '../../src/matching/orderMatcher';
import { createLogger } from '../../src/observability/logger';
import { matchEvent } from '../../src/matching/matchEvent';
import {
  createManagedEndpoint,
  deleteManagedEndpoint,
  ensureStripeWebhookEndpoint,
  listManagedEndpoints,
  managedEndpointSpec,
  updateManagedEndpoint,
  type ApiVersion,
} from '../../src/starter/stripe/webhookEndpoint';
import { HANDLED_STRIPE_EVENT_TYPES } from '../../src/events/stripeEventActions';
import { createStripeClient, STRIPE_API_VERSION } from '../../src/stripe/client';
import { fingerprint } from '../../src/customers/fingerprint';
import { stripeCustomerForOrder } from '../../src/activities/orderPayment/stripeCustomerForOrder';
import {
  cancelIntent,
  createOrderIntent,
  findOpenIntentOfOrder,
  refundCancelledOrderPayment,
  retrieveIntent,
  tagIntentWithOrder,
  updateIntentAmount,
} from '../../src/stripe/orderIntents';
import { readPaymentIntentSnapshot, readPaymentIntentSnapshotFor } from '../../src/stripe/readPaymentIntentSnapshot';
import { listFailedStripeEvents } from '../../src/activities/reconciliation/failedEvents';
import { startMonstockFixture, type MonstockFixture } from '../support/monstockSandbox';
import { startStripeMock, type StripeMock } from '../support/stripeMock';
import { startStripeRecorder, type RecordedStripeRequest, type StripeRecorder } from '../support/stripeRecorder';

/**
 * Every Stripe call the connector itself makes (webhook starter, setup, the worker's reads),
 * made by the real functions against stripe-mock, which answers 400 to any request the real API
 * would refuse (see test/sandbox/stripe/contract.test.ts). A recording proxy sits in between, so
 * each test asserts both that stripe-mock accepted the calls and exactly what was sent (method,
 * path, params, idempotency key, API version), and that the functions return what Stripe answered.
 *
 * stripe-mock v0.197's spec ends at API version 2025-09-30.clover and refuses the newer pinned
 * version as `api_version` of a webhook endpoint; that one value is checked by the SDK's types
 * (WebhookEndpointCreateParams.ApiVersion) and the sandbox instead.
 */
const NEWEST_VERSION_STRIPE_MOCK_KNOWS: ApiVersion = '2025-09-30.clover';

type Wire = Omit<RecordedStripeRequest, 'response'>;

/** The request expected on the wire; accepted (200) and with the pinned API version unless told. */
function sent(method: string, path: string, rest: Partial<Wire> = {}): Wire {
  return {
    method,
    path,
    query: {},
    body: {},
    idempotencyKey: undefined,
    stripeVersion: STRIPE_API_VERSION,
    status: 200,
    ...rest,
  };
}

/** Calls the connector makes without a key of its own: the SDK adds one (a UUID) to every POST. */
const SDK_KEY = expect.stringMatching(/^stripe-node-retry-[0-9a-f-]{36}$/) as unknown as string;

const withoutAnswers = (taken: RecordedStripeRequest[]): Wire[] =>
  taken.map(({ response: _response, ...request }) => request);
const idsOf = (list: { data: Array<{ id: string }> }) => list.data.map((item) => item.id);

describe('Stripe calls the connector makes, against stripe-mock, exactly as sent', () => {
  let mock: StripeMock;
  let recorder: StripeRecorder;
  let stripe: Stripe;
  let monstock: MonstockFixture;
  let db: FileDatabase;
  const logger = createLogger({ level: 'error' });
  const spec = () =>
    managedEndpointSpec({
      publicUrl: 'https://connector.example.com',
      connectionId: 'default',
      apiVersion: NEWEST_VERSION_STRIPE_MOCK_KNOWS,
    });
  const endpointBody = {
    url: 'https://connector.example.com/webhooks/stripe',
    api_version: NEWEST_VERSION_STRIPE_MOCK_KNOWS,
    enabled_events: [...HANDLED_STRIPE_EVENT_TYPES],
    description: 'monstock-stripe connector, connection default (managed by npm run setup)',
    metadata: { managed_by: 'monstock-stripe', connection_id: 'default' },
  };

  beforeAll(async () => {
    [mock, monstock] = await Promise.all([startStripeMock(), startMonstockFixture()]);
    recorder = await startStripeRecorder(mock.port);
    stripe = createStripeClient({ secretKey: 'sk_test_123', apiUrl: recorder.url, maxNetworkRetries: 0 });
    db = await startFileDatabase();
  });
  afterAll(async () => {
    await recorder?.close();
    await mock?.stop();
    await monstock?.close();
    await db?.stop();
  });
  beforeEach(() => recorder?.take());

  it('accepts each webhook endpoint call of the setup step', async () => {
    expect(HANDLED_STRIPE_EVENT_TYPES.length).toBeGreaterThan(0);
    // stripe-mock lists one fixture endpoint, not the connector's (no managed_by metadata): left alone.
    expect(await listManagedEndpoints(stripe, 'default')).toEqual([]);
    const created = await createManagedEndpoint(stripe, spec());
    await updateManagedEndpoint(stripe, created.id, spec());
    await deleteManagedEndpoint(stripe, created.id);
    const taken = recorder.take();

    const listed = taken[0]!.response as Stripe.ApiList<Stripe.WebhookEndpoint>;
    expect(listed.data.length).toBeGreaterThan(0);
    expect(listed.data.every((endpoint) => endpoint.metadata?.managed_by !== 'monstock-stripe')).toBe(true);
    expect(created.id).toBe((taken[1]!.response as Stripe.WebhookEndpoint).id);
    expect(withoutAnswers(taken)).toEqual([
      sent('GET', '/v1/webhook_endpoints', { query: { limit: '100' } }),
      sent('POST', '/v1/webhook_endpoints', { body: endpointBody, idempotencyKey: SDK_KEY }),
      // The API version cannot change on an existing endpoint, so an update does not send it.
      sent('POST', `/v1/webhook_endpoints/${created.id}`, {
        body: { url: endpointBody.url, enabled_events: endpointBody.enabled_events },
        idempotencyKey: SDK_KEY,
      }),
      sent('DELETE', `/v1/webhook_endpoints/${created.id}`),
    ]);
  });

  it('runs the whole setup step up to the secret, which stripe-mock’s fixture answer lacks', async () => {
    // list, create, then (no secret in the answer) delete: all accepted, so only our own check fails.
    await expect(
      ensureStripeWebhookEndpoint({
        stripe,
        spec: spec(),
        database: db.database,
        encryptionKeys: TEST_ENCRYPTION_KEYS,
        logger,
      }),
    ).rejects.toThrow(/no signing secret/);
    expect(await loadManagedSecret(db.database, TEST_ENCRYPTION_KEYS, 'default')).toBeUndefined();
    const taken = recorder.take();
    const created = taken[1]!.response as Stripe.WebhookEndpoint;
    expect(created.secret).toBeUndefined();
    expect(withoutAnswers(taken)).toEqual([
      sent('GET', '/v1/webhook_endpoints', { query: { limit: '100' } }),
      sent('POST', '/v1/webhook_endpoints', { body: endpointBody, idempotencyKey: SDK_KEY }),
      // The very endpoint it just created, not the fixture endpoint the list showed.
      sent('DELETE', `/v1/webhook_endpoints/${created.id}`),
    ]);
  });

  it('accepts the order matcher’s reads (payment intent, Checkout session by payment intent)', async () => {
    const matcher = new OrderMatcher({
      stripe,
      monstock: monstock.client,
      settings: { rules: parseMatchRules(DEFAULT_MATCH_RULES), ignore: [] },
    });
    // stripe-mock's intent has no metadata and its session no client_reference_id: nothing to match on.
    const unmatched = { kind: 'unmatched', reason: 'no match rule found a value on the payment' };
    expect(await matcher.matchPaymentIntentId('pi_contract_1')).toEqual(unmatched);
    // A session that says nothing: the intent's own metadata is looked at before giving up.
    expect(
      await matchEvent(matcher, 'pi_contract_2', {
        by: 'checkout',
        checkout: { clientReferenceId: null, metadata: {} },
      }),
    ).toEqual(unmatched);
    const taken = recorder.take();
    const sessions = taken
      .filter((request) => request.path === '/v1/checkout/sessions')
      .map((request) => request.response as Stripe.ApiList<Stripe.Checkout.Session>);
    expect(sessions.map((list) => list.data.map((session) => [session.client_reference_id, session.metadata]))).toEqual(
      [[[null, {}]], [[null, {}]]],
    );
    expect(withoutAnswers(taken)).toEqual([
      sent('GET', '/v1/payment_intents/pi_contract_1'),
      sent('GET', '/v1/checkout/sessions', { query: { payment_intent: 'pi_contract_1', limit: '1' } }),
      sent('GET', '/v1/payment_intents/pi_contract_2'),
      sent('GET', '/v1/checkout/sessions', { query: { payment_intent: 'pi_contract_2', limit: '1' } }),
    ]);
  });

  it('accepts the worker’s reads of a payment intent and what moved money on it', async () => {
    const snapshot = await readPaymentIntentSnapshot(stripe, 'pi_contract_3');
    const taken = recorder.take();
    // The four reads go out at once: their order on the wire is not fixed.
    expect(withoutAnswers(taken).sort((a, b) => a.path.localeCompare(b.path))).toEqual([
      // Balance transactions expanded, for the fee and net of each charge.
      sent('GET', '/v1/charges', {
        query: { payment_intent: 'pi_contract_3', limit: '100', expand: ['data.balance_transaction'] },
      }),
      sent('GET', '/v1/disputes', { query: { payment_intent: 'pi_contract_3', limit: '100' } }),
      sent('GET', '/v1/payment_intents/pi_contract_3'),
      sent('GET', '/v1/refunds', { query: { payment_intent: 'pi_contract_3', limit: '100' } }),
    ]);
    const answer = <T>(p: string) => taken.find((request) => request.path === p)!.response as T;
    const intent = answer<Stripe.PaymentIntent>('/v1/payment_intents/pi_contract_3');
    const charges = answer<Stripe.ApiList<Stripe.Charge>>('/v1/charges');
    const balance = charges.data[0]!.balance_transaction as Stripe.BalanceTransaction;
    expect(charges.data).toHaveLength(1);
    expect(snapshot).toMatchObject({
      id: 'pi_contract_3',
      status: intent.status,
      amount: intent.amount,
      currency: intent.currency,
    });
    expect(snapshot.charges.map((charge) => charge.id)).toEqual(idsOf(charges));
    // Only present because the expansion was asked for (unexpanded, Stripe sends the id alone).
    expect(snapshot.charges[0]).toMatchObject({ feeAmount: balance.fee, netAmount: balance.net });
    expect(snapshot.refunds.map((refund) => refund.id)).toEqual(idsOf(answer('/v1/refunds')));
    expect(snapshot.disputes.map((dispute) => dispute.id)).toEqual(idsOf(answer('/v1/disputes')));
  });

  it('accepts the order sync’s one read: the charges with their balance transactions and their intent', async () => {
    const snapshot = await readPaymentIntentSnapshotFor(
      stripe,
      'pi_contract_5',
      Promise.resolve({ refunds: false, disputes: false }),
    );
    const taken = recorder.take();
    // One request: the intent comes expanded on its charges (a retrieve only for an intent without a charge).
    expect(withoutAnswers(taken)).toEqual([
      sent('GET', '/v1/charges', {
        query: {
          payment_intent: 'pi_contract_5',
          limit: '100',
          expand: ['data.balance_transaction', 'data.payment_intent'],
        },
      }),
    ]);
    const charges = taken[0]!.response as Stripe.ApiList<Stripe.Charge>;
    const intent = charges.data[0]!.payment_intent as Stripe.PaymentIntent;
    const balance = charges.data[0]!.balance_transaction as Stripe.BalanceTransaction;
    // Only objects because the expansions were asked for (unexpanded, Stripe sends the ids alone).
    expect(typeof intent).toBe('object');
    expect(snapshot).toMatchObject({ id: intent.id, status: intent.status, amount: intent.amount });
    expect(snapshot.charges.map((charge) => charge.id)).toEqual(idsOf(charges));
    expect(snapshot.charges[0]).toMatchObject({ feeAmount: balance.fee, netAmount: balance.net });
  });

  it('accepts every call that keeps an order’s payment intent in line (create, amount, cancel, find, refund, tag)', async () => {
    const order = { id: 'ord_contract', reference: 'A-1042', currency: 'EUR', version: 3 };
    const created = await createOrderIntent(stripe, order, 'cus_contract', 4200);
    const retrieved = await retrieveIntent(stripe, 'pi_contract_4');
    const found = await findOpenIntentOfOrder(stripe, order.id);
    const updated = await updateIntentAmount(stripe, 'pi_contract_4', 5000, order);
    const cancelled = await cancelIntent(stripe, 'pi_contract_4');
    await refundCancelledOrderPayment(stripe, 'pi_contract_4', order.id);
    const tagged = await tagIntentWithOrder(stripe, 'pi_contract_4', order.id);
    const taken = recorder.take();

    expect([created.amount, created.currency]).toEqual([4200, 'eur']);
    expect([retrieved.id, updated.id, cancelled.id, tagged.id]).toEqual([
      'pi_contract_4',
      'pi_contract_4',
      'pi_contract_4',
      'pi_contract_4',
    ]);
    expect(found?.id).toBe((taken[2]!.response as Stripe.ApiSearchResult<Stripe.PaymentIntent>).data[0]!.id);
    expect(withoutAnswers(taken)).toEqual([
      sent('POST', '/v1/payment_intents', {
        body: {
          amount: '4200',
          currency: 'eur',
          customer: 'cus_contract',
          description: 'Order A-1042 (Monstock ord_contract)',
          metadata: { monstock_order_id: 'ord_contract', monstock_order_reference: 'A-1042' },
        },
        idempotencyKey: 'monstock-stripe:intent:ord_contract:v3:4200',
      }),
      sent('GET', '/v1/payment_intents/pi_contract_4'),
      sent('GET', '/v1/payment_intents/search', {
        query: {
          query: "metadata['monstock_order_id']:'ord_contract' AND status:'requires_payment_method'",
          limit: '1',
        },
      }),
      sent('POST', '/v1/payment_intents/pi_contract_4', {
        body: { amount: '5000' },
        idempotencyKey: 'monstock-stripe:intent-amount:ord_contract:v3',
      }),
      sent('POST', '/v1/payment_intents/pi_contract_4/cancel', {
        body: { cancellation_reason: 'abandoned' },
        idempotencyKey: 'monstock-stripe:intent-cancel:pi_contract_4',
      }),
      sent('POST', '/v1/refunds', {
        body: {
          payment_intent: 'pi_contract_4',
          reason: 'requested_by_customer',
          metadata: { monstock_order_id: 'ord_contract', reason: 'order cancelled' },
        },
        idempotencyKey: 'monstock-stripe:cancel-refund:pi_contract_4',
      }),
      sent('POST', '/v1/payment_intents/pi_contract_4', {
        body: { metadata: { monstock_order_id: 'ord_contract' } },
        idempotencyKey: 'monstock-stripe:attach:pi_contract_4:ord_contract',
      }),
    ]);
  });

  it('accepts the Stripe customer look-up and link for an order', async () => {
    const customer = await monstock.client.createCustomer({ email: 'contract@example.test', name: 'Contract Test' });
    const id = await stripeCustomerForOrder({ monstock: monstock.client, stripe }, 'default', customer.id);
    const taken = recorder.take();

    // stripe-mock always finds one customer by e-mail (a fixture, unlinked): it becomes the order's.
    const byEmail = taken[0]!.response as Stripe.ApiList<Stripe.Customer>;
    expect(idsOf(byEmail)).toEqual([id]);
    const hash = fingerprint({ email: 'contract@example.test', name: 'Contract Test' });
    const linked = await monstock.client.getCustomer(customer.id);
    expect(linked.externalRefs).toEqual({
      stripeCustomerId: id,
      stripeSyncHash: hash,
      // The version our own write produced: its webhook echo is dropped at the edge.
      stripeSyncVersion: String(linked.version),
    });
    expect(withoutAnswers(taken)).toEqual([
      sent('GET', '/v1/customers', { query: { email: 'contract@example.test', limit: '10' } }),
      // Both sides unsynced: who edited last decides, so Stripe's customer edits since Monstock's are read.
      sent('GET', '/v1/events', {
        query: {
          types: ['customer.created', 'customer.updated'],
          created: { gte: String(Math.floor(Date.parse(customer.updatedAt) / 1000)) },
          limit: '100',
        },
      }),
      sent('POST', `/v1/customers/${id}`, {
        body: {
          email: 'contract@example.test',
          name: 'Contract Test',
          metadata: { monstock_customer_id: customer.id, monstock_sync_hash: hash },
        },
        idempotencyKey: `customer-sync/default/update/${id}/${customer.id}@${customer.version}/${hash}`,
      }),
    ]);
  });

  it('accepts reconciliation’s page of failed webhook deliveries (events with delivery_success false, in the window, after a cursor)', async () => {
    const window = { from: '2026-01-01T00:00:00.000Z', to: '2026-01-03T00:00:00.000Z' };
    const first = await listFailedStripeEvents(stripe, window, { limit: 100 });
    const next = await listFailedStripeEvents(stripe, window, {
      limit: 2,
      startingAfter: 'evt_contract_1',
      types: ['payment_intent.succeeded', 'charge.refunded'],
    });
    const taken = recorder.take();

    expect([idsOf(first), idsOf(next)]).toEqual(
      taken.map((request) => idsOf(request.response as Stripe.ApiList<Stripe.Event>)),
    );
    // 2026-01-01T00:00Z and 2026-01-03T00:00Z in unix seconds: from included, to excluded.
    const created = { gte: '1767225600', lt: '1767398400' };
    expect(withoutAnswers(taken)).toEqual([
      sent('GET', '/v1/events', { query: { delivery_success: 'false', created, limit: '100' } }),
      sent('GET', '/v1/events', {
        query: {
          delivery_success: 'false',
          created,
          limit: '2',
          types: ['payment_intent.succeeded', 'charge.refunded'],
          starting_after: 'evt_contract_1',
        },
      }),
    ]);
  });

  it('rejects a call the real API would refuse, so the checks above can fail', async () => {
    await expect(
      stripe.paymentIntents.create({ amount: 'lots' as unknown as number, currency: 'eur' }),
    ).rejects.toMatchObject({ type: 'StripeInvalidRequestError' });
    expect(withoutAnswers(recorder.take())).toEqual([
      sent('POST', '/v1/payment_intents', {
        body: { amount: 'lots', currency: 'eur' },
        idempotencyKey: SDK_KEY,
        status: 400,
      }),
    ]);
  });
});
