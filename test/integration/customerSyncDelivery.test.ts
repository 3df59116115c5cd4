import { randomUUID } from 'node:crypto';
import type { Client, WorkflowHandle } from '@temporalio/client';
import type Stripe from 'stripe';
import { customerSyncStateQuery, type CustomerSyncState } from '../../src/shared/customerSync';
import { customerSyncWorkflowId } from '../../src/shared/ids';
import { createCustomerChangeDelivery, type CustomerChangeDelivery } from '../../src/temporal/delivery';
import { recordHistory } from '../support/histories';
import { startMonstockFixture, type MonstockFixture } from '../support/monstockSandbox';
import { startStripeFixture, type StripeFixture } from '../support/stripeSandbox';
import {
  connectorClients,
  connectTestClient,
  eventually,
  startTestWorker,
  uniqueTaskQueue,
  type RunningWorker,
} from '../support/temporal';

/**
 * The path the webhook routes use: signal-with-start by type name. The poll interval is an hour,
 * so after the first poll everything here arrives by signal only.
 */
describe('customer changes delivered by signal', () => {
  let monstock: MonstockFixture;
  let stripe: StripeFixture;
  let sdk: Stripe;
  let client: Client;
  let worker: RunningWorker;
  let delivery: CustomerChangeDelivery;
  let handle: WorkflowHandle;
  const taskQueue = uniqueTaskQueue('customer-signals');
  const connectionId = `sig-${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    monstock = await startMonstockFixture();
    stripe = await startStripeFixture();
    sdk = stripe.stripe;
    client = await connectTestClient();
    worker = await startTestWorker(
      taskQueue,
      connectorClients({ monstock: monstock.client, stripe: sdk, client, taskQueue }),
    );
    delivery = createCustomerChangeDelivery({ client, taskQueue, pollInterval: '1 hour', concurrency: 4 });
    handle = client.workflow.getHandle(customerSyncWorkflowId(connectionId));
  });

  afterAll(async () => {
    await handle?.terminate('test done').catch(() => undefined);
    await recordHistory('customerSyncWorkflow.signals', handle);
    await worker?.stop();
    await client?.connection.close();
    await stripe?.close();
    await monstock?.close();
  });

  const state = () => handle.query(customerSyncStateQuery);
  const idle = (current: CustomerSyncState) =>
    current.queued === 0 && current.inFlight.length === 0 && current.signalsWaiting === 0;

  async function stripeEventCount(): Promise<number> {
    let total = 0;
    for await (const _event of sdk.events.list({ limit: 100 })) total += 1;
    return total;
  }

  it('starts the workflow with the first change it delivers', async () => {
    const customer = await monstock.client.createCustomer({ email: 'first@example.test', name: 'First Customer' });
    await delivery.deliver(connectionId, {
      source: 'monstock',
      customerId: customer.id,
      eventId: 'evt_first',
      changedAt: customer.updatedAt,
    });
    const stripeId = await eventually(
      async () => (await monstock.client.getCustomer(customer.id)).externalRefs.stripeCustomerId,
    );
    expect(((await sdk.customers.retrieve(stripeId)) as Stripe.Customer).metadata.monstock_customer_id).toBe(
      customer.id,
    );
    // The first poll of each side (Stripe: backfill, then events) is done; the next is an hour away.
    await eventually(async () => {
      const current = await state();
      return current.polls.monstock >= 1 && current.polls.stripe >= 2 && idle(current) ? current : undefined;
    });
  });

  it('syncs a change named by a signal at once, without waiting for a poll', async () => {
    const before = await state();
    const guest = await sdk.customers.create({ email: 'signal.guest@example.test', name: 'Signal Guest' });
    await delivery.deliver(connectionId, {
      source: 'stripe',
      customerId: guest.id,
      eventId: 'evt_guest',
      changedAt: new Date(guest.created * 1000).toISOString(),
    });
    const monstockId = await eventually(
      async () => ((await sdk.customers.retrieve(guest.id)) as Stripe.Customer).metadata.monstock_customer_id,
    );
    expect(await monstock.client.getCustomer(monstockId)).toMatchObject({
      email: 'signal.guest@example.test',
      name: 'Signal Guest',
      externalRefs: { stripeCustomerId: guest.id },
    });

    const first = (await monstock.client.listCustomers({ email: 'first@example.test' })).data[0]!;
    await monstock.client.updateCustomer(first.id, { phone: '+33 6 12 12 12 12' });
    await delivery.deliver(connectionId, { source: 'monstock', customerId: first.id });
    await eventually(async () =>
      ((await sdk.customers.retrieve(first.externalRefs.stripeCustomerId!)) as Stripe.Customer).phone ===
      '+33 6 12 12 12 12'
        ? true
        : undefined,
    );

    const after = await eventually(async () => {
      const current = await state();
      return idle(current) ? current : undefined;
    });
    expect(after.polls).toMatchObject({ monstock: before.polls.monstock, stripe: before.polls.stripe });
    expect(after.counts).toMatchObject({ createdInMonstock: 1, updatedInStripe: 1 });
  });

  it('recognises the webhooks of its own writes (and duplicates) as echoes, writing nothing', async () => {
    const before = await state();
    const events = await stripeEventCount();
    const first = (await monstock.client.listCustomers({ email: 'first@example.test' })).data[0]!;
    const echo = { source: 'stripe' as const, customerId: first.externalRefs.stripeCustomerId!, eventId: 'evt_echo' };
    await delivery.deliver(connectionId, echo);
    await delivery.deliver(connectionId, echo);
    await delivery.deliver(connectionId, { source: 'monstock', customerId: first.id, eventId: 'evt_echo_m' });
    const after = await eventually(async () => {
      const current = await state();
      return current.counts.skippedEchoes >= before.counts.skippedEchoes + 2 && idle(current) ? current : undefined;
    });
    expect(after.counts.updatedInStripe + after.counts.updatedInMonstock).toBe(
      before.counts.updatedInStripe + before.counts.updatedInMonstock,
    );
    expect(await stripeEventCount()).toBe(events);
  });

  it('ensureRunning leaves the running workflow as it is', async () => {
    const runId = (await handle.describe()).runId;
    await delivery.ensureRunning(connectionId);
    expect((await handle.describe()).runId).toBe(runId);
  });
});
