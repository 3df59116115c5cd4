import fs from 'node:fs';
import path from 'node:path';
import { WEBHOOK_COUNTERS } from '../../src/observability/counters';

/**
 * Every query of the Grafana dashboard names metrics that exist: the Temporal SDK's, as scraped
 * from a real worker (deploy/grafana/exported-metrics.txt, written by sdkMetrics.test.ts with
 * UPDATE_EXPORTED_METRICS=1), or the webhook server's own counters. A renamed metric would
 * otherwise leave a panel silently empty.
 */
const GRAFANA = path.join(__dirname, '../../deploy/grafana');

interface Panel {
  title: string;
  type: string;
  datasource?: { type: string };
  targets?: Array<{ expr?: string }>;
  panels?: Panel[];
}

/** PromQL words that look like metric names: aggregations, functions' keywords, modifiers. */
const PROMQL_WORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'bool',
  'and',
  'or',
  'unless',
  'offset',
  'le',
  'inf',
  'nan',
]);

/** The metric names of a PromQL expression, histogram series suffixes folded into their family. */
function metricNames(expr: string, histogramFamilies: ReadonlySet<string>): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""') // label values and strings
    .replace(/\{[^}]*\}/g, '') // label matchers
    .replace(/\[[^\]]*\]/g, '') // range selectors
    .replace(/(?<![A-Za-z0-9_:])\d[\w.]*/g, '') // numbers and durations (0.95, 5m, 1e3)
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ''); // label lists
  const names = new Set<string>();
  for (const match of bare.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*/g)) {
    const word = match[0];
    const after = bare.slice(match.index + word.length).trimStart();
    if (after.startsWith('(') || PROMQL_WORDS.has(word.toLowerCase())) continue; // a function or keyword
    const family = word.replace(/_(bucket|sum|count)$/, '');
    names.add(family !== word && histogramFamilies.has(family) ? family : word);
  }
  return [...names];
}

function allPanels(panels: Panel[]): Panel[] {
  return panels.flatMap((panel) => [panel, ...allPanels(panel.panels ?? [])]);
}

describe('Grafana dashboard', () => {
  const dashboard = JSON.parse(fs.readFileSync(path.join(GRAFANA, 'connector-dashboard.json'), 'utf8')) as {
    title: string;
    uid: string;
    panels: Panel[];
  };
  const exported = new Set(
    fs
      .readFileSync(path.join(GRAFANA, 'exported-metrics.txt'), 'utf8')
      .split('\n')
      .map((line) => line.trim())
      .filter(Boolean),
  );
  const known = new Set([...exported, ...Object.values(WEBHOOK_COUNTERS)]);
  const panels = allPanels(dashboard.panels).filter((panel) => panel.type !== 'row');

  it('reads metric names out of PromQL', () => {
    const families = new Set(['temporal_request_latency']);
    expect(
      metricNames(
        'histogram_quantile(0.95, sum by (le, task_queue) (rate(temporal_request_latency_bucket{namespace=~"a|b", x="y{z}"}[5m])))',
        families,
      ),
    ).toEqual(['temporal_request_latency']);
    expect(metricNames('sum(rate(a_total[1m])) / ignoring(reason) sum(b_count offset 5m)', families)).toEqual([
      'a_total',
      'b_count',
    ]);
  });

  it('is a Grafana dashboard with Prometheus panels, each with a query', () => {
    expect(dashboard.title).toBeTruthy();
    expect(dashboard.uid).toMatch(/^[a-z0-9-]{1,40}$/);
    expect(panels.length).toBeGreaterThanOrEqual(8);
    for (const panel of panels) {
      expect(panel.datasource?.type).toBe('prometheus');
      expect(panel.targets?.length).toBeGreaterThan(0);
      for (const target of panel.targets ?? []) expect(target.expr).toBeTruthy();
    }
  });

  it('queries only metrics the worker exports or the webhook server counts', () => {
    const unknown: string[] = [];
    for (const panel of panels)
      for (const target of panel.targets ?? [])
        for (const name of metricNames(target.expr ?? '', exported))
          if (!known.has(name)) unknown.push(`${panel.title}: ${name}`);
    expect(unknown).toEqual([]);
  });

  it('covers schedule-to-start latency, task slots, sticky cache, failures and the webhook counters', () => {
    const used = new Set(
      panels.flatMap((panel) => (panel.targets ?? []).flatMap((target) => metricNames(target.expr ?? '', exported))),
    );
    for (const name of [
      'temporal_workflow_task_schedule_to_start_latency',
      'temporal_activity_schedule_to_start_latency',
      'temporal_worker_task_slots_available',
      'temporal_worker_task_slots_used',
      'temporal_sticky_cache_size',
      'temporal_sticky_cache_hit',
      'temporal_workflow_task_execution_failed',
      'temporal_activity_execution_failed',
      WEBHOOK_COUNTERS.accepted,
      WEBHOOK_COUNTERS.rejected,
    ])
      expect(used).toContain(name);
  });
});
