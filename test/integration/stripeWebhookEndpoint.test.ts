import http from 'node:http';
import type Stripe from 'stripe';
import { loadConfig, withDevelopmentValues } from '../../src/config';
import { createLogger } from '../../src/observability/logger';
import { listen, readBody, type StartedServer } from '../../sandbox/kit/http';
import { HANDLED_STRIPE_EVENT_TYPES } from '../../src/events/stripeEventActions';
import { verifyStripeWebhook } from '../../src/starter/stripe/verify';
import {
  ensureStripeWebhookEndpoint,
  managedEndpointSpec,
  MANAGED_BY,
  setupStripeWebhookEndpoint,
} from '../../src/starter/stripe/webhookEndpoint';
import { STRIPE_API_VERSION } from '../../src/stripe/client';
import { deleteManagedSecret, loadManagedSecret, saveManagedSecret } from '../../src/store/managedSecrets';
import { startFileDatabase, type FileDatabase } from '../support/database';
import { startStripeFixture, type StripeFixture } from '../support/stripeSandbox';
import { eventually, TEST_ENCRYPTION_KEYS } from '../support/temporal';

/** `npm run setup`'s Stripe step against the Stripe sandbox: one managed endpoint, kept in shape. */
describe('managed Stripe webhook endpoint', () => {
  const logger = createLogger({ level: 'error' });
  let fixture: StripeFixture;
  let stripe: Stripe;
  // The database setup stores the secret in (a file's own: each test starts from none stored).
  let db: FileDatabase;
  let receiver: StartedServer;
  const deliveries: Array<{ path: string; signature: string; body: Buffer }> = [];

  beforeAll(async () => {
    fixture = await startStripeFixture();
    db = await startFileDatabase();
    stripe = fixture.stripe;
    receiver = await listen(
      http.createServer((incoming, outgoing) => {
        void readBody(incoming).then((body) => {
          if (body !== 'too_large')
            deliveries.push({
              path: incoming.url ?? '',
              signature: String(incoming.headers['stripe-signature']),
              body,
            });
          outgoing.writeHead(200).end('{}');
        });
      }),
      0,
    );
  });
  afterAll(async () => {
    await fixture?.close();
    await receiver?.close();
    await db?.stop();
  });
  beforeEach(async () => {
    await fixture.admin('/_sandbox/reset');
    for (const connectionId of ['default', 'shop-2', 'shop-3']) await deleteManagedSecret(db.database, connectionId);
    deliveries.length = 0;
  });

  const spec = (connectionId = 'default') => managedEndpointSpec({ publicUrl: `${receiver.url}/`, connectionId });
  const ensure = (connectionId = 'default') =>
    ensureStripeWebhookEndpoint({
      stripe,
      spec: spec(connectionId),
      database: db.database,
      encryptionKeys: TEST_ENCRYPTION_KEYS,
      logger,
    });
  const stored = (connectionId = 'default') => loadManagedSecret(db.database, TEST_ENCRYPTION_KEYS, connectionId);
  /** The stored row as it is, ciphertext and all: an unchanged secret is not even rewritten. */
  const storedRow = async () =>
    (await db.database.query('SELECT * FROM managed_webhook_secrets WHERE connection_id = $1', ['default'])).rows[0];
  const endpoints = async () => (await stripe.webhookEndpoints.list({ limit: 100 })).data;

  it('creates one endpoint with exactly the handled events and the pinned API version, and keeps its secret privately', async () => {
    const result = await ensure();
    expect(result).toMatchObject({ action: 'created', deleted: [] });
    const [endpoint, ...others] = await endpoints();
    expect(others).toEqual([]);
    expect(endpoint).toMatchObject({
      id: result.endpointId,
      url: `${receiver.url}/webhooks/stripe`,
      api_version: STRIPE_API_VERSION,
      status: 'enabled',
      metadata: { managed_by: MANAGED_BY, connection_id: 'default' },
    });
    expect([...endpoint!.enabled_events].sort()).toEqual([...HANDLED_STRIPE_EVENT_TYPES].sort());

    const secret = await stored();
    expect(secret).toEqual({ endpointId: result.endpointId, secret: expect.stringMatching(/^whsec_/) });
    // Stored encrypted, under the key's id: the plaintext secret is nowhere in the row.
    const row = await storedRow();
    expect(row.key_id).toBe(TEST_ENCRYPTION_KEYS[0]!.id);
    expect(Buffer.from(row.ciphertext).includes(Buffer.from(secret!.secret))).toBe(false);

    // What Stripe now sends there verifies with the stored secret.
    await stripe.paymentIntents.create({
      amount: 1000,
      currency: 'eur',
      payment_method: 'pm_card_visa',
      confirm: true,
    });
    await eventually(async () =>
      deliveries.some((item) => item.body.includes('"payment_intent.succeeded"')) ? true : undefined,
    );
    for (const delivery of deliveries) {
      expect(delivery.path).toBe('/webhooks/stripe');
      expect(verifyStripeWebhook(delivery.body, delivery.signature, [secret!.secret]).ok).toBe(true);
    }
  });

  it('changes nothing on a second run', async () => {
    const first = await ensure();
    const before = { endpoints: await endpoints(), row: await storedRow() };
    const second = await ensure();
    expect(second).toEqual({ action: 'unchanged', endpointId: first.endpointId, deleted: [] });
    expect(await endpoints()).toEqual(before.endpoints);
    expect(await storedRow()).toEqual(before.row);
  });

  it('never touches endpoints it did not create, nor another connection’s', async () => {
    const foreign = await stripe.webhookEndpoints.create({
      url: 'https://erp.example.com/stripe',
      enabled_events: ['*'],
      metadata: { team: 'finance' },
    });
    const lookalike = await stripe.webhookEndpoints.create({
      url: 'https://x.example.com/hook',
      enabled_events: ['charge.succeeded'],
      metadata: { managed_by: 'someone-else', connection_id: 'default' },
    });
    const otherConnection = await ensure('shop-2');
    expect(otherConnection.action).toBe('created');
    const snapshot = await endpoints();

    const result = await ensure();
    expect(result).toMatchObject({ action: 'created', deleted: [] });
    await ensure();
    const after = await endpoints();
    for (const untouched of [foreign, lookalike])
      expect(after.find((endpoint) => endpoint.id === untouched.id)).toEqual(
        snapshot.find((endpoint) => endpoint.id === untouched.id),
      );
    expect(after.find((endpoint) => endpoint.id === otherConnection.endpointId)).toMatchObject({
      url: `${receiver.url}/webhooks/stripe/shop-2`,
      metadata: { connection_id: 'shop-2' },
    });
    expect(after).toHaveLength(4);
  });

  it('puts back a changed event list and URL', async () => {
    const created = await ensure();
    await stripe.webhookEndpoints.update(created.endpointId, {
      enabled_events: ['payment_intent.succeeded'],
      url: 'https://old.example.com/webhooks/stripe',
    });
    const result = await ensure();
    expect(result).toEqual({ action: 'updated', endpointId: created.endpointId, deleted: [] });
    const endpoint = await stripe.webhookEndpoints.retrieve(created.endpointId);
    expect([...endpoint.enabled_events].sort()).toEqual([...HANDLED_STRIPE_EVENT_TYPES].sort());
    expect(endpoint.url).toBe(`${receiver.url}/webhooks/stripe`);
  });

  it('replaces its endpoint pinned to another API version (creates the new one, then deletes the old)', async () => {
    const old = await stripe.webhookEndpoints.create({
      url: `${receiver.url}/webhooks/stripe`,
      api_version: '2024-06-20',
      enabled_events: [...HANDLED_STRIPE_EVENT_TYPES],
      metadata: { managed_by: MANAGED_BY, connection_id: 'default' },
    });
    await saveManagedSecret(db.database, TEST_ENCRYPTION_KEYS, 'default', { endpointId: old.id, secret: old.secret! });
    const result = await ensure();
    expect(result).toMatchObject({ action: 'replaced', deleted: [old.id] });
    const remaining = await endpoints();
    expect(remaining.map((endpoint) => [endpoint.id, endpoint.api_version])).toEqual([
      [result.endpointId, STRIPE_API_VERSION],
    ]);
    expect((await stored())?.endpointId).toBe(result.endpointId);
    expect((await stored())?.secret).not.toBe(old.secret);
  });

  it('replaces its endpoint when the stored secret was lost (Stripe never shows a secret twice)', async () => {
    const first = await ensure();
    await deleteManagedSecret(db.database, 'default');
    const result = await ensure();
    expect(result).toMatchObject({ action: 'replaced', deleted: [first.endpointId] });
    expect((await stored())?.endpointId).toBe(result.endpointId);
    expect((await endpoints()).map((endpoint) => endpoint.id)).toEqual([result.endpointId]);
  });

  it('is skipped when PUBLIC_WEBHOOK_URL is not set, and used when it is', async () => {
    const base = withDevelopmentValues({ DATABASE_URL: db.url });
    expect(
      await setupStripeWebhookEndpoint({ config: loadConfig(base), stripe, database: db.database, logger }),
    ).toBeUndefined();
    expect(await endpoints()).toEqual([]);
    const result = await setupStripeWebhookEndpoint({
      config: loadConfig({ ...base, PUBLIC_WEBHOOK_URL: receiver.url, CONNECTION_ID: 'shop-3' }),
      stripe,
      database: db.database,
      logger,
    });
    expect(result?.action).toBe('created');
    expect((await endpoints())[0]?.url).toBe(`${receiver.url}/webhooks/stripe/shop-3`);
  });
});
