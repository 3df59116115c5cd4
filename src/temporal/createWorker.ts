import fs from 'node:fs';
import path from 'node:path';
import type { DataConverter } from '@temporalio/common';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities, type ActivityClients } from '../activities';

export interface CreateWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  clients: ActivityClients;
  /** Encrypts payloads; the same keys as every client of the connector. */
  dataConverter: DataConverter;
  /** Tuning knobs for benchmarks and tests; the defaults suit a small production worker. */
  overrides?: Partial<WorkerOptions>;
}

/**
 * Builds the worker. A workflow bundle prepared at image build time (WORKFLOW_BUNDLE_PATH) is
 * used when present, so containers start fast; otherwise the workflows are bundled at start.
 */
export async function createWorker(options: CreateWorkerOptions): Promise<Worker> {
  const bundlePath = process.env.WORKFLOW_BUNDLE_PATH;
  const workflowSource =
    bundlePath && fs.existsSync(bundlePath)
      ? { workflowBundle: { codePath: path.resolve(bundlePath) } }
      : { workflowsPath: require.resolve('../workflows') };
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    activities: createActivities(options.clients),
    dataConverter: options.dataConverter,
    ...workflowSource,
    // SIGINT/SIGTERM are caught by the SDK's runtime, which stops polling and drains within this time.
    shutdownGraceTime: '20 seconds',
    ...options.overrides,
  });
}
