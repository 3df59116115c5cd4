import type Stripe from 'stripe';
import {
  createStripeCustomer,
  customerEventsAfter,
  customerEventsSince,
  listStripeCustomersByEmail,
  listStripeCustomersPage,
  newestCustomerEvent,
  retrieveStripeCustomer,
  updateStripeCustomer,
} from '../../src/activities/customerSync/stripeCustomers';
import { STRIPE_MONSTOCK_ID_KEY, STRIPE_SYNC_HASH_KEY } from '../../src/customers/crossRefs';
import type { CustomerFields } from '../../src/customers/fields';
import { fingerprint } from '../../src/customers/fingerprint';
import { stripeCreateParams, stripeFieldParams } from '../../src/customers/stripeMapping';
import { stripeCreateKey, stripeUpdateKey } from '../../src/customers/syncKeys';
import { createStripeClient, STRIPE_API_VERSION } from '../../src/stripe/client';
import { startStripeMock, type StripeMock } from '../support/stripeMock';
import { startStripeRecorder, type RecordedStripeRequest, type StripeRecorder } from '../support/stripeRecorder';

/**
 * Every Stripe call customer sync makes, through the same functions and param builders the
 * activities use, against stripe-mock (which answers 400 to a request the real API would
 * refuse). A recording proxy sits in between, so each test asserts both that stripe-mock
 * accepted the call and exactly what was sent: method, path, params, idempotency key, version.
 */
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

