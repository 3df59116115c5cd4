import { ScheduleNotFoundError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import { customerSyncWorkflowId, orderFeedWorkflowId, reconciliationScheduleId } from '../shared/ids';
import { createCustomerChangeDelivery } from '../temporal/delivery';
import { ensureOrderFeedRunning } from '../temporal/longRunning';
import { ensureReconciliationSchedule } from '../temporal/reconciliationSchedule';
import type { ResolvedConnection } from './resolve';

/**
 * A connection's always-on work: its order feed, its customer sync and its nightly reconciliation
 * schedule, under the same workflow and schedule ids the worker uses for the environment's
 * connection (src/worker.ts), so starting is idempotent and one connection never touches another's.
 *
 * Workers do not yet give activities the clients of a registered connection (they still use the
 * environment's Stripe and Monstock clients), so starting work for one would run its feed with the
 * wrong credentials. Until they do, `workersServe` is true only for the environment's connection
 * and the CLI and admin API leave registered connections' work unstarted, saying so.
 */
export const WORK_PENDING = 'pending: workers do not yet serve registered connections';
export const WORK_BY_WORKER = 'started by the worker at its start (the environment connection)';

export function workersServe(connection: Pick<ResolvedConnection, 'source'>): boolean {
  return connection.source === 'environment';
}

export async function startConnectionWork(
  client: Client,
  connection: ResolvedConnection,
  taskQueue: string,
): Promise<void> {
  await ensureOrderFeedRunning(client, {
    connectionId: connection.id,
    taskQueue,
    pollInterval: connection.monstock.pollInterval,
  });
  await createCustomerChangeDelivery({
    client,
    taskQueue,
    pollInterval: connection.customers.pollInterval,
    concurrency: connection.customers.concurrency,
  }).ensureRunning(connection.id);
  await ensureReconciliationSchedule(client, {
    connectionId: connection.id,
    taskQueue,
    at: connection.reconciliation.at,
    timeZone: connection.reconciliation.timeZone,
    windowHours: connection.reconciliation.windowHours,
    options: { checkOrderIntents: connection.orders.createPaymentIntents },
  });
}

/**
 * Stops the always-on workflows and deletes the schedule. Terminated, not deleted: their histories
 * stay searchable by connection id. Idempotent: what is already gone is skipped.
 */
export async function stopConnectionWork(client: Client, connectionId: string, reason: string): Promise<void> {
  for (const workflowId of [orderFeedWorkflowId(connectionId), customerSyncWorkflowId(connectionId)]) {
    try {
      await client.workflow.getHandle(workflowId).terminate(reason);
    } catch (error) {
      if (!(error instanceof WorkflowNotFoundError)) throw error;
    }
  }
  try {
    await client.schedule.getHandle(reconciliationScheduleId(connectionId)).delete();
  } catch (error) {
    if (!(error instanceof ScheduleNotFoundError)) throw error;
  }
}
