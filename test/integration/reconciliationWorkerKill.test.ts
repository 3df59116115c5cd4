import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { reconciliationWorkflowId } from '../../src/shared/ids';
import {
  RECONCILIATION_WORKFLOW_TYPE,
  reconciliationProgressQuery,
  type ReconciliationReport,
  type ReconciliationWorkflowInput,
} from '../../src/shared/reconciliation';
import { startConnectorHarness, type ConnectorHarness } from '../support/connectorHarness';
import { eventually } from '../support/temporal';
import { startWorkerProcess, type WorkerProcess } from '../support/workerProcess';

/**
 * A run survives a worker kill: the production worker (its own process) is SIGKILLed in the
 * middle of a page walk; a new worker picks the run up (the walk resumes after the last page its
 * heartbeat recorded) and the run ends with the same counts as one nobody killed.
 */
describe('reconciliationWorkflow survives a worker kill', () => {
  let h: ConnectorHarness;
  let dataDir: string;
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    h = await startConnectorHarness({ startWorker: false });
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'reconciliation-kill-'));
  });
  afterAll(async () => {
    for (const worker of workers)
      if (worker.child.exitCode === null && worker.child.signalCode === null) await worker.kill('SIGTERM');
    await h?.close();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  async function startWorker(): Promise<WorkerProcess> {
    const worker = await startWorkerProcess({
      taskQueue: h.taskQueue,
      monstockApiUrl: h.monstock.sandbox.apiUrl,
      stripeApiUrl: h.stripe.url,
      // The worker's order feed would otherwise give some orders an intent of the connector's own
      // before the test pays them, and the count of intents would depend on timing.
      env: { DATA_DIR: dataDir, STRIPE_RATE_LIMIT_PER_SECOND: '25', STRIPE_CREATE_PAYMENT_INTENTS: 'false' },
    });
    workers.push(worker);
    return worker;
  }

  async function start(window: { from: string; to: string }): Promise<WorkflowHandle> {
    const input: ReconciliationWorkflowInput = {
      connectionId: 'default',
      window,
      options: { repair: false, pageSize: 2, pagesPerActivity: 1 },
    };
    return h.client.workflow.start(RECONCILIATION_WORKFLOW_TYPE, {
      workflowId: reconciliationWorkflowId('default', `kill-${randomUUID().slice(0, 8)}`),
      taskQueue: h.taskQueue,
      args: [input],
    });
  }

  it('SIGKILLed mid-walk, resumed by a new worker process: the same counts as an undisturbed run', async () => {
    const from = new Date(Date.now() - 2000).toISOString();
    const first = await startWorker();
    // Payments with their webhooks: the first worker records them all.
    const orders: Array<Awaited<ReturnType<ConnectorHarness['order']>>> = [];
    for (let i = 0; i < 16; i += 1) {
      const order = await h.order(1000 + i * 10);
      await h.sdk.paymentIntents.create({
        amount: order.totalAmount,
        currency: 'eur',
        payment_method: 'pm_card_visa',
        confirm: true,
        metadata: { monstock_order_id: order.id },
      });
      orders.push(order);
    }
    // A payment naming no order: one finding per run.
    await h.sdk.paymentIntents.create({ amount: 555, currency: 'eur', payment_method: 'pm_card_visa', confirm: true });
    await eventually(
      async () =>
        (await Promise.all(orders.map((o) => h.monstock.client.getOrder(o.id)))).every(
          (o) => o.paymentStatus === 'paid',
        )
          ? true
          : undefined,
      30_000,
    );
    const window = { from, to: new Date(Date.now() + 1000).toISOString() };

    const undisturbed = (await (await start(window)).result()) as ReconciliationReport;
    expect(undisturbed.counts).toMatchObject({ intents: 17, findings: 1 });

    await h.stripe.setFaults({ latencyMs: 200 });
    const handle = await start(window);
    const atKill = await eventually(
      async () => {
        const progress = await handle.query(reconciliationProgressQuery);
        return progress.pages > 0 && progress.phase === 'stripe' ? progress : undefined;
      },
      30_000,
      50,
    );
    expect(await first.kill('SIGKILL')).toBeNull();
    const startedAgain = Date.now();
    await startWorker();
    const report = (await handle.result()) as ReconciliationReport;
    await h.stripe.setFaults({});

    expect(report.counts).toEqual(undisturbed.counts);
    expect(report.byKind).toEqual(undisturbed.byKind);
    expect(report.totals).toEqual(undisturbed.totals);
    expect(report.unresolved).toBe(undisturbed.unresolved);
    expect(report.findings.map((f) => `${f.kind} ${f.paymentIntentId}`)).toEqual(
      undisturbed.findings.map((f) => `${f.kind} ${f.paymentIntentId}`),
    );
    // The kill landed inside a page walk: that attempt timed out on its heartbeat and was retried
    // (a retried attempt shows as the attempt number of its ActivityTaskStarted event).
    const history = await handle.fetchHistory();
    const timedOut = (history.events ?? []).filter(
      (event) => (event.activityTaskStartedEventAttributes?.attempt ?? 1) > 1,
    ).length;
    process.stdout.write(
      `[reconciliation kill] killed at ${atKill.pages} pages (${atKill.items} items); resumed and finished in ${Date.now() - startedAgain} ms; ${timedOut} activity retried after its attempt was lost\n`,
    );
    expect(timedOut).toBeGreaterThanOrEqual(1);
  }, 240_000);
});
