import { assertValidReportId, isValidReportId } from '../reports/reportPaths';
import type { ReconciliationFinding, ReconciliationReport } from '../shared/reconciliation';
import type { Database } from './database';

/**
 * Reconciliation reports and what a run writes on its way: per-page finding parts (rewritten
 * whole when a page is read again, so a retried page never doubles its findings) and the intents
 * each Stripe page compared. Every report id comes from workflow input and is checked first
 * (a non-retryable failure), before any query.
 */
export type ReportPhase = 'stripe' | 'monstock';

export async function savePart(
  db: Database,
  reportId: string,
  phase: ReportPhase,
  seq: number,
  findings: readonly ReconciliationFinding[],
): Promise<void> {
  assertValidReportId(reportId);
  if (findings.length === 0) {
    await db.query('DELETE FROM reconciliation_parts WHERE report_id = $1 AND phase = $2 AND seq = $3', [
      reportId,
      phase,
      seq,
    ]);
    return;
  }
  await db.query(
    `INSERT INTO reconciliation_parts (report_id, phase, seq, findings) VALUES ($1, $2, $3, $4)
     ON CONFLICT (report_id, phase, seq) DO UPDATE SET findings = EXCLUDED.findings`,
    [reportId, phase, seq, JSON.stringify(findings)],
  );
}

export async function saveSeenIntents(
  db: Database,
  reportId: string,
  seq: number,
  intentIds: readonly string[],
): Promise<void> {
  assertValidReportId(reportId);
  await db.query(
    `INSERT INTO reconciliation_seen_intents (report_id, seq, intent_ids) VALUES ($1, $2, $3)
     ON CONFLICT (report_id, seq) DO UPDATE SET intent_ids = EXCLUDED.intent_ids`,
    [reportId, seq, [...intentIds]],
  );
}

export async function loadSeenIntents(db: Database, reportId: string): Promise<Set<string>> {
  assertValidReportId(reportId);
  const { rows } = await db.query<{ id: string }>(
    'SELECT DISTINCT unnest(intent_ids) AS id FROM reconciliation_seen_intents WHERE report_id = $1',
    [reportId],
  );
  return new Set(rows.map((row) => row.id));
}

/** A run's findings so far: the Stripe pages', then the Monstock pages', each in page order. */
export async function loadParts(db: Database, reportId: string): Promise<ReconciliationFinding[]> {
  assertValidReportId(reportId);
  const { rows } = await db.query<{ findings: ReconciliationFinding[] }>(
    `SELECT findings FROM reconciliation_parts WHERE report_id = $1
     ORDER BY CASE phase WHEN 'stripe' THEN 0 ELSE 1 END, seq`,
    [reportId],
  );
  return rows.flatMap((row) => row.findings);
}

/**
 * Stores the full report with every finding gathered from its parts, and drops the parts, in
 * one transaction: a reader sees the whole report or none, and a retry writes the same one.
 */
