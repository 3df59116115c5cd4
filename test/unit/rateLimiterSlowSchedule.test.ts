import { SharedScheduleLimiter, type RateLimiter, type ReserveSlots } from '../../src/stripe/rateLimiter';

/**
 * Issue 13: under load the shared schedule answers slowly. A slow answer is still the one budget:
 * waiting for it keeps every process on it, while limiting alone at the full rate (what a short
 * timeout did) let two workers spend the budget twice. Only an outage turns to the fallback.
 */
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The database's statement in memory, answering after `delayMs`, or failing with `failure()` when set. */
function slowSchedule(delayMs: number) {
  let end = 0;
  const reservations: number[] = [];
  let failure: (() => Error) | undefined;
  const reserve: ReserveSlots = async (count, gapMs) => {
    await sleep(delayMs);
    if (failure) throw failure();
    reservations.push(count);
    end = Math.max(end, Date.now()) + count * gapMs;
    return { endMs: end, nowMs: Date.now() };
  };
  return { reserve, reservations, fail: (make: (() => Error) | undefined) => (failure = make) };
}

function countingFallback(): RateLimiter & { taken: number } {
  const fallback = { ratePerSecond: 5, taken: 0, take: async (count = 1) => void (fallback.taken += count) };
  return fallback;
}

const connectionRefused = () =>
  Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
const isOutage = (error: unknown) => (error as { code?: string }).code === 'ECONNREFUSED';

describe('Stripe limiter on a slow shared schedule', () => {
  it('waits for a slow reservation rather than limiting alone', async () => {
    const schedule = slowSchedule(400);
    const fallback = countingFallback();
    const events: string[] = [];
    const limiter = new SharedScheduleLimiter(50, schedule.reserve, {
      fallback,
      isOutage,
      onFallback: () => events.push('fallback'),
    });
    await Promise.all(Array.from({ length: 6 }, () => limiter.take(1)));
    expect(fallback.taken).toBe(0);
    expect(events).toEqual([]);
    expect(schedule.reservations.reduce((sum, count) => sum + count, 0)).toBe(6);
  });

  it('still turns to the fallback when no answer comes within the timeout', async () => {
    const schedule = slowSchedule(400);
    const fallback = countingFallback();
    const limiter = new SharedScheduleLimiter(50, schedule.reserve, { fallback, isOutage, reserveTimeoutMs: 100 });
    await limiter.take(1);
    expect(fallback.taken).toBe(1);
  });

  it('turns to the fallback when the database cannot be reached, and back once it can', async () => {
    const schedule = slowSchedule(5);
    const fallback = countingFallback();
    const events: string[] = [];
    const limiter = new SharedScheduleLimiter(50, schedule.reserve, {
      fallback,
      isOutage,
      retryAfterMs: 200,
      onFallback: () => events.push('fallback'),
      onRecovered: () => events.push('recovered'),
    });
    schedule.fail(connectionRefused);
    await Promise.all([limiter.take(1), limiter.take(1)]);
    expect(fallback.taken).toBe(2);
    schedule.fail(undefined);
    await sleep(250);
    await limiter.take(1);
    expect(fallback.taken).toBe(2);
    expect(events).toEqual(['fallback', 'recovered']);
  });

  it('fails the call, not the budget, when the reservation fails for another reason', async () => {
    const schedule = slowSchedule(5);
    const fallback = countingFallback();
    const limiter = new SharedScheduleLimiter(50, schedule.reserve, { fallback, isOutage });
    schedule.fail(() => new Error('relation "stripe_rate_budget" does not exist'));
    await expect(limiter.take(2)).rejects.toThrow('does not exist');
    expect(fallback.taken).toBe(0);
    // Nothing left counted as waiting: the next reservation asks for exactly what is wanted.
    schedule.fail(undefined);
    await limiter.take(1);
    expect(schedule.reservations).toEqual([1]);
  });

  it('learns the offset from the range every trip allows, not from one slow trip', async () => {
    // The schedule reads its clock as the answer leaves, 300 ms into the trip: the midpoint would
    // put the schedule 150 ms ahead, and every slot 150 ms early.
    const schedule = slowSchedule(300);
    const fallback = countingFallback();
    const sent: number[] = [];
    const limiter = new SharedScheduleLimiter(20, schedule.reserve, { fallback, isOutage, maxBatch: 8 });
    const before = Date.now();
    await Promise.all(Array.from({ length: 8 }, () => limiter.take(1).then(() => sent.push(Date.now()))));
    // Slots reserved from the answer's time on, 52.5 ms apart: none taken before its time.
    expect(schedule.reservations).toEqual([1, 7]);
    expect(Math.min(...sent) - before).toBeGreaterThanOrEqual(300);
    const spans = sent.sort((a, b) => a - b).map((time, index) => time - (sent[0] ?? 0) - index * 52.5);
    expect(Math.min(...spans)).toBeGreaterThan(-5);
  });

  it('takes a later slot when woken late, once', async () => {
    const schedule = slowSchedule(1);
    const fallback = countingFallback();
    let late = 2;
    // The first two wakes come 100 ms late, as after a stalled event loop.
    const limiter = new SharedScheduleLimiter(20, schedule.reserve, {
      fallback,
      isOutage,
      maxBatch: 1,
      sleep: async (ms) => sleep(ms + (late-- > 0 ? 100 : 0)),
    });
    await limiter.take(1);
    await limiter.take(1);
    // The first call gave up its late slot for the next; then went, late again, rather than wait on.
    expect(schedule.reservations).toEqual([1, 1, 1]);
  });
});
