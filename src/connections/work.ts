import { ScheduleNotFoundError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import { customerSyncWorkflowId, orderFeedWorkflowId, reconciliationScheduleId } from '../shared/ids';
import { createCustomerChangeDelivery } from '../temporal/delivery';
import { ensureOrderFeedRunning } from '../temporal/longRunning';
import { ensureReconciliationSchedule } from '../temporal/reconciliationSchedule';
import type { ResolvedConnection } from './resolve';

/**
 * A connection's always-on work: its order feed, its customer sync and its nightly reconciliation
 * schedule, under the same workflow and schedule ids for every connection, so starting is
 * idempotent and one connection never touches another's.
 *
 * Workers serve every active connection: their activities get each connection's own clients from
 * the registry (clients.ts), and each worker keeps the work of the registered connections in line
 * with the registry (workKeeper.ts): an added or resumed connection's work starts, a paused one's
 * feed and sync stop, a removed one's work and workflows stop. The CLI and admin API only write
 * the registry; the workers act on it within seconds.
 */
export const WORK_BY_WORKER = 'running: order feed, customer sync and reconciliation schedule, kept by the workers';
export const WORK_PAUSED = 'paused: order feed and customer sync stopped by the workers until resumed';
export const WORK_STOPPED = 'stopped by the workers: order feed, customer sync, schedule and open workflows';
/** Kept for callers of the earlier guard; a paused connection is the only one not served now. */
export const WORK_PENDING = WORK_PAUSED;

export function workersServe(connection: Pick<ResolvedConnection, 'status'>): boolean {
  return connection.status === 'active';
}

/** The `work` field of a connection's JSON. */
export function describeWork(connection: Pick<ResolvedConnection, 'status'>): string {
  return workersServe(connection) ? WORK_BY_WORKER : WORK_PAUSED;
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

/** Pause: the feed and the sync stop (their cursors restart from the feed's look-back on resume). */
export async function pauseConnectionWork(client: Client, connectionId: string, reason: string): Promise<void> {
  await terminateIfRunning(client, [orderFeedWorkflowId(connectionId), customerSyncWorkflowId(connectionId)], reason);
}

/**
 * Removal: the always-on work, then every workflow still open for the connection (its orders,
 * its unmatched payments), found by its ConnectionId search attribute. Terminated, not deleted:
 * histories stay searchable.
 */
export async function removeConnectionWork(client: Client, connectionId: string, reason: string): Promise<number> {
  await stopConnectionWork(client, connectionId, reason);
  const open: string[] = [];
  const query = `ConnectionId = '${connectionId}' AND ExecutionStatus = 'Running'`;
  for await (const execution of client.workflow.list({ query })) open.push(execution.workflowId);
  await terminateIfRunning(client, open, reason);
  return open.length;
}

async function terminateIfRunning(client: Client, workflowIds: string[], reason: string): Promise<void> {
  for (const workflowId of workflowIds) {
    try {
      await client.workflow.getHandle(workflowId).terminate(reason);
    } catch (error) {
      if (!(error instanceof WorkflowNotFoundError)) throw error;
    }
  }
}

/**
 * Stops the always-on workflows and deletes the schedule. Terminated, not deleted: their histories
 * stay searchable by connection id. Idempotent: what is already gone is skipped.
 */
export async function stopConnectionWork(client: Client, connectionId: string, reason: string): Promise<void> {
  await pauseConnectionWork(client, connectionId, reason);
  try {
    await client.schedule.getHandle(reconciliationScheduleId(connectionId)).delete();
  } catch (error) {
    if (!(error instanceof ScheduleNotFoundError)) throw error;
  }
}
