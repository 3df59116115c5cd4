/**
 * Compares a bench result with a baseline, metric by metric. Each metric says which way is
 * better. The gated metrics are the steady counts (actions, history events and Stripe requests
 * per order or payment) and the connector's CPU per payment and per order: they do not swing with
 * the machine's load, so a change for the worse beyond their own tolerance fails the comparison.
 * The rest (throughput, latency, other processes' CPU) depend on how loaded the machine was: they
 * are shown, with a verdict against the general tolerance, but do not fail it.
 */
export type Better = 'higher' | 'lower';

export interface MetricDefinition {
  path: string;
  better: Better;
  /** false: shown, never fails the comparison. Default true. */
  gate?: boolean;
  /** This metric's own tolerance (a fraction); default: the comparison's. */
  tolerance?: number;
}

/** Counts are exact: one more action or request per order is a regression. */
const COUNT = 0;
/** Stripe requests per payment is an average over many payments: a little room for a stray retry. */
const AVERAGE_COUNT = 0.05;
/** CPU time moves with the machine even when the code does not. */
const CPU = 0.25;

export const METRICS: readonly MetricDefinition[] = [
  { path: 'actionsPerOrder', better: 'lower', tolerance: COUNT },
  { path: 'historyEventsPerOrder', better: 'lower', tolerance: COUNT },
  { path: 'stripeRequestsPerPayment', better: 'lower', tolerance: AVERAGE_COUNT },
  { path: 'connectorCpuMsPerPayment', better: 'lower', tolerance: CPU },
  { path: 'connectorCpuMsPerOrder', better: 'lower', tolerance: CPU },
  { path: 'ingest.eventsPerSecond', better: 'higher', gate: false },
  { path: 'ingest.p99Ms', better: 'lower', gate: false },
  { path: 'ingest.steady.p99Ms', better: 'lower', gate: false },
  { path: 'limit.eventsPerSecond', better: 'higher', gate: false },
  { path: 'ratio', better: 'higher', gate: false },
  { path: 'endToEnd.sustainedPerSecond', better: 'higher', gate: false },
  { path: 'endToEnd.p50Ms', better: 'lower', gate: false },
  { path: 'endToEnd.p99Ms', better: 'lower', gate: false },
  { path: 'reconciliation.paymentsPerSecond', better: 'higher', gate: false },
  { path: 'reconciliation.ratio', better: 'higher', gate: false },
  { path: 'worker.rssMb', better: 'lower', gate: false },
  { path: 'allProcessesCpuMsPerOrder', better: 'lower', gate: false },
  { path: 'cpuMsPerPayment.temporal', better: 'lower', gate: false },
  { path: 'cpuMsPerPayment.worker', better: 'lower', gate: false },
  { path: 'cpuMsPerPayment.webhooks', better: 'lower', gate: false },
  { path: 'cpuMsPerPayment.stripeSandbox', better: 'lower', gate: false },
  { path: 'cpuMsPerPayment.monstockSandbox', better: 'lower', gate: false },
  { path: 'cpuMsPerPayment.database', better: 'lower', gate: false },
  { path: 'cpuMsPerPayment.load', better: 'lower', gate: false },
  { path: 'monstockRequestsPerPayment', better: 'lower', gate: false },
  { path: 'temporalRpcsPerPayment', better: 'lower', gate: false },
];

export type Verdict = 'ok' | 'better' | 'worse' | 'REGRESSION' | 'missing';

export interface MetricChange {
  path: string;
  better: Better;
  gate: boolean;
  tolerance: number;
  baseline: number | undefined;
  current: number | undefined;
  /** (current - baseline) / baseline; undefined when either side is missing or the baseline is 0. */
  change: number | undefined;
  /** Worse beyond the tolerance (gated or not). */
  regression: boolean;
  verdict: Verdict;
}

export interface Comparison {
  changes: MetricChange[];
  /** Gated metrics worse beyond their tolerance: these fail the comparison. */
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

/** Relative change; a zero baseline compares as "any increase is infinitely worse". */
function relativeChange(before: number, after: number): number {
  if (before !== 0) return (after - before) / Math.abs(before);
  return after === 0 ? 0 : after > 0 ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
}

export function compareResults(
  current: unknown,
  baseline: unknown,
  tolerance = 0.2,
  metrics: readonly MetricDefinition[] = METRICS,
): Comparison {
  const changes = metrics.map((metric): MetricChange => {
    const gate = metric.gate ?? true;
    const allowed = metric.tolerance ?? tolerance;
    const before = valueAt(baseline, metric.path);
    const after = valueAt(current, metric.path);
    const change = before !== undefined && after !== undefined ? relativeChange(before, after) : undefined;
    const signed = change === undefined ? undefined : metric.better === 'higher' ? -change : change;
    const regression = signed !== undefined && signed > allowed + 1e-9;
    const verdict: Verdict =
      change === undefined
        ? 'missing'
        : regression
          ? gate
            ? 'REGRESSION'
            : 'worse'
          : signed! < -1e-9
            ? 'better'
            : 'ok';
    return {
      path: metric.path,
      better: metric.better,
      gate,
      tolerance: allowed,
      baseline: before,
      current: after,
      change,
      regression,
      verdict,
    };
  });
  return { changes, regressions: changes.filter((change) => change.gate && change.regression) };
}

export function formatComparison(comparison: Comparison, tolerance: number): string {
  const show = (value: number | undefined) => (value === undefined ? '—' : String(Math.round(value * 100) / 100));
  const pct = (change: number | undefined) =>
    change === undefined
      ? ''
      : Number.isFinite(change)
        ? `${change >= 0 ? '+' : ''}${Math.round(change * 1000) / 10}%`
        : change > 0
          ? '+∞'
          : '-∞';
  const header = `${'verdict'.padEnd(11)} ${'kind'.padEnd(5)} ${'metric'.padEnd(34)} ${'baseline'.padStart(10)} ${'current'.padStart(10)} ${'change'.padStart(9)}  allowed`;
  const lines = comparison.changes.map(
    (item) =>
      `${item.verdict.padEnd(11)} ${(item.gate ? 'gate' : 'info').padEnd(5)} ${item.path.padEnd(34)} ${show(item.baseline).padStart(10)} ${show(item.current).padStart(10)} ${pct(item.change).padStart(9)}  ${item.better === 'lower' ? '+' : '-'}${Math.round(item.tolerance * 1000) / 10}% (${item.better} is better)`,
  );
  const missingGates = comparison.changes.filter((item) => item.gate && item.verdict === 'missing');
  lines.unshift(header);
  lines.push(
    comparison.regressions.length === 0
      ? `No gated regression (general tolerance ${tolerance * 100}% for the info rows).`
      : `${comparison.regressions.length} gated regression(s): ${comparison.regressions.map((item) => item.path).join(', ')}.`,
  );
  if (missingGates.length > 0)
    lines.push(`Not compared (missing on one side): ${missingGates.map((item) => item.path).join(', ')}.`);
  return lines.join('\n');
}
