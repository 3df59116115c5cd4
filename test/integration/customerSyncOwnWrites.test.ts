import { randomUUID } from 'node:crypto';
import os from 'node:os';
import type { Client, WorkflowHandle } from '@temporalio/client';
import type Stripe from 'stripe';
import { loadConfig, withDevelopmentValues } from '../../src/config';
import { MONSTOCK_SYNC_VERSION_KEY } from '../../src/customers/crossRefs';
import { monstockEventAction } from '../../src/events/monstockEventActions';
import { Counters, defineWebhookCounters } from '../../src/observability/counters';
import { createLogger } from '../../src/observability/logger';
import { customerSyncStateQuery } from '../../src/shared/customerSync';
import { customerSyncWorkflowId } from '../../src/shared/ids';
import { createConnectorHttpServer, type WebhookRoute } from '../../src/starter/http/server';
import { createMonstockWebhookRoute } from '../../src/starter/monstock/route';
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
 * Monstock's echo of the connector's own customer write costs no signal: the write names the
 * version it produces (`stripeSyncVersion`), and the signed `customer.updated` of exactly that
 * version is dropped at the edge. Anyone else's later change still arrives and is synced.
 * Driven as production drives it: Monstock's signed webhooks reach the connector's HTTP shell.
 */
describe("customer sync: Monstock's echo of our own write", () => {
  const taskQueue = uniqueTaskQueue('customer-own-writes');
  const logger = createLogger({ level: 'error' });
  // Its own connection: other suites on this Temporal server run a customer sync for 'default'.
  const connectionId = `own-writes-${randomUUID().slice(0, 8)}`;
  let monstock: MonstockFixture;
  let stripe: StripeFixture;
  let client: Client;
  let worker: RunningWorker;
  let server: StartedServer;
  let handle: WorkflowHandle;
  let route: WebhookRoute | undefined;

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
        webhooks: { monstock: (webhook) => route!(webhook) },
      }),
      0,
    );
    [monstock, stripe, client] = await Promise.all([
      startMonstockFixture({ webhookUrl: `${server.url}/webhooks/monstock/${connectionId}` }),
      startStripeFixture(),
      connectTestClient(),
    ]);
    const customerDelivery = createCustomerChangeDelivery({ client, taskQueue, pollInterval: '1 hour' }).deliver;
    route = createMonstockWebhookRoute({
      client,
      config,
      logger,
      counters: defineWebhookCounters(new Counters()),
      customerDelivery,
    });
    worker = await startTestWorker(
      taskQueue,
      connectorClients({ monstock: monstock.client, stripe: stripe.stripe, client, taskQueue }),
    );
    handle = client.workflow.getHandle(customerSyncWorkflowId(connectionId));
  });

  afterAll(async () => {
    await handle?.terminate('test done').catch(() => undefined);
    if (handle) await recordHistory('customerSyncWorkflow.ownWrites', handle);
    await worker?.stop();
    await monstock?.close();
    await stripe?.close();
    await server?.close();
    await client?.connection.close();
  });

  /** Every webhook Monstock emitted has been answered. */
  async function webhooksDelivered(): Promise<void> {
    await eventually(async () => {
      const outbox = await fetch(`${monstock.sandbox.url}/_sandbox/webhooks`);
      return ((await outbox.json()) as { pending: number }).pending === 0 ? true : undefined;
    });
  }

  async function signalsNaming(customerId: string): Promise<number> {
    let count = 0;
    for (const event of (await handle.fetchHistory()).events ?? []) {
      const payload = event.workflowExecutionSignaledEventAttributes?.input?.payloads?.[0];
      if (!payload) continue;
      const change = await decodeHistoryPayload<{ customerId?: string; ownWrite?: unknown }>(payload);
      if (change.customerId !== customerId) continue;
      // The edge's own verdict never reaches history.
      expect(change.ownWrite).toBeUndefined();
      count += 1;
    }
    return count;
  }

  it('sends one signal for a new customer, none for the echo of the Stripe id written back', async () => {
    const customer = await monstock.client.createCustomer({ email: 'own.writes@example.test', name: 'Own Writes' });
    const linked = await eventually(async () => {
      const current = await monstock.client.getCustomer(customer.id);
      return current.externalRefs.stripeCustomerId ? current : undefined;
    });
    // The marker names the version the write produced: the record as the connector left it.
    expect(linked.externalRefs[MONSTOCK_SYNC_VERSION_KEY]).toBe(String(linked.version));
    await webhooksDelivered();
    expect(await signalsNaming(customer.id)).toBe(1);
  });

  it("still delivers and syncs anyone else's later change", async () => {
    const customer = (await monstock.client.listCustomers({ email: 'own.writes@example.test' })).data[0]!;
    const edited = await monstock.client.updateCustomer(customer.id, { phone: '+33 6 98 76 54 32' });
    // The marker stays behind on the record, one version short: not our write.
    expect(edited.externalRefs[MONSTOCK_SYNC_VERSION_KEY]).toBe(String(edited.version - 1));
    const stripeId = customer.externalRefs.stripeCustomerId!;
    await eventually(async () =>
      ((await stripe.stripe.customers.retrieve(stripeId)) as Stripe.Customer).phone === '+33 6 98 76 54 32'
        ? true
        : undefined,
    );
    // The sync wrote the new fingerprint back to Monstock: a write of ours again, whose echo is dropped too.
    const resynced = await eventually(async () => {
      const current = await monstock.client.getCustomer(customer.id);
      return current.version > edited.version ? current : undefined;
    });
    expect(resynced.externalRefs[MONSTOCK_SYNC_VERSION_KEY]).toBe(String(resynced.version));
    await webhooksDelivered();
    // The creation and the edit.
    expect(await signalsNaming(customer.id)).toBe(2);
    const state = await handle.query(customerSyncStateQuery);
    expect(state.counts.updatedInStripe).toBe(1);
  });

  it('marks only the signed snapshot at exactly the version our write produced', () => {
    const event = (type: string, object: Record<string, unknown>) =>
      monstockEventAction({ id: 'evt_1', type, createdAt: '2026-01-01T00:00:00Z', data: { object } });
    const ownWriteOf = (action: ReturnType<typeof monstockEventAction>) =>
      action.kind === 'customer' ? action.change.ownWrite : 'not a customer change';
    const refs = { stripeCustomerId: 'cus_1', [MONSTOCK_SYNC_VERSION_KEY]: '3' };
    expect(ownWriteOf(event('customer.updated', { id: 'mcu_1', version: 3, externalRefs: refs }))).toBe(true);
    expect(ownWriteOf(event('customer.updated', { id: 'mcu_1', version: 4, externalRefs: refs }))).toBeUndefined();
    expect(ownWriteOf(event('customer.created', { id: 'mcu_1', version: 3, externalRefs: refs }))).toBeUndefined();
    expect(ownWriteOf(event('customer.updated', { id: 'mcu_1', externalRefs: refs }))).toBeUndefined();
    expect(ownWriteOf(event('customer.updated', { id: 'mcu_1', version: '3', externalRefs: refs }))).toBeUndefined();
    expect(ownWriteOf(event('customer.updated', { id: 'mcu_1', version: 3, externalRefs: 'x' }))).toBeUndefined();
  });
});
