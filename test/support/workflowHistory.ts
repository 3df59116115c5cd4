import type { WorkflowHandle } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { decodeHistoryPayload, eventually } from './temporal';

export type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/**
 * Proof that a workflow has processed a signal, for tests that assert a signal changed nothing:
 * waits until the history, from event number `fromEventCount` on, holds a signal named
 * `signalName` whose argument satisfies `isMarker`, followed by a completed workflow task. A
 * workflow task that completes after a signal event has seen that signal, and it records every
 * command the signal led to (an activity scheduled, say) along with its WorkflowTaskCompleted
 * event; so once this returns, the window shows all the signal did. No fixed wait: a slow worker
 * makes this wait longer, it cannot make an effect look absent.
 *
 * Returns the history events after the first `fromEventCount` (the window).
 */
export async function historyOnceSignalProcessed<T>(
  handle: WorkflowHandle,
  options: { fromEventCount: number; signalName: string; isMarker: (argument: T) => boolean; timeoutMs?: number },
): Promise<HistoryEvent[]> {
  return eventually(
    async () => {
      const window = ((await handle.fetchHistory()).events ?? []).slice(options.fromEventCount);
      let markerAt = -1;
      for (let index = window.length - 1; index >= 0 && markerAt < 0; index -= 1) {
        const signal = window[index]!.workflowExecutionSignaledEventAttributes;
        if (signal?.signalName !== options.signalName || !signal.input?.payloads?.[0]) continue;
        if (options.isMarker(await decodeHistoryPayload<T>(signal.input.payloads[0]))) markerAt = index;
      }
      if (markerAt < 0) return undefined;
      return window.slice(markerAt + 1).some((event) => event.workflowTaskCompletedEventAttributes)
        ? window
        : undefined;
    },
    options.timeoutMs ?? 15_000,
    50,
  );
}

/** The names of the activities scheduled among `events`. */
export function activitiesScheduledIn(events: readonly HistoryEvent[]): string[] {
  return events.flatMap((event) =>
    event.activityTaskScheduledEventAttributes
      ? [event.activityTaskScheduledEventAttributes.activityType?.name ?? '?']
      : [],
  );
}

export async function historyLength(handle: WorkflowHandle): Promise<number> {
  return ((await handle.fetchHistory()).events ?? []).length;
}
