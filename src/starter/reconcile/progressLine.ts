import type { ReconciliationProgress } from '../../shared/reconciliation';

/** One line of the live progress bar: phase, pages, items, findings, rate. */
export function progressLine(progress: ReconciliationProgress, elapsedMs: number, width = 24): string {
  // Stripe comes first, then Monstock: the bar shows the phase, the numbers show the work.
  const share =
    progress.phase === 'stripe' ? 0.25 : progress.phase === 'monstock' ? 0.6 : progress.phase === 'report' ? 0.9 : 1;
  const filled = Math.round(share * width);
  const bar = `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`;
  return `${bar} ${progress.phase.padEnd(8)} pages ${progress.pages}  items ${progress.items}  findings ${progress.findings} (${progress.unresolved} for a person)  ${progress.rate.toFixed(1)} items/s  ${Math.round(elapsedMs / 1000)} s`;
}