export async function saveReport(
  db: Database,
  report: ReconciliationReport,
  reportLocation: string,
): Promise<{ findings: number }> {
  assertValidReportId(report.reportId);
  const client = await db.connect();
  try {
    await client.query('BEGIN');
    const { rows } = await client.query<{ findings: ReconciliationFinding[] }>(
      `SELECT findings FROM reconciliation_parts WHERE report_id = $1
       ORDER BY CASE phase WHEN 'stripe' THEN 0 ELSE 1 END, seq`,
      [report.reportId],
    );
    const findings = rows.flatMap((row) => row.findings);
    const summary: ReconciliationReport = {
      ...report,
      reportFile: reportLocation,
      findings: [],
      findingsTruncated: false,
    };
    await client.query(
      `INSERT INTO reconciliation_reports (report_id, connection_id, finished_at, summary, findings)
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (report_id) DO UPDATE SET connection_id = EXCLUDED.connection_id,
         finished_at = EXCLUDED.finished_at, summary = EXCLUDED.summary, findings = EXCLUDED.findings,
         written_at = clock_timestamp()`,
      [report.reportId, report.connectionId, report.finishedAt, JSON.stringify(summary), JSON.stringify(findings)],
    );
    await client.query('DELETE FROM reconciliation_parts WHERE report_id = $1', [report.reportId]);
    await client.query('DELETE FROM reconciliation_seen_intents WHERE report_id = $1', [report.reportId]);
    await client.query('COMMIT');
    return { findings: findings.length };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

/** The report with every finding; undefined for an unknown (or invalid) id. */
export async function findReport(db: Database, reportId: string): Promise<ReconciliationReport | undefined> {
  if (!isValidReportId(reportId)) return undefined;
  const { rows } = await db.query<{ summary: ReconciliationReport; findings: ReconciliationFinding[] }>(
    'SELECT summary, findings FROM reconciliation_reports WHERE report_id = $1',
    [reportId],
  );
  const row = rows[0];
  return row ? { ...row.summary, findings: row.findings } : undefined;
}

/** The id of the report written last, if any. */
export async function latestReportId(db: Database): Promise<string | undefined> {
  const { rows } = await db.query<{ report_id: string }>(
    'SELECT report_id FROM reconciliation_reports ORDER BY written_at DESC, report_id DESC LIMIT 1',
  );
  return rows[0]?.report_id;
}

/** The last `count` reports written, newest first, without their findings (what the chart reads). */
export async function recentReportSummaries(db: Database, count: number): Promise<ReconciliationReport[]> {
  const { rows } = await db.query<{ summary: ReconciliationReport }>(
    'SELECT summary FROM reconciliation_reports ORDER BY written_at DESC, report_id DESC LIMIT $1',
    [Math.max(0, Math.floor(count))],
  );
  return rows.map((row) => row.summary);
}

/** The finish time of the connection's last report written, other than `exceptReportId`. */
export async function lastFinishedAt(
  db: Database,
  connectionId: string,
  exceptReportId?: string,
): Promise<string | undefined> {
  // The report's own text, as the run wrote it (a timestamptz would come back reformatted).
  const { rows } = await db.query<{ finished_at: string }>(
    `SELECT summary->>'finishedAt' AS finished_at FROM reconciliation_reports
     WHERE connection_id = $1 AND ($2::text IS NULL OR report_id <> $2)
     ORDER BY written_at DESC, report_id DESC LIMIT 1`,
    [connectionId, exceptReportId ?? null],
  );
  return rows[0]?.finished_at ?? undefined;
}

/** A stored report's id and version (when it was last written: a rewrite changes it). */
export interface ReportVersion {
  reportId: string;
  version: string;
}

/**
 * The last `count` reports written, newest first, as ids and versions only (cheap to ask often);
 * with `connectionId`, that connection's only (the reconciliation_reports_connection index).
 */
export async function reportVersions(db: Database, count: number, connectionId?: string): Promise<ReportVersion[]> {
  const { rows } = await db.query<{ report_id: string; version: string }>(
    `SELECT report_id, written_at::text AS version FROM reconciliation_reports
     WHERE ($2::text IS NULL OR connection_id = $2)
     ORDER BY written_at DESC, report_id DESC LIMIT $1`,
    [Math.max(0, Math.floor(count)), connectionId ?? null],
  );
  return rows.map((row) => ({ reportId: row.report_id, version: row.version }));
}

/** One report's version and connection; undefined when there is no such report. */
export async function reportVersion(
  db: Database,
  reportId: string,
): Promise<(ReportVersion & { connectionId: string }) | undefined> {
  if (!isValidReportId(reportId)) return undefined;
  const { rows } = await db.query<{ version: string; connection_id: string }>(
    'SELECT written_at::text AS version, connection_id FROM reconciliation_reports WHERE report_id = $1',
    [reportId],
  );
  const row = rows[0];
  return row ? { reportId, version: row.version, connectionId: row.connection_id } : undefined;
}

/** What an overview shows of a connection's latest report, without reading the report. */
export interface LatestReportFacts {
  connectionId: string;
  reportId: string;
  /** As the run wrote it. */
  finishedAt: string;
  unresolved: number;
}

/**
 * The latest report of each connection named, in one query: one index probe per connection
 * (reconciliation_reports_connection), however many reports each has. Connections without a
 * report are absent from the map.
 */
export async function latestReportPerConnection(
  db: Database,
  connectionIds: readonly string[],
): Promise<Map<string, LatestReportFacts>> {
  if (connectionIds.length === 0) return new Map();
  const { rows } = await db.query<{ id: string; report_id: string; finished_at: string; unresolved: string | null }>(
    `SELECT c.id, r.report_id, r.finished_at, r.unresolved
     FROM unnest($1::text[]) AS c(id)
     CROSS JOIN LATERAL (
       SELECT report_id, summary->>'finishedAt' AS finished_at, summary->>'unresolved' AS unresolved
       FROM reconciliation_reports WHERE connection_id = c.id
       ORDER BY written_at DESC, report_id DESC LIMIT 1
     ) r`,
    [[...new Set(connectionIds)]],
  );
  return new Map(
    rows.map((row) => [
      row.id,
      {
        connectionId: row.id,
        reportId: row.report_id,
        finishedAt: row.finished_at,
        unresolved: Number(row.unresolved ?? 0),
      },
    ]),
  );
}
