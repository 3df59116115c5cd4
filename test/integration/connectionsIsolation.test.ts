import type { Client } from '@temporalio/client';
import type Stripe from 'stripe';
import { loadConfig, withDevelopmentValues, type ConnectorConfig } from '../../src/config';
import { ConnectionClientsCache } from '../../src/connections/clients';
import { ConnectionRegistry } from '../../src/connections/registry';
import { ConnectionService } from '../../src/connections/service';
import { stopConnectionWork, WORK_BY_WORKER, WORK_PAUSED } from '../../src/connections/work';
import { ConnectionWorkKeeper } from '../../src/connections/workKeeper';
import type { MonstockClient } from '../../src/monstock/client';
import type { Order } from '../../src/monstock/schemas';
import { createLogger } from '../../src/observability/logger';
import { customerSyncWorkflowId, orderFeedWorkflowId, orderWorkflowId } from '../../src/shared/ids';
import type { StripeEventRef } from '../../src/shared/orderPayment';
import { openDatabase, type Database } from '../../src/store/database';
import { createStripeClient } from '../../src/stripe/client';
import { createWorkflowDelivery, type WorkflowDelivery } from '../../src/temporal/delivery';
import { startMonstockFixture, TEST_MONSTOCK_TOKEN, type MonstockFixture } from '../support/monstockSandbox';
import { startStripeFixture, TEST_STRIPE_KEY, type StripeFixture } from '../support/stripeSandbox';
import {
  connectTestClient,
  eventually,
  startTestWorker,
  TEST_ENCRYPTION_KEYS,
  uniqueTaskQueue,
  type RunningWorker,
} from '../support/temporal';

/**
 * Many merchants on one worker: three registered connections (two with their own Stripe keys, one
 * a Connect account under the platform key), each with its own Monstock tenant, plus `default`
 * (the environment) left alone. Orders, payments and refunds of each reach only its own tenant and
 * Stripe account, read from the sandboxes themselves; a connection added while the worker runs
 * works within one poll interval; a removed one has its workflows stopped; one tenant's outage
 * holds up only its connection.
 *
 * Monstock → Stripe goes through each connection's order feed (polling); Stripe events are handed
 * to the order workflows through the public delivery functions, as the webhook routes do once they
 * have verified and matched an event.
 */
const logger = createLogger({ level: 'error' });
const POLL = '1 second';
const prefix = `iso${process.pid}`;

interface Merchant {
  id: string;
  tenantId: string;
  monstock: MonstockClient;
  /** The merchant's Stripe, as the sandbox keeps it: its own key, or the platform acting as its account. */
  stripe: Stripe;
  orders: Set<string>;
}

