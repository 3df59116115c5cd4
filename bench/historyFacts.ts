import { temporal } from '@temporalio/proto';
import type { HistoryEventFacts } from './temporalActions';

type ProtoEvent = temporal.api.history.v1.IHistoryEvent;

/** `EVENT_TYPE_WORKFLOW_EXECUTION_STARTED` -> `WorkflowExecutionStarted`. */
export function eventTypeName(type: temporal.api.enums.v1.EventType | null | undefined): string {
  const raw = temporal.api.enums.v1.EventType[type ?? 0] ?? 'EVENT_TYPE_UNSPECIFIED';
  return raw
    .replace(/^EVENT_TYPE_/, '')
    .toLowerCase()
    .split('_')
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join('');
}

/** Event ids are int64 (Long objects or numbers, depending on the decoder). */
function num(value: unknown): number | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'number') return value;
  if (typeof value === 'object' && typeof (value as { toNumber?: unknown }).toNumber === 'function')
    return (value as { toNumber(): number }).toNumber();
  return Number(value);
}

/** Reduces a fetched history event to what the action count needs. */
export function historyEventFacts(event: ProtoEvent): HistoryEventFacts {
  const facts: HistoryEventFacts = { eventId: num(event.eventId) ?? 0, type: eventTypeName(event.eventType) };
  const seconds = num(event.eventTime?.seconds);
  if (seconds !== undefined) facts.eventTimeMs = seconds * 1000 + Math.floor((event.eventTime?.nanos ?? 0) / 1e6);
  const set = (name: string | null | undefined, completedBy?: unknown) => {
    if (name) facts.name = name;
    const byTask = num(completedBy);
    if (byTask !== undefined) facts.workflowTaskCompletedEventId = byTask;
  };
  const a = event;
  if (a.activityTaskScheduledEventAttributes)
    set(
      a.activityTaskScheduledEventAttributes.activityType?.name,
      a.activityTaskScheduledEventAttributes.workflowTaskCompletedEventId,
    );
  if (a.activityTaskStartedEventAttributes) {
    facts.attempt = a.activityTaskStartedEventAttributes.attempt ?? 1;
    const scheduledEventId = num(a.activityTaskStartedEventAttributes.scheduledEventId);
    if (scheduledEventId !== undefined) facts.scheduledEventId = scheduledEventId;
  }
  if (a.workflowExecutionSignaledEventAttributes) set(a.workflowExecutionSignaledEventAttributes.signalName);
  if (a.timerStartedEventAttributes)
    set(a.timerStartedEventAttributes.timerId, a.timerStartedEventAttributes.workflowTaskCompletedEventId);
  if (a.markerRecordedEventAttributes)
    set(a.markerRecordedEventAttributes.markerName, a.markerRecordedEventAttributes.workflowTaskCompletedEventId);
  if (a.upsertWorkflowSearchAttributesEventAttributes) {
    const fields = Object.keys(a.upsertWorkflowSearchAttributesEventAttributes.searchAttributes?.indexedFields ?? {});
    set(fields.join(','), a.upsertWorkflowSearchAttributesEventAttributes.workflowTaskCompletedEventId);
  }
  if (a.startChildWorkflowExecutionInitiatedEventAttributes)
    set(a.startChildWorkflowExecutionInitiatedEventAttributes.workflowType?.name);
  if (a.signalExternalWorkflowExecutionInitiatedEventAttributes)
    set(a.signalExternalWorkflowExecutionInitiatedEventAttributes.signalName);
  const started = a.workflowExecutionStartedEventAttributes;
  if (started) {
    set(started.workflowType?.name);
    if (started.parentWorkflowExecution?.workflowId) facts.startedByParent = true;
    if (started.continuedExecutionRunId) facts.continuedAsNew = true;
  }
  if (a.workflowExecutionUpdateAcceptedEventAttributes)
    set(a.workflowExecutionUpdateAcceptedEventAttributes.acceptedRequest?.input?.name);
  return facts;
}
