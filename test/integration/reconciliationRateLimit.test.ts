import { SlidingWindowLimiter } from '../../src/stripe/rateLimiter';

const LIMIT = 25;

/** The most timestamps (ms) that fall in any window of `windowMs`. */
function busiestWindow(times: readonly number[], windowMs = 1000): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  for (let start = 0, end = 0; end < sorted.length; end += 1) {
    while (sorted[end]! - sorted[start]! >= windowMs) start += 1;
    best = Math.max(best, end - start + 1);
  }
  return best;
}

/**
 * The Stripe limiter of reconciliation's client (STRIPE_RATE_LIMIT_PER_SECOND): never more
 * grants than the rate in any second, spaced evenly. The whole run against the sandbox's own
 * limit is `reconciliationScale.test.ts`.
 */
describe('reconciliation Stripe rate limiter', () => {
  it('never grants more than its rate in any second, evenly spaced, whatever the callers ask', async () => {
    let now = 0;
    const granted: number[] = [];
    const limiter = new SlidingWindowLimiter(
      LIMIT,
      100,
      () => now,
      async (ms) => {
        now += ms;
      },
    );
    await Promise.all(
      Array.from({ length: 60 }, (_, i) => limiter.take(i % 3 === 0 ? 4 : 1).then(() => granted.push(now))),
    );
    expect(busiestWindow(granted)).toBeLessThanOrEqual(LIMIT);
    // 100 grants at 25 per 1.1 s, 40 ms apart: about 5 s, not much more.
    expect(now).toBeLessThan(6_000);
  });
});
