import fs from 'node:fs/promises';
import path from 'node:path';
import { log } from '@temporalio/activity';
import type { ReconciliationReport } from '../../shared/reconciliation';
import { assertValidReportId, isValidReportId, readDirOrEmpty, reportsDir } from '../../reports/reportPaths';
import { STRIPE_EVENT_RETENTION_DAYS } from './failedEvents';
import type { RetentionCheckInput, RetentionCheckResult } from './types';

const DAY_MS = 86_400_000;

/**
 * The finish time of the connection's last successful run: the newest report file
 * (DATA_DIR/reports/<reportId>.json, written only when a run completes) of that connection,
 * other than `exceptReportId`. Files are read newest first and the first match wins.
 */
export async function lastGoodRunAt(
  dataDir: string,
  connectionId: string,
  exceptReportId?: string,
): Promise<string | undefined> {
  const dir = reportsDir(dataDir);
  const names = (await readDirOrEmpty(dir)).filter(
    (name) => name.endsWith('.json') && isValidReportId(name.slice(0, -'.json'.length)),
  );
  const stats = await Promise.all(
    names.map(async (name) => {
      const stat = await fs.stat(path.join(dir, name)).catch(() => undefined);
      return stat?.isFile() ? { name, mtime: stat.mtimeMs } : undefined;
    }),
  );
  const files = stats
    .filter((s): s is { name: string; mtime: number } => s !== undefined)
    .sort((a, b) => b.mtime - a.mtime);
  let best: string | undefined;
  for (const file of files) {
    let report: Partial<ReconciliationReport>;
    try {
      report = JSON.parse(await fs.readFile(path.join(dir, file.name), 'utf8')) as Partial<ReconciliationReport>;
    } catch {
      continue; // not a report (or removed meanwhile)
    }
    if (
      report.connectionId !== connectionId ||
      report.reportId === exceptReportId ||
      typeof report.finishedAt !== 'string' ||
      Number.isNaN(Date.parse(report.finishedAt))
    ) {
      continue;
    }
    if (!best || Date.parse(report.finishedAt) > Date.parse(best)) best = report.finishedAt;
    // Files are newest first: the first report found is the last run (its mtime is its finish).
    break;
  }
  return best;
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

export function createCheckReconciliationRetention(dataDir: string) {
  /** Finds the previous good run (DATA_DIR/reports) and warns loudly when Stripe's event retention has been outrun. */
  return async function checkReconciliationRetention(input: RetentionCheckInput): Promise<RetentionCheckResult> {
    // The run's first activity: a report id that could not name a report file ends the run here, non-retryably.
    assertValidReportId(input.reportId);
    const last = await lastGoodRunAt(dataDir, input.connectionId, input.reportId);
    const warnings = retentionWarnings(last, new Date());
    const logAttributes = { connectionId: input.connectionId, reportId: input.reportId, lastGoodRunAt: last ?? null };
    for (const warning of warnings) log.warn(`reconciliation: ${warning}`, logAttributes);
    return { ...(last ? { lastGoodRunAt: last } : {}), warnings };
  };
}
