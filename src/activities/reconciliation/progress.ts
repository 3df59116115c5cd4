import { activityInfo, heartbeat } from '@temporalio/activity';
import { emptyCounts, mergeByKind } from '../../reconciliation/totals';
import type { ReconciliationFinding } from '../../shared/reconciliation';
import { writePart, type DatabaseSource } from './reportFiles';
import type { ReconcilePagesInput, ReconcilePagesResult } from './types';

/**
 * The progress of one activity call is its result, filled in page by page; its last save point
 * (a copy taken after a finished page) is what every heartbeat carries.
 */
const savePoints = new WeakMap<ReconcilePagesResult, ReconcilePagesResult>();

export function resumed(input: ReconcilePagesInput): ReconcilePagesResult {
  // A retry after a crash resumes after the last page finished (its part file is rewritten at most).
  const details: unknown = activityInfo().heartbeatDetails;
  const progress: ReconcilePagesResult =
    isProgress(details) && details.pageSeq >= input.pageSeq ? details : fresh(input);
  savePoints.set(progress, structuredClone(progress));
  return progress;
}

function fresh(input: ReconcilePagesInput): ReconcilePagesResult {
  return {
    ...(input.cursor ? { cursor: input.cursor } : {}),
    done: false,
    pageSeq: input.pageSeq,
    counts: emptyCounts(),
    byKind: {},
    totals: {},
    unresolved: 0,
    findings: [],
  };
}

/** The progress as of its last finished page. */
export function lastSavePoint(progress: ReconcilePagesResult): ReconcilePagesResult | undefined {
  return savePoints.get(progress);
}

/** Mid-page beats carry the last finished page: a retry re-reads this page, never counts it twice. */
export function beat(progress: ReconcilePagesResult): void {
  heartbeat(savePoints.get(progress));
}

export function savePoint(progress: ReconcilePagesResult): void {
  const copy = structuredClone(progress);
  savePoints.set(progress, copy);
  heartbeat(copy);
}

/** Counts this activity's Stripe requests into its progress (so into the report). */
export function stripeCallsOf(progress: ReconcilePagesResult): () => void {
  return () => {
    progress.counts.stripeCalls = (progress.counts.stripeCalls ?? 0) + 1;
  };
}

export function record(progress: ReconcilePagesResult, finding: ReconciliationFinding): ReconciliationFinding {
  progress.counts.findings += 1;
  if (finding.action !== 'repair_sent' && finding.action !== 'order_change_sent') progress.unresolved += 1;
  mergeByKind(progress.byKind, { [finding.kind]: 1 });
  return finding;
}

/** Stores a page's findings as its part, keeps what the workflow has room for, and counts the page. */
export async function finishPage(
  database: DatabaseSource,
  input: ReconcilePagesInput,
  progress: ReconcilePagesResult,
  phase: 'stripe' | 'monstock',
  pageFindings: ReconciliationFinding[],
): Promise<void> {
  // Stable order inside a page, whatever order the concurrent comparisons finished in.
  pageFindings.sort((a, b) => findingSortKey(a).localeCompare(findingSortKey(b)));
  await writePart(database, input.reportId, phase, progress.pageSeq, pageFindings);
  const room = input.keepFindings - progress.findings.length;
  if (room > 0) progress.findings.push(...pageFindings.slice(0, room));
  progress.pageSeq += 1;
  progress.counts.pages += 1;
}

function findingSortKey(finding: ReconciliationFinding): string {
  return `${finding.paymentIntentId ?? ''}${finding.orderId ?? ''}${finding.transactionRef ?? ''}${finding.kind}`;
}

/** Heartbeat details come back from Temporal untyped: only a progress record of ours resumes a walk. */
function isProgress(value: unknown): value is ReconcilePagesResult {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Partial<ReconcilePagesResult>;
  return typeof candidate.pageSeq === 'number' && typeof candidate.counts === 'object' && candidate.counts !== null;
}
