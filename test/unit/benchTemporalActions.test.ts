import Long from 'long';
import { temporal } from '@temporalio/proto';
import { historyEventFacts } from '../../bench/historyFacts';
import {
  countRpcBilledActions,
  countTemporalActions,
  sumActionCounts,
  type HistoryEventFacts,
} from '../../bench/temporalActions';

/** An order workflow run as the bench sees it: signal-with-start, one activity retried once, a timer, an upsert. */
const run: HistoryEventFacts[] = [
  { eventId: 1, type: 'WorkflowExecutionStarted', name: 'orderPaymentWorkflow' },
  { eventId: 2, type: 'WorkflowExecutionSignaled', name: 'stripeEvent' },
  { eventId: 3, type: 'WorkflowTaskScheduled' },
  { eventId: 4, type: 'WorkflowTaskStarted' },
  { eventId: 5, type: 'WorkflowTaskCompleted' },
  { eventId: 6, type: 'UpsertWorkflowSearchAttributes', workflowTaskCompletedEventId: 5 },
  { eventId: 7, type: 'ActivityTaskScheduled', name: 'syncPaymentIntent', workflowTaskCompletedEventId: 5 },
  { eventId: 8, type: 'ActivityTaskStarted', scheduledEventId: 7, attempt: 2 },
  { eventId: 9, type: 'ActivityTaskCompleted' },
  { eventId: 10, type: 'WorkflowExecutionSignaled', name: 'monstockOrder' },
  { eventId: 11, type: 'WorkflowTaskScheduled' },
  { eventId: 12, type: 'WorkflowTaskStarted' },
  { eventId: 13, type: 'WorkflowTaskCompleted' },
  { eventId: 14, type: 'TimerStarted', name: '1', workflowTaskCompletedEventId: 13 },
  { eventId: 15, type: 'MarkerRecorded', name: 'core_local_activity', workflowTaskCompletedEventId: 13 },
  { eventId: 16, type: 'MarkerRecorded', name: 'core_local_activity', workflowTaskCompletedEventId: 13 },
  { eventId: 17, type: 'MarkerRecorded', name: 'core_patch', workflowTaskCompletedEventId: 13 },
  { eventId: 18, type: 'StartChildWorkflowExecutionInitiated', name: 'child', workflowTaskCompletedEventId: 13 },
  { eventId: 19, type: 'TimerFired' },
  { eventId: 20, type: 'WorkflowExecutionCompleted' },
];

/**
 * One synthetic history with every kind Temporal Cloud bills and the exempt look-alikes, as a
 * long-running workflow would write it across a continue-as-new.
 */
const everyKind: HistoryEventFacts[] = [
  { eventId: 1, type: 'WorkflowExecutionStarted', name: 'customerSyncWorkflow' }, // 1: start
  { eventId: 2, type: 'WorkflowExecutionSignaled', name: 'customerChanged' }, // 1: signal with the start
  { eventId: 3, type: 'WorkflowTaskScheduled' },
  { eventId: 4, type: 'WorkflowTaskStarted' },
  { eventId: 5, type: 'WorkflowTaskCompleted' },
  { eventId: 6, type: 'UpsertWorkflowSearchAttributes', name: 'ConnectionId', workflowTaskCompletedEventId: 5 }, // 1
  { eventId: 7, type: 'UpsertWorkflowSearchAttributes', name: 'TemporalChangeVersion' }, // 0: exempt
  { eventId: 8, type: 'ActivityTaskScheduled', name: 'syncCustomer', workflowTaskCompletedEventId: 5 }, // 3 attempts
  { eventId: 9, type: 'TimerStarted', name: '1', workflowTaskCompletedEventId: 5 }, // 1
  { eventId: 10, type: 'MarkerRecorded', name: 'core_local_activity', workflowTaskCompletedEventId: 5 }, // 1
  { eventId: 11, type: 'MarkerRecorded', name: 'core_local_activity', workflowTaskCompletedEventId: 5 }, // 0: same task
  { eventId: 12, type: 'MarkerRecorded', name: 'SideEffect', workflowTaskCompletedEventId: 5 }, // 1
  { eventId: 13, type: 'MarkerRecorded', name: 'core_patch', workflowTaskCompletedEventId: 5 }, // 0: exempt
  { eventId: 14, type: 'StartChildWorkflowExecutionInitiated', name: 'childWorkflow' }, // 2
  { eventId: 15, type: 'SignalExternalWorkflowExecutionInitiated', name: 'resume' }, // 0: billed where received
  { eventId: 16, type: 'ActivityTaskStarted', scheduledEventId: 8, attempt: 3 },
  { eventId: 17, type: 'ActivityTaskCompleted' },
  { eventId: 18, type: 'WorkflowExecutionSignaled', name: 'customerChanged' }, // 1: a later signal
  { eventId: 19, type: 'WorkflowExecutionUpdateAccepted', name: 'setPollInterval' }, // 1
  { eventId: 20, type: 'WorkflowExecutionUpdateCompleted' },
  { eventId: 21, type: 'WorkflowTaskScheduled' },
  { eventId: 22, type: 'WorkflowTaskStarted' },
  { eventId: 23, type: 'WorkflowTaskCompleted' },
  { eventId: 24, type: 'MarkerRecorded', name: 'core_local_activity', workflowTaskCompletedEventId: 23 }, // 1: new task
  { eventId: 25, type: 'NexusOperationScheduled', name: 'op' }, // 1
  { eventId: 26, type: 'WorkflowExecutionContinuedAsNew' }, // 0: counted by the next run's start
];
const nextRun: HistoryEventFacts[] = [
  { eventId: 1, type: 'WorkflowExecutionStarted', name: 'customerSyncWorkflow', continuedAsNew: true }, // 1
  { eventId: 2, type: 'WorkflowTaskScheduled' },
];
const child: HistoryEventFacts[] = [
  { eventId: 1, type: 'WorkflowExecutionStarted', name: 'childWorkflow', startedByParent: true }, // 0: the parent's
  { eventId: 2, type: 'WorkflowTaskScheduled' },
  { eventId: 3, type: 'WorkflowExecutionSignaled', name: 'resume' }, // 1: the signal the parent sent
];

