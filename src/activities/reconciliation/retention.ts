import { log } from '@temporalio/activity';
import { assertValidReportId } from '../../reports/reportPaths';
import { lastFinishedAt } from '../../store/reports';
import type { DatabaseSource } from './reportFiles';
import { STRIPE_EVENT_RETENTION_DAYS } from './failedEvents';
import type { RetentionCheckInput, RetentionCheckResult } from './types';

const DAY_MS = 86_400_000;

/**
 * The finish time of the connection's last successful run: its newest report (written only when
 * a run completes), other than `exceptReportId`.
 */
export async function lastGoodRunAt(
  database: DatabaseSource,
  connectionId: string,
  exceptReportId?: string,
): Promise<string | undefined> {
  const finishedAt = await lastFinishedAt(await database(), connectionId, exceptReportId);
  return finishedAt !== undefined && !Number.isNaN(Date.parse(finishedAt)) ? finishedAt : undefined;
}

/** The loud warnings for a run whose previous good run is missing or older than Stripe keeps events. */
export function retentionWarnings(lastGood: string | undefined, now: Date): string[] {
  if (!lastGood) {
    return [
      `No previous successful reconciliation run found: Stripe keeps events only ${STRIPE_EVENT_RETENTION_DAYS} days, so failed webhook deliveries older than that cannot be replayed. Backfill with \`npm run reconcile -- --from <ISO> --to <ISO>\` if this installation is not new.`,
    ];
  }
  const ageDays = (now.getTime() - Date.parse(lastGood)) / DAY_MS;
  if (ageDays <= STRIPE_EVENT_RETENTION_DAYS) return [];
  return [
    `The last successful reconciliation run finished ${lastGood} (${Math.floor(ageDays)} days ago), longer ago than Stripe keeps events (${STRIPE_EVENT_RETENTION_DAYS} days): failed webhook deliveries from the gap can no longer be replayed. Reconcile the gap with \`npm run reconcile -- --from ${lastGood} --to <ISO>\`.`,
  ];
}

export function createCheckReconciliationRetention(database: DatabaseSource) {
  /** Finds the previous good run (the stored reports) and warns loudly when Stripe's event retention was outrun. */
  return async function checkReconciliationRetention(input: RetentionCheckInput): Promise<RetentionCheckResult> {
    // The run's first activity: a report id that could not name a report file ends the run here, non-retryably.
    assertValidReportId(input.reportId);
    const last = await lastGoodRunAt(database, input.connectionId, input.reportId);
    const warnings = retentionWarnings(last, new Date());
    const logAttributes = { connectionId: input.connectionId, reportId: input.reportId, lastGoodRunAt: last ?? null };
    for (const warning of warnings) log.warn(`reconciliation: ${warning}`, logAttributes);
    return { ...(last ? { lastGoodRunAt: last } : {}), warnings };
  };
}
