import { assertValidReportId } from '../../reports/reportPaths';
import { databaseFromEnvironment, type Database } from '../../store/database';
import { findReport, loadParts, loadSeenIntents, savePart, saveReport, saveSeenIntents } from '../../store/reports';
import type { ReconciliationFinding, ReconciliationReport } from '../../shared/reconciliation';

/**
 * Findings of a run live in the connector's database (src/store/reports), not in workflow
 * history: one part per page (rewritten whole when a page is read again, so a retried page never
 * doubles its findings), assembled at the end into the report every replica's pages serve.
 *
 * The report id comes from workflow input: an id that is not one is refused here (a
 * non-retryable failure) before the database is even asked for, and again by the store.
 */

/** Where reconciliation's database comes from: the worker's pool, or the process's DATABASE_URL. */
export type DatabaseSource = () => Promise<Database>;

export function databaseSource(database: Database | undefined): DatabaseSource {
  return database ? async () => database : () => databaseFromEnvironment();
}

const PROCESS_DATABASE = databaseSource(undefined);

export async function writePart(
  database: DatabaseSource,
  reportId: string,
  phase: 'stripe' | 'monstock',
  seq: number,
  findings: readonly ReconciliationFinding[],
): Promise<void> {
  assertValidReportId(reportId);
  await savePart(await database(), reportId, phase, seq, findings);
}

/**
 * The payment intents one Stripe page compared, beside its findings: the Monstock walk skips
 * them without asking Stripe again. Rewritten whole, like the findings, when a page is re-read.
 */
export async function writeSeenIntents(
  database: DatabaseSource,
  reportId: string,
  seq: number,
  intentIds: readonly string[],
): Promise<void> {
  assertValidReportId(reportId);
  await saveSeenIntents(await database(), reportId, seq, intentIds);
}

/** Every intent the Stripe walk of this run compared, whichever replica's worker walked it. */
export async function readSeenIntents(database: DatabaseSource, reportId: string): Promise<Set<string>> {
  assertValidReportId(reportId);
  return loadSeenIntents(await database(), reportId);
}

export async function readParts(database: DatabaseSource, reportId: string): Promise<ReconciliationFinding[]> {
  assertValidReportId(reportId);
  return loadParts(await database(), reportId);
}

/**
 * Where a stored report is read: the admin listener's report page, under its connection's pages
 * (`/reports/...` are the `default` connection's; every connection's are under `/connections/<id>/`).
 */
export function reportLocation(reportId: string, connectionId: string): string {
  return connectionId === 'default' ? `/reports/${reportId}` : `/connections/${connectionId}/reports/${reportId}`;
}

/** Stores the full report (all or nothing) and drops its parts. */
export async function writeReport(
  database: DatabaseSource,
  report: ReconciliationReport,
): Promise<{ reportFile: string; findings: number }> {
  assertValidReportId(report.reportId);
  const reportFile = reportLocation(report.reportId, report.connectionId);
  const { findings } = await saveReport(await database(), report, reportFile);
  return { reportFile, findings };
}

/** A stored report with every finding (the process's database unless told otherwise). */
export async function readReport(
  reportId: string,
  database: DatabaseSource = PROCESS_DATABASE,
): Promise<ReconciliationReport> {
  const report = await findReport(await database(), reportId);
  if (!report) throw new Error(`no report ${reportId} in the database`);
  return report;
}
