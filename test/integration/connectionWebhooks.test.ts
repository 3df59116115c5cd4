import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import Stripe from 'stripe';
import { request } from 'undici';
import { listen, type StartedServer } from '../../sandbox/kit/http';
import { signPayload } from '../../sandbox/kit/signature';
import { loadConfig, withDevelopmentValues, type ConnectorConfig } from '../../src/config';
import { ConnectionService } from '../../src/connections/service';
import { CONNECTOR_ORDER_ID_KEY } from '../../src/matching/matchRules';
import type { Order } from '../../src/monstock/schemas';
import { Counters, defineWebhookCounters, WEBHOOK_COUNTERS as C } from '../../src/observability/counters';
import { createLogger } from '../../src/observability/logger';
import { orderWorkflowId } from '../../src/shared/ids';
import { createConnectorHttpServer, type PlatformWebhookRoute, type WebhookRoute } from '../../src/starter/http/server';
import { WebhookConnections } from '../../src/starter/http/webhookConnections';
import { createMonstockWebhookRoute } from '../../src/starter/monstock/route';
import { createStripeConnectRoute } from '../../src/starter/stripe/connectRoute';
import { connectWebhookSecrets } from '../../src/starter/stripe/connectSecrets';
import { createStripeWebhookHandlers } from '../../src/starter/stripe/route';
import { openDatabase, type Database } from '../../src/store/database';
import { loadManagedSecret } from '../../src/store/managedSecrets';
import {
  startMonstockFixture,
  TEST_MONSTOCK_TOKEN,
  TEST_MONSTOCK_WEBHOOK_SECRET,
  type MonstockFixture,
  type MonstockTenant,
} from '../support/monstockSandbox';
import {
  startStripeFixture,
  TEST_STRIPE_KEY,
  TEST_STRIPE_WEBHOOK_SECRET,
  type StripeFixture,
} from '../support/stripeSandbox';
import { connectTestClient, eventually, TEST_ENCRYPTION_KEYS, uniqueTaskQueue } from '../support/temporal';

/**
 * The webhook edge serving connections registered at runtime: two Monstock tenants and two Stripe
 * accounts (one per `sk_test_` key) of two key connections, and a Stripe Connect account under the
 * platform key, each registered through ConnectionService on the run's database. Each source's
 * events reach only their own connection's workflows (checked by describing workflow ids: workers
 * do not serve registered connections yet, so no worker runs here), with only that connection's
 * secrets; unknown connections answer 404, paused ones 503 and then deliver once resumed.
 */
const logger = createLogger({ level: 'error' });
// The run's database and Temporal are shared with other test files: ids carry this file's prefix.
const prefix = `cw${process.pid}`;
const ids = { a: `${prefix}-a`, b: `${prefix}-b`, connect: `${prefix}-c` };
const keys = { a: `sk_test_cw_${process.pid}_a`, b: `sk_test_cw_${process.pid}_b` };
const CONNECT_SECRET = `whsec_connect_${process.pid}_platform`;

