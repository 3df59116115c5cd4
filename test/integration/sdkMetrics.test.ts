import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { request } from 'undici';
import { freePort } from '../../dev/stack/freePort';
import { orderFeedWorkflowId, customerSyncWorkflowId } from '../../src/shared/ids';
import { startMonstockFixture, type MonstockFixture } from '../support/monstockSandbox';
import { startStripeFixture, type StripeFixture } from '../support/stripeSandbox';
import { connectTestClient, eventually, uniqueTaskQueue } from '../support/temporal';
import { startWorkerProcess, type WorkerProcess } from '../support/workerProcess';
import type { Client } from '@temporalio/client';

/**
 * The production worker (its own process: the SDK runtime is installed once per process) with
 * WORKER_METRICS_ADDRESS serves the Temporal SDK's metrics. Its own connection id gives it its own
 * order feed and customer sync workflows, so workflow and activity tasks run on its task queue;
 * Monstock failing every request and a workflow type nobody registered add the failure metrics.
 * With UPDATE_EXPORTED_METRICS=1 the scraped names are written to deploy/grafana/exported-metrics.txt,
 * which the dashboard test checks the panels against.
 */
const EXPORTED_METRICS_FILE = path.join(__dirname, '../../deploy/grafana/exported-metrics.txt');

/** Metric family names of a Prometheus text exposition (from its TYPE lines). */
function metricFamilies(text: string): string[] {
  return [...text.matchAll(/^# TYPE (\S+) \S+$/gm)].map((match) => match[1]!).sort();
}

describe('Temporal SDK metrics of the worker', () => {
  let monstock: MonstockFixture;
  let stripe: StripeFixture;
  let client: Client;
  let worker: WorkerProcess | undefined;
  let metricsUrl: string;
  const connectionId = `metrics-${randomUUID().slice(0, 8)}`;
  const taskQueue = uniqueTaskQueue('sdk-metrics');

  beforeAll(async () => {
    monstock = await startMonstockFixture();
    stripe = await startStripeFixture();
    client = await connectTestClient();
    const address = `127.0.0.1:${await freePort()}`;
    metricsUrl = `http://${address}/metrics`;
    worker = await startWorkerProcess({
      taskQueue,
      monstockApiUrl: monstock.sandbox.apiUrl,
      stripeApiUrl: stripe.url,
      env: {
        WORKER_METRICS_ADDRESS: address,
        CONNECTION_ID: connectionId,
        MONSTOCK_POLL_INTERVAL: '1 second',
        // The run's database, where the worker keeps its state (set by globalSetup).
        ...(process.env.DATABASE_URL ? { DATABASE_URL: process.env.DATABASE_URL } : {}),
      },
    });
  });

  afterAll(async () => {
    if (worker && worker.child.exitCode === null) await worker.kill('SIGTERM');
    for (const workflowId of [orderFeedWorkflowId(connectionId), customerSyncWorkflowId(connectionId)])
      await client?.workflow
        .getHandle(workflowId)
        .terminate('test over')
        .catch(() => undefined);
    await client?.connection.close();
    await stripe?.close();
    await monstock?.close();
  });

  async function scrape(): Promise<string> {
    const answer = await request(metricsUrl);
    expect(answer.statusCode).toBe(200);
    return answer.body.text();
  }

  it('serves task slots, schedule-to-start latencies, sticky cache and failures at /metrics', async () => {
    // Failures: a workflow type nobody registered fails its workflow task; Monstock down fails activities.
    await client.workflow.start('noSuchWorkflowType', { workflowId: `metrics-${randomUUID()}`, taskQueue, args: [] });
    await monstock.setFaults({ errorRate: 1 });
    const required = [
      'temporal_worker_task_slots_available',
      'temporal_worker_task_slots_used',
      'temporal_workflow_task_schedule_to_start_latency',
      'temporal_activity_schedule_to_start_latency',
      'temporal_sticky_cache_size',
      'temporal_workflow_task_execution_failed',
      'temporal_activity_execution_failed',
    ];
    const names = await eventually(
      async () => {
        const found = metricFamilies(await scrape());
        return required.every((name) => found.includes(name)) ? found : undefined;
      },
      30_000,
      500,
    ).catch(async (error: unknown) => {
      throw new Error(`${(error as Error).message}\nscraped:\n${metricFamilies(await scrape()).join('\n')}`);
    });
    expect(names).toEqual(expect.arrayContaining(required));
    if (process.env.UPDATE_EXPORTED_METRICS === '1') fs.writeFileSync(EXPORTED_METRICS_FILE, names.join('\n') + '\n');
  });
});
