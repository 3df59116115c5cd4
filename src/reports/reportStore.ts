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

/** The latest report written, of `connectionId` when given (of any connection otherwise). */
export async function loadLatestReport(db: Database, connectionId?: string): Promise<ReconciliationReport | undefined> {
  const [latest] = await reportVersions(db, 1, connectionId);
  return latest ? findReport(db, latest.reportId) : undefined;
}

/** The last `count` reports written, newest first, of `connectionId` when given. */
export async function loadRecentReports(
  db: Database,
  count = 30,
  connectionId?: string,
): Promise<ReconciliationReport[]> {
  const reports: ReconciliationReport[] = [];
  for (const entry of await reportVersions(db, count, connectionId)) {
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
  /** Connections whose charted runs are kept (default 16): the ones whose pages were asked for last. */
  maxCachedCharts?: number;
}

interface RecentRuns {
  key: string;
  reports: ReconciliationReport[];
}

/**
 * The reports behind the pages, each read whole once: a report is cached keyed by its id and
 * version (when it was written), so repeated GETs ask the database for versions only; a
 * rewritten report is read again. The recent runs the chart needs are cached as one list per
 * connection, keyed by the reports' ids and versions, and hold the charted fields only (no findings).
 *
 * Every read names the connection whose page asks: a report of another connection is not found,
 * so one merchant's page never shows another's report.
 */
export class ReportStore {
  private readonly readReport: ReportReader;
  private readonly maxCachedReports: number;
  private readonly maxCachedCharts: number;
  private readonly reports = new Map<string, CachedReport>();
  private readonly recentCache = new Map<string, RecentRuns>();

  constructor(
    private readonly db: Database,
    options: ReportStoreOptions = {},
  ) {
    this.readReport = options.readReport ?? findReport;
    this.maxCachedReports = Math.max(1, options.maxCachedReports ?? 8);
    this.maxCachedCharts = Math.max(1, options.maxCachedCharts ?? 16);
  }

  /** The connection's report `reportId`; undefined when there is none, or it is another connection's. */
  async load(reportId: string, connectionId: string): Promise<ReconciliationReport | undefined> {
    const found = await this.versionOf(reportId);
    if (!found || found.connectionId !== connectionId) return undefined;
    return this.parsed(reportId, found.version);
  }

  /** Which connection a report belongs to (for a 404 that says where to look); undefined when unknown. */
  async connectionOf(reportId: string): Promise<string | undefined> {
    return (await this.versionOf(reportId))?.connectionId;
  }

  async latest(connectionId: string): Promise<ReconciliationReport | undefined> {
    const [latest] = await reportVersions(this.db, 1, connectionId);
    return latest ? this.parsed(latest.reportId, latest.version) : undefined;
  }

  /** The connection's last `count` runs written, newest first, for the chart. */
  async recent(connectionId: string, count = 30): Promise<ReconciliationReport[]> {
    const entries = await reportVersions(this.db, count, connectionId);
    const key = entries.map((entry) => `${entry.reportId}@${entry.version}`).join('|');
    const cached = this.recentCache.get(connectionId);
    if (cached?.key === key) return this.remember(connectionId, cached).reports;
    const known = new Map(cached?.reports.map((report) => [report.reportId, report]));
    const previousKeys = new Set(cached?.key.split('|'));
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
    return this.remember(connectionId, { key, reports }).reports;
  }

  private async versionOf(reportId: string): Promise<{ version: string; connectionId: string } | undefined> {
    if (!isValidReportId(reportId)) return undefined;
    return reportVersion(this.db, reportId);
  }

  /** Keeps a connection's charted runs, most recently used last, dropping the oldest past the bound. */
  private remember(connectionId: string, runs: RecentRuns): RecentRuns {
    this.recentCache.delete(connectionId);
    this.recentCache.set(connectionId, runs);
    while (this.recentCache.size > this.maxCachedCharts) this.recentCache.delete(this.recentCache.keys().next().value!);
    return runs;
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
