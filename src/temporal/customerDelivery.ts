import type { Client } from '@temporalio/client';
import { WorkflowIdConflictPolicy } from '@temporalio/common';
import { customerSyncWorkflowId } from '../shared/ids';
import { CUSTOMER_SYNC_WORKFLOW_TYPE, customerChangedSignal, type CustomerChangedEvent, type CustomerSyncWorkflowInput } from '../shared/customerSync';

/**
 * How customer changes reach the connection's one customerSyncWorkflow: signal-with-start by
 * workflow type name, so webhook routes never import workflow code and the first change (or
 * `ensureRunning` at start-up) starts the workflow if it is not running.
 */
export interface CustomerChangeDelivery {
  /** For the Monstock and Stripe webhook routes, on every `customer.*` event. */
  deliver(connectionId: string, change: CustomerChangedEvent): Promise<void>;
  /** Starts the workflow unless it already runs (worker or setup start-up); polling alone then keeps customers in sync. */
  ensureRunning(connectionId: string): Promise<void>;
}

export interface CustomerChangeDeliveryOptions {
  client: Client;
  taskQueue: string;
  /** Used only when this call starts the workflow; a running one keeps its own. */
  pollInterval?: string;
  concurrency?: number;
}

export function createCustomerChangeDelivery(options: CustomerChangeDeliveryOptions): CustomerChangeDelivery {
  const { client, taskQueue } = options;
  const inputFor = (connectionId: string): CustomerSyncWorkflowInput => ({
    connectionId,
    ...(options.pollInterval ? { pollInterval: options.pollInterval } : {}),
    ...(options.concurrency ? { concurrency: options.concurrency } : {}),
  });
  const common = (connectionId: string) => ({
    workflowId: customerSyncWorkflowId(connectionId),
    taskQueue,
    args: [inputFor(connectionId)] as [CustomerSyncWorkflowInput],
    staticSummary: `Customers of connection ${connectionId}, synced both ways`,
  });
  return {
    async deliver(connectionId, change) {
      await client.workflow.signalWithStart(CUSTOMER_SYNC_WORKFLOW_TYPE, { ...common(connectionId), signal: customerChangedSignal, signalArgs: [change] });
    },
    async ensureRunning(connectionId) {
      await client.workflow.start(CUSTOMER_SYNC_WORKFLOW_TYPE, { ...common(connectionId), workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING });
    },
  };
}
