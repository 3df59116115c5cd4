import { customersPerTenant, dealRoundRobin } from '../../bench/connectionLoad';
import { parseConnectionsFlags } from '../../bench/connectionsArgs';
import {
  compareConnectionRuns,
  costRatio,
  stackCpuMsPerPayment,
  type ConnectionsRunFigures,
} from '../../bench/connectionsRatio';

const perProcess = (worker: number, webhooks: number, temporal: number) => ({
  temporal,
  worker,
  webhooks,
  stripeSandbox: 8,
  monstockSandbox: 6,
  database: 4,
  load: 9,
});

const figures = (overrides: Partial<ConnectionsRunFigures>): ConnectionsRunFigures => ({
  connections: 1,
  ingestWebhooksCpuMsPerEvent: 2,
  ingestEventsPerSecond: 60,
  endToEndSustainedPerSecond: 10,
  cpuMsPerPayment: perProcess(26, 10, 45),
  connectorCpuMsPerPayment: 36,
  idleStackCpuMsPerSecond: 20,
  ...overrides,
});

describe('bench --connections / --connections-compare flags', () => {
  it('defaults to one connection and no comparison', () => {
    expect(parseConnectionsFlags(['--quick'])).toEqual({ connections: 1, compare: undefined });
  });

  it('reads --connections N and --connections-compare N', () => {
    expect(parseConnectionsFlags(['--connections', '100'])).toEqual({ connections: 100, compare: undefined });
    expect(parseConnectionsFlags(['--quick', '--connections-compare', '100'])).toEqual({
      connections: 1,
      compare: 100,
    });
  });

  it.each([
    [['--connections', '0']],
    [['--connections', 'many']],
    [['--connections', '2.5']],
    [['--connections']],
    [['--connections-compare', '1']],
    [['--connections', '5000']],
    [['--connections', '3', '--connections-compare', '100']],
  ])('refuses %j', (argv) => {
    expect(() => parseConnectionsFlags(argv)).toThrow(/--connections/);
  });
});

describe('round-robin over connections', () => {
  it('deals successive orders to successive connections, from where the last phase stopped', () => {
    expect(dealRoundRobin(5, 3, 0)).toEqual([0, 1, 2, 0, 1]);
    expect(dealRoundRobin(4, 3, 2)).toEqual([2, 0, 1, 2]);
    expect(dealRoundRobin(3, 1, 7)).toEqual([0, 0, 0]);
  });

  it('seeds about as many customers in all as the single-connection bench (20), at least one per tenant', () => {
    expect(customersPerTenant(50, 1)).toBe(20);
    expect(customersPerTenant(3, 1)).toBe(3);
    expect(customersPerTenant(2, 100)).toBe(1);
    expect(customersPerTenant(10, 4)).toBe(5);
    expect(customersPerTenant(0, 4)).toBe(0);
  });
});

describe('1 against N connections', () => {
  it('divides many by one and refuses a missing or zero base', () => {
    expect(costRatio(40, 44)).toBe(1.1);
    expect(costRatio(3, 2)).toBe(0.667);
    expect(costRatio(null, 2)).toBeNull();
    expect(costRatio(0, 2)).toBeNull();
    expect(costRatio(2, undefined)).toBeNull();
  });

  it('sums every stack process but the load generator', () => {
    expect(stackCpuMsPerPayment(perProcess(26, 10, 45))).toBe(99);
    expect(stackCpuMsPerPayment({ ...perProcess(26, 10, 45), worker: null })).toBeNull();
    expect(stackCpuMsPerPayment(undefined)).toBeNull();
  });

  it('is within 10% when every compared cost is, whatever the rates did', () => {
    const many = figures({
      connections: 100,
      cpuMsPerPayment: perProcess(28, 10.5, 46),
      connectorCpuMsPerPayment: 38.5,
      ingestWebhooksCpuMsPerEvent: 2.1,
      ingestEventsPerSecond: 40,
      endToEndSustainedPerSecond: 5,
    });
    const comparison = compareConnectionRuns(figures({}), many);
    expect(comparison).toMatchObject({
      count: 100,
      compared: ['connectorCpuMsPerPayment', 'stackCpuMsPerPayment', 'ingestWebhooksCpuMsPerEvent'],
      connectorCpuMsPerPaymentRatio: 1.069,
      stackCpuMsPerPaymentRatio: 1.035,
      ingestWebhooksCpuMsPerEventRatio: 1.05,
      ingestRatio: 0.667,
      endToEndSustainedRatio: 0.5,
      withinTenPercent: true,
      ratesWithinTenPercent: false,
      overTolerance: [],
    });
  });

  it('names the processes that grew beyond the tolerance, largest first, and fails the criterion', () => {
    const many = figures({
      connections: 100,
      cpuMsPerPayment: { ...perProcess(40, 10, 60), database: 9 },
      connectorCpuMsPerPayment: 50,
    });
    const comparison = compareConnectionRuns(figures({}), many);
    expect(comparison.withinTenPercent).toBe(false);
    expect(comparison.connectorCpuMsPerPaymentRatio).toBe(1.389);
    expect(comparison.overTolerance).toEqual([
      { process: 'temporal', one: 45, many: 60, addedMsPerPayment: 15 },
      { process: 'worker', one: 26, many: 40, addedMsPerPayment: 14 },
      { process: 'database', one: 4, many: 9, addedMsPerPayment: 5 },
    ]);
  });

  it('does not pass when a compared cost could not be measured', () => {
    const comparison = compareConnectionRuns(
      figures({}),
      figures({ connections: 100, ingestWebhooksCpuMsPerEvent: null }),
    );
    expect(comparison.ingestWebhooksCpuMsPerEventRatio).toBeNull();
    expect(comparison.withinTenPercent).toBe(false);
  });
});
