import { randomUUID } from 'node:crypto';
import type { Client, WorkflowHandle } from '@temporalio/client';
import type Stripe from 'stripe';
import { request } from 'undici';
import type { Customer } from '../../src/monstock/schemas';
import {
  CUSTOMER_SYNC_WORKFLOW_TYPE,
  customerSyncStateQuery,
  type CustomerSyncWorkflowInput,
} from '../../src/shared/customerSync';
import { customerSyncWorkflowId } from '../../src/shared/ids';
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
 * 1,000 customers on each side, none known to the other: the workflow must reach a stable,
 * fully cross-referenced state (2,000 pairs) within the test's budget, and say how fast.
 */
const PER_SIDE = 1_000;
const SEED_CONCURRENCY = 16;

describe('customerSyncWorkflow at scale', () => {
  let monstock: MonstockFixture;
  let stripe: StripeFixture;
  let client: Client;
  let worker: RunningWorker;
  let handle: WorkflowHandle | undefined;
  const taskQueue = uniqueTaskQueue('customers-scale');
  const connectionId = `scale-${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    monstock = await startMonstockFixture();
    stripe = await startStripeFixture();
    client = await connectTestClient();
    worker = await startTestWorker(
      taskQueue,
      connectorClients({ monstock: monstock.client, stripe: stripe.stripe, client, taskQueue }),
    );
  });

  afterAll(async () => {
    await handle?.terminate('test done').catch(() => undefined);
    await worker?.stop();
    await client?.connection.close();
    await stripe?.close();
    await monstock?.close();
  });

  async function allMonstock(): Promise<Customer[]> {
    const out: Customer[] = [];
    let cursor: string | undefined;
    do {
      const page = await monstock.client.listCustomers({ limit: 200, ...(cursor ? { cursor } : {}) });
      out.push(...page.data);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return out;
  }

  async function allStripe(): Promise<Stripe.Customer[]> {
    const out: Stripe.Customer[] = [];
    for await (const customer of stripe.stripe.customers.list({ limit: 100 })) out.push(customer);
    return out;
  }

  it(`brings ${PER_SIDE} customers on each side to a stable, fully cross-referenced state`, async () => {
    const seeded = await request(`${monstock.sandbox.url}/_sandbox/seed`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ customers: PER_SIDE, orders: 0, webhooks: false }),
    });
    expect(seeded.statusCode).toBe(201);
    await seeded.body.dump();
    let next = 0;
    await Promise.all(
      Array.from({ length: SEED_CONCURRENCY }, async () => {
        for (let n = next++; n < PER_SIDE; n = next++) {
          const label = String(n + 1).padStart(4, '0');
          await stripe.stripe.customers.create({
            email: `shopper${label}@stripe.example.test`,
            name: `Stripe Shopper ${label}`,
            phone: `+1 555 01${label}`,
          });
        }
      }),
    );

    const started = Date.now();
    const input: CustomerSyncWorkflowInput = { connectionId, pollInterval: '2 seconds', concurrency: 32 };
    handle = await client.workflow.start(CUSTOMER_SYNC_WORKFLOW_TYPE, {
      workflowId: customerSyncWorkflowId(connectionId),
      taskQueue,
      args: [input],
    });
    const done = await eventually(
      async () => {
        const state = await handle!.query(customerSyncStateQuery);
        const created = state.counts.createdInStripe + state.counts.createdInMonstock;
        return created >= 2 * PER_SIDE && state.queued === 0 && state.inFlight.length === 0 ? state : undefined;
      },
      100_000,
      250,
    );
    const elapsedMs = Date.now() - started;

    const [monstockCustomers, stripeCustomers] = await Promise.all([allMonstock(), allStripe()]);
    expect(monstockCustomers).toHaveLength(2 * PER_SIDE);
    expect(stripeCustomers).toHaveLength(2 * PER_SIDE);
    const stripeById = new Map(stripeCustomers.map((customer) => [customer.id, customer]));
    const pointsBack = monstockCustomers.filter((customer) => {
      const partner = stripeById.get(customer.externalRefs.stripeCustomerId ?? '');
      return (
        partner?.metadata.monstock_customer_id === customer.id &&
        partner.metadata.monstock_sync_hash === customer.externalRefs.stripeSyncHash &&
        partner.email === customer.email
      );
    });
    expect(pointsBack).toHaveLength(2 * PER_SIDE);
    expect(new Set(monstockCustomers.map((customer) => customer.externalRefs.stripeCustomerId)).size).toBe(
      2 * PER_SIDE,
    );
    expect(done.counts).toMatchObject({
      createdInStripe: PER_SIDE,
      createdInMonstock: PER_SIDE,
      failures: 0,
      linkedByEmail: 0,
    });

    // Stable: a few more polls of both sides change nothing.
    const settledState = await eventually(async () => {
      const state = await handle!.query(customerSyncStateQuery);
      return state.polls.monstock >= done.polls.monstock + 2 &&
        state.polls.stripe >= done.polls.stripe + 2 &&
        state.queued === 0 &&
        state.inFlight.length === 0
        ? state
        : undefined;
    }, 20_000);
    expect(
      settledState.counts.createdInStripe +
        settledState.counts.createdInMonstock +
        settledState.counts.updatedInStripe +
        settledState.counts.updatedInMonstock,
    ).toBe(2 * PER_SIDE);

    process.stderr.write(
      `\n[customer sync scale] ${2 * PER_SIDE} customers cross-referenced in ${(elapsedMs / 1000).toFixed(1)} s ` +
        `(${((2 * PER_SIDE) / (elapsedMs / 1000)).toFixed(0)} customers/s, runs: ${settledState.run}, echoes skipped: ${settledState.counts.skippedEchoes})\n`,
    );
  }, 150_000);
});