describe('customer sync: Stripe calls accepted by stripe-mock, exactly as sent', () => {
  let mock: StripeMock;
  let recorder: StripeRecorder;
  let stripe: Stripe;
  /** What went over the wire since the last call, without stripe-mock's answers. */
  const wire = (): Wire[] => recorder.take().map(({ response: _response, ...request }) => request);
  /** The answers stripe-mock gave, in order. */
  const answers = <T>(taken: RecordedStripeRequest[]): T[] => taken.map((request) => request.response as T);

  beforeAll(async () => {
    mock = await startStripeMock();
    recorder = await startStripeRecorder(mock.port);
    stripe = createStripeClient({ secretKey: 'sk_test_123', apiUrl: recorder.url, maxNetworkRetries: 0 });
  });
  afterAll(async () => {
    await recorder?.close();
    await mock?.stop();
  });
  beforeEach(() => recorder?.take());

  const full: CustomerFields = {
    email: 'ada@example.test',
    name: 'Ada Lovelace',
    phone: '+33 6 11 22 33 44',
    address: { line1: '12 rue de la Paix', line2: 'Bât. B', postalCode: '75002', city: 'Paris', country: 'FR' },
  };
  const fullAddress = {
    line1: '12 rue de la Paix',
    line2: 'Bât. B',
    postal_code: '75002',
    city: 'Paris',
    country: 'FR',
  };
  const hash = fingerprint(full);

  it('creates a customer with the cross-reference and fingerprint, idempotently', async () => {
    const params = stripeCreateParams(full, { [STRIPE_MONSTOCK_ID_KEY]: 'mcu_1', [STRIPE_SYNC_HASH_KEY]: hash });
    const created = await createStripeCustomer(stripe, params, stripeCreateKey('default', 'mcu_1', 1));
    const guest = await createStripeCustomer(
      stripe,
      stripeCreateParams(
        { email: 'guest@example.test', name: 'guest@example.test' },
        { [STRIPE_MONSTOCK_ID_KEY]: 'mcu_2' },
      ),
      stripeCreateKey('default', 'mcu_2', 1),
    );
    // stripe-mock echoes the e-mail of a create back: the answer belongs to this request.
    expect([created.object, created.email, guest.email]).toEqual([
      'customer',
      'ada@example.test',
      'guest@example.test',
    ]);
    expect(wire()).toEqual([
      sent('POST', '/v1/customers', {
        body: {
          email: 'ada@example.test',
          name: 'Ada Lovelace',
          phone: '+33 6 11 22 33 44',
          address: fullAddress,
          metadata: { monstock_customer_id: 'mcu_1', monstock_sync_hash: hash },
        },
        idempotencyKey: 'customer-sync/default/create/mcu_1@1',
      }),
      // No phone or address keys at all for fields the customer does not have.
      sent('POST', '/v1/customers', {
        body: { email: 'guest@example.test', name: 'guest@example.test', metadata: { monstock_customer_id: 'mcu_2' } },
        idempotencyKey: 'customer-sync/default/create/mcu_2@1',
      }),
    ]);
  });

  it.each<[string, CustomerFields, CustomerFields, Record<string, unknown>]>([
    [
      'fields changed',
      { email: 'old@example.test', name: 'Old' },
      full,
      {
        email: 'ada@example.test',
        name: 'Ada Lovelace',
        phone: '+33 6 11 22 33 44',
        address: { ...fullAddress, state: 'IDF' },
      },
    ],
    ['phone and address cleared', full, { email: full.email!, name: full.name! }, { phone: '', address: '' }],
    [
      'address spelled out over an old one',
      { ...full, address: { city: 'Lyon' } },
      full,
      { address: { ...fullAddress, state: 'IDF' } },
    ],
  ])('updates: %s, with the metadata', async (_name, current, target, fields) => {
    const params: Stripe.CustomerUpdateParams = {
      ...stripeFieldParams(current, target, 'IDF'),
      metadata: { [STRIPE_MONSTOCK_ID_KEY]: 'mcu_1', [STRIPE_SYNC_HASH_KEY]: fingerprint(target) },
    };
    const updated = await updateStripeCustomer(
      stripe,
      'cus_123',
      params,
      stripeUpdateKey('default', 'cus_123', 'mcu_1', 2, fingerprint(target)),
    );
    expect([updated.object, updated.id]).toEqual(['customer', 'cus_123']);
    expect(wire()).toEqual([
      sent('POST', '/v1/customers/cus_123', {
        body: { ...fields, metadata: { monstock_customer_id: 'mcu_1', monstock_sync_hash: fingerprint(target) } },
        idempotencyKey: `customer-sync/default/update/cus_123/mcu_1@2/${fingerprint(target)}`,
      }),
    ]);
  });

  it('updates the metadata alone (link, fingerprint)', async () => {
    const updated = await updateStripeCustomer(
      stripe,
      'cus_123',
      { metadata: { [STRIPE_MONSTOCK_ID_KEY]: 'mcu_9', [STRIPE_SYNC_HASH_KEY]: hash } },
      stripeUpdateKey('default', 'cus_123', 'mcu_9', 'new', hash),
    );
    expect(updated.id).toBe('cus_123');
    expect(wire()).toEqual([
      sent('POST', '/v1/customers/cus_123', {
        body: { metadata: { monstock_customer_id: 'mcu_9', monstock_sync_hash: hash } },
        idempotencyKey: `customer-sync/default/update/cus_123/mcu_9@new/${hash}`,
      }),
    ]);
  });

  it('reads customers: by id, by e-mail, page by page', async () => {
    const one = await retrieveStripeCustomer(stripe, 'cus_123');
    const byEmail = await listStripeCustomersByEmail(stripe, 'ada@example.test');
    const firstPage = await listStripeCustomersPage(stripe, undefined);
    const nextPage = await listStripeCustomersPage(stripe, 'cus_123');
    const taken = recorder.take();
    const [, byEmailAnswer, firstAnswer, nextAnswer] = answers<Stripe.ApiList<Stripe.Customer>>(taken);

    expect(one?.id).toBe('cus_123');
    // The functions hand back what Stripe answered (the list's customers, the list itself).
    expect(byEmail.map((customer) => customer.id)).toEqual(byEmailAnswer!.data.map((customer) => customer.id));
    expect(byEmail.length).toBeGreaterThan(0);
    expect([firstPage.object, firstPage.data.map((customer) => customer.id)]).toEqual([
      'list',
      firstAnswer!.data.map((customer) => customer.id),
    ]);
    expect(nextPage.data.map((customer) => customer.id)).toEqual(nextAnswer!.data.map((customer) => customer.id));
    expect(taken.map(({ response: _response, ...request }) => request)).toEqual([
      sent('GET', '/v1/customers/cus_123'),
      // By e-mail through the list endpoint (consistent at once), not Search.
      sent('GET', '/v1/customers', { query: { email: 'ada@example.test', limit: '10' } }),
      sent('GET', '/v1/customers', { query: { limit: '100' } }),
      sent('GET', '/v1/customers', { query: { limit: '100', starting_after: 'cus_123' } }),
    ]);
  });

  it('reads customer events: the newest, those after an event, those since a time', async () => {
    const newest = await newestCustomerEvent(stripe);
    const after = await customerEventsAfter(stripe, 'evt_123');
    const since = await customerEventsSince(stripe, 1_700_000_000, undefined);
    const sinceNext = await customerEventsSince(stripe, 1_700_000_000, 'evt_123');
    const taken = recorder.take();
    const [newestAnswer, afterAnswer, sinceAnswer, sinceNextAnswer] = answers<Stripe.ApiList<Stripe.Event>>(taken);

    expect(newest?.id).toBe(newestAnswer!.data[0]!.id);
    expect([after, since, sinceNext].map((page) => page.data.map((event) => event.id))).toEqual(
      [afterAnswer, sinceAnswer, sinceNextAnswer].map((page) => page!.data.map((event) => event.id)),
    );
    const types = ['customer.created', 'customer.updated'];
    expect(taken.map(({ response: _response, ...request }) => request)).toEqual([
      sent('GET', '/v1/events', { query: { types, limit: '1' } }),
      // Newer than the event: Stripe lists newest first, so `ending_before` walks forward in time.
      sent('GET', '/v1/events', { query: { types, ending_before: 'evt_123', limit: '100' } }),
      sent('GET', '/v1/events', { query: { types, created: { gte: '1700000000' }, limit: '100' } }),
      sent('GET', '/v1/events', {
        query: { types, created: { gte: '1700000000' }, limit: '100', starting_after: 'evt_123' },
      }),
    ]);
  });

  it('refuses a shape Stripe would refuse, so the checks above can fail', async () => {
    // Only "" clears an address: any other string is refused.
    const cleared = {
      ...stripeFieldParams(full, { email: full.email! }),
      address: 'none',
    } as unknown as Stripe.CustomerUpdateParams;
    await expect(updateStripeCustomer(stripe, 'cus_123', cleared, 'bad-shape')).rejects.toMatchObject({
      statusCode: 400,
    });
    expect(wire()).toEqual([
      sent('POST', '/v1/customers/cus_123', {
        body: { phone: '', address: 'none' },
        idempotencyKey: 'bad-shape',
        status: 400,
      }),
    ]);
  });
});