describe('webhooks of every registered connection', () => {
  const taskQueue = uniqueTaskQueue('connection-webhooks');
  let database: Database;
  let server: StartedServer;
  let monstock: MonstockFixture;
  let stripe: StripeFixture;
  let client: Client;
  let config: ConnectorConfig;
  let service: ConnectionService;
  let connections: WebhookConnections;
  let tenants: { a: MonstockTenant; b: MonstockTenant; connect: MonstockTenant };
  let connectedAccount: string;
  const counters = defineWebhookCounters(new Counters());
  const routes: { stripe?: WebhookRoute; monstock?: WebhookRoute; connect?: PlatformWebhookRoute } = {};

  beforeAll(async () => {
    database = await openDatabase(process.env.DATABASE_URL!);
    // The sandboxes need the shell's URL, the routes need the sandboxes: bound late.
    server = await listen(
      createConnectorHttpServer({
        logger,
        readiness: async () => ({ ready: true }),
        webhooks: { stripe: (webhook) => routes.stripe!(webhook), monstock: (webhook) => routes.monstock!(webhook) },
        platformWebhooks: { 'stripe-connect': (webhook) => routes.connect!(webhook) },
        connectionState: (id) => connections.state(id),
        counters,
      }),
      0,
    );
    [monstock, stripe, client] = await Promise.all([startMonstockFixture(), startStripeFixture(), connectTestClient()]);
    config = loadConfig(
      withDevelopmentValues({
        DATABASE_URL: process.env.DATABASE_URL,
        PAYLOAD_ENCRYPTION_KEYS: `test-1:${TEST_ENCRYPTION_KEYS[0]!.key.toString('base64')}`,
        STRIPE_API_URL: stripe.url,
        STRIPE_SECRET_KEY: TEST_STRIPE_KEY,
        STRIPE_WEBHOOK_SECRET: TEST_STRIPE_WEBHOOK_SECRET,
        MONSTOCK_API_URL: monstock.sandbox.apiUrl,
        MONSTOCK_API_TOKEN: TEST_MONSTOCK_TOKEN,
        MONSTOCK_WEBHOOK_SECRET: TEST_MONSTOCK_WEBHOOK_SECRET,
        PUBLIC_WEBHOOK_URL: server.url,
        TEMPORAL_TASK_QUEUE: taskQueue,
        STRIPE_CAPTURE: 'automatic',
      }),
    );
    service = new ConnectionService({ database, config, logger });
    const tenantFor = (id: string) => monstock.createTenant({ webhookUrl: `${server.url}/webhooks/monstock/${id}` });
    tenants = { a: await tenantFor(ids.a), b: await tenantFor(ids.b), connect: await tenantFor(ids.connect) };
    const registered = (id: string, tenant: MonstockTenant, stripeSide: Record<string, string>) => ({
      id,
      monstockUrl: monstock.sandbox.apiUrl,
      monstockToken: tenant.token,
      monstockWebhookSecret: tenant.webhookSecret,
      ...stripeSide,
    });
    await service.add(registered(ids.a, tenants.a, { stripeKey: keys.a }));
    await service.add(registered(ids.b, tenants.b, { stripeKey: keys.b }));
    connectedAccount = ((await stripe.admin('/_sandbox/accounts', {})) as { id: string }).id;
    await service.add(registered(ids.connect, tenants.connect, { stripeAccount: connectedAccount }));

    connections = new WebhookConnections({ registry: service.registry, config, database });
    const stripeHandlers = createStripeWebhookHandlers({ client, config, database, logger, counters, connections });
    routes.stripe = stripeHandlers.route;
    routes.monstock = createMonstockWebhookRoute({
      client,
      config,
      logger,
      counters,
      webhookSecretsOf: connections.monstockWebhookSecrets,
    });
    routes.connect = createStripeConnectRoute({
      counters,
      logger,
      secrets: connectWebhookSecrets({ configured: [CONNECT_SECRET], database, keys: config.temporal.encryptionKeys }),
      connectionOfAccount: connections.byStripeAccount,
      deliverVerified: stripeHandlers.deliverVerified,
    });
  });

  afterAll(async () => {
    for (const id of Object.values(ids)) await service?.remove(id).catch(() => undefined);
    await connections?.close();
    await server?.close();
    await stripe?.close();
    await monstock?.close();
    await client?.connection.close();
    await database?.end();
  });

  async function workflowExists(workflowId: string): Promise<boolean> {
    try {
      await client.workflow.getHandle(workflowId).describe();
      return true;
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return false;
      throw error;
    }
  }

  async function post(path: string, body: string, headers: Record<string, string>) {
    const answer = await request(`${server.url}${path}`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', ...headers },
    });
    return {
      status: answer.statusCode,
      retryAfter: answer.headers['retry-after'],
      body: (await answer.body.json()) as Record<string, unknown>,
    };
  }

  const postMonstock = (connectionId: string, body: string, secret: string) =>
    post(`/webhooks/monstock/${connectionId}`, body, { 'monstock-signature': signPayload(body, secret) });

  const postStripe = (path: string, event: Record<string, unknown>, secret: string) => {
    const body = JSON.stringify(event);
    return post(path, body, {
      'stripe-signature': Stripe.webhooks.generateTestHeaderString({ payload: body, secret }),
    });
  };

  const managedSecretOf = async (connectionId: string) =>
    (await loadManagedSecret(database, config.temporal.encryptionKeys, connectionId))!.secret;

  async function orderIn(tenant: MonstockTenant, n: number): Promise<Order> {
    const customer = await tenant.client.createCustomer({ email: `buyer${n}@example.test`, name: `Buyer ${n}` });
    return tenant.client.createOrder({
      reference: `CW-${process.pid}-${n}`,
      customerId: customer.id,
      currency: 'EUR',
      lines: [{ sku: 'SKU-1', quantity: 1, unitAmount: 4200 }],
    });
  }

  const orderEventBody = (order: Order) =>
    JSON.stringify({
      id: `evt_cw_${order.id}_${Date.now()}`,
      type: 'order.updated',
      createdAt: new Date().toISOString(),
      data: { object: order },
    });

  function intentEvent(intent: Stripe.PaymentIntent, extra: Record<string, unknown> = {}) {
    return {
      id: `evt_cw_${intent.id}_${Date.now()}`,
      object: 'event',
      type: 'payment_intent.succeeded',
      created: Math.floor(Date.now() / 1000),
      livemode: false,
      data: { object: { ...intent } },
      ...extra,
    };
  }

  /** A charge event names only its intent: the route must read the intent from the connection's own account. */
  function chargeEvent(intent: Stripe.PaymentIntent, extra: Record<string, unknown> = {}) {
    return {
      id: `evt_cw_charge_${intent.id}_${Date.now()}`,
      object: 'event',
      type: 'charge.refunded',
      created: Math.floor(Date.now() / 1000),
      livemode: false,
      data: { object: { id: `ch_cw_${intent.id.slice(3)}`, object: 'charge', payment_intent: intent.id } },
      ...extra,
    };
  }

  const intentIn = (sdk: Stripe, orderId: string, options?: Stripe.RequestOptions) =>
    sdk.paymentIntents.create(
      { amount: 4200, currency: 'eur', metadata: { [CONNECTOR_ORDER_ID_KEY]: orderId } },
      options,
    );

  it('delivers each Monstock tenant’s own webhooks to its own connection’s order workflow', async () => {
    const orderA = await orderIn(tenants.a, 1);
    const orderB = await orderIn(tenants.b, 2);
    // Sent by the Monstock sandbox itself, each tenant signing with its own secret.
    await eventually(async () => ((await workflowExists(orderWorkflowId(ids.a, orderA.id))) ? true : undefined));
    await eventually(async () => ((await workflowExists(orderWorkflowId(ids.b, orderB.id))) ? true : undefined));
    expect(await workflowExists(orderWorkflowId(ids.b, orderA.id))).toBe(false);
    expect(await workflowExists(orderWorkflowId(ids.a, orderB.id))).toBe(false);
    expect(counters.get(C.accepted, { source: 'monstock', connection: ids.a, workflow: 'order' })).toBeGreaterThan(0);
    expect(counters.get(C.accepted, { source: 'monstock', connection: ids.b, workflow: 'order' })).toBeGreaterThan(0);
  });

  it('refuses a Monstock webhook signed with another connection’s secret, or the environment’s', async () => {
    const order = await orderIn(tenants.a, 3);
    const body = orderEventBody(order);
    const rejected = () => counters.get(C.rejected, { source: 'monstock', connection: ids.a, reason: 'bad_signature' });
    const before = rejected();
    expect(await postMonstock(ids.a, body, tenants.b.webhookSecret)).toMatchObject({
      status: 400,
      body: { error: 'bad_signature' },
    });
    expect(await postMonstock(ids.a, body, TEST_MONSTOCK_WEBHOOK_SECRET)).toMatchObject({ status: 400 });
    // And the environment's connection refuses tenant A's secret.
    expect(await postMonstock('default', body, tenants.a.webhookSecret)).toMatchObject({ status: 400 });
    expect(rejected()).toBe(before + 2);
    // The same body with the connection's own secret is accepted: only the secret differed.
    expect(await postMonstock(ids.a, body, tenants.a.webhookSecret)).toMatchObject({ status: 200 });
  });

  it('answers 404 for a connection no one registered, on both sources, and counts it', async () => {
    const unknown = () =>
      counters.get(C.rejected, { source: 'monstock', connection: 'unknown', reason: 'unknown_connection' }) +
      counters.get(C.rejected, { source: 'stripe', connection: 'unknown', reason: 'unknown_connection' });
    const before = unknown();
    const order = await orderIn(tenants.a, 4);
    expect((await postMonstock(`${prefix}-nobody`, orderEventBody(order), tenants.a.webhookSecret)).status).toBe(404);
    const intent = await intentIn(stripe.clientFor(keys.a), order.id);
    const answer = await postStripe(
      `/webhooks/stripe/${prefix}-nobody`,
      intentEvent(intent),
      await managedSecretOf(ids.a),
    );
    expect(answer.status).toBe(404);
    expect(unknown()).toBe(before + 2);
  });

  it('checks each Stripe key connection’s events with its own managed endpoint secret and reads its own account', async () => {
    const [secretA, secretB] = [await managedSecretOf(ids.a), await managedSecretOf(ids.b)];
    expect(secretA).not.toBe(secretB);
    const orderId = `ord_cw_${process.pid}_stripe_a`;
    const intent = await intentIn(stripe.clientFor(keys.a), orderId);
    const event = intentEvent(intent);

    // Another connection's secret, or the environment's: 400, and no workflow for anyone.
    expect(await postStripe(`/webhooks/stripe/${ids.a}`, event, secretB)).toMatchObject({ status: 400 });
    expect(await postStripe(`/webhooks/stripe/${ids.a}`, event, TEST_STRIPE_WEBHOOK_SECRET)).toMatchObject({
      status: 400,
    });
    expect(await postStripe('/webhooks/stripe', event, secretA)).toMatchObject({ status: 400 });
    expect(await workflowExists(orderWorkflowId(ids.a, orderId))).toBe(false);

    // Its own: accepted, and the matcher read the intent from account A (B's key would not find it).
    expect(await postStripe(`/webhooks/stripe/${ids.a}`, event, secretA)).toMatchObject({ status: 200 });
    expect(await workflowExists(orderWorkflowId(ids.a, orderId))).toBe(true);
    expect(counters.get(C.accepted, { source: 'stripe', connection: ids.a, workflow: 'order' })).toBeGreaterThan(0);

    // A charge names only its intent: read with A's key, it leads to A's order.
    const chargeOrderId = `ord_cw_${process.pid}_charge_a`;
    const charged = chargeEvent(await intentIn(stripe.clientFor(keys.a), chargeOrderId));
    expect(await postStripe(`/webhooks/stripe/${ids.a}`, charged, secretA)).toMatchObject({ status: 200 });
    expect(await workflowExists(orderWorkflowId(ids.a, chargeOrderId))).toBe(true);
    // B's route, B's secret, A's intent: read with B's key, B's account does not know it: nothing delivered.
    expect(await postStripe(`/webhooks/stripe/${ids.b}`, charged, secretB)).toMatchObject({ status: 200 });
    expect(await workflowExists(orderWorkflowId(ids.b, chargeOrderId))).toBe(false);
    expect(counters.get(C.ignored, { source: 'stripe', connection: ids.b, reason: 'object_not_found' })).toBe(1);
  });

  it('answers 503 with Retry-After while a connection is paused, and delivers once it resumes', async () => {
    await service.setStatus(ids.b, 'paused');
    const paused = () => counters.get(C.unavailable, { source: 'monstock', connection: ids.b, reason: 'paused' });
    const order = await orderIn(tenants.b, 5);
    // The Monstock sandbox is refused and keeps retrying (backing off from 50 ms).
    await eventually(async () => (paused() > 0 ? true : undefined));
    const direct = await postMonstock(ids.b, orderEventBody(order), tenants.b.webhookSecret);
    expect(direct).toMatchObject({ status: 503, retryAfter: '60' });
    const orderId = `ord_cw_${process.pid}_stripe_b`;
    const stripeEvent = intentEvent(await intentIn(stripe.clientFor(keys.b), orderId));
    expect((await postStripe(`/webhooks/stripe/${ids.b}`, stripeEvent, await managedSecretOf(ids.b))).status).toBe(503);
    expect(await workflowExists(orderWorkflowId(ids.b, order.id))).toBe(false);

    await service.setStatus(ids.b, 'active');
    // Nothing lost: the sandbox's own retry now lands.
    await eventually(async () => ((await workflowExists(orderWorkflowId(ids.b, order.id))) ? true : undefined));
    expect((await postStripe(`/webhooks/stripe/${ids.b}`, stripeEvent, await managedSecretOf(ids.b))).status).toBe(200);
    expect(await workflowExists(orderWorkflowId(ids.b, orderId))).toBe(true);
  });

  it('routes Connect events by account to their connection, and acknowledges other accounts’ with a count', async () => {
    const orderId = `ord_cw_${process.pid}_connect`;
    // Created on the connected account through the platform key: only Stripe-Account reads it back.
    const intent = await intentIn(stripe.stripe, orderId, { stripeAccount: connectedAccount });
    // A charge event: the route reads the intent as the connected account (Stripe-Account), or finds nothing.
    const event = chargeEvent(intent, { account: connectedAccount });

    expect(await postStripe('/webhooks/stripe-connect', event, await managedSecretOf(ids.a))).toMatchObject({
      status: 400,
    });
    expect(await postStripe('/webhooks/stripe-connect', event, CONNECT_SECRET)).toMatchObject({ status: 200 });
    expect(await workflowExists(orderWorkflowId(ids.connect, orderId))).toBe(true);
    expect(counters.get(C.accepted, { source: 'stripe', connection: ids.connect, workflow: 'order' })).toBeGreaterThan(
      0,
    );

    const ignored = (reason: string) =>
      counters.get(C.ignored, { source: 'stripe-connect', connection: 'platform', reason });
    const other = intentEvent(intent, { account: 'acct_NotServedHere1' });
    expect(await postStripe('/webhooks/stripe-connect', other, CONNECT_SECRET)).toMatchObject({ status: 200 });
    expect(ignored('unknown_account')).toBe(1);
    expect(await postStripe('/webhooks/stripe-connect', intentEvent(intent), CONNECT_SECRET)).toMatchObject({
      status: 200,
    });
    expect(ignored('no_account')).toBe(1);

    await service.setStatus(ids.connect, 'paused');
    try {
      expect(await postStripe('/webhooks/stripe-connect', event, CONNECT_SECRET)).toMatchObject({
        status: 503,
        retryAfter: '60',
      });
    } finally {
      await service.setStatus(ids.connect, 'active');
    }
  });

  it('labels every webhook count with its connection on /metrics', () => {
    const text = counters.toPrometheus();
    expect(text).toContain(`connection="${ids.a}"`);
    expect(text).toContain(`connection="${ids.b}"`);
    expect(text).not.toContain(`${prefix}-nobody`);
  });
});
