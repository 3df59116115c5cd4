import fs from 'node:fs/promises';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { isValidReportId } from '../shared/reconciliation';

/**
 * Where reconciliation reports live: DATA_DIR/reports/<reportId>.json, and a run's part files in
 * DATA_DIR/reports/<reportId>.parts/. Reconciliation writes there and the report pages read
 * there, so both take the paths from here, and every path built from a report id is checked
 * here: an id that is not one (`../../etc/x`, `a/b`) never becomes a path.
 */
export { isValidReportId };

/** The type of the failure a path for an invalid report id throws. */
export const INVALID_REPORT_ID = 'InvalidReportId';

/**
 * Throws unless `reportId` is a valid report id. The error is a non-retryable ApplicationFailure,
 * so an activity handed a bad id fails at once instead of retrying forever.
 */
export function assertValidReportId(reportId: unknown): asserts reportId is string {
  if (!isValidReportId(reportId)) throw invalidReportId(reportId);
}

function invalidReportId(reportId: unknown): ApplicationFailure {
  const shown = typeof reportId === 'string' ? JSON.stringify(reportId.slice(0, 80)) : typeof reportId;
  return ApplicationFailure.create({
    type: INVALID_REPORT_ID,
    message: `invalid report id ${shown}: a report id is 1-128 letters, digits, dashes or underscores`,
    nonRetryable: true,
  });
}

export function reportsDir(dataDir: string): string {
  return path.join(dataDir, 'reports');
}

/** DATA_DIR/reports/<reportId>.json; throws (non-retryably) for an invalid id. */
export function reportFilePath(dataDir: string, reportId: string): string {
  return insideReports(dataDir, reportId, `${reportId}.json`);
}

/** DATA_DIR/reports/<reportId>.parts, a run's part files; throws (non-retryably) for an invalid id. */
export function reportPartsDir(dataDir: string, reportId: string): string {
  return insideReports(dataDir, reportId, `${reportId}.parts`);
}

function insideReports(dataDir: string, reportId: string, name: string): string {
  assertValidReportId(reportId);
  const dir = reportsDir(dataDir);
  const file = path.join(dir, name);
  // The id's pattern already rules out separators and dots; this keeps the promise if it ever changes.
  if (path.dirname(file) !== dir || path.basename(file) !== name) throw invalidReportId(reportId);
  return file;
}

/** A directory's entries; none when it does not exist yet (no run has written there). */
export async function readDirOrEmpty(dir: string): Promise<string[]> {
  try {
    return await fs.readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}