describe('countTemporalActions', () => {
  it('counts actions as Temporal Cloud bills them', () => {
    const count = countTemporalActions(run, { startedBy: 'signal-with-start (Stripe webhook)' });
    // start 1 + its signal 1 + upsert 1 + activity 2 attempts + signal 1 + timer 1 + local activities 1 + patch 0 +
    // child 2
    expect(count.actions).toBe(10);
    expect(count.historyEvents).toBe(20);
    expect(count.items.map((item) => [item.eventId, item.actions])).toEqual([
      [1, 1],
      [2, 1],
      [6, 1],
      [7, 2],
      [10, 1],
      [14, 1],
      [15, 1],
      [16, 0],
      [17, 0],
      [18, 2],
    ]);
    expect(count.items[0]!.what).toContain('Stripe webhook');
    expect(count.items[1]!.what).toContain('with the start');
  });

  it('counts every billable kind of a synthetic history once, and the exempt ones not at all', () => {
    const count = countTemporalActions(everyKind);
    // 1 start + 1 sws signal + 1 upsert + 0 change-version + 3 attempts + 1 timer + 1 local activities + 0 +
    // 1 side effect + 0 patch + 2 child + 0 signal sent + 1 signal + 1 update + 1 local activities (new task) +
    // 1 Nexus + 0 continue-as-new
    expect(count.actions).toBe(15);
    const byEvent = new Map(count.items.map((item) => [item.eventId, item.actions]));
    expect(byEvent.get(7)).toBe(0);
    expect(byEvent.get(8)).toBe(3);
    expect(byEvent.get(11)).toBe(0);
    expect(byEvent.get(13)).toBe(0);
    expect(byEvent.get(15)).toBe(0);
    expect(byEvent.get(19)).toBe(1);
    expect(byEvent.get(24)).toBe(1);
    expect(byEvent.get(26)).toBe(0);
    const total = sumActionCounts([count, countTemporalActions(nextRun), countTemporalActions(child)]);
    // + 1 continue-as-new start + 0 child start + 1 signal received from the parent
    expect(total.actions).toBe(17);
    expect(total.historyEvents).toBe(26 + 2 + 3);
  });

  it('counts a signal to a running workflow and an activity never started once each', () => {
    const count = countTemporalActions([
      { eventId: 1, type: 'WorkflowExecutionStarted' },
      { eventId: 2, type: 'WorkflowTaskScheduled' },
      { eventId: 3, type: 'WorkflowExecutionSignaled', name: 'stripeEvent' },
      { eventId: 4, type: 'ActivityTaskScheduled', name: 'recordMovement' },
    ]);
    expect(count.actions).toBe(3);
  });

  it('sums runs chained by continue-as-new', () => {
    const one = countTemporalActions(run);
    expect(sumActionCounts([one, one])).toMatchObject({ actions: 20, historyEvents: 40 });
  });
});

describe('countRpcBilledActions', () => {
  it('counts each recorded heartbeat and each query from the RPC counters, nothing else', () => {
    const items = countRpcBilledActions({
      RecordActivityTaskHeartbeat: 4,
      RecordActivityTaskHeartbeatById: 1,
      QueryWorkflow: 2,
      PollWorkflowTaskQueue: 50,
      StartWorkflowExecution: 3,
    });
    expect(items.map((item) => [item.type, item.actions])).toEqual([
      ['RecordActivityTaskHeartbeat', 5],
      ['QueryWorkflow', 2],
    ]);
    expect(countRpcBilledActions({ PollActivityTaskQueue: 9 })).toEqual([]);
  });
});

describe('historyEventFacts', () => {
  const { EventType } = temporal.api.enums.v1;

  it('reads the event time, a parent and a continue-as-new from a start event', () => {
    const facts = historyEventFacts({
      eventId: Long.fromNumber(1),
      eventType: EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED,
      eventTime: { seconds: Long.fromNumber(1_700_000_000), nanos: 250_000_000 },
      workflowExecutionStartedEventAttributes: {
        workflowType: { name: 'childWorkflow' },
        parentWorkflowExecution: { workflowId: 'parent', runId: 'r' },
        continuedExecutionRunId: 'earlier-run',
      },
    });
    expect(facts).toMatchObject({
      eventId: 1,
      type: 'WorkflowExecutionStarted',
      name: 'childWorkflow',
      eventTimeMs: 1_700_000_000_250,
      startedByParent: true,
      continuedAsNew: true,
    });
  });

  it('names an accepted update and leaves a plain start without parent or continuation', () => {
    const update = historyEventFacts({
      eventId: Long.fromNumber(9),
      eventType: EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED,
      workflowExecutionUpdateAcceptedEventAttributes: { acceptedRequest: { input: { name: 'setPollInterval' } } },
    });
    expect(update).toMatchObject({ type: 'WorkflowExecutionUpdateAccepted', name: 'setPollInterval' });
    const start = historyEventFacts({
      eventId: Long.fromNumber(1),
      eventType: EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED,
      workflowExecutionStartedEventAttributes: { workflowType: { name: 'orderPaymentWorkflow' } },
    });
    expect(start.startedByParent).toBeUndefined();
    expect(start.continuedAsNew).toBeUndefined();
  });
});
