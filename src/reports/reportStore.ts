import fs from 'node:fs/promises';
import path from 'node:path';
import { isValidReportId, readDirOrEmpty, reportFilePath, reportsDir } from './reportPaths';
import type { ReconciliationReport } from '../shared/reconciliation';

/** Reading the report files reconciliation writes to DATA_DIR/reports/<reportId>.json. */

/** From reportPaths, which checks every report path with it; re-exported for the pages' callers. */
export { isValidReportId };

interface ReportFileEntry {
  reportId: string;
  file: string;
  mtimeMs: number;
}

/** Report files, newest first (by mtime). Part directories and temporary files are not reports. */
export async function listReportFiles(dataDir: string): Promise<ReportFileEntry[]> {
  const dir = reportsDir(dataDir);
  const names = await readDirOrEmpty(dir);
  const entries: ReportFileEntry[] = [];
  for (const name of names) {
    if (!name.endsWith('.json')) continue;
    const reportId = name.slice(0, -'.json'.length);
    if (!isValidReportId(reportId)) continue;
    const file = path.join(dir, name);
    try {
      const stat = await fs.stat(file);
      if (stat.isFile()) entries.push({ reportId, file, mtimeMs: stat.mtimeMs });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  return entries.sort((a, b) => b.mtimeMs - a.mtimeMs || b.reportId.localeCompare(a.reportId));
}

async function readJson(file: string): Promise<ReconciliationReport | undefined> {
  try {
    return JSON.parse(await fs.readFile(file, 'utf8')) as ReconciliationReport;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

export async function loadReport(dataDir: string, reportId: string): Promise<ReconciliationReport | undefined> {
  if (!isValidReportId(reportId)) return undefined;
  return readJson(reportFilePath(dataDir, reportId));
}

export async function loadLatestReport(dataDir: string): Promise<ReconciliationReport | undefined> {
  const [latest] = await listReportFiles(dataDir);
  return latest ? readJson(latest.file) : undefined;
}

/** The last `count` reports by mtime, newest first; a file that is not valid JSON is left out. */
export async function loadRecentReports(dataDir: string, count = 30): Promise<ReconciliationReport[]> {
  const reports: ReconciliationReport[] = [];
  for (const entry of (await listReportFiles(dataDir)).slice(0, count)) {
    try {
      const report = await readJson(entry.file);
      if (report) reports.push(report);
    } catch {
      // A damaged file must not take the page down; it is simply not charted.
    }
  }
  return reports;
}

/** How a report file is read: `fs.readFile` in production, a counting stand-in in tests. */
export type ReportFileReader = (file: string) => Promise<string>;

interface CachedReport {
  /** mtime, size and inode of the file when it was parsed: any rewrite (rename or in place) changes one. */
  version: string;
  report: ReconciliationReport;
}

export interface ReportStoreOptions {
  readFile?: ReportFileReader;
  /** Whole reports kept parsed (default 8): a report carries every finding, so this stays small. */
  maxCachedReports?: number;
}

/**
 * The report files behind the pages, each parsed once: a report is cached keyed by its file and
 * that file's mtime (with size and inode), so repeated GETs read nothing but a directory listing
 * and a stat; a rewritten file is parsed again. The recent runs the chart needs are cached as one
 * list, keyed by the files' names and versions, and hold the charted fields only (no findings).
 */
export class ReportStore {
  private readonly readFile: ReportFileReader;
  private readonly maxCachedReports: number;
  private readonly reports = new Map<string, CachedReport>();
  private recentCache: { key: string; reports: ReconciliationReport[] } | undefined;

  constructor(
    private readonly dataDir: string,
    options: ReportStoreOptions = {},
  ) {
    this.readFile = options.readFile ?? ((file) => fs.readFile(file, 'utf8'));
    this.maxCachedReports = Math.max(1, options.maxCachedReports ?? 8);
  }

  async load(reportId: string): Promise<ReconciliationReport | undefined> {
    if (!isValidReportId(reportId)) return undefined;
    const file = reportFilePath(this.dataDir, reportId);
    const version = await fileVersion(file);
    return version === undefined ? undefined : this.parsed(file, version);
  }

  async latest(): Promise<ReconciliationReport | undefined> {
    const [latest] = await listReportFiles(this.dataDir);
    return latest ? this.load(latest.reportId) : undefined;
  }

  /** The last `count` runs by mtime, newest first, for the chart; a damaged file is left out. */
  async recent(count = 30): Promise<ReconciliationReport[]> {
    const entries = (await listReportFiles(this.dataDir)).slice(0, count);
    const versions = await Promise.all(entries.map(async (entry) => fileVersion(entry.file)));
    const key = entries.map((entry, index) => `${entry.reportId}@${versions[index] ?? 'gone'}`).join('|');
    if (this.recentCache?.key === key) return this.recentCache.reports;
    const known = new Map(this.recentCache?.reports.map((report) => [report.reportId, report]));
    const previousKeys = new Set(this.recentCache?.key.split('|'));
    const reports: ReconciliationReport[] = [];
    // Oldest first, so the newest runs end up the most recently used in the whole-report cache.
    for (const [index, entry] of [...entries.entries()].reverse()) {
      const version = versions[index];
      if (version === undefined) continue;
      const unchanged = previousKeys.has(`${entry.reportId}@${version}`) ? known.get(entry.reportId) : undefined;
      if (unchanged) {
        reports.unshift(unchanged);
        continue;
      }
      try {
        const report = await this.parsed(entry.file, version);
        if (report) reports.unshift(chartFields(report));
      } catch {
        // A damaged or vanished file must not take the page down; it is simply not charted.
      }
    }
    this.recentCache = { key, reports };
    return reports;
  }

  private async parsed(file: string, version: string): Promise<ReconciliationReport | undefined> {
    const cached = this.reports.get(file);
    if (cached?.version === version) {
      // Most recently used last: the first entry is the one to drop.
      this.reports.delete(file);
      this.reports.set(file, cached);
      return cached.report;
    }
    let text: string;
    try {
      text = await this.readFile(file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    const report = JSON.parse(text) as ReconciliationReport;
    this.reports.delete(file);
    this.reports.set(file, { version, report });
    while (this.reports.size > this.maxCachedReports) this.reports.delete(this.reports.keys().next().value!);
    return report;
  }
}

async function fileVersion(file: string): Promise<string | undefined> {
  try {
    const stat = await fs.stat(file);
    return stat.isFile() ? `${stat.mtimeMs}:${stat.size}:${stat.ino}` : undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** What the chart reads of a run: everything but the findings, which can be many. */
function chartFields(report: ReconciliationReport): ReconciliationReport {
  return { ...report, findings: [] };
}
