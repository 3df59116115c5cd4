/**
 * Compares a bench result with a baseline, metric by metric. Each metric says which way is
 * better; a change for the worse beyond the tolerance (a fraction, e.g. 0.2 = 20%) is a regression.
 */
export type Better = 'higher' | 'lower';

export interface MetricDefinition {
  path: string;
  better: Better;
}

export const METRICS: readonly MetricDefinition[] = [
  { path: 'ingest.eventsPerSecond', better: 'higher' },
  { path: 'ingest.p99Ms', better: 'lower' },
  { path: 'ingest.steady.p99Ms', better: 'lower' },
  { path: 'limit.eventsPerSecond', better: 'higher' },
  { path: 'ratio', better: 'higher' },
  { path: 'endToEnd.p50Ms', better: 'lower' },
  { path: 'endToEnd.p99Ms', better: 'lower' },
  { path: 'actionsPerOrder', better: 'lower' },
  { path: 'historyEventsPerOrder', better: 'lower' },
  { path: 'reconciliation.paymentsPerSecond', better: 'higher' },
  { path: 'reconciliation.ratio', better: 'higher' },
  { path: 'worker.rssMb', better: 'lower' },
  { path: 'cpuMsPerPayment.temporal', better: 'lower' },
  { path: 'cpuMsPerPayment.worker', better: 'lower' },
  { path: 'cpuMsPerPayment.webhooks', better: 'lower' },
  { path: 'cpuMsPerPayment.stripeSandbox', better: 'lower' },
  { path: 'cpuMsPerPayment.monstockSandbox', better: 'lower' },
  { path: 'cpuMsPerPayment.load', better: 'lower' },
  { path: 'connectorCpuMsPerPayment', better: 'lower' },
  { path: 'stripeRequestsPerPayment', better: 'lower' },
  { path: 'monstockRequestsPerPayment', better: 'lower' },
  { path: 'temporalRpcsPerPayment', better: 'lower' },
];

export interface MetricChange {
  path: string;
  better: Better;
  baseline: number | undefined;
  current: number | undefined;
  /** (current - baseline) / baseline; undefined when either side is missing or the baseline is 0. */
  change: number | undefined;
  regression: boolean;
}

export interface Comparison {
  changes: MetricChange[];
  regressions: MetricChange[];
}

export function valueAt(source: unknown, path: string): number | undefined {
  let node: unknown = source;
  for (const key of path.split('.')) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return typeof node === 'number' && Number.isFinite(node) ? node : undefined;
}

export function compareResults(
  current: unknown,
  baseline: unknown,
  tolerance = 0.2,
  metrics: readonly MetricDefinition[] = METRICS,
): Comparison {
  const changes = metrics.map((metric): MetricChange => {
    const before = valueAt(baseline, metric.path);
    const after = valueAt(current, metric.path);
    const change =
      before !== undefined && after !== undefined && before !== 0 ? (after - before) / Math.abs(before) : undefined;
    const worse = change === undefined ? false : metric.better === 'higher' ? change < -tolerance : change > tolerance;
    return { path: metric.path, better: metric.better, baseline: before, current: after, change, regression: worse };
  });
  return { changes, regressions: changes.filter((change) => change.regression) };
}

export function formatComparison(comparison: Comparison, tolerance: number): string {
  const lines = comparison.changes.map((item) => {
    const show = (value: number | undefined) => (value === undefined ? '—' : String(Math.round(value * 100) / 100));
    const pct =
      item.change === undefined ? '' : ` (${item.change >= 0 ? '+' : ''}${Math.round(item.change * 1000) / 10}%)`;
    return `${item.regression ? 'REGRESSION ' : '           '}${item.path.padEnd(36)} ${show(item.baseline).padStart(10)} -> ${show(item.current).padStart(10)}${pct}  [${item.better} is better]`;
  });
  lines.push(
    comparison.regressions.length === 0
      ? `No regression beyond ${tolerance * 100}%.`
      : `${comparison.regressions.length} regression(s) beyond ${tolerance * 100}%.`,
  );
  return lines.join('\n');
}
