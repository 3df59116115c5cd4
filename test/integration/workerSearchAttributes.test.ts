import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { orderFeedWorkflowId } from '../../src/shared/ids';
import { ALL_SEARCH_ATTRIBUTES } from '../../src/shared/searchAttributes';
import { ensureSearchAttributes, MissingSearchAttributes } from '../../src/temporal/registerSearchAttributes';
import { startMonstockFixture, type MonstockFixture } from '../support/monstockSandbox';
import { startStripeFixture, type StripeFixture } from '../support/stripeSandbox';
import { eventually, testTemporalAddress, uniqueTaskQueue } from '../support/temporal';
import { startWorkerProcess, type WorkerProcess } from '../support/workerProcess';

/**
 * A fresh namespace has none of the connector's search attributes, and every workflow sets them:
 * without them each workflow task fails, in a loop. The worker registers them before it polls (or
 * refuses to start, naming `npm run setup`).
 */
describe('the worker on a namespace without the search attributes', () => {
  jest.setTimeout(120_000);
  let connection: Connection;
  let client: Client;
  let monstock: MonstockFixture;
  let stripe: StripeFixture;
  let worker: WorkerProcess | undefined;
  let dataDir: string;
  const namespace = `fresh-${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    connection = await Connection.connect({ address: testTemporalAddress() });
    client = new Client({ connection, namespace });
    await connection.workflowService.registerNamespace({
      namespace,
      workflowExecutionRetentionPeriod: msToTs('1 day'),
    });
    // A new namespace reaches every frontend cache within seconds.
    await eventually(async () =>
      (await connection.workflowService.describeNamespace({ namespace })) ? true : undefined,
    );
    monstock = await startMonstockFixture();
    stripe = await startStripeFixture();
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'worker-sa-'));
  });
  afterAll(async () => {
    if (worker && worker.child.exitCode === null) await worker.kill('SIGTERM');
    await monstock?.close();
    await stripe?.close();
    await connection?.close();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  async function customAttributes(): Promise<string[]> {
    const listed = await connection.operatorService.listSearchAttributes({ namespace });
    return Object.keys(listed.customAttributes ?? {});
  }

  it('registers every attribute before it polls, so its workflows run', async () => {
    expect(await customAttributes()).not.toContain('ConnectionId');
    worker = await startWorkerProcess({
      taskQueue: uniqueTaskQueue('worker-sa'),
      monstockApiUrl: monstock.sandbox.apiUrl,
      stripeApiUrl: stripe.url,
      env: { TEMPORAL_NAMESPACE: namespace, DATA_DIR: dataDir, LOG_LEVEL: 'info' },
    });
    expect(await customAttributes()).toEqual(expect.arrayContaining(ALL_SEARCH_ATTRIBUTES.map((key) => key.name)));
    expect(worker.output()).toMatch(/search attributes registered/);
    // The order feed it starts sets ConnectionId: its first task completes instead of failing.
    await eventually(async () => {
      const feeds = client.workflow.list({ query: `WorkflowType = 'monstockOrderFeedWorkflow'` });
      for await (const feed of feeds) return feed.status.name === 'RUNNING' ? true : undefined;
      return undefined;
    });
    await eventually(async () => {
      const history = await client.workflow.getHandle(orderFeedWorkflowId('default')).fetchHistory();
      const events = history.events ?? [];
      return events.some((event) => event.workflowTaskCompletedEventAttributes) ? true : undefined;
    });
  });

  it('refuses to go on, naming the command, when the attributes cannot be added', async () => {
    const refusing = {
      connection: {
        operatorService: {
          listSearchAttributes: async () => ({ customAttributes: {}, systemAttributes: {} }),
          addSearchAttributes: async () => {
            throw new Error('PERMISSION_DENIED: Request unauthorized');
          },
        },
      },
    } as unknown as Client;
    const attempt = ensureSearchAttributes(refusing, 'shop', ALL_SEARCH_ATTRIBUTES);
    await expect(attempt).rejects.toBeInstanceOf(MissingSearchAttributes);
    await expect(attempt).rejects.toThrow(/npm run setup/);
  });
});
