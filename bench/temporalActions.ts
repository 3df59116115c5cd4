/**
 * Temporal Cloud actions of a workflow, counted from its history the way Cloud bills them
 * (docs.temporal.io/cloud/actions): a workflow start 1 (client start, signal-with-start,
 * continue-as-new: the new run's start); every signal received 1, the one that came with a
 * signal-with-start included (the start and the signal are two actions); each activity attempt 1;
 * each timer 1 (a `condition` with a timeout is one); each search attribute upsert 1 (the
 * TemporalChangeVersion one is exempt); all local activities of one workflow task 1; a side effect
 * or other marker 1 (patch markers exempt); each accepted update 1; a child workflow 2 (its own
 * start is counted here, not again in its history); a signal sent to another workflow is counted
 * where it is received. Heartbeats, queries and rejected updates are not in history: they are
 * counted from the server's RPC counters by `countRpcBilledActions`.
 *
 * Pure: takes events already reduced to what matters, so a hand-made history can be counted.
 */
export interface HistoryEventFacts {
  eventId: number;
  /** PascalCase event type without prefix, e.g. `WorkflowExecutionStarted`, `ActivityTaskScheduled`. */
  type: string;
  /** Activity type, signal name, timer id or marker name, when the event has one. */
  name?: string;
  /** ActivityTaskStarted: the attempt that is recorded (earlier attempts are not in history). */
  attempt?: number;
  /** ActivityTaskStarted: the ActivityTaskScheduled event it belongs to. */
  scheduledEventId?: number;
  /** Command events (markers, timers, upserts...): the WorkflowTaskCompleted that issued them. */
  workflowTaskCompletedEventId?: number;
  /** Words for the breakdown, e.g. what a signal carried ("payment_intent.succeeded"). */
  detail?: string;
  /** Epoch ms the server recorded the event (for counting a time window across workflows). */
  eventTimeMs?: number;
  /** WorkflowExecutionStarted: the run was started by a parent (its start is the parent's action). */
  startedByParent?: boolean;
  /** WorkflowExecutionStarted: the run continues an earlier one (continue-as-new). */
  continuedAsNew?: boolean;
}

export interface ActionItem {
  eventId: number;
  type: string;
  name?: string;
  actions: number;
  what: string;
}

export interface ActionCount {
  actions: number;
  historyEvents: number;
  items: ActionItem[];
}

/** Optional words for the breakdown: what started the run (e.g. "Monstock order.created webhook"). */
export interface DescribeHints {
  startedBy?: string;
  signalSource?: (signalName: string) => string | undefined;
  /** What the workflow's timers are for (e.g. "idle window"). */
  timerPurpose?: string;
}

const LOCAL_ACTIVITY_MARKER = 'core_local_activity';
const PATCH_MARKER = 'core_patch';
const CHANGE_VERSION_ATTRIBUTE = 'TemporalChangeVersion';

