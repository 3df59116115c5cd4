import type { Client, WorkflowHandle } from '@temporalio/client';
import { orderFeedWorkflowId } from '../shared/ids';
import { ORDER_FEED_WORKFLOW_TYPE, type OrderFeedWorkflowInput } from '../shared/orderFeed';

/**
 * The connector's always-on workflows (one per connection) are started at worker start. Starting
 * one that already runs keeps the running one and its state: a restart or a second worker never
 * resets a cursor. One that was stopped (terminated, failed) starts afresh.
 */
export async function ensureWorkflowRunning(
  client: Client,
  options: { workflowType: string; workflowId: string; taskQueue: string; args: unknown[]; staticSummary: string },
): Promise<WorkflowHandle> {
  await client.workflow.start(options.workflowType, {
    workflowId: options.workflowId,
    taskQueue: options.taskQueue,
    args: options.args,
    workflowIdConflictPolicy: 'USE_EXISTING',
    staticSummary: options.staticSummary,
  });
  // Not the handle `start` returns: with USE_EXISTING its run id may be a continued run, which
  // is no chain's first, and the handle would then find nothing.
  return client.workflow.getHandle(options.workflowId);
}

export interface OrderFeedOptions {
  connectionId: string;
  taskQueue: string;
  /** e.g. '2 minutes'. Applies when the feed starts; a running feed keeps its own. */
  pollInterval: string;
  /** Where a brand-new feed starts (RFC 3339); default one hour before it first runs. */
  startFrom?: string;
  roundsPerRun?: number;
}

export function ensureOrderFeedRunning(client: Client, options: OrderFeedOptions): Promise<WorkflowHandle> {
  const input: OrderFeedWorkflowInput = {
    connectionId: options.connectionId,
    pollInterval: options.pollInterval,
    ...(options.startFrom ? { startFrom: options.startFrom } : {}),
    ...(options.roundsPerRun !== undefined ? { roundsPerRun: options.roundsPerRun } : {}),
  };
  return ensureWorkflowRunning(client, {
    workflowType: ORDER_FEED_WORKFLOW_TYPE,
    workflowId: orderFeedWorkflowId(options.connectionId),
    taskQueue: options.taskQueue,
    args: [input],
    staticSummary: `Monstock order feed of connection ${options.connectionId}`,
  });
}
