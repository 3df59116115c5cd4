import fs from 'node:fs/promises';
import path from 'node:path';
import { readDirOrEmpty, reportFilePath, reportPartsDir } from '../../reports/reportPaths';
import type { ReconciliationFinding, ReconciliationReport } from '../../shared/reconciliation';

/**
 * Findings of a run live on disk, not in workflow history: one part file per page (rewritten
 * whole when a page is read again, so a retried page never doubles its findings), assembled at
 * the end into DATA_DIR/reports/<reportId>.json.
 *
 * The report id comes from workflow input: every path here is built by reportPaths, which
 * refuses an id that is not one (a non-retryable failure) before anything is read, written or
 * deleted.
 */
const partsDir = reportPartsDir;

const PHASES = ['stripe', 'monstock'] as const;

export async function writePart(
  dataDir: string,
  reportId: string,
  phase: (typeof PHASES)[number],
  seq: number,
  findings: readonly ReconciliationFinding[],
): Promise<void> {
  const file = path.join(partsDir(dataDir, reportId), `${phase}-${String(seq).padStart(8, '0')}.json`);
  if (findings.length === 0) {
    await fs.rm(file, { force: true });
    return;
  }
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, JSON.stringify(findings));
}

/**
 * The payment intents one Stripe page compared, beside its findings: the Monstock walk skips
 * them without asking Stripe again. Rewritten whole, like the findings, when a page is re-read.
 */
export async function writeSeenIntents(
  dataDir: string,
  reportId: string,
  seq: number,
  intentIds: readonly string[],
): Promise<void> {
  const file = path.join(partsDir(dataDir, reportId), `seen-${String(seq).padStart(8, '0')}.txt`);
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, intentIds.join('\n'));
}

/** Every intent the Stripe walk of this run compared (empty when its files are on another machine). */
export async function readSeenIntents(dataDir: string, reportId: string): Promise<Set<string>> {
  const dir = partsDir(dataDir, reportId);
  const seen = new Set<string>();
  for (const file of (await readDirOrEmpty(dir)).filter((f) => f.startsWith('seen-'))) {
    for (const id of (await fs.readFile(path.join(dir, file), 'utf8')).split('\n')) if (id) seen.add(id);
  }
  return seen;
}

export async function readParts(dataDir: string, reportId: string): Promise<ReconciliationFinding[]> {
  const dir = partsDir(dataDir, reportId);
  const files = await readDirOrEmpty(dir);
  const ordered = files
    .filter((f) => f.endsWith('.json'))
    .sort(
      (a, b) =>
        PHASES.indexOf(a.split('-')[0] as never) - PHASES.indexOf(b.split('-')[0] as never) || a.localeCompare(b),
    );
  const findings: ReconciliationFinding[] = [];
  for (const file of ordered)
    findings.push(...(JSON.parse(await fs.readFile(path.join(dir, file), 'utf8')) as ReconciliationFinding[]));
  return findings;
}

/** Writes the full report (atomically: a reader never sees half a file) and drops the part files. */
export async function writeReport(
  dataDir: string,
  report: ReconciliationReport,
): Promise<{ reportFile: string; findings: number }> {
  const reportFile = reportFilePath(dataDir, report.reportId);
  const findings = await readParts(dataDir, report.reportId);
  await fs.mkdir(path.dirname(reportFile), { recursive: true });
  const temporary = `${reportFile}.tmp`;
  await fs.writeFile(temporary, JSON.stringify({ ...report, reportFile, findings, findingsTruncated: false }, null, 2));
  await fs.rename(temporary, reportFile);
  await fs.rm(partsDir(dataDir, report.reportId), { recursive: true, force: true });
  return { reportFile, findings: findings.length };
}

export async function readReport(reportFile: string): Promise<ReconciliationReport> {
  return JSON.parse(await fs.readFile(reportFile, 'utf8')) as ReconciliationReport;
}
