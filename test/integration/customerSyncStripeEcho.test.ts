import { randomUUID } from 'node:crypto';
import os from 'node:os';
import type { Client, WorkflowHandle } from '@temporalio/client';
import type Stripe from 'stripe';
import { stripeCustomerForOrder } from '../../src/activities/orderPayment/stripeCustomerForOrder';
import { createStripeCustomer } from '../../src/activities/customerSync/stripeCustomers';
import { syncOneCustomer } from '../../src/activities/customerSync/syncCustomer';
import { loadConfig, withDevelopmentValues } from '../../src/config';
import { STRIPE_MONSTOCK_ID_KEY, STRIPE_SYNC_HASH_KEY } from '../../src/customers/crossRefs';
import { fingerprint } from '../../src/customers/fingerprint';
import { fieldsFromMonstock } from '../../src/customers/monstockMapping';
import { stripeCreateParams } from '../../src/customers/stripeMapping';
import { stripeCreateKey, syncKeyOf } from '../../src/customers/syncKeys';
import { stripeEventAction } from '../../src/events/stripeEventActions';
import type { MonstockClient } from '../../src/monstock/client';
import { VersionConflict } from '../../src/monstock/errors';
import { Counters, defineWebhookCounters } from '../../src/observability/counters';
import { createLogger } from '../../src/observability/logger';
import { customerSyncStateQuery } from '../../src/shared/customerSync';
import { customerSyncWorkflowId } from '../../src/shared/ids';
import { createConnectorHttpServer, type WebhookRoute } from '../../src/starter/http/server';
import { createMonstockWebhookRoute } from '../../src/starter/monstock/route';
import { createStripeWebhookRoute } from '../../src/starter/stripe/route';
import { createCustomerChangeDelivery } from '../../src/temporal/delivery';
import { listen, type StartedServer } from '../../sandbox/kit/http';
import { recordHistory } from '../support/histories';
import { startMonstockFixture, TEST_MONSTOCK_WEBHOOK_SECRET, type MonstockFixture } from '../support/monstockSandbox';
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
 * A new customer costs its customer sync one signal and one sync attempt. Before: Stripe's
 * `customer.created` of the Stripe customer the connector itself created reached the workflow as
 * a second signal (and a second read that found nothing to do), since only Monstock's echoes were
 * recognised at the edge; and the order path's link of the same new customer, written a moment
 * before the sync's own, made the sync's write meet a 412 and its activity run twice. Driven as
 * production drives it: both sandboxes' signed webhooks reach the connector's HTTP shell.
 */
