import { ChaosArgsError, parseChaosArgs } from '../../chaos/args';
import { planOrder, storyOf } from '../../chaos/driver';
import { planFaults, type FaultPlanOptions } from '../../chaos/faultPlan';
import { seededRandom } from '../../chaos/random';

const faultOptions: FaultPlanOptions = {
  workerKills: 4,
  temporalRestarts: 1,
  monstockStretches: 4,
  stretchSeconds: 6,
  webhooks: { dropRate: 0.03, duplicateRate: 0.15, reorderRate: 0.15, delayMs: 1500 },
};

describe('chaos plan', () => {
  it('is the same for the same seed, and different for another', () => {
    expect(planFaults(faultOptions, seededRandom(7))).toEqual(planFaults(faultOptions, seededRandom(7)));
    expect(planFaults(faultOptions, seededRandom(7))).not.toEqual(planFaults(faultOptions, seededRandom(8)));
    const orders = (seed: number) => {
      const random = seededRandom(seed);
      return Array.from({ length: 50 }, () => planOrder(random));
    };
    expect(orders(1)).toEqual(orders(1));
  });

  it('plans every fault asked for, in order, within the run, webhook faults from the start', () => {
    const plan = planFaults(faultOptions, seededRandom(3));
    const kinds = plan.map((fault) => fault.action.kind);
    expect(kinds.filter((kind) => kind === 'killWorker')).toHaveLength(4);
    expect(kinds.filter((kind) => kind === 'restartTemporal')).toHaveLength(1);
    expect(
      plan
        .filter((fault) => fault.action.kind === 'monstockStretch')
        .map((fault) => (fault.action as { mode: string }).mode)
        .sort(),
    ).toEqual(['errors', 'errors', 'rateLimit', 'rateLimit']);
    expect(plan[0]).toMatchObject({ at: 0, action: { kind: 'webhooks' } });
    expect(plan.map((fault) => fault.at)).toEqual([...plan.map((fault) => fault.at)].sort((a, b) => a - b));
    expect(plan.every((fault) => fault.at >= 0 && fault.at < 1)).toBe(true);
  });

  it('gives orders a mix of stories, refunds never above the amount', () => {
    const random = seededRandom(11);
    const plans = Array.from({ length: 2000 }, () => planOrder(random));
    const stories = new Set(plans.map(storyOf));
    expect([...stories]).toEqual(
      expect.arrayContaining([
        'paid',
        'paid, refunded in full',
        'paid, refunded in part',
        'paid, disputed',
        'paid, disputed, won',
        'paid, disputed, lost',
        'declined, then paid',
      ]),
    );
    for (const plan of plans)
      expect(plan.refunds.reduce((sum, amount) => sum + amount, 0)).toBeLessThanOrEqual(plan.amount);
  });
});

describe('npm run chaos arguments', () => {
  it('defaults to 1000 orders and a random seed', () => {
    expect(parseChaosArgs([], () => 42)).toEqual({
      orders: 1000,
      seed: 42,
      concurrency: undefined,
      connections: 1,
      keepData: false,
      merchantFlows: true,
    });
    expect(
      parseChaosArgs(['--orders', '60', '--seed', '7', '--concurrency', '3', '--keep-data', '--no-merchant-flows']),
    ).toEqual({
      orders: 60,
      seed: 7,
      concurrency: 3,
      connections: 1,
      keepData: true,
      merchantFlows: false,
    });
  });

  it.each([[['--orders']], [['--orders', '0']], [['--seed', 'x']], [['--what']]])('refuses %j', (argv) => {
    expect(() => parseChaosArgs(argv)).toThrow(ChaosArgsError);
  });
});