describe('connections: isolation by construction', () => {
  let monstockFixture: MonstockFixture;
  let stripeFixture: StripeFixture;
  let database: Database;
  let config: ConnectorConfig;
  let service: ConnectionService;
  let registry: ConnectionRegistry;
  let clients: ConnectionClientsCache;
  let client: Client;
  let delivery: WorkflowDelivery;
  let keeper: ConnectionWorkKeeper;
  let worker: RunningWorker;
  let taskQueue: string;
  const merchants: Merchant[] = [];
  let sequence = 0;

  async function addMerchant(name: string, stripe: { key: string } | { account: string }): Promise<Merchant> {
    const tenant = await monstockFixture.createTenant();
    const id = `${prefix}-${name}`;
    await service.add({
      id,
      monstockUrl: monstockFixture.sandbox.apiUrl,
      monstockToken: tenant.token,
      monstockWebhookSecret: tenant.webhookSecret,
      ...('key' in stripe ? { stripeKey: stripe.key } : { stripeAccount: stripe.account }),
      settings: { monstockPollInterval: POLL, createPaymentIntents: true },
    });
    const merchant: Merchant = {
      id,
      tenantId: tenant.tenantId,
      monstock: tenant.client,
      stripe:
        'key' in stripe
          ? stripeFixture.clientFor(stripe.key)
          : createStripeClient({
              secretKey: TEST_STRIPE_KEY,
              apiUrl: stripeFixture.url,
              stripeAccount: stripe.account,
              maxNetworkRetries: 0,
            }),
      orders: new Set(),
    };
    merchants.push(merchant);
    return merchant;
  }

  async function orderIn(merchant: Merchant, amount: number): Promise<Order> {
    sequence += 1;
    const customer = await merchant.monstock.createCustomer({
      email: `iso${sequence}@example.test`,
      name: `Iso ${sequence}`,
    });
    const order = await merchant.monstock.createOrder({
      reference: `ISO-${sequence}`,
      customerId: customer.id,
      currency: 'EUR',
      lines: [{ sku: 'SKU-1', quantity: 1, unitAmount: amount }],
    });
    merchant.orders.add(order.id);
    return order;
  }

  async function intentOf(merchant: Merchant, orderId: string, timeoutMs = 20_000): Promise<Stripe.PaymentIntent> {
    const intentId = await eventually(
      async () => (await merchant.monstock.getOrder(orderId)).externalRefs.stripePaymentIntentId,
      timeoutMs,
      100,
    );
    return merchant.stripe.paymentIntents.retrieve(intentId);
  }

  function event(type: string, objectType: StripeEventRef['objectType'], objectId: string, intentId: string) {
    return {
      eventId: `evt_${objectId}_${type}`,
      type,
      created: Math.floor(Date.now() / 1000),
      objectType,
      objectId,
      paymentIntentId: intentId,
    };
  }

  beforeAll(async () => {
    [monstockFixture, stripeFixture] = await Promise.all([startMonstockFixture(), startStripeFixture()]);
    database = await openDatabase(process.env.DATABASE_URL!);
    config = loadConfig(
      withDevelopmentValues({
        DATABASE_URL: process.env.DATABASE_URL,
        PAYLOAD_ENCRYPTION_KEYS: `test-1:${TEST_ENCRYPTION_KEYS[0]!.key.toString('base64')}`,
        STRIPE_API_URL: stripeFixture.url,
        STRIPE_SECRET_KEY: TEST_STRIPE_KEY,
        MONSTOCK_API_URL: monstockFixture.sandbox.apiUrl,
        MONSTOCK_API_TOKEN: TEST_MONSTOCK_TOKEN,
        MONSTOCK_POLL_INTERVAL: POLL,
        STRIPE_CAPTURE: 'automatic',
      }),
    );
    service = new ConnectionService({ database, config, logger });
    const connect = (await stripeFixture.admin('/_sandbox/accounts', { platformKey: TEST_STRIPE_KEY })) as {
      id: string;
    };
    await addMerchant('a', { key: `sk_test_iso_${process.pid}_a` });
    await addMerchant('b', { key: `sk_test_iso_${process.pid}_b` });
    await addMerchant('c', { account: connect.id });

    registry = new ConnectionRegistry({ database, config, maxAgeMs: 300 });
    clients = new ConnectionClientsCache({ registry, database, fallbackConnectionId: config.connectionId, logger });
    client = await connectTestClient();
    taskQueue = uniqueTaskQueue('connections-isolation');
    delivery = createWorkflowDelivery({ client, taskQueue, idleWindow: '1 hour' });
    worker = await startTestWorker(taskQueue, {
      clientsFor: (connectionId) => clients.clientsFor(connectionId),
      deliverToOrder: delivery.toOrder,
      orderChanged: delivery.orderChanged,
      toUnmatched: delivery.toUnmatched,
    });
    keeper = new ConnectionWorkKeeper({ client, registry, taskQueue, logger, intervalMs: 300 });
    await keeper.start();
  }, 60_000);

  afterAll(async () => {
    await keeper?.stop();
    for (const merchant of merchants) await service.remove(merchant.id).catch(() => undefined);
    if (client)
      for (const id of [config.connectionId, ...merchants.map((m) => m.id)])
        await stopConnectionWork(client, id, 'test over');
    await worker?.stop();
    await clients?.close();
    await client?.connection.close();
    await database?.end();
    await monstockFixture?.close();
    await stripeFixture?.close();
  }, 60_000);

  it('serves each connection from its own tenant and Stripe account: orders, payments, refunds', async () => {
    const threeMerchants = merchants.slice(0, 3);
    await Promise.all(
      threeMerchants.map(async (merchant, n) => {
        const amount = 1000 + n * 111;
        const order = await orderIn(merchant, amount);
        const intent = await intentOf(merchant, order.id);
        expect(intent).toMatchObject({ amount, currency: 'eur', metadata: { monstock_order_id: order.id } });

        await merchant.stripe.paymentIntents.confirm(intent.id, { payment_method: 'pm_card_visa' });
        await delivery.toOrder(
          merchant.id,
          order.id,
          event('payment_intent.succeeded', 'payment_intent', intent.id, intent.id),
        );
        await eventually(
          async () => ((await merchant.monstock.getOrder(order.id)).paymentStatus === 'paid' ? true : undefined),
          20_000,
        );

        const refund = await merchant.stripe.refunds.create({ payment_intent: intent.id });
        await delivery.toOrder(merchant.id, order.id, event('charge.refunded', 'refund', refund.id, intent.id));
        const refunded = await eventually(async () => {
          const current = await merchant.monstock.getOrder(order.id);
          return current.amountRefunded === amount ? current : undefined;
        }, 20_000);
        expect(refunded.payments.map((p) => p.kind).sort()).toEqual(['payment', 'refund']);
      }),
    );

    // Nothing crossed: each Stripe account holds intents of its own merchant's orders only, and
    // each tenant's orders point at intents of its own account only.
    const intentsOf = new Map<string, string[]>();
    for (const merchant of threeMerchants) {
      const intents = (await merchant.stripe.paymentIntents.list({ limit: 100 })).data;
      expect(intents.length).toBeGreaterThan(0);
      for (const intent of intents) expect(merchant.orders.has(intent.metadata.monstock_order_id ?? '')).toBe(true);
      intentsOf.set(
        merchant.id,
        intents.map((intent) => intent.id),
      );
    }
    for (const merchant of threeMerchants) {
      const orders = (await merchant.monstock.listOrders({ limit: 100 })).data;
      expect(orders.map((order) => order.id).sort()).toEqual([...merchant.orders].sort());
      for (const other of threeMerchants.filter((m) => m !== merchant))
        for (const order of orders)
          expect(intentsOf.get(other.id)).not.toContain(order.externalRefs.stripePaymentIntentId);
    }
    // Customers likewise: each account's customers are its own tenant's (the order path and the customer sync).
    for (const merchant of threeMerchants) {
      const own = new Set((await merchant.monstock.listCustomers({ limit: 100 })).data.map((c) => c.email));
      const inStripe = (await merchant.stripe.customers.list({ limit: 100 })).data;
      expect(inStripe.length).toBeGreaterThan(0);
      for (const customer of inStripe) expect(own.has(customer.email ?? '')).toBe(true);
    }
    // `default` (the platform key, the sandbox's default tenant) was left alone.
    const platformIntents = (await stripeFixture.stripe.paymentIntents.list({ limit: 100 })).data;
    const ours = new Set(threeMerchants.flatMap((m) => intentsOf.get(m.id) ?? []));
    expect(platformIntents.filter((intent) => ours.has(intent.id))).toEqual([]);
    expect((await monstockFixture.client.listOrders({ limit: 100 })).data).toEqual([]);
  }, 120_000);

  it('serves a connection added while the worker runs within one poll interval, and stops a removed one', async () => {
    const merchant = await addMerchant('d', { key: `sk_test_iso_${process.pid}_d` });
    const addedAt = Date.now();
    const order = await orderIn(merchant, 2500);
    const intent = await intentOf(merchant, order.id, 15_000);
    const tookMs = Date.now() - addedAt;
    expect(intent.metadata.monstock_order_id).toBe(order.id);
    // One poll interval (1 s) plus the registry's and the keeper's rounds (0.3 s each) and the work itself.
    expect(tookMs).toBeLessThan(5_000);
    process.stdout.write(`connection added → first intent: ${tookMs} ms\n`);

    const orderHandle = client.workflow.getHandle(orderWorkflowId(merchant.id, order.id));
    expect((await orderHandle.describe()).status.name).toBe('RUNNING');
    await service.remove(merchant.id);
    await eventually(async () => {
      const feed = await client.workflow.getHandle(orderFeedWorkflowId(merchant.id)).describe();
      const open = await orderHandle.describe();
      return feed.status.name === 'TERMINATED' && open.status.name === 'TERMINATED' ? true : undefined;
    }, 20_000);
  }, 60_000);

  it('stops a paused connection’s feed and sync, and starts them again on resume', async () => {
    const merchant = merchants[1]!;
    const feed = client.workflow.getHandle(orderFeedWorkflowId(merchant.id));
    const sync = client.workflow.getHandle(customerSyncWorkflowId(merchant.id));
    expect((await service.setStatus(merchant.id, 'paused')).work).toBe(WORK_PAUSED);
    await eventually(async () => ((await feed.describe()).status.name === 'TERMINATED' ? true : undefined), 10_000);
    expect((await sync.describe()).status.name).toBe('TERMINATED');
    expect((await service.setStatus(merchant.id, 'active')).work).toBe(WORK_BY_WORKER);
    await eventually(async () => ((await feed.describe()).status.name === 'RUNNING' ? true : undefined), 10_000);
    const order = await orderIn(merchant, 2700);
    expect((await intentOf(merchant, order.id, 15_000)).metadata.monstock_order_id).toBe(order.id);
  }, 60_000);

  it('holds up only the connection whose Monstock is down', async () => {
    const [down, ...others] = merchants.slice(0, 3) as [Merchant, Merchant, Merchant];
    await monstockFixture.setTenantFaults(down.tenantId, { unavailable: true });
    try {
      const orders = await Promise.all(others.map((merchant) => orderIn(merchant, 3100)));
      await Promise.all(others.map((merchant, n) => intentOf(merchant, orders[n]!.id, 15_000)));
      await expect(down.monstock.listOrders({ limit: 1 })).rejects.toThrow();
    } finally {
      await monstockFixture.setTenantFaults(down.tenantId, {});
    }
    const late = await orderIn(down, 3200);
    expect((await intentOf(down, late.id, 15_000)).metadata.monstock_order_id).toBe(late.id);
  }, 60_000);
});
