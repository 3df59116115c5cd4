import { Client, Connection } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { startTemporalServerOnPostgres, type TemporalServerOnPostgres } from '../../dev/temporalServer/onPostgres';
import { findTemporalServer } from '../../dev/temporalServer/findTemporalServer';
import { unmatchedPaymentWorkflowId } from '../../src/shared/ids';
import {
  stripeEventSignal,
  UNMATCHED_PAYMENT_WORKFLOW_TYPE,
  type UnmatchedPaymentState,
  type UnmatchedPaymentWorkflowInput,
} from '../../src/shared/orderPayment';
import { ALL_SEARCH_ATTRIBUTES, PaymentUnmatched } from '../../src/shared/searchAttributes';
import { createWorker } from '../../src/temporal/createWorker';
import { registerSearchAttributes } from '../../src/temporal/registerSearchAttributes';
import { startMonstockFixture, type MonstockFixture } from '../support/monstockSandbox';
import { startStripeFixture, type StripeFixture } from '../support/stripeSandbox';
import { connectorClients, eventually, testDataConverter, uniqueTaskQueue } from '../support/temporal';

/**
 * The connector on the real Temporal server (the production binary, built by `install-tools --temporal-server`) with
 * PostgreSQL for both history and visibility: what a self-hosted production cluster runs, unlike the dev server's
 * SQLite. Proves the search attributes register on SQL visibility (which has a fixed number of columns per type),
 * that a search-attribute query finds a workflow, and that a server restart loses nothing.
 */
describe('the connector on a real Temporal server on PostgreSQL', () => {
  jest.setTimeout(120_000);
  let temporal: TemporalServerOnPostgres;
  let connection: Connection;
  let client: Client;
  let monstock: MonstockFixture;
  let stripe: StripeFixture;
  let workerConnection: NativeConnection;
  let worker: Worker;
  let workerRun: Promise<void>;
  const taskQueue = uniqueTaskQueue('pg-server');

  beforeAll(async () => {
    // Fails (never skips) without the build, naming the command that makes it.
    findTemporalServer();
    const started = Date.now();
    temporal = await startTemporalServerOnPostgres();
    process.stderr.write(
      `[temporalServerOnPostgres] PostgreSQL + Temporal ${temporal.version} serving in ${Date.now() - started} ms\n`,
    );
    connection = await Connection.connect({ address: temporal.address });
    client = new Client({ connection, namespace: temporal.namespace, dataConverter: testDataConverter() });
    monstock = await startMonstockFixture();
    stripe = await startStripeFixture();
  });

  afterAll(async () => {
    if (worker?.getState() === 'RUNNING') worker.shutdown();
    await workerRun;
    await workerConnection?.close();
    await connection?.close();
    await stripe?.close();
    await monstock?.close();
    await temporal?.stop();
  });

  it('reports itself as the real server on PostgreSQL', () => {
    expect(temporal.persistence).toBe('postgresql');
    expect(temporal.version).toBe('1.32.0');
  });

  it('registers every connector search attribute in SQL visibility', async () => {
    const added = await registerSearchAttributes(client, temporal.namespace, ALL_SEARCH_ATTRIBUTES);
    expect(added.sort()).toEqual(ALL_SEARCH_ATTRIBUTES.map((key) => key.name).sort());
    const listed = await connection.operatorService.listSearchAttributes({ namespace: temporal.namespace });
    expect(Object.keys(listed.customAttributes ?? {})).toEqual(
      expect.arrayContaining(ALL_SEARCH_ATTRIBUTES.map((key) => key.name)),
    );
    // A second registration finds them all: nothing to add.
    expect(await registerSearchAttributes(client, temporal.namespace, ALL_SEARCH_ATTRIBUTES)).toEqual([]);
  });

  it('runs a connector workflow to completion and finds it by a search attribute query, before and after a restart', async () => {
    workerConnection = await NativeConnection.connect({ address: temporal.address });
    worker = await createWorker({
      connection: workerConnection,
      namespace: temporal.namespace,
      taskQueue,
      clients: connectorClients({ monstock: monstock.client, stripe: stripe.stripe, client, taskQueue }),
      dataConverter: testDataConverter(),
    });
    workerRun = worker.run();

    // A payment canceled before any money moved: the unmatched-payment workflow closes it, flagged PaymentUnmatched.
    const intent = await stripe.stripe.paymentIntents.create({ amount: 900, currency: 'eur', metadata: {} });
    await stripe.stripe.paymentIntents.cancel(intent.id, { cancellation_reason: 'abandoned' });
    const workflowId = unmatchedPaymentWorkflowId('default', intent.id);
    const input: UnmatchedPaymentWorkflowInput = {
      connectionId: 'default',
      paymentIntentId: intent.id,
      reason: 'no match rule found a value on the payment',
      schedule: { firstLookAfterMs: 200 },
    };
    const handle = await client.workflow.signalWithStart(UNMATCHED_PAYMENT_WORKFLOW_TYPE, {
      workflowId,
      taskQueue,
      args: [input],
      signal: stripeEventSignal,
      signalArgs: [
        {
          eventId: `evt_${intent.id}`,
          type: 'payment_intent.canceled',
          created: 1_790_000_000,
          objectType: 'payment_intent',
          objectId: intent.id,
          paymentIntentId: intent.id,
        },
      ],
    });
    const state: UnmatchedPaymentState = await handle.result();
    expect(state).toMatchObject({ status: 'closed', closed: { reason: 'no_money_moved' }, moneyMoved: false });

    // Visibility in PostgreSQL is written asynchronously: the query finds the closed workflow once it is indexed.
    const query = `PaymentUnmatched = true AND ExecutionStatus = 'Completed' AND WorkflowId = '${workflowId}'`;
    const findByAttribute = async () => {
      for await (const found of client.workflow.list({ query })) return found;
      return undefined;
    };
    const listed = await eventually(findByAttribute);
    expect(listed.typedSearchAttributes.get(PaymentUnmatched)).toBe(true);
    expect(listed.status.name).toBe('COMPLETED');
    // And a query that excludes it by the same attribute does not list it: the filter is real.
    const excluded = client.workflow.list({ query: `PaymentUnmatched = false AND WorkflowId = '${workflowId}'` });
    for await (const found of excluded) throw new Error(`PaymentUnmatched = false listed ${found.workflowId}`);

    const historyBefore = (await handle.fetchHistory()).events ?? [];
    expect(historyBefore.length).toBeGreaterThan(5);

    const restarted = Date.now();
    await temporal.restart();
    process.stderr.write(`[temporalServerOnPostgres] restart took ${Date.now() - restarted} ms\n`);

    // The client reconnects by itself; the history and the index both live in PostgreSQL.
    const historyAfter = await eventually(async () => (await handle.fetchHistory()).events ?? undefined, 30_000);
    expect(historyAfter.map((event) => event.eventType)).toEqual(historyBefore.map((event) => event.eventType));
    expect((await handle.describe()).status.name).toBe('COMPLETED');
    expect((await findByAttribute())?.workflowId).toBe(workflowId);
  });
});
