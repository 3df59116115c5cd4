import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { clockTicksPerSecond } from '../../bench/clockTicks';
import { phaseCost, type CostSnapshot } from '../../bench/costMeter';
import { joinCostWindows } from '../../bench/costWindows';
import type { EndToEndResult } from '../../bench/endToEnd';
import { sweepVerdict, type SweepSettings } from '../../bench/rateSweep';
import { readSandboxRequests, servedBetween } from '../../bench/sandboxRequestLog';

describe('clock ticks', () => {
  it('are what /proc counts this process in: ticks over CPU seconds used', () => {
    const ticks = () => {
      const stat = fs.readFileSync('/proc/self/stat', 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return Number(fields[11]) + Number(fields[12]);
    };
    const used = () => {
      const usage = process.cpuUsage();
      return (usage.user + usage.system) / 1e6;
    };
    const perSecond = clockTicksPerSecond();
    const [t0, s0] = [ticks(), used()];
    while (used() - s0 < 0.6) {
      // spin: the check needs CPU time to compare
    }
    const measured = (ticks() - t0) / (used() - s0);
    expect(Math.abs(measured - perSecond) / perSecond).toBeLessThan(0.25);
  });
});

describe('joinCostWindows', () => {
  const snapshot = (at: number, worker: number, stripe: number, op: number): CostSnapshot => ({
    at,
    cpuMs: { worker, webhooks: worker / 2 },
    temporalRequests: { StartWorkflowExecution: op },
    stripeRequests: stripe,
  });

  it('sums the windows and leaves out what happened between them', () => {
    const joined = joinCostWindows([
      { start: snapshot(0, 100, 10, 1), end: snapshot(1_000, 160, 16, 3) },
      // between the windows: worker 160 -> 500 (seeding), not counted
      { start: snapshot(5_000, 500, 40, 10), end: snapshot(7_000, 540, 44, 11) },
    ])!;
    const cost = phaseCost(joined.start, joined.end, 4);
    expect(cost.cpuMsPerPayment.worker).toBe(25); // (60 + 40) / 4
    expect(cost.cpuMsPerPayment.webhooks).toBe(12.5);
    expect(cost.connectorCpuMsPerPayment).toBe(37.5);
    expect(cost.stripeRequestsPerPayment).toBe(2.5); // (6 + 4) / 4
    expect(cost.temporalRpcsPerPayment).toBe(0.75);
    expect(cost.monstockRequestsPerPayment).toBeNull(); // never read
    expect(cost.allProcessesCpuMsPerPayment).toBeNull(); // not every process was read
    expect(cost.seconds).toBe(3);
  });

  it('drops a reading that a window lacks rather than under-count it', () => {
    const partial = { ...snapshot(5_000, 500, 40, 10), stripeRequests: undefined, cpuMs: { worker: 500 } };
    const joined = joinCostWindows([
      { start: snapshot(0, 100, 10, 1), end: snapshot(1_000, 160, 16, 3) },
      { start: partial as CostSnapshot, end: snapshot(7_000, 540, 44, 11) },
    ])!;
    expect(joined.end.stripeRequests).toBeUndefined();
    expect(joined.end.cpuMs).toEqual({ worker: 100 });
    expect(joinCostWindows([])).toBeUndefined();
  });
});

describe('sweepVerdict', () => {
  const settings: SweepSettings = {
    rates: [5, 10],
    secondsPerRate: 10,
    p99TargetMs: 1_000,
    minAchievedShare: 0.9,
    stripeRateLimitPerSecond: 100,
  };
  const point = (over: Partial<EndToEndResult>): EndToEndResult => ({
    count: 50,
    p50Ms: 60,
    p95Ms: 100,
    p99Ms: 150,
    maxMs: 200,
    ratePerSecond: 5,
    seconds: 10,
    payments: 50,
    paid: 50,
    createErrors: 0,
    unpaid: 0,
    paidPerSecond: 4.6,
    completedPerSecond: 5,
    ...over,
  });

  it('holds under the target with every payment paid at the offered rate', () => {
    expect(sweepVerdict(point({}), settings)).toBeUndefined();
  });

  it('stops at a p99 of 1 s, at unpaid payments and at a growing backlog', () => {
    expect(sweepVerdict(point({ p99Ms: 1_000 }), settings)).toContain('p99');
    expect(sweepVerdict(point({ paid: 49 }), settings)).toContain('not paid');
    expect(sweepVerdict(point({ completedPerSecond: 4.4 }), settings)).toContain('backlog');
    expect(sweepVerdict(point({ p99Ms: Number.NaN, paid: 0, count: 0 }), settings)).toBeDefined();
  });
});

describe('the Stripe sandbox request log', () => {
  let server: http.Server;
  let url: string;
  const state = { total: 10, byRoute: { 'GET /v1/payment_intents': 10 } as Record<string, number>, rateLimited: 0 };

  beforeAll(async () => {
    server = http.createServer((request, response) => {
      const body =
        request.url === '/_sandbox/requests'
          ? { total: state.total, byRoute: state.byRoute }
          : request.url === '/_sandbox/faults/injected'
            ? { rateLimited: state.rateLimited, serverErrors: 0 }
            : undefined;
      response.writeHead(body ? 200 : 404, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body ?? {}));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('counts what it served between two readings, without the requests its rate limit refused', async () => {
    const before = await readSandboxRequests(url);
    state.total = 40;
    state.byRoute = { 'GET /v1/payment_intents': 30, 'GET /v1/charges': 10 };
    state.rateLimited = 6;
    const after = await readSandboxRequests(url);
    expect(servedBetween(before, after)).toEqual({
      served: 24,
      refused: 6,
      byRoute: { 'GET /v1/payment_intents': 20, 'GET /v1/charges': 10 },
    });
  });
});
