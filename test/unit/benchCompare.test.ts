import { compareResults, formatComparison, valueAt } from '../../bench/compare';

const metrics = [
  { path: 'ingest.eventsPerSecond', better: 'higher' as const },
  { path: 'endToEnd.p99Ms', better: 'lower' as const },
  { path: 'worker.rssMb', better: 'lower' as const },
];

describe('compareResults', () => {
  const baseline = { ingest: { eventsPerSecond: 1000 }, endToEnd: { p99Ms: 500 }, worker: { rssMb: 200 } };

  it('flags a change for the worse beyond the tolerance only', () => {
    const current = { ingest: { eventsPerSecond: 700 }, endToEnd: { p99Ms: 550 }, worker: { rssMb: 100 } };
    const result = compareResults(current, baseline, 0.2, metrics);
    expect(result.regressions.map((item) => item.path)).toEqual(['ingest.eventsPerSecond']);
    expect(result.changes[0]!.change).toBeCloseTo(-0.3);
    expect(result.changes[1]!.regression).toBe(false);
    expect(result.changes[2]!.regression).toBe(false);
  });

  it('treats a slower latency beyond the tolerance as a regression', () => {
    const result = compareResults({ ...baseline, endToEnd: { p99Ms: 700 } }, baseline, 0.2, metrics);
    expect(result.regressions.map((item) => item.path)).toEqual(['endToEnd.p99Ms']);
  });

  it('ignores metrics missing on either side', () => {
    const result = compareResults({ ingest: {} }, baseline, 0.2, metrics);
    expect(result.regressions).toEqual([]);
    expect(result.changes[0]!.change).toBeUndefined();
  });

  it('reads nested numbers only', () => {
    expect(valueAt({ a: { b: 2 } }, 'a.b')).toBe(2);
    expect(valueAt({ a: { b: 'x' } }, 'a.b')).toBeUndefined();
    expect(valueAt(null, 'a')).toBeUndefined();
  });
});

describe('the gated steady counts', () => {
  const baseline = {
    actionsPerOrder: 8,
    historyEventsPerOrder: 30,
    stripeRequestsPerPayment: 3,
    connectorCpuMsPerPayment: 40,
    connectorCpuMsPerOrder: 100,
    cpuMsPerPayment: { worker: 10, temporal: 20 },
    endToEnd: { p99Ms: 200 },
  };

  it('fails on one more action or history event per order, whatever the general tolerance', () => {
    const current = { ...baseline, actionsPerOrder: 9, historyEventsPerOrder: 31 };
    const result = compareResults(current, baseline, 0.5);
    expect(result.regressions.map((item) => item.path)).toEqual(['actionsPerOrder', 'historyEventsPerOrder']);
    expect(result.changes.find((item) => item.path === 'actionsPerOrder')!.verdict).toBe('REGRESSION');
  });

  it('gives the connector CPU 25% and Stripe requests 5%', () => {
    const within = {
      ...baseline,
      connectorCpuMsPerPayment: 49,
      connectorCpuMsPerOrder: 124,
      stripeRequestsPerPayment: 3.1,
    };
    expect(compareResults(within, baseline).regressions).toEqual([]);
    const beyond = {
      ...baseline,
      connectorCpuMsPerPayment: 51,
      connectorCpuMsPerOrder: 126,
      stripeRequestsPerPayment: 3.2,
    };
    expect(compareResults(beyond, baseline).regressions.map((item) => item.path)).toEqual([
      'stripeRequestsPerPayment',
      'connectorCpuMsPerPayment',
      'connectorCpuMsPerOrder',
    ]);
  });

  it('shows load-dependent metrics as worse without failing on them', () => {
    const current = { ...baseline, cpuMsPerPayment: { worker: 30, temporal: 20 }, endToEnd: { p99Ms: 900 } };
    const result = compareResults(current, baseline, 0.2);
    expect(result.regressions).toEqual([]);
    const p99 = result.changes.find((item) => item.path === 'endToEnd.p99Ms')!;
    expect(p99).toMatchObject({ gate: false, regression: true, verdict: 'worse' });
    expect(result.changes.find((item) => item.path === 'cpuMsPerPayment.worker')!.verdict).toBe('worse');
  });

  it('counts a count that was zero and is no longer as a regression', () => {
    const result = compareResults({ ...baseline, actionsPerOrder: 1 }, { ...baseline, actionsPerOrder: 0 });
    expect(result.regressions.map((item) => item.path)).toEqual(['actionsPerOrder']);
  });

  it('prints one verdict row per metric and says which gates failed', () => {
    const result = compareResults({ ...baseline, actionsPerOrder: 7, connectorCpuMsPerOrder: 200 }, baseline);
    const text = formatComparison(result, 0.2);
    const rowOf = (path: string) => text.split('\n').find((line) => line.includes(` ${path} `))!;
    expect(rowOf('actionsPerOrder')).toMatch(/^better\s+gate/);
    expect(rowOf('connectorCpuMsPerOrder')).toMatch(/^REGRESSION\s+gate .* \+100%/);
    expect(rowOf('ingest.eventsPerSecond')).toMatch(/^missing\s+info/);
    expect(text).toContain('1 gated regression(s): connectorCpuMsPerOrder.');
  });
});
