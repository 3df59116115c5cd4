import os from 'node:os';
import type { Client, WorkflowHandle } from '@temporalio/client';
import type Stripe from 'stripe';
import { historyEventFacts } from '../../bench/historyFacts';
import { countTemporalActions, type ActionCount } from '../../bench/temporalActions';
import { loadConfig, withDevelopmentValues } from '../../src/config';
import { CONNECTOR_CHANGE_SOURCE } from '../../src/monstock/changeSource';
import { MonstockClient } from '../../src/monstock/client';
import { Counters, defineWebhookCounters, WEBHOOK_COUNTERS } from '../../src/observability/counters';
import { createLogger } from '../../src/observability/logger';
import { listen, type StartedServer } from '../../sandbox/kit/http';
import { customerSyncWorkflowId, orderWorkflowId } from '../../src/shared/ids';
import { paymentStateQuery } from '../../src/shared/orderPayment';
import { MonstockOrderReference, OrderPaymentStatus, StripePaymentIntentIds } from '../../src/shared/searchAttributes';
import { createConnectorHttpServer, type WebhookRoute } from '../../src/starter/http/server';
import { createMonstockWebhookRoute } from '../../src/starter/monstock/route';
import { createStripeWebhookRoute } from '../../src/starter/stripe/route';
import { createStripeClient } from '../../src/stripe/client';
import { createCustomerChangeDelivery } from '../../src/temporal/delivery';
import { recordHistory } from '../support/histories';
import {
  startMonstockFixture,
  TEST_MONSTOCK_TOKEN,
  TEST_MONSTOCK_WEBHOOK_SECRET,
  type MonstockFixture,
} from '../support/monstockSandbox';
import {
  startStripeFixture,
  TEST_STRIPE_KEY,
  TEST_STRIPE_WEBHOOK_SECRET,
  type StripeFixture,
} from '../support/stripeSandbox';
import {
  connectorClients,
  connectTestClient,
  decodeHistoryPayload,
  eventually,
  startTestWorker,
  uniqueTaskQueue,
  type RunningWorker,
} from '../support/temporal';

/**
 * What one ordinary order costs in Temporal, driven exactly as production drives it: Monstock's
 * signed webhooks and Stripe's reach the connector's HTTP shell, the real worker creates the
 * customer and the intent, the customer pays with a test card, Monstock shows the order paid and
 * Monstock's echo of that write arrives too. Then the order workflow's history is counted the way
 * Temporal Cloud bills it (bench/temporalActions), with the customer-sync signals the order caused.
 */
/**
 * Before the lean path: 11 actions, 34 history events (measured here; signal-with-start counted as start + signal).
 * The target is 5 actions; 6 is what the lean path reaches without giving anything up
 * (start, alignment, one idle timer, the payment's signal, the sync, the paid status with the
 * intent). The order's reference and status are set with the start; its intent is published with
 * the payment's status (before: an upsert of their own after the alignment, 7 actions).
 */
const MAX_ACTIONS_PER_ORDER = 6;
const MAX_HISTORY_EVENTS_PER_ORDER = 20;
/**
 * Before: 2 or 3 (Monstock's `customer.created`, its echo of the Stripe customer id the connector
 * wrote back, and Stripe's `customer.created` of the customer the connector created). Both echoes
 * are now dropped at the edge: Monstock's by the connector's version marker, Stripe's by its sync hash.
 */
const CUSTOMER_SYNC_SIGNALS_PER_NEW_CUSTOMER = 1;

