import fs from 'node:fs/promises';
import path from 'node:path';
import { readDirOrEmpty, reportFilePath, reportsDir } from './reportPaths';
import type { ReconciliationReport } from '../shared/reconciliation';

/** Reading the report files reconciliation writes to DATA_DIR/reports/<reportId>.json. */

/** A report id as the workflow makes them (its run id): nothing that could leave the reports directory. */
export function isValidReportId(reportId: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/.test(reportId);
}

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
