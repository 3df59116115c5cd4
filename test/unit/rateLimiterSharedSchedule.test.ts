import { SharedScheduleLimiter, SlidingWindowLimiter, type ReserveSlots } from '../../src/stripe/rateLimiter';

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

/** A virtual clock: sleeping advances it once every sleeper of the same moment has been woken in order. */
function virtualClock() {
  let now = 0;
  const sleepers: Array<{ at: number; wake: () => void }> = [];
  let ticking = false;
  const tick = () => {
    if (ticking) return;
    ticking = true;
    setImmediate(() => {
      ticking = false;
      sleepers.sort((a, b) => a.at - b.at);
      const next = sleepers.shift();
      if (!next) return;
      now = Math.max(now, next.at);
      next.wake();
      if (sleepers.length > 0) tick();
    });
  };
  return {
    now: () => now,
    sleep: (ms: number) =>
      new Promise<void>((resolve) => {
        sleepers.push({ at: now + ms, wake: resolve });
        tick();
      }),
  };
}

/** The database's statement, in memory: one schedule end, slots appended after it (never before now). */
function sharedSchedule(now: () => number) {
  let end = Number.NEGATIVE_INFINITY;
  const reservations: number[] = [];
  const reserve: ReserveSlots = async (count, gapMs) => {
    reservations.push(count);
    end = Math.max(end, now()) + count * gapMs;
    return { endMs: end, nowMs: now() };
  };
  return { reserve, reservations };
}

describe('Stripe limiter on a schedule shared by processes', () => {
  it('keeps two processes together at or under the rate in any second, and one alone gets all of it', async () => {
    const clock = virtualClock();
    const schedule = sharedSchedule(clock.now);
    const options = { fallback: new SlidingWindowLimiter(10), now: clock.now, sleep: clock.sleep };
    const a = new SharedScheduleLimiter(10, schedule.reserve, options);
    const b = new SharedScheduleLimiter(10, schedule.reserve, options);
    const sent: number[] = [];
    const hammer = (limiter: SharedScheduleLimiter, calls: number) =>
      Promise.all(Array.from({ length: calls }, () => limiter.take(1).then(() => sent.push(clock.now()))));

    await Promise.all([hammer(a, 60), hammer(b, 60)]);
    expect(sent).toHaveLength(120);
    expect(busiestWindow(sent)).toBeLessThanOrEqual(10);
    // 120 calls at 10 per 1.1 s (the default 100 ms margin): about 13.2 s, the whole budget used, not half of it.
    expect(clock.now()).toBeLessThan(13_500);
    // Batches, not a round trip per call.
    expect(schedule.reservations.length).toBeLessThan(120 / 2);
    expect(Math.max(...schedule.reservations)).toBeLessThanOrEqual(4);

    const alone: number[] = [];
    const start = clock.now();
    await Promise.all(Array.from({ length: 30 }, () => a.take(1).then(() => alone.push(clock.now()))));
    expect(busiestWindow(alone)).toBeLessThanOrEqual(10);
    expect(busiestWindow(alone)).toBeGreaterThanOrEqual(9);
    // 30 calls at 10 per 1.1 s: about 3.2 s.
    expect(clock.now() - start).toBeLessThan(3_400);
  });

  it('reserves only what its callers wait for', async () => {
    const clock = virtualClock();
    const schedule = sharedSchedule(clock.now);
    const limiter = new SharedScheduleLimiter(25, schedule.reserve, {
      fallback: new SlidingWindowLimiter(25),
      now: clock.now,
      sleep: clock.sleep,
    });
    await limiter.take(1);
    await limiter.take(1);
    expect(schedule.reservations).toEqual([1, 1]);
    await limiter.take(3);
    expect(schedule.reservations.slice(2).reduce((sum, n) => sum + n, 0)).toBe(3);
  });

  it('falls back to the process limiter when the schedule fails, says so once, and returns to it', async () => {
    const clock = virtualClock();
    let down = true;
    const schedule = sharedSchedule(clock.now);
    const reserve: ReserveSlots = (count, gapMs) =>
      down ? Promise.reject(new Error('connection refused')) : schedule.reserve(count, gapMs);
    const fallback = new SlidingWindowLimiter(5, 50, clock.now, clock.sleep);
    const events: string[] = [];
    const limiter = new SharedScheduleLimiter(5, reserve, {
      fallback,
      retryAfterMs: 2000,
      now: clock.now,
      sleep: clock.sleep,
      onFallback: () => events.push('fallback'),
      onRecovered: () => events.push('recovered'),
    });
    const sent: number[] = [];
    await Promise.all(Array.from({ length: 12 }, () => limiter.take(1).then(() => sent.push(clock.now()))));
    // Calls went on at the process's own rate while the database was down.
    expect(sent).toHaveLength(12);
    expect(busiestWindow(sent)).toBeLessThanOrEqual(5);
    expect(events).toEqual(['fallback']);
    expect(schedule.reservations).toEqual([]);

    down = false;
    await clock.sleep(2000);
    await limiter.take(2);
    expect(events).toEqual(['fallback', 'recovered']);
    expect(schedule.reservations.length).toBeGreaterThan(0);
  });
});