describe('the lean order path', () => {
  const taskQueue = uniqueTaskQueue('lean-order');
  const logger = createLogger({ level: 'error' });
  let monstock: MonstockFixture;
  let stripe: StripeFixture;
  let client: Client;
  let worker: RunningWorker;
  let server: StartedServer;
  let routes: { monstock?: WebhookRoute; stripe?: WebhookRoute } = {};
  let connectorMonstock: MonstockClient;
  let counters: Counters;
  /** The Stripe events the connector's route has answered 2xx, as `<type> <object id>`. */
  const answeredStripeEvents: string[] = [];
  /** Every request the worker's Stripe client made, by method and path. */
  const stripeRequests: string[] = [];

  beforeAll(async () => {
    const config = loadConfig({
      ...withDevelopmentValues({ CONNECTOR_MODE: 'development' }),
      STRIPE_SECRET_KEY: TEST_STRIPE_KEY,
      STRIPE_WEBHOOK_SECRET: TEST_STRIPE_WEBHOOK_SECRET,
      MONSTOCK_WEBHOOK_SECRET: TEST_MONSTOCK_WEBHOOK_SECRET,
      TEMPORAL_TASK_QUEUE: taskQueue,
      ORDER_IDLE_WINDOW: '1 hour',
      DATA_DIR: os.tmpdir(),
    });
    // The routes need the Temporal client, the sandboxes need the routes' URL: bound late.
    server = await listen(
      createConnectorHttpServer({
        logger,
        readiness: async () => ({ ready: true }),
        connectionIds: ['default'],
        webhooks: {
          monstock: (webhook) => routes.monstock!(webhook),
          stripe: async (webhook) => {
            const answer = await routes.stripe!(webhook);
            const event = JSON.parse(webhook.rawBody.toString('utf8')) as {
              type?: string;
              data?: { object?: { id?: string } };
            };
            if (answer.status < 300) answeredStripeEvents.push(`${event.type} ${event.data?.object?.id}`);
            return answer;
          },
        },
      }),
      0,
    );
    [monstock, stripe, client] = await Promise.all([
      startMonstockFixture({ webhookUrl: `${server.url}/webhooks/monstock` }),
      startStripeFixture({ webhookUrl: `${server.url}/webhooks/stripe` }),
      connectTestClient(),
    ]);
    const workerStripe = createStripeClient({ secretKey: TEST_STRIPE_KEY, apiUrl: stripe.url, maxNetworkRetries: 0 });
    workerStripe.on('request', (event: { method: string; path: string }) =>
      stripeRequests.push(`${event.method} ${event.path.split('?')[0]}`),
    );
    // The connector's own Monstock client names itself on its writes, as in production; the test's
    // (the shop's) does not.
    connectorMonstock = new MonstockClient({
      apiUrl: monstock.sandbox.apiUrl,
      apiToken: TEST_MONSTOCK_TOKEN,
      changeSource: CONNECTOR_CHANGE_SOURCE,
    });
    const clients = connectorClients({ monstock: connectorMonstock, stripe: workerStripe, client, taskQueue });
    const customerDelivery = createCustomerChangeDelivery({ client, taskQueue, pollInterval: '1 hour' }).deliver;
    counters = defineWebhookCounters(new Counters());
    routes = {
      monstock: createMonstockWebhookRoute({ client, config, logger, counters, customerDelivery }),
      // Stripe's `customer.*` events reach the customer sync as in production, so its echoes are counted too.
      stripe: createStripeWebhookRoute({
        client,
        matcher: clients.matcher,
        config,
        logger,
        counters,
        customerDelivery,
      }),
    };
    worker = await startTestWorker(taskQueue, clients);
  });

  afterAll(async () => {
    await worker?.stop();
    await connectorMonstock?.close();
    await monstock?.close();
    await stripe?.close();
    await server?.close();
    await client?.connection.close();
  });

  /** Monstock has delivered every webhook it emitted, and the order workflow has nothing left to do. */
  async function settled(handle: WorkflowHandle): Promise<void> {
    await eventually(
      async () => {
        const outbox = await fetch(`${monstock.sandbox.url}/_sandbox/webhooks`);
        const stats = (await outbox.json()) as { pending: number };
        if (stats.pending > 0) return undefined;
        const described = await handle.describe();
        if ((described.raw.pendingActivities ?? []).length > 0) return undefined;
        const state = await handle.query(paymentStateQuery);
        return state.pendingMovements === 0 ? true : undefined;
      },
      20_000,
      100,
    );
  }

  /**
   * The customer-sync signals that name this order's customer on either side: Monstock's id, or the
   * id of the Stripe customer the connector created for it (Stripe's `customer.created` of our own write).
   */
  async function customerSignalsFor(...customerIds: string[]): Promise<number> {
    const handle = client.workflow.getHandle(customerSyncWorkflowId('default'));
    const events = (await handle.fetchHistory()).events ?? [];
    let count = 0;
    for (const event of events) {
      const payload = event.workflowExecutionSignaledEventAttributes?.input?.payloads?.[0];
      if (!payload) continue;
      const change = await decodeHistoryPayload<{ customerId?: string }>(payload);
      if (change.customerId !== undefined && customerIds.includes(change.customerId)) count += 1;
    }
    return count;
  }

  function describeCount(count: ActionCount): string {
    return count.items
      .filter((item) => item.actions > 0)
      .map((item) => `  #${item.eventId} ${item.what}: ${item.actions}`)
      .join('\n');
  }

  it(`costs at most ${MAX_ACTIONS_PER_ORDER} actions and ${MAX_HISTORY_EVENTS_PER_ORDER} history events per ordinary order`, async () => {
    const order = await monstock.createOrder(4200);
    const handle = client.workflow.getHandle(orderWorkflowId('default', order.id));
    const intentId = await eventually(
      async () => (await monstock.client.getOrder(order.id)).externalRefs.stripePaymentIntentId,
      15_000,
    );
    await settled(handle);
    // Searchable from the start by its reference and status (the starter's attributes, no upsert).
    const beforePayment = (await handle.describe()).typedSearchAttributes;
    expect(beforePayment.get(MonstockOrderReference)).toBe(order.reference);
    expect(beforePayment.get(OrderPaymentStatus)).toBe('unpaid');
    const requestsBeforePayment = stripeRequests.length;
    await stripe.stripe.paymentIntents.confirm(intentId, {
      payment_method: 'pm_card_visa',
    } as Stripe.PaymentIntentConfirmParams);
    await eventually(
      async () => ((await monstock.client.getOrder(order.id)).paymentStatus === 'paid' ? true : undefined),
      15_000,
    );
    // The customer sync's write-back (and so Monstock's echo of it) has happened before counting its signals.
    const stripeCustomerId = await eventually(
      async () => (await monstock.client.getCustomer(order.customerId)).externalRefs.stripeCustomerId,
      15_000,
    );
    // Stripe's own event for the customer the connector created has been answered (and dropped or signalled).
    await eventually(
      async () => (answeredStripeEvents.includes(`customer.created ${stripeCustomerId}`) ? true : undefined),
      15_000,
    );
    await settled(handle);

    const history = await handle.fetchHistory();
    const count = countTemporalActions((history.events ?? []).map(historyEventFacts));
    const customerSignals = await customerSignalsFor(order.customerId, stripeCustomerId);
    const paymentRequests = stripeRequests.slice(requestsBeforePayment);
    const ownWritesDropped = counters.get(WEBHOOK_COUNTERS.ignored, {
      source: 'monstock',
      connection: 'default',
      reason: 'own_write',
    });
    const monstockSignals = count.items.filter((item) => item.what.startsWith('signal monstockOrder')).length;
    // The numbers, for the person comparing before and after.
    process.stdout.write(
      `lean order path: ${count.actions} actions, ${count.historyEvents} history events; ` +
        `customer-sync signals for its customer: ${customerSignals}; ` +
        `Monstock echoes of the connector's writes dropped at the edge: ${ownWritesDropped}; ` +
        `Stripe requests: ${requestsBeforePayment} for the intent, ${paymentRequests.length} for the payment ` +
        `(${paymentRequests.join(', ')})\n${describeCount(count)}\n`,
    );
    await recordHistory('orderPaymentWorkflow.searchAttributesAtStart', handle);
    const afterPayment = (await handle.describe()).typedSearchAttributes;
    expect(afterPayment.get(OrderPaymentStatus)).toBe('paid');
    expect(afterPayment.get(StripePaymentIntentIds)).toEqual([intentId]);

    expect((await monstock.client.getOrder(order.id)).paymentStatus).toBe('paid');
    // One Stripe read per payment: the charges, with their balance transactions and the intent expanded.
    expect(paymentRequests).toEqual(['GET /v1/charges']);
    expect(count.actions).toBeLessThanOrEqual(MAX_ACTIONS_PER_ORDER);
    expect(count.historyEvents).toBeLessThanOrEqual(MAX_HISTORY_EVENTS_PER_ORDER);
    expect(customerSignals).toBe(CUSTOMER_SYNC_SIGNALS_PER_NEW_CUSTOMER);
    // The intent's link and the payment: both echoes known by their change source, not asked of Temporal.
    expect(ownWritesDropped).toBeGreaterThanOrEqual(2);
    expect(monstockSignals).toBe(0);
  });
});
