import { countTemporalActions, sumActionCounts, type HistoryEventFacts } from '../../bench/temporalActions';

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

describe('countTemporalActions', () => {
  it('counts actions as Temporal Cloud bills them', () => {
    const count = countTemporalActions(run, { startedBy: 'signal-with-start (Stripe webhook)' });
    // start 1 + SWS signal 0 + upsert 1 + activity 2 attempts + signal 1 + timer 1 + local activities 1 + patch 0 +
    // child 2
    expect(count.actions).toBe(9);
    expect(count.historyEvents).toBe(20);
    expect(count.items.map((item) => [item.eventId, item.actions])).toEqual([
      [1, 1],
      [2, 0],
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
    expect(sumActionCounts([one, one])).toMatchObject({ actions: 18, historyEvents: 40 });
  });
});
