import type { Client } from '@temporalio/client';
import { historyEventFacts } from './historyFacts';
import { countTemporalActions, sumActionCounts, type ActionCount, type DescribeHints } from './temporalActions';
import type { temporal } from '@temporalio/proto';

/**
 * Actions of every workflow on the connector's task queue with events in a time window, not just
 * the one workflow a phase was about: an order touches the customer-sync workflow too (a new
 * customer's `customer.*` webhooks signal it and it runs activities), and whatever the code does
 * next is counted without this file knowing about it. Only events recorded inside the window
 * count, so long-running workflows add what they did during it and nothing else.
 */
export interface WorkflowActions {
  workflowId: string;
  runId: string;
  workflowType: string;
  count: ActionCount;
}

export interface WindowActionsOptions {
  taskQueue: string;
  fromMs: number;
  toMs: number;
  hints?: (workflowType: string) => DescribeHints;
  /** Adds words to a signal event (what it carried). */
  describeSignal?: (event: temporal.api.history.v1.IHistoryEvent) => Promise<string | undefined>;
}

export async function countWindowActions(
  client: Client,
  options: WindowActionsOptions,
): Promise<{ total: ActionCount; byWorkflow: WorkflowActions[] }> {
  const from = new Date(options.fromMs - 1_000).toISOString();
  // Running workflows and those that closed since the window opened; the event times decide the rest.
  const query = `TaskQueue = "${options.taskQueue}" AND (ExecutionStatus = "Running" OR CloseTime >= "${from}")`;
  const byWorkflow: WorkflowActions[] = [];
  for await (const info of client.workflow.list({ query })) {
    const history = await client.workflow.getHandle(info.workflowId, info.runId).fetchHistory();
    const all = await Promise.all(
      (history.events ?? []).map(async (event) => {
        const fact = historyEventFacts(event);
        const detail =
          fact.type === 'WorkflowExecutionSignaled' && options.describeSignal
            ? await options.describeSignal(event)
            : undefined;
        return detail ? { ...fact, detail } : fact;
      }),
    );
    const inside = all.filter(
      (event) =>
        event.eventTimeMs !== undefined && event.eventTimeMs >= options.fromMs && event.eventTimeMs <= options.toMs,
    );
    if (inside.length === 0) continue;
    // Activity attempts and signal-with-start pairs are read from the whole history; only events in the window bill.
    const counted = countTemporalActions(all, options.hints?.(info.type) ?? {});
    const insideIds = new Set(inside.map((event) => event.eventId));
    const items = counted.items.filter((item) => insideIds.has(item.eventId));
    byWorkflow.push({
      workflowId: info.workflowId,
      runId: info.runId,
      workflowType: info.type,
      count: {
        actions: items.reduce((sum, item) => sum + item.actions, 0),
        historyEvents: inside.length,
        items,
      },
    });
  }
  return { total: sumActionCounts(byWorkflow.map((workflow) => workflow.count)), byWorkflow };
}
