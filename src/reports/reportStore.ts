import type { Database } from '../store/database';
import { findReport, reportVersion, reportVersions } from '../store/reports';
import { isValidReportId } from './reportPaths';
import type { ReconciliationReport } from '../shared/reconciliation';

/**
 * Reading the reports reconciliation stores in the connector's database, which every replica
 * shares: whichever replica serves the page, it shows the same report.
 */

/** From reportPaths, which checks every report id with it; re-exported for the pages' callers. */
export { isValidReportId };

export async function loadReport(db: Database, reportId: string): Promise<ReconciliationReport | undefined> {
  return findReport(db, reportId);
}

export async function loadLatestReport(db: Database): Promise<ReconciliationReport | undefined> {
  const [latest] = await reportVersions(db, 1);
  return latest ? findReport(db, latest.reportId) : undefined;
}

/** The last `count` reports written, newest first. */
export async function loadRecentReports(db: Database, count = 30): Promise<ReconciliationReport[]> {
  const reports: ReconciliationReport[] = [];
  for (const entry of await reportVersions(db, count)) {
    const report = await findReport(db, entry.reportId);
    if (report) reports.push(report);
  }
  return reports;
}

/** How a whole report is read: `findReport` in production, a counting stand-in in tests. */
export type ReportReader = (db: Database, reportId: string) => Promise<ReconciliationReport | undefined>;

interface CachedReport {
  /** When the report was written: a rewrite changes it. */
  version: string;
  report: ReconciliationReport;
}

export interface ReportStoreOptions {
  readReport?: ReportReader;
  /** Whole reports kept parsed (default 8): a report carries every finding, so this stays small. */
  maxCachedReports?: number;
}

/**
 * The reports behind the pages, each read whole once: a report is cached keyed by its id and
 * version (when it was written), so repeated GETs ask the database for versions only; a
 * rewritten report is read again. The recent runs the chart needs are cached as one list, keyed
 * by the reports' ids and versions, and hold the charted fields only (no findings).
 */
export class ReportStore {
  private readonly readReport: ReportReader;
  private readonly maxCachedReports: number;
  private readonly reports = new Map<string, CachedReport>();
  private recentCache: { key: string; reports: ReconciliationReport[] } | undefined;

  constructor(
    private readonly db: Database,
    options: ReportStoreOptions = {},
  ) {
    this.readReport = options.readReport ?? findReport;
    this.maxCachedReports = Math.max(1, options.maxCachedReports ?? 8);
  }

  async load(reportId: string): Promise<ReconciliationReport | undefined> {
    if (!isValidReportId(reportId)) return undefined;
    const version = await reportVersion(this.db, reportId);
    return version === undefined ? undefined : this.parsed(reportId, version);
  }

  async latest(): Promise<ReconciliationReport | undefined> {
    const [latest] = await reportVersions(this.db, 1);
    return latest ? this.parsed(latest.reportId, latest.version) : undefined;
  }

  /** The last `count` runs written, newest first, for the chart. */
  async recent(count = 30): Promise<ReconciliationReport[]> {
    const entries = await reportVersions(this.db, count);
    const key = entries.map((entry) => `${entry.reportId}@${entry.version}`).join('|');
    if (this.recentCache?.key === key) return this.recentCache.reports;
    const known = new Map(this.recentCache?.reports.map((report) => [report.reportId, report]));
    const previousKeys = new Set(this.recentCache?.key.split('|'));
    const reports: ReconciliationReport[] = [];
    // Oldest first, so the newest runs end up the most recently used in the whole-report cache.
    for (const entry of [...entries].reverse()) {
      const unchanged = previousKeys.has(`${entry.reportId}@${entry.version}`) ? known.get(entry.reportId) : undefined;
      if (unchanged) {
        reports.unshift(unchanged);
        continue;
      }
      const report = await this.parsed(entry.reportId, entry.version);
      if (report) reports.unshift(chartFields(report));
    }
    this.recentCache = { key, reports };
    return reports;
  }

  private async parsed(reportId: string, version: string): Promise<ReconciliationReport | undefined> {
    const cached = this.reports.get(reportId);
    if (cached?.version === version) {
      // Most recently used last: the first entry is the one to drop.
      this.reports.delete(reportId);
      this.reports.set(reportId, cached);
      return cached.report;
    }
    const report = await this.readReport(this.db, reportId);
    if (!report) return undefined;
    this.reports.delete(reportId);
    this.reports.set(reportId, { version, report });
    while (this.reports.size > this.maxCachedReports) this.reports.delete(this.reports.keys().next().value!);
    return report;
  }
}

/** What the chart reads of a run: everything but the findings, which can be many. */
function chartFields(report: ReconciliationReport): ReconciliationReport {
  return { ...report, findings: [] };
}
