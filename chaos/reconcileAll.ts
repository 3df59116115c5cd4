import type { FindingCounts, ReconciliationCounts, ReconciliationReport } from '../src/shared/reconciliation';
import { runReconcileCli, type ReconcileOutcome } from './reconcile';

/**
 * Reconciliation is per connection (its workflow reads that connection's Stripe account and
 * Monstock tenant): with several, the CLI runs once for each, with CONNECTION_ID naming it, one
 * after the other so they do not compete for the small machine. The outcomes are summed into one
 * for the run's verdict and kept apart for the per-connection lines.
 */
export interface ConnectionReconciliation {
  connectionId: string;
  outcome: ReconcileOutcome;
}

export async function reconcileEachConnection(
  connectionIds: readonly string[],
  window: { from: string; to: string },
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
): Promise<ConnectionReconciliation[]> {
  const outcomes: ConnectionReconciliation[] = [];
  for (const connectionId of connectionIds)
    outcomes.push({
      connectionId,
      outcome: await runReconcileCli(window, { ...env, CONNECTION_ID: connectionId }, timeoutMs),
    });
  return outcomes;
}

/** One outcome for all: counts summed; the first failure named when one connection's run failed. */
export function combineReconciliations(outcomes: readonly ConnectionReconciliation[]): ReconcileOutcome {
  // One connection: its outcome as it is (the single-merchant run's report, unchanged).
  if (outcomes.length === 1) return outcomes[0]!.outcome;
  const seconds = Math.round(outcomes.reduce((sum, { outcome }) => sum + outcome.seconds, 0) * 10) / 10;
  const failed = outcomes.find(({ outcome }) => !outcome.report);
  if (failed)
    return {
      exitCode: failed.outcome.exitCode,
      report: undefined,
      seconds,
      error: `connection ${failed.connectionId}: ${failed.outcome.error ?? 'no report'}`,
    };
  const reports = outcomes.map(({ outcome }) => outcome.report!);
  const first = reports[0]!;
  const counts = { ...first.counts };
  const byKind: FindingCounts = {};
  let unresolved = 0;
  for (const report of reports) {
    if (report !== first)
      for (const key of Object.keys(counts) as Array<keyof ReconciliationCounts>) counts[key] += report.counts[key];
    for (const [kind, count] of Object.entries(report.byKind) as Array<[keyof FindingCounts, number]>)
      byKind[kind] = (byKind[kind] ?? 0) + count;
    unresolved += report.unresolved;
  }
  const combined: ReconciliationReport = { ...first, counts, byKind, unresolved };
  const exitCode = outcomes.some(({ outcome }) => outcome.exitCode !== 0) ? 1 : 0;
  return { exitCode, report: combined, seconds };
}
