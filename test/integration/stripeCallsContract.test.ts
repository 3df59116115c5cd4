import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
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
import { createStripeClient } from '../../src/stripe/client';
import { stripeCustomerForOrder } from '../../src/activities/orderPayment/stripeCustomerForOrder';
import { cancelIntent, createOrderIntent, findOpenIntentOfOrder, refundCancelledOrderPayment, retrieveIntent, tagIntentWithOrder, updateIntentAmount } from '../../src/stripe/orderIntents';
import { readPaymentIntentSnapshot } from '../../src/stripe/readPaymentIntentSnapshot';
import { listFailedStripeEvents } from '../../src/activities/reconciliation/failedEvents';
import { startMonstockFixture, type MonstockFixture } from '../support/monstockSandbox';
import { startStripeMock, type StripeMock } from '../support/stripeMock';

/**
 * Every Stripe call the connector itself makes (webhook starter, setup, the worker's reads),
 * made by the real functions against stripe-mock, which answers 400 to any request the real API
 * would refuse (see test/sandbox/stripe/contract.test.ts). stripe-mock is stateless: it answers
 * with fixtures, so these tests check request shapes, not outcomes.
 *
 * stripe-mock v0.197's spec ends at API version 2025-09-30.clover and refuses the newer pinned
 * version as `api_version` of a webhook endpoint; that one value is checked by the SDK's types
 * (WebhookEndpointCreateParams.ApiVersion) and the sandbox instead.
 */
const NEWEST_VERSION_STRIPE_MOCK_KNOWS: ApiVersion = '2025-09-30.clover';

describe('Stripe calls the connector makes, against stripe-mock', () => {
  let mock: StripeMock;
  let stripe: Stripe;
  let monstock: MonstockFixture;
  let dataDir: string;
  const logger = createLogger({ level: 'error' });
  const spec = () => managedEndpointSpec({ publicUrl: 'https://connector.example.com', connectionId: 'default', apiVersion: NEWEST_VERSION_STRIPE_MOCK_KNOWS });

  beforeAll(async () => {
    [mock, monstock] = await Promise.all([startStripeMock(), startMonstockFixture()]);
    stripe = createStripeClient({ secretKey: 'sk_test_123', apiUrl: `http://127.0.0.1:${mock.port}`, maxNetworkRetries: 0 });
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'stripe-contract-'));
  });
  afterAll(async () => {
    await mock?.stop();
    await monstock?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('accepts each webhook endpoint call of the setup step', async () => {
    expect(await listManagedEndpoints(stripe, 'default')).toEqual([]);
    const created = await createManagedEndpoint(stripe, spec());
    expect(created.object).toBe('webhook_endpoint');
    await updateManagedEndpoint(stripe, created.id, spec());
    await deleteManagedEndpoint(stripe, created.id);
  });

  it('runs the whole setup step up to the secret, which stripe-mock’s fixture answer lacks', async () => {
    // list, create, then (no secret in the answer) delete: all accepted, so only our own check fails.
    await expect(ensureStripeWebhookEndpoint({ stripe, spec: spec(), dataDir, logger })).rejects.toThrow(/no signing secret/);
    expect(fs.readdirSync(dataDir)).toEqual([]);
  });

  it('accepts the order matcher’s reads (payment intent, Checkout session by payment intent)', async () => {
    const matcher = new OrderMatcher({ stripe, monstock: monstock.client, settings: { rules: parseMatchRules(DEFAULT_MATCH_RULES), ignore: [] } });
    const outcome = await matcher.matchPaymentIntentId('pi_contract_1');
    expect(['order', 'unmatched']).toContain(outcome.kind);
    const viaCheckout = await matchEvent(matcher, 'pi_contract_2', { by: 'checkout', checkout: { clientReferenceId: null, metadata: {} } });
    expect(['order', 'unmatched']).toContain(viaCheckout.kind);
  });

  it('accepts the worker’s reads of a payment intent and what moved money on it', async () => {
    const snapshot = await readPaymentIntentSnapshot(stripe, 'pi_contract_3');
    expect(snapshot).toMatchObject({ id: expect.any(String), charges: expect.any(Array), refunds: expect.any(Array), disputes: expect.any(Array) });
  });

  it('accepts every call that keeps an order’s payment intent in line (create, amount, cancel, find, refund, tag)', async () => {
    const order = { id: 'ord_contract', reference: 'A-1042', currency: 'EUR', version: 3 };
    expect((await createOrderIntent(stripe, order, 'cus_contract', 4200)).object).toBe('payment_intent');
    expect((await retrieveIntent(stripe, 'pi_contract_4')).object).toBe('payment_intent');
    await findOpenIntentOfOrder(stripe, order.id);
    expect((await updateIntentAmount(stripe, 'pi_contract_4', 5000, order)).object).toBe('payment_intent');
    expect((await cancelIntent(stripe, 'pi_contract_4')).object).toBe('payment_intent');
    await refundCancelledOrderPayment(stripe, 'pi_contract_4', order.id);
    expect((await tagIntentWithOrder(stripe, 'pi_contract_4', order.id)).object).toBe('payment_intent');
  });

  it('accepts the Stripe customer look-up and creation for an order', async () => {
    const customer = await monstock.client.createCustomer({ email: 'contract@example.test', name: 'Contract Test' });
    const id = await stripeCustomerForOrder({ monstock: monstock.client, stripe }, 'default', customer.id);
    expect(id).toEqual(expect.any(String));
  });

  it('accepts reconciliation’s page of failed webhook deliveries (events with delivery_success false, in the window, after a cursor)', async () => {
    const window = { from: '2026-01-01T00:00:00.000Z', to: '2026-01-03T00:00:00.000Z' };
    const first = await listFailedStripeEvents(stripe, window, { limit: 100 });
    expect(first.object).toBe('list');
    const next = await listFailedStripeEvents(stripe, window, { limit: 2, startingAfter: 'evt_contract_1', types: ['payment_intent.succeeded', 'charge.refunded'] });
    expect(next.data).toEqual(expect.any(Array));
  });

  it('rejects a call the real API would refuse, so the checks above can fail', async () => {
    await expect(stripe.paymentIntents.create({ amount: 'lots' as unknown as number, currency: 'eur' })).rejects.toMatchObject({ type: 'StripeInvalidRequestError' });
  });
});
