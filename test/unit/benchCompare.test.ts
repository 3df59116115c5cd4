import { compareResults, valueAt } from '../../bench/compare';

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

describe('the per-payment cost metrics', () => {
  it('compares CPU and request counts with lower as better', () => {
    const baseline = {
      cpuMsPerPayment: { worker: 10, temporal: 20 },
      connectorCpuMsPerPayment: 12,
      stripeRequestsPerPayment: 3,
    };
    const current = {
      cpuMsPerPayment: { worker: 15, temporal: 10 },
      connectorCpuMsPerPayment: 12,
      stripeRequestsPerPayment: 5,
    };
    const result = compareResults(current, baseline, 0.2);
    expect(result.regressions.map((item) => item.path)).toEqual(['cpuMsPerPayment.worker', 'stripeRequestsPerPayment']);
    expect(result.changes.find((item) => item.path === 'cpuMsPerPayment.temporal')!.better).toBe('lower');
  });
});
