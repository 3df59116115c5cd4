import {
  ScheduleAlreadyRunning,
  ScheduleOverlapPolicy,
  type Client,
  type ScheduleHandle,
  type ScheduleOptionsStartWorkflowAction,
  type ScheduleSpec,
} from '@temporalio/client';
import { reconciliationScheduleId, reconciliationWorkflowId } from '../shared/ids';
import {
  RECONCILIATION_WORKFLOW_TYPE,
  type ReconciliationOptions,
  type ReconciliationWorkflowInput,
} from '../shared/reconciliation';

export interface ReconciliationScheduleOptions {
  connectionId: string;
  taskQueue: string;
  /** Local time of day, "HH:MM" (default 02:00). */
  at?: string;
  /** IANA time zone the time is in (default Europe/Paris): 02:00 stays 02:00 across DST. */
  timeZone?: string;
  /** Hours compared, ending at the scheduled time (default 48: each night overlaps the last). */
  windowHours?: number;
  /** Missed runs within this long (cluster down) still run when it is back (default 1 day). */
  catchupWindow?: string;
  options?: ReconciliationOptions;
}

export interface ReconciliationScheduleSettings {
  scheduleId: string;
  spec: ScheduleSpec;
  action: ScheduleOptionsStartWorkflowAction<never>;
  policies: { overlap: typeof ScheduleOverlapPolicy.SKIP; catchupWindow: string; pauseOnFailure: false };
}

/** "02:00" → { hour: 2, minute: 0 }. */
export function parseTimeOfDay(at: string): { hour: number; minute: number } {
  const match = /^(\d{1,2}):(\d{2})$/.exec(at.trim());
  const hour = Number(match?.[1]);
  const minute = Number(match?.[2]);
  if (!match || hour > 23 || minute > 59) throw new Error(`expected a time of day as HH:MM, got "${at}"`);
  return { hour, minute };
}

/**
 * The schedule as data. The workflow gets no window, only its length: it takes the window's end
 * from `TemporalScheduledStartTime`, the time the run was due, so a night caught up late (or a
 * manual trigger, which is due "now") compares the hours before it was due, not before it ran.
 */
export function reconciliationScheduleSettings(options: ReconciliationScheduleOptions): ReconciliationScheduleSettings {
  const { hour, minute } = parseTimeOfDay(options.at ?? '02:00');
  const timeZone = options.timeZone ?? 'Europe/Paris';
  const input: ReconciliationWorkflowInput = {
    connectionId: options.connectionId,
    windowHours: options.windowHours ?? 48,
    ...(options.options ? { options: options.options } : {}),
  };
  return {
    scheduleId: reconciliationScheduleId(options.connectionId),
    spec: {
      calendars: [{ hour, minute, comment: `nightly reconciliation at ${options.at ?? '02:00'} ${timeZone}` }],
      timezone: timeZone,
    },
    action: {
      type: 'startWorkflow',
      workflowType: RECONCILIATION_WORKFLOW_TYPE,
      // Temporal appends the scheduled time: reconciliation/<connection>/scheduled-2026-11-27T01:00:00Z
      workflowId: reconciliationWorkflowId(options.connectionId, 'scheduled'),
      taskQueue: options.taskQueue,
      args: [input] as never,
      staticSummary: `Nightly reconciliation of connection ${options.connectionId}`,
    },
    policies: {
      overlap: ScheduleOverlapPolicy.SKIP,
      catchupWindow: options.catchupWindow ?? '1 day',
      pauseOnFailure: false,
    },
  };
}

/**
 * Creates the nightly schedule, or brings an existing one to these settings (idempotent: every worker
 * start calls it). Never two runs at once (SKIP); a night missed while the
 * cluster was down runs when it is back, within the catch-up window.
 */
export async function ensureReconciliationSchedule(
  client: Client,
  options: ReconciliationScheduleOptions,
): Promise<ScheduleHandle> {
  const settings = reconciliationScheduleSettings(options);
  try {
    return await client.schedule.create({
      scheduleId: settings.scheduleId,
      spec: settings.spec,
      action: settings.action,
      policies: settings.policies,
    });
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
  }
  const handle = client.schedule.getHandle(settings.scheduleId);
  await handle.update((previous) => ({
    ...previous,
    spec: settings.spec,
    action: settings.action,
    policies: settings.policies,
  }));
  return handle;
}
