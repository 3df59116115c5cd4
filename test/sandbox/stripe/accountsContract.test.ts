import Stripe from 'stripe';
import type { StripeSandbox } from '../../../sandbox/stripe/app';
import { startStripeMock, type StripeMock } from '../../support/stripeMock';
import { client, startSandbox } from './helpers';

/**
 * The account and Connect calls, checked against stripe-mock (Stripe's OpenAPI spec): each
 * request as the sandbox is sent it is accepted there too, and the account objects the sandbox
 * answers carry no field Stripe's account object lacks (stripe-mock is stateless, so keys are
 * compared, not values). The SDK's required fields are checked in accounts.test.ts.
 */
describe('stripe sandbox: accounts and Connect against stripe-mock', () => {
  let mock: StripeMock;
  let mockStripe: Stripe;
  let sandbox: StripeSandbox;
  let stripe: Stripe;

  beforeAll(async () => {
    mock = await startStripeMock();
    mockStripe = new Stripe('sk_test_123', {
      host: '127.0.0.1',
      port: mock.port,
      protocol: 'http',
      maxNetworkRetries: 0,
    });
    sandbox = await startSandbox();
    stripe = client(sandbox);
  });
  afterAll(async () => {
    await mock?.stop();
    await sandbox?.close();
  });

  const invented = (reference: object, ours: object) =>
    Object.keys(ours).filter((key) => key !== 'lastResponse' && !(key in reference));

  it('sends only requests Stripe accepts and answers account objects shaped as Stripe', async () => {
    const params: Stripe.AccountCreateParams = {
      type: 'express',
      country: 'FR',
      default_currency: 'eur',
      email: 'shop@example.com',
      metadata: { shop: 'lyon' },
    };
    const [mockCreated, created] = await Promise.all([
      mockStripe.accounts.create(params),
      stripe.accounts.create(params),
    ]);
    expect(invented(mockCreated, created)).toEqual([]);
    const [mockCurrent, current] = await Promise.all([
      mockStripe.accounts.retrieveCurrent(),
      stripe.accounts.retrieveCurrent(),
    ]);
    expect(invented(mockCurrent, current)).toEqual([]);
    const [mockOne, one] = await Promise.all([
      mockStripe.accounts.retrieve(mockCreated.id),
      stripe.accounts.retrieve(created.id),
    ]);
    expect(invented(mockOne, one)).toEqual([]);
    const [mockList, list] = await Promise.all([
      mockStripe.accounts.list({ limit: 10 }),
      stripe.accounts.list({ limit: 10 }),
    ]);
    expect(invented(mockList, list)).toEqual([]);

    const endpoint: Stripe.WebhookEndpointCreateParams = {
      url: 'http://127.0.0.1:9/connect',
      enabled_events: ['*'],
      connect: true,
    };
    await mockStripe.webhookEndpoints.create(endpoint);
    await stripe.webhookEndpoints.create(endpoint);
    const customer: Stripe.CustomerCreateParams = { email: 'c@example.com' };
    await mockStripe.customers.create(customer, { stripeAccount: mockCreated.id });
    expect((await stripe.customers.create(customer, { stripeAccount: created.id })).object).toBe('customer');
    await mockStripe.events.list({ limit: 3 }, { stripeAccount: mockCreated.id });
  });
});
