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
import { createStripeClient } from '../../src/stripe/client';
import { startStripeMock, type StripeMock } from '../support/stripeMock';

/**
 * Every Stripe call customer sync makes, through the same functions and param builders the
 * activities use, against stripe-mock (which answers 400 to a request the real API would
 * refuse). stripe-mock is stateless, so these check request shapes, not outcomes.
 */
describe('customer sync: Stripe calls accepted by stripe-mock', () => {
  let mock: StripeMock;
  let stripe: Stripe;

  beforeAll(async () => {
    mock = await startStripeMock();
    stripe = createStripeClient({ secretKey: 'sk_test_123', apiUrl: `http://127.0.0.1:${mock.port}`, maxNetworkRetries: 0 });
  });
  afterAll(() => mock?.stop());

  const full: CustomerFields = {
    email: 'ada@example.test',
    name: 'Ada Lovelace',
    phone: '+33 6 11 22 33 44',
    address: { line1: '12 rue de la Paix', line2: 'Bât. B', postalCode: '75002', city: 'Paris', country: 'FR' },
  };
  const hash = fingerprint(full);

  it('creates a customer with the cross-reference and fingerprint, idempotently', async () => {
    const params = stripeCreateParams(full, { [STRIPE_MONSTOCK_ID_KEY]: 'mcu_1', [STRIPE_SYNC_HASH_KEY]: hash });
    expect((await createStripeCustomer(stripe, params, stripeCreateKey('default', 'mcu_1', 1))).object).toBe('customer');
    await createStripeCustomer(stripe, stripeCreateParams({ email: 'guest@example.test', name: 'guest@example.test' }, { [STRIPE_MONSTOCK_ID_KEY]: 'mcu_2' }), stripeCreateKey('default', 'mcu_2', 1));
  });

  it.each<[string, CustomerFields, CustomerFields]>([
    ['fields changed', { email: 'old@example.test', name: 'Old' }, full],
    ['phone and address cleared', full, { email: full.email!, name: full.name! }],
    ['address spelled out over an old one', { ...full, address: { city: 'Lyon' } }, full],
  ])('updates: %s, with the metadata', async (_name, current, target) => {
    const params: Stripe.CustomerUpdateParams = { ...stripeFieldParams(current, target, 'IDF'), metadata: { [STRIPE_MONSTOCK_ID_KEY]: 'mcu_1', [STRIPE_SYNC_HASH_KEY]: fingerprint(target) } };
    expect((await updateStripeCustomer(stripe, 'cus_123', params, stripeUpdateKey('default', 'cus_123', 'mcu_1', 2, fingerprint(target)))).object).toBe('customer');
  });

  it('updates the metadata alone (link, fingerprint)', async () => {
    await updateStripeCustomer(stripe, 'cus_123', { metadata: { [STRIPE_MONSTOCK_ID_KEY]: 'mcu_9', [STRIPE_SYNC_HASH_KEY]: hash } }, stripeUpdateKey('default', 'cus_123', 'mcu_9', 'new', hash));
  });

  it('reads customers: by id, by e-mail, page by page', async () => {
    expect((await retrieveStripeCustomer(stripe, 'cus_123'))?.object).toBe('customer');
    expect(Array.isArray(await listStripeCustomersByEmail(stripe, 'ada@example.test'))).toBe(true);
    expect((await listStripeCustomersPage(stripe, undefined)).object).toBe('list');
    await listStripeCustomersPage(stripe, 'cus_123');
  });

  it('reads customer events: the newest, those after an event, those since a time', async () => {
    await newestCustomerEvent(stripe);
    expect((await customerEventsAfter(stripe, 'evt_123')).object).toBe('list');
    expect((await customerEventsSince(stripe, 1_700_000_000, undefined)).object).toBe('list');
    await customerEventsSince(stripe, 1_700_000_000, 'evt_123');
  });

  it('refuses a shape Stripe would refuse, so the check can fail', async () => {
    // Only "" clears an address: any other string is refused.
    const cleared = { ...stripeFieldParams(full, { email: full.email! }), address: 'none' } as unknown as Stripe.CustomerUpdateParams;
    await expect(updateStripeCustomer(stripe, 'cus_123', cleared, 'bad-shape')).rejects.toMatchObject({ statusCode: 400 });
  });
});
