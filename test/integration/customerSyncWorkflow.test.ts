import { randomUUID } from 'node:crypto';
import type { Client, WorkflowHandle } from '@temporalio/client';
import type Stripe from 'stripe';
import { request } from 'undici';
import type { ActivityClients } from '../../src/activities';
import type { Customer } from '../../src/monstock/schemas';
import {
  CUSTOMER_SYNC_WORKFLOW_TYPE,
  customerSyncStateQuery,
  type CustomerSyncState,
  type CustomerSyncWorkflowInput,
} from '../../src/shared/customerSync';
import { customerSyncWorkflowId } from '../../src/shared/ids';
import { CustomerSyncFailures } from '../../src/shared/searchAttributes';
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
 * customerSyncWorkflow on real Temporal against both sandboxes, driven by polling only: no
 * webhook reaches it in this file, so every change below is one whose webhook was lost.
 */
describe('customerSyncWorkflow', () => {
  let monstock: MonstockFixture;
  let stripe: StripeFixture;
  let sdk: Stripe;
  let client: Client;
  let clients: ActivityClients;
  let worker: RunningWorker | undefined;
  let handle: WorkflowHandle;
  const taskQueue = uniqueTaskQueue('customers');
  const connectionId = `cs-${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    monstock = await startMonstockFixture();
    stripe = await startStripeFixture();
    sdk = stripe.stripe;
    client = await connectTestClient();
    clients = connectorClients({ monstock: monstock.client, stripe: sdk, client, taskQueue });
    worker = await startTestWorker(taskQueue, clients);
    const input: CustomerSyncWorkflowInput = { connectionId, pollInterval: '1 second', concurrency: 8 };
    handle = await client.workflow.start(CUSTOMER_SYNC_WORKFLOW_TYPE, {
      workflowId: customerSyncWorkflowId(connectionId),
      taskQueue,
      args: [input],
    });
  });

  afterAll(async () => {
    if (handle) {
      await handle.terminate('test done').catch(() => undefined);
      await recordHistory('customerSyncWorkflow.polling', handle);
    }
    await worker?.stop();
    await client?.connection.close();
    await stripe?.close();
    await monstock?.close();
  });

  const state = () => handle.query(customerSyncStateQuery);

  /** Everything read so far has been handled: nothing queued or running, and a poll of each side since `after`. */
  async function settled(after?: CustomerSyncState): Promise<CustomerSyncState> {
    return eventually(async () => {
      const current = await state();
      const polledSince =
        !after || (current.polls.monstock > after.polls.monstock + 1 && current.polls.stripe > after.polls.stripe + 1);
      return polledSince && current.queued === 0 && current.inFlight.length === 0 && current.signalsWaiting === 0
        ? current
        : undefined;
    }, 30_000);
  }

  async function linkedStripe(monstockId: string): Promise<{ monstock: Customer; stripe: Stripe.Customer }> {
    return eventually(async () => {
      const m = await monstock.client.getCustomer(monstockId);
      const stripeId = m.externalRefs.stripeCustomerId;
      if (!stripeId) return undefined;
      const s = await sdk.customers.retrieve(stripeId);
      return s.deleted ? undefined : { monstock: m, stripe: s };
    }, 20_000);
  }

  async function linkedMonstock(stripeId: string): Promise<{ monstock: Customer; stripe: Stripe.Customer }> {
    return eventually(async () => {
      const s = await sdk.customers.retrieve(stripeId);
      const monstockId = !s.deleted ? s.metadata.monstock_customer_id : undefined;
      if (s.deleted || !monstockId) return undefined;
      return { monstock: await monstock.client.getCustomer(monstockId), stripe: s };
    }, 20_000);
  }

  async function monstockEventCount(): Promise<number> {
    const answer = await request(`${monstock.sandbox.url}/_sandbox/events?limit=10000`);
    const body = (await answer.body.json()) as { data: unknown[] };
    return body.data.length;
  }

  async function stripeEventCount(): Promise<number> {
    let total = 0;
    for await (const _event of sdk.events.list({ limit: 100 })) total += 1;
    return total;
  }

  it('creates a new Monstock customer in Stripe and cross-references both (found by polling, no webhook)', async () => {
    const created = await monstock.client.createCustomer({
      email: 'ada@example.test',
      name: 'Ada Lovelace',
      phone: '+33 6 11 22 33 44',
      address: { line1: '12 rue de la Paix', line2: 'Bât. B', postalCode: '75002', city: 'Paris', country: 'FR' },
    });
    const pair = await linkedStripe(created.id);
    expect(pair.stripe).toMatchObject({
      email: 'ada@example.test',
      name: 'Ada Lovelace',
      phone: '+33 6 11 22 33 44',
      address: { line1: '12 rue de la Paix', line2: 'Bât. B', postal_code: '75002', city: 'Paris', country: 'FR' },
      metadata: { monstock_customer_id: created.id, monstock_sync_hash: expect.stringMatching(/^v1:/) },
    });
    expect(pair.monstock.externalRefs.stripeSyncHash).toBe(pair.stripe.metadata.monstock_sync_hash);
    expect((await settled()).counts.createdInStripe).toBe(1);
  });

  it('creates a Checkout guest (Stripe customer with e-mail and name) in Monstock, cross-referenced', async () => {
    const guest = await sdk.customers.create({ email: 'grace@example.test', name: 'Grace Hopper' });
    const pair = await linkedMonstock(guest.id);
    expect(pair.monstock).toMatchObject({
      email: 'grace@example.test',
      name: 'Grace Hopper',
      externalRefs: { stripeCustomerId: guest.id },
    });
    expect(pair.monstock.phone).toBeUndefined();
    expect((await settled()).counts.createdInMonstock).toBe(1);
  });

  it('links an existing customer on both sides by e-mail once, without creating a copy', async () => {
    // Both exist before the workflow looks (a poll between the two creates would rightly copy the first).
    await worker!.stop();
    const inStripe = await sdk.customers.create({ email: 'linus@example.test', name: 'Linus T' });
    const inMonstock = await monstock.client.createCustomer({ email: 'linus@example.test', name: 'Linus T' });
    worker = await startTestWorker(taskQueue, clients);
    const pair = await linkedStripe(inMonstock.id);
    expect(pair.stripe.id).toBe(inStripe.id);
    expect(pair.stripe.metadata.monstock_customer_id).toBe(inMonstock.id);
    await settled();
    expect((await sdk.customers.list({ email: 'linus@example.test' })).data).toHaveLength(1);
    expect((await monstock.client.listCustomers({ email: 'linus@example.test' })).data).toHaveLength(1);
  });

  it('carries edits of name, phone and address both ways', async () => {
    const ada = (await monstock.client.listCustomers({ email: 'ada@example.test' })).data[0]!;
    await monstock.client.updateCustomer(ada.id, {
      name: 'Ada King',
      phone: '+33 6 99 99 99 99',
      address: { line1: '1 quai Voltaire', postalCode: '69002', city: 'Lyon', country: 'FR' },
    });
    const stripeId = ada.externalRefs.stripeCustomerId!;
    await eventually(async () => {
      const s = (await sdk.customers.retrieve(stripeId)) as Stripe.Customer;
      return s.name === 'Ada King' ? s : undefined;
    });
    expect(await sdk.customers.retrieve(stripeId)).toMatchObject({
      phone: '+33 6 99 99 99 99',
      address: { line1: '1 quai Voltaire', line2: null, postal_code: '69002', city: 'Lyon', country: 'FR' },
    });

    const grace = (await sdk.customers.list({ email: 'grace@example.test' })).data[0]!;
    await sdk.customers.update(grace.id, {
      name: 'Grace B. Hopper',
      phone: '+1 202 555 0100',
      address: { line1: '1 Navy Way', city: 'Arlington', postal_code: '22202', country: 'us' },
    });
    const monstockId = grace.metadata.monstock_customer_id!;
    const updated = await eventually(async () => {
      const m = await monstock.client.getCustomer(monstockId);
      return m.name === 'Grace B. Hopper' ? m : undefined;
    });
    expect(updated).toMatchObject({
      phone: '+1 202 555 0100',
      address: { line1: '1 Navy Way', city: 'Arlington', postalCode: '22202', country: 'US' },
    });

    // A cleared phone is cleared on the other side too.
    await sdk.customers.update(grace.id, { phone: '' });
    await eventually(async () => ((await monstock.client.getCustomer(monstockId)).phone ? undefined : true));
    const after = await settled();
    expect(after.counts).toMatchObject({ updatedInStripe: 1, updatedInMonstock: 2 });
  });

  it('settles simultaneous edits on both sides by the newest, across a worker restart, without redoing earlier work', async () => {
    const before = await settled();
    const ada = (await monstock.client.listCustomers({ email: 'ada@example.test' })).data[0]!;
    const grace = (await monstock.client.listCustomers({ email: 'grace@example.test' })).data[0]!;
    await worker!.stop();
    worker = undefined;

    // Ada: Monstock first, Stripe more than a second later: Stripe is newest.
    await monstock.client.updateCustomer(ada.id, { name: 'Ada (Monstock edit)' });
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    await sdk.customers.update(ada.externalRefs.stripeCustomerId!, {
      name: 'Ada (Stripe edit)',
      phone: '+33 1 00 00 00 00',
    });
    // Grace: Stripe first, Monstock later: Monstock is newest.
    await sdk.customers.update(grace.externalRefs.stripeCustomerId!, { name: 'Grace (Stripe edit)' });
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    await monstock.client.updateCustomer(grace.id, { name: 'Grace (Monstock edit)' });

    worker = await startTestWorker(taskQueue, clients);
    const adaNow = await eventually(async () => {
      const m = await monstock.client.getCustomer(ada.id);
      return m.name === 'Ada (Stripe edit)' ? m : undefined;
    });
    expect(adaNow.phone).toBe('+33 1 00 00 00 00');
    await eventually(
      async () =>
        ((await sdk.customers.retrieve(grace.externalRefs.stripeCustomerId!)) as Stripe.Customer).name ===
          'Grace (Monstock edit)' || undefined,
    );
    const after = await settled(before);
    expect((await sdk.customers.retrieve(ada.externalRefs.stripeCustomerId!)) as Stripe.Customer).toMatchObject({
      name: 'Ada (Stripe edit)',
    });
    expect((await monstock.client.getCustomer(grace.id)).name).toBe('Grace (Monstock edit)');
    expect(after.counts.conflicts - before.counts.conflicts).toBe(2);
    // Cursors lived in workflow state: nothing was created again after the restart.
    expect(after.counts.createdInStripe).toBe(before.counts.createdInStripe);
    expect(after.counts.createdInMonstock).toBe(before.counts.createdInMonstock);
  });

  it('makes no further writes once converged (no ping-pong), across several poll cycles', async () => {
    const converged = await settled();
    const monstockEvents = await monstockEventCount();
    const stripeEvents = await stripeEventCount();
    await settled(await settled(converged));
    const later = await settled(await state());
    expect(later.polls.monstock - converged.polls.monstock).toBeGreaterThanOrEqual(4);
    expect(await monstockEventCount()).toBe(monstockEvents);
    expect(await stripeEventCount()).toBe(stripeEvents);
    expect(later.counts.skippedEchoes).toBeGreaterThan(0);
    expect(later.counts.createdInStripe + later.counts.updatedInStripe).toBe(
      converged.counts.createdInStripe + converged.counts.updatedInStripe,
    );
  });

  it('sets aside a record Monstock refuses (invalid e-mail) while the others sync, and takes it once fixed', async () => {
    const bad = await sdk.customers.create({ email: 'guest@mail..example.test', name: 'Bad Address' });
    const good = await sdk.customers.create({ email: 'fine@example.test', name: 'Fine Guest' });
    const alsoGood = await monstock.client.createCustomer({ email: 'shop@example.test', name: 'Shop Customer' });
    await linkedMonstock(good.id);
    await linkedStripe(alsoGood.id);

    const withFailure = await eventually(async () => {
      const current = await state();
      return current.failures.some((failure) => failure.stripeId === bad.id) ? current : undefined;
    });
    const failure = withFailure.failures.find((item) => item.stripeId === bad.id)!;
    expect(failure).toMatchObject({ source: 'stripe', retryable: false, reason: expect.stringContaining('422') });
    expect(failure.reason).not.toContain('mail..example');
    const description = await handle.describe();
    expect(description.typedSearchAttributes.get(CustomerSyncFailures)).toBe(1);
    // What the Web UI shows as the workflow's current details.
    const details = await eventually(async () => {
      const metadata = await handle.query<{ currentDetails?: string }>('__temporal_workflow_metadata');
      return metadata.currentDetails?.includes(bad.id) ? metadata.currentDetails : undefined;
    });
    expect(details).toMatch(/SET ASIDE: 1 customer/);
    expect(details).not.toContain('mail..example');

    await sdk.customers.update(bad.id, { email: 'guest@mail.example.test' });
    const fixed = await linkedMonstock(bad.id);
    expect(fixed.monstock.email).toBe('guest@mail.example.test');
    const cleared = await eventually(async () => ((await state()).failures.length === 0 ? true : undefined));
    expect(cleared).toBe(true);
    await eventually(async () =>
      (await handle.describe()).typedSearchAttributes.get(CustomerSyncFailures) === 0 ? true : undefined,
    );
  });
});
