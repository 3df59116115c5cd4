import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { WorkflowFailedError, type Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type Stripe from 'stripe';
import type { MonstockClient } from '../../src/monstock/client';
import { reconciliationWorkflowId } from '../../src/shared/ids';
import {
  RECONCILIATION_WORKFLOW_TYPE,
  type ReconciliationCarried,
  type ReconciliationWorkflowInput,
} from '../../src/shared/reconciliation';
import { recordHistory } from '../support/histories';
import {
  connectorClients,
  connectTestClient,
  startTestWorker,
  uniqueTaskQueue,
  type RunningWorker,
} from '../support/temporal';

/**
 * The report id names files under DATA_DIR/reports. A run makes its own (its run id), but one
 * carried in the input comes from whoever started the workflow: the workflow itself refuses one
 * that could not name a report file, before any activity runs, and writes nothing anywhere.
 */
describe('reconciliationWorkflow with an invalid carried report id', () => {
  let client: Client;
  let worker: RunningWorker;
  let root: string;
  let dataDir: string;
  const taskQueue = uniqueTaskQueue('report-id');

  beforeAll(async () => {
    client = await connectTestClient();
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'report-id-wf-'));
    dataDir = path.join(root, 'data');
    fs.mkdirSync(path.join(root, 'victim.parts'), { recursive: true });
    fs.writeFileSync(path.join(root, 'victim.parts', 'keep.txt'), 'precious');
    const unused = new Proxy(
      {},
      {
        get(_target, property) {
          if (property === 'then') return undefined;
          throw new Error(`no client should be used for an invalid report id (asked for ${String(property)})`);
        },
      },
    );
    worker = await startTestWorker(taskQueue, {
      ...connectorClients({
        monstock: unused as MonstockClient,
        stripe: unused as Stripe,
        client,
        taskQueue,
      }),
      reconciliation: { stripeRateLimitPerSecond: 25 },
    });
  });
  afterAll(async () => {
    await worker?.stop();
    await client?.connection.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('fails the run at once, non-retryably, and touches no file', async () => {
    const window = { from: '2026-01-01T00:00:00.000Z', to: '2026-01-02T00:00:00.000Z' };
    const carried: ReconciliationCarried = {
      reportId: '../../victim',
      window,
      startedAt: '2026-01-02T00:00:00.000Z',
      phase: 'report',
      pageSeq: 1,
      counts: { pages: 1, items: 0, intents: 0, orders: 0, findings: 0, repairsSent: 0, ignored: 0, stripeCalls: 0 },
      byKind: {},
      totals: {},
      firstFindings: [],
      unresolved: 0,
      run: 1,
    };
    const input: ReconciliationWorkflowInput = { connectionId: 'default', window, carried };
    const handle = await client.workflow.start(RECONCILIATION_WORKFLOW_TYPE, {
      workflowId: reconciliationWorkflowId('default', `bad-report-id-${Date.now()}`),
      taskQueue,
      args: [input],
    });
    const failed = await handle.result().then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failed).toBeInstanceOf(WorkflowFailedError);
    const cause = (failed as WorkflowFailedError).cause;
    expect(cause).toBeInstanceOf(ApplicationFailure);
    expect(cause).toMatchObject({ type: 'InvalidReportId', nonRetryable: true });

    const events = (await handle.fetchHistory()).events ?? [];
    // No activity was scheduled: not the report (which would have deleted root/victim.parts), not a walk.
    expect(events.filter((event) => event.activityTaskScheduledEventAttributes)).toEqual([]);
    expect(events.some((event) => event.markerRecordedEventAttributes?.markerName === 'core_patch')).toBe(true);
    expect(fs.readFileSync(path.join(root, 'victim.parts', 'keep.txt'), 'utf8')).toBe('precious');
    expect(fs.existsSync(path.join(root, 'victim.json'))).toBe(false);
    expect(fs.existsSync(dataDir)).toBe(false);
    await recordHistory('reconciliationWorkflow.invalidReportId', handle);
  });
});
