import { budgetCeilingPerSecond, sweepStopReason } from '../../bench/stripeBudgetNote';

describe('the Stripe budget in the rate sweep', () => {
  it('puts the ceiling at the budget over the requests each payment makes', () => {
    expect(budgetCeilingPerSecond(100, 2)).toBe(50);
    expect(budgetCeilingPerSecond(25, 2.1)).toBe(11.9);
    expect(budgetCeilingPerSecond(100, null)).toBeUndefined();
    expect(budgetCeilingPerSecond(100, 0)).toBeUndefined();
  });

  it('names the budget when the failing rate reaches its ceiling', () => {
    const reason = sweepStopReason(60, 'p99 3000 ms ≥ 1000 ms', 100, 2);
    expect(reason).toMatch(/^60\/s: p99 3000 ms/);
    expect(reason).toContain('the Stripe budget: 100 requests/s / 2 per payment = 50 payments/s at most');
    // 90% of the ceiling counts as reaching it: spacing slots evenly leaves no headroom.
    expect(sweepStopReason(45, 'backlog grows', 100, 2)).toContain('the Stripe budget');
  });

  it('leaves the budget out when the rate is well below its ceiling or the requests are unknown', () => {
    expect(sweepStopReason(20, 'p99 1200 ms ≥ 1000 ms', 100, 2)).toBe('20/s: p99 1200 ms ≥ 1000 ms');
    expect(sweepStopReason(60, 'backlog grows', 100, null)).toBe('60/s: backlog grows');
  });
});