export function countTemporalActions(events: readonly HistoryEventFacts[], hints: DescribeHints = {}): ActionCount {
  const items: ActionItem[] = [];
  const scheduled = new Map<number, HistoryEventFacts>();
  const attempts = new Map<number, number>();
  const localActivityTasks = new Set<number>();
  let startEventId: number | undefined;

  for (const event of events) {
    if (event.type === 'ActivityTaskScheduled') scheduled.set(event.eventId, event);
    if (event.type === 'ActivityTaskStarted' && event.scheduledEventId !== undefined)
      attempts.set(event.scheduledEventId, Math.max(1, event.attempt ?? 1));
  }

  for (const event of events) {
    const add = (actions: number, what: string) =>
      items.push({
        eventId: event.eventId,
        type: event.type,
        ...(event.name ? { name: event.name } : {}),
        actions,
        what,
      });
    switch (event.type) {
      case 'WorkflowExecutionStarted':
        startEventId = event.eventId;
        if (event.startedByParent) add(0, 'workflow start as a child (counted by the parent)');
        else if (event.continuedAsNew) add(1, 'workflow start (continue-as-new)');
        else add(1, `workflow start${hints.startedBy ? ` (${hints.startedBy})` : ''}`);
        break;
      case 'WorkflowExecutionSignaled': {
        const source = event.name ? hints.signalSource?.(event.name) : undefined;
        const label =
          `signal ${event.name ?? ''}${event.detail ? ` ${event.detail}` : ''}${source ? ` (${source})` : ''}`.trim();
        // Signal-with-start writes the start then its signal: Cloud bills both, the start and the signal.
        add(1, startEventId !== undefined && event.eventId === startEventId + 1 ? `${label}, with the start` : label);
        break;
      }
      case 'ActivityTaskScheduled': {
        const tries = attempts.get(event.eventId) ?? 1;
        add(tries, `activity ${event.name ?? ''}${tries > 1 ? ` (${tries} attempts)` : ''}`.trim());
        break;
      }
      case 'TimerStarted':
        add(1, `timer ${event.name ?? ''}${hints.timerPurpose ? ` (${hints.timerPurpose})` : ''}`.trim());
        break;
      case 'UpsertWorkflowSearchAttributes':
        if (event.name === CHANGE_VERSION_ATTRIBUTE) add(0, 'TemporalChangeVersion upsert (exempt)');
        else add(1, `search attribute upsert${event.name ? ` (${event.name})` : ''}`);
        break;
      case 'MarkerRecorded': {
        if (event.name === PATCH_MARKER) {
          add(0, 'patch marker (exempt)');
        } else if (event.name === LOCAL_ACTIVITY_MARKER) {
          const task = event.workflowTaskCompletedEventId ?? -event.eventId;
          if (localActivityTasks.has(task)) add(0, 'local activity (same workflow task: already counted)');
          else {
            localActivityTasks.add(task);
            add(1, 'local activities of one workflow task');
          }
        } else add(1, `side effect / marker ${event.name ?? ''}`.trim());
        break;
      }
      case 'WorkflowExecutionUpdateAccepted':
        add(1, `update ${event.name ?? ''}`.trim());
        break;
      case 'StartChildWorkflowExecutionInitiated':
        add(2, `child workflow ${event.name ?? ''} (start + execution)`.trim());
        break;
      case 'SignalExternalWorkflowExecutionInitiated':
        add(0, `signal sent to another workflow ${event.name ?? ''} (counted where it is received)`.trim());
        break;
      case 'WorkflowExecutionContinuedAsNew':
        add(0, "continue-as-new (counted by the next run's start)");
        break;
      case 'NexusOperationScheduled':
        add(1, `Nexus operation ${event.name ?? ''}`.trim());
        break;
      case 'WorkflowExecutionOptionsUpdated':
        add(1, 'workflow execution options updated');
        break;
      default:
        break;
    }
  }
  return { actions: items.reduce((sum, item) => sum + item.actions, 0), historyEvents: events.length, items };
}

/** Sums several runs (continue-as-new, later runs with the same workflow id). */
export function sumActionCounts(counts: readonly ActionCount[]): ActionCount {
  return {
    actions: counts.reduce((sum, count) => sum + count.actions, 0),
    historyEvents: counts.reduce((sum, count) => sum + count.historyEvents, 0),
    items: counts.flatMap((count) => count.items),
  };
}

/** Billed operations that leave nothing in history, by the frontend RPC that carries them. */
const RPC_BILLED: ReadonlyArray<{ operations: readonly string[]; what: string }> = [
  { operations: ['RecordActivityTaskHeartbeat', 'RecordActivityTaskHeartbeatById'], what: 'activity heartbeats' },
  { operations: ['QueryWorkflow'], what: 'queries' },
];

/**
 * Heartbeats and queries over a phase, from the change in the server's RPC counters by
 * operation (each recorded heartbeat and each query is one action).
 */
export function countRpcBilledActions(requestsByOperation: Readonly<Record<string, number>>): ActionItem[] {
  return RPC_BILLED.flatMap(({ operations, what }) => {
    const total = operations.reduce((sum, operation) => sum + Math.max(0, requestsByOperation[operation] ?? 0), 0);
    return total > 0 ? [{ eventId: 0, type: operations[0]!, actions: total, what: `${what} (RPC counters)` }] : [];
  });
}
