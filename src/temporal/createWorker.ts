import fs from 'node:fs';
import path from 'node:path';
import type { DataConverter } from '@temporalio/common';
import {
  bundleWorkflowCode,
  type ActivityInterceptorsFactory,
  type NativeConnection,
  Worker,
  type WorkerOptions,
} from '@temporalio/worker';
import { createActivities, type ActivityClients } from '../activities';
import { FAILURE_CONVERTER_PATH } from './dataConverter';
import { createLogger, toSdkLogger, type Logger } from '../observability/logger';
import { WORKFLOW_TRACING_INTERCEPTORS, workerTracingOptions } from '../observability/temporalTracing';
import type { Tracing } from '../observability/tracing';

export interface CreateWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  clients: ActivityClients;
  /** Encrypts payloads; the same keys as every client of the connector. */
  dataConverter: DataConverter;
  /** Where bundling reports go; webpack's module listing only at debug. Default: LOG_LEVEL's. */
  logger?: Logger;
  /** Tuning knobs for benchmarks and tests; the defaults suit a small production worker. */
  overrides?: Partial<WorkerOptions>;
  /** Set: workflows and activities are traced (their spans go to this process's tracing). */
  tracing?: Tracing;
  /** Run around every activity, after tracing's (which must see the whole activity). */
  activityInterceptors?: ActivityInterceptorsFactory[];
}

/**
 * The workflow code, bundled by webpack. Through the connector's logger, so webpack's module
 * listing (the SDK logs it at info) shows at LOG_LEVEL=debug only; a failed build still logs
 * webpack's errors. Used by the worker and by the image build (bundleWorkflows.ts).
 */
export async function bundleConnectorWorkflows(
  logger: Logger = createLogger({ name: 'worker' }),
  options: { tracing?: boolean } = {},
): Promise<string> {
  const { code } = await bundleWorkflowCode({
    workflowsPath: require.resolve('../workflows'),
    // Only when tracing: without it the bundle stays exactly the one the recorded histories replay on.
    ...(options.tracing === true ? { workflowInterceptorModules: [WORKFLOW_TRACING_INTERCEPTORS] } : {}),
    // Workflow failures are converted inside the bundle: their messages must be encrypted too.
    failureConverterPath: FAILURE_CONVERTER_PATH,
    logger: toSdkLogger(logger.child({ component: 'workflow-bundler' }), { infoAs: 'debug' }),
  });
  return code;
}

/**
 * Builds the worker. A workflow bundle prepared at image build time (WORKFLOW_BUNDLE_PATH) is
 * used when present, so containers start fast; otherwise the workflows are bundled at start.
 */
export async function createWorker(options: CreateWorkerOptions): Promise<Worker> {
  const logger = options.logger ?? createLogger({ name: 'worker' });
  const tracing = options.tracing;
  const bundlePath = process.env.WORKFLOW_BUNDLE_PATH;
  if (bundlePath && !fs.existsSync(bundlePath))
    logger.warn('WORKFLOW_BUNDLE_PATH names no file: bundling the workflows now', { bundlePath });
  // The prebuilt bundle has no tracing interceptors: a traced worker bundles its own at start.
  if (bundlePath && tracing) logger.info('tracing is on: bundling the workflows with its interceptors', { bundlePath });
  const workflowBundle =
    bundlePath && fs.existsSync(bundlePath) && !tracing
      ? { codePath: path.resolve(bundlePath) }
      : { code: await bundleConnectorWorkflows(logger, { tracing: tracing !== undefined }) };
  const traced = tracing ? workerTracingOptions(tracing) : undefined;
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    activities: createActivities(options.clients),
    dataConverter: options.dataConverter,
    workflowBundle,
    // SIGINT/SIGTERM are caught by the SDK's runtime, which stops polling and drains within this time.
    shutdownGraceTime: '20 seconds',
    ...(traced?.sinks ? { sinks: traced.sinks } : {}),
    interceptors: { activity: [...(traced?.interceptors?.activity ?? []), ...(options.activityInterceptors ?? [])] },
    ...options.overrides,
  });
}