describe("customer sync: Stripe's echo of our own write, and the order path's link of the same customer", () => {
  const taskQueue = uniqueTaskQueue('customer-stripe-echo');
  const logger = createLogger({ level: 'error' });
  // Its own connection: other suites on this Temporal server run a customer sync for 'default'.
  const connectionId = `stripe-echo-${randomUUID().slice(0, 8)}`;
  let monstock: MonstockFixture;
  let stripe: StripeFixture;
  let client: Client;
  let worker: RunningWorker;
  let server: StartedServer;
  let handle: WorkflowHandle;
  let routes: { monstock?: WebhookRoute; stripe?: WebhookRoute } = {};
  /** Sandboxes whose webhooks go nowhere: for driving one sync by hand, with no workflow racing it. */
  let quiet: { monstock: MonstockFixture; stripe: StripeFixture };
  /** Stripe customer events the connector has answered: "<type> <customer id> <status>". */
  const stripeCustomerEventsAnswered: string[] = [];

  beforeAll(async () => {
    const config = loadConfig({
      ...withDevelopmentValues({ CONNECTOR_MODE: 'development' }),
      STRIPE_SECRET_KEY: TEST_STRIPE_KEY,
      STRIPE_WEBHOOK_SECRET: TEST_STRIPE_WEBHOOK_SECRET,
      MONSTOCK_WEBHOOK_SECRET: TEST_MONSTOCK_WEBHOOK_SECRET,
      TEMPORAL_TASK_QUEUE: taskQueue,
      DATA_DIR: os.tmpdir(),
    });
    server = await listen(
      createConnectorHttpServer({
        logger,
        readiness: async () => ({ ready: true }),
        connectionIds: [connectionId],
        webhooks: {
          monstock: (webhook) => routes.monstock!(webhook),
          stripe: async (webhook) => {
            const answer = await routes.stripe!(webhook);
            const event = JSON.parse(webhook.rawBody.toString('utf8')) as {
              type: string;
              data: { object: { id: string } };
            };
            if (event.type.startsWith('customer.'))
              stripeCustomerEventsAnswered.push(`${event.type} ${event.data.object.id} ${answer.status}`);
            return answer;
          },
        },
      }),
      0,
    );
    const [quietMonstock, quietStripe] = await Promise.all([startMonstockFixture(), startStripeFixture()]);
    quiet = { monstock: quietMonstock, stripe: quietStripe };
    [monstock, stripe, client] = await Promise.all([
      startMonstockFixture({ webhookUrl: `${server.url}/webhooks/monstock/${connectionId}` }),
      startStripeFixture({ webhookUrl: `${server.url}/webhooks/stripe/${connectionId}` }),
      connectTestClient(),
    ]);
    const clients = connectorClients({ monstock: monstock.client, stripe: stripe.stripe, client, taskQueue });
    const delivery = createCustomerChangeDelivery({ client, taskQueue, pollInterval: '1 hour' });
    const customerDelivery = delivery.deliver;
    const counters = defineWebhookCounters(new Counters());
    routes = {
      monstock: createMonstockWebhookRoute({ client, config, logger, counters, customerDelivery }),
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
    handle = client.workflow.getHandle(customerSyncWorkflowId(connectionId));
    // Running and past its first polls, as in production: a signal then finds nothing else going on.
    await delivery.ensureRunning(connectionId);
    await eventually(async () => {
      const state = await handle.query(customerSyncStateQuery);
      return state.polls.monstock >= 1 && state.polls.stripe >= 1 && state.inFlight.length === 0 ? true : undefined;
    });
  });

  afterAll(async () => {
    await handle?.terminate('test done').catch(() => undefined);
    if (handle) await recordHistory('customerSyncWorkflow.describeAndSyncBatch', handle);
    await worker?.stop();
    await monstock?.close();
    await stripe?.close();
    await quiet?.monstock.close();
    await quiet?.stripe.close();
    await server?.close();
    await client?.connection.close();
  });

  /** Monstock's outbox is empty and Stripe's event of this type for this customer has been answered. */
  async function webhooksAnswered(stripeEvent: string): Promise<void> {
    await eventually(async () => {
      const outbox = await fetch(`${monstock.sandbox.url}/_sandbox/webhooks`);
      if (((await outbox.json()) as { pending: number }).pending > 0) return undefined;
      return stripeCustomerEventsAnswered.includes(`${stripeEvent} 200`) ? true : undefined;
    });
  }

  /** Signals naming this customer on either side. */
  async function workFor(ids: string[]): Promise<{ signals: number }> {
    let signals = 0;
    for (const event of (await handle.fetchHistory()).events ?? []) {
      const payload = event.workflowExecutionSignaledEventAttributes?.input?.payloads?.[0];
      if (payload) {
        const change = await decodeHistoryPayload<{ customerId?: string; ownWrite?: unknown }>(payload);
        // The edge's own verdict never reaches history.
        expect(change.ownWrite).toBeUndefined();
        if (ids.includes(change.customerId ?? '')) signals += 1;
      }
    }
    return { signals };
  }

  /** Activity attempts the workflow made after history event `afterEventId`, by type ("syncCustomer#1"). */
  async function activityAttemptsAfter(afterEventId: number): Promise<string[]> {
    const types = new Map<number, string>();
    const attempts: string[] = [];
    for (const event of (await handle.fetchHistory()).events ?? []) {
      const id = Number(event.eventId);
      const scheduled = event.activityTaskScheduledEventAttributes;
      if (scheduled) types.set(id, scheduled.activityType?.name ?? '?');
      const started = event.activityTaskStartedEventAttributes;
      if (started && id > afterEventId)
        attempts.push(`${types.get(Number(started.scheduledEventId)) ?? '?'}#${started.attempt ?? 1}`);
    }
    return attempts;
  }

  it("sends one signal for a new customer: Stripe's customer.created of the customer we created is dropped at the edge", async () => {
    const before = (await handle.describe()).historyLength;
    const customer = await monstock.client.createCustomer({ email: 'stripe.echo@example.test', name: 'Stripe Echo' });
    const stripeId = await eventually(
      async () => (await monstock.client.getCustomer(customer.id)).externalRefs.stripeCustomerId ?? undefined,
    );
    await webhooksAnswered(`customer.created ${stripeId}`);
    const work = await workFor([customer.id, stripeId]);
    expect(work.signals).toBe(1);
    // Read and synced by one activity, in one attempt: no describe first, no 412 retry.
    // (The polls run on their own schedule: a poll's started event is written when it ends.)
    const attempts = (await activityAttemptsAfter(before)).filter((attempt) => !attempt.startsWith('poll'));
    expect(attempts).toEqual(['describeAndSyncCustomers#1']);
    const state = await handle.query(customerSyncStateQuery);
    expect(state.counts).toMatchObject({ createdInStripe: 1, failures: 0 });
  });

  it('reads and syncs a burst of new customers together: a signal each, far fewer activities than customers', async () => {
    const before = (await handle.describe()).historyLength;
    const createdBefore = (await handle.query(customerSyncStateQuery)).counts.createdInStripe;
    const burst = await Promise.all(
      Array.from({ length: 6 }, (_, index) =>
        monstock.client.createCustomer({ email: `burst.${index}@example.test`, name: `Burst ${index}` }),
      ),
    );
    for (const customer of burst)
      await eventually(async () => (await monstock.client.getCustomer(customer.id)).externalRefs.stripeCustomerId);
    const attempts = (await activityAttemptsAfter(before)).filter((attempt) => !attempt.startsWith('poll'));
    // The first signal may find nothing else going on and go alone; the others wait and go together.
    expect(attempts.every((attempt) => attempt === 'describeAndSyncCustomers#1')).toBe(true);
    expect(attempts.length).toBeLessThanOrEqual(3);
    const state = await handle.query(customerSyncStateQuery);
    expect(state.counts.createdInStripe - createdBefore).toBe(burst.length);
    expect(state.counts.failures).toBe(0);
  });

  it("still delivers and syncs a person's Stripe edit made right after the connector's write", async () => {
    const customer = await monstock.client.createCustomer({ email: 'right.after@example.test', name: 'Right After' });
    const stripeId = await eventually(
      async () => (await monstock.client.getCustomer(customer.id)).externalRefs.stripeCustomerId ?? undefined,
      15_000,
      10,
    );
    // At once, before the connector's own webhooks are even answered.
    await stripe.stripe.customers.update(stripeId, { phone: '+33 6 11 22 33 44' });
    await eventually(async () =>
      (await monstock.client.getCustomer(customer.id)).phone === '+33 6 11 22 33 44' ? true : undefined,
    );
    await webhooksAnswered(`customer.updated ${stripeId}`);
    // Monstock's customer.created and Stripe's customer.updated of the person's edit.
    expect((await workFor([customer.id, stripeId])).signals).toBe(2);
    const state = await handle.query(customerSyncStateQuery);
    expect(state.counts.updatedInMonstock).toBe(1);
  });

  it('sets aside a customer the one-activity path cannot sync, the long way round, and goes on', async () => {
    // Monstock requires an e-mail: this one can never be created there (a non-retryable failure).
    const nameless = await stripe.stripe.customers.create({ name: 'No Email' });
    const state = await eventually(async () => {
      const current = await handle.query(customerSyncStateQuery);
      return current.failures.some((failure) => failure.stripeId === nameless.id) ? current : undefined;
    });
    expect(state.failures.find((failure) => failure.stripeId === nameless.id)).toMatchObject({ retryable: false });
    // Not stuck: the next customer is synced as usual.
    const next = await monstock.client.createCustomer({ email: 'after.failure@example.test', name: 'After Failure' });
    await eventually(async () => (await monstock.client.getCustomer(next.id)).externalRefs.stripeCustomerId);
  });

  it('marks only a linked snapshot whose fields still hash to the fingerprint the connector stored', async () => {
    const customer = await monstock.client.createCustomer({ email: 'snapshot@example.test', name: 'Snap Shot' });
    const stripeId = await eventually(
      async () => (await monstock.client.getCustomer(customer.id)).externalRefs.stripeCustomerId ?? undefined,
    );
    const synced = (await stripe.stripe.customers.retrieve(stripeId)) as Stripe.Customer;
    const ownWriteOf = (object: Record<string, unknown>, type = 'customer.updated') => {
      const action = stripeEventAction({
        id: 'evt_1',
        type,
        created: 1,
        data: { object: { ...synced, ...object } as never },
      });
      return action.kind === 'customer' ? action.ownWrite : 'not a customer change';
    };
    expect(ownWriteOf({}, 'customer.created')).toBe(true);
    expect(ownWriteOf({})).toBe(true);
    expect(ownWriteOf({ name: 'Someone Else' })).toBe(false);
    expect(ownWriteOf({ phone: '+33 1 00 00 00 00' })).toBe(false);
    expect(ownWriteOf({ metadata: {} })).toBe(false);
    expect(ownWriteOf({ metadata: { ...synced.metadata, monstock_customer_id: '' } })).toBe(false);
    expect(ownWriteOf({ email: undefined })).toBe(false);
    expect(ownWriteOf({ address: 'x' })).toBe(false);
    expect(ownWriteOf({ object: 'not-customer' })).toBe('not a customer change');
  });

  /** Monstock's client, except that `beforeWrite` runs just before the first customer write. */
  function withWriteBefore(beforeWrite: () => Promise<unknown>): MonstockClient {
    const real = quiet.monstock.client;
    let done = false;
    return Object.assign(Object.create(real) as MonstockClient, {
      updateCustomer: async (...args: Parameters<MonstockClient['updateCustomer']>) => {
        if (!done) {
          done = true;
          await beforeWrite();
        }
        return real.updateCustomer(...args);
      },
    });
  }

  const changeOf = (monstockId: string) => ({
    connectionId,
    change: { key: syncKeyOf({ monstockId }), source: 'monstock' as const, monstockId },
  });

  it('links a new customer in one attempt when the order path linked it a moment before (same write, its 412 is not a conflict)', async () => {
    const customer = await quiet.monstock.client.createCustomer({ email: 'race@example.test', name: 'Race Order' });
    const orderPath = { monstock: quiet.monstock.client, stripe: quiet.stripe.stripe };
    let orderPathLinked: string | undefined;
    const sync = withWriteBefore(async () => {
      orderPathLinked = await stripeCustomerForOrder(orderPath, connectionId, customer.id);
    });
    const result = await syncOneCustomer({ monstock: sync, stripe: quiet.stripe.stripe }, changeOf(customer.id));
    expect(result).toMatchObject({ created: 'stripe', stripeId: orderPathLinked });
    const linked = await quiet.monstock.client.getCustomer(customer.id);
    expect(linked.externalRefs.stripeCustomerId).toBe(orderPathLinked);
    // One Stripe customer for the person, not two.
    expect((await quiet.stripe.stripe.customers.list({ email: 'race@example.test' })).data).toHaveLength(1);
  });

  it('links in one attempt when the order path had created the Stripe customer and links it while the sync writes', async () => {
    const customer = await quiet.monstock.client.createCustomer({ email: 'race2@example.test', name: 'Race Pair' });
    // What the order path does first: the Stripe customer, under the key both paths use, not linked yet.
    const fields = fieldsFromMonstock(customer);
    const hash = fingerprint(fields);
    const created = await createStripeCustomer(
      quiet.stripe.stripe,
      stripeCreateParams(fields, { [STRIPE_MONSTOCK_ID_KEY]: customer.id, [STRIPE_SYNC_HASH_KEY]: hash }),
      stripeCreateKey(connectionId, customer.id, customer.version),
    );
    const orderPath = { monstock: quiet.monstock.client, stripe: quiet.stripe.stripe };
    let orderPathLinked: string | undefined;
    const sync = withWriteBefore(async () => {
      orderPathLinked = await stripeCustomerForOrder(orderPath, connectionId, customer.id);
    });
    const result = await syncOneCustomer({ monstock: sync, stripe: quiet.stripe.stripe }, changeOf(customer.id));
    expect(orderPathLinked).toBe(created.id);
    expect(result).toMatchObject({ stripeId: created.id, conflict: false });
    expect((await quiet.monstock.client.getCustomer(customer.id)).externalRefs.stripeCustomerId).toBe(created.id);
    expect((await quiet.stripe.stripe.customers.list({ email: 'race2@example.test' })).data).toHaveLength(1);
  });

  it("still fails on a real conflict (a person's edit in between), and the retry carries the edit", async () => {
    const customer = await quiet.monstock.client.createCustomer({
      email: 'conflict@example.test',
      name: 'Before Edit',
    });
    const sync = withWriteBefore(() => quiet.monstock.client.updateCustomer(customer.id, { name: 'After Edit' }));
    await expect(
      syncOneCustomer({ monstock: sync, stripe: quiet.stripe.stripe }, changeOf(customer.id)),
    ).rejects.toBeInstanceOf(VersionConflict);
    const retried = await syncOneCustomer(
      { monstock: quiet.monstock.client, stripe: quiet.stripe.stripe },
      changeOf(customer.id),
    );
    const stripeCustomer = (await quiet.stripe.stripe.customers.retrieve(retried.stripeId!)) as Stripe.Customer;
    expect(stripeCustomer.name).toBe('After Edit');
    expect((await quiet.monstock.client.getCustomer(customer.id)).externalRefs.stripeCustomerId).toBe(retried.stripeId);
  });
});
