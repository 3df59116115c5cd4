/**
 * A strict rate limiter for Stripe: never more than `ratePerSecond` calls in any window of one
 * second (plus `marginMs`, so calls that leave a little late still arrive within the limit),
 * which is what a server counting requests per second (Stripe, the sandbox's fixed window)
 * needs. A token bucket allows its burst on top of the rate; this does not. Grants are also
 * spaced evenly (1/rate apart): a burst of grants, sent a little late by a busy process, could
 * land in the server's next second together with that second's own calls. Callers are served in
 * order, a later one never overtakes an earlier one.
 */
export interface RateLimiter {
  readonly ratePerSecond: number;
  /** Waits until `count` calls may be made, and counts them as made now. */
  take(count?: number): Promise<void>;
}

export class SlidingWindowLimiter implements RateLimiter {
  /** Grant times of the last `capacity` calls, oldest first. */
  private readonly grants: number[] = [];
  private readonly capacity: number;
  private readonly windowMs: number;
  private readonly gapMs: number;
  private lastGrant = Number.NEGATIVE_INFINITY;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    readonly ratePerSecond: number,
    readonly marginMs = 50,
    private readonly now: () => number = Date.now,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  ) {
    if (!(ratePerSecond > 0)) throw new Error('ratePerSecond must be positive');
    this.capacity = Math.max(1, Math.floor(ratePerSecond));
    this.windowMs = (this.capacity / ratePerSecond) * 1000 + marginMs;
    this.gapMs = 1000 / ratePerSecond;
  }

  take(count = 1): Promise<void> {
    const turn = this.queue.then(() => this.takeNow(count));
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  private async takeNow(count: number): Promise<void> {
    for (let taken = 0; taken < count; taken += 1) {
      for (;;) {
        const now = this.now();
        const full = this.grants.length >= this.capacity;
        const wait = Math.max(this.lastGrant + this.gapMs - now, full ? this.grants[0]! + this.windowMs - now : 0);
        if (wait <= 0) {
          if (full) this.grants.shift();
          this.grants.push(now);
          this.lastGrant = now;
          break;
        }
        await this.sleep(Math.ceil(wait));
      }
    }
  }
}

const limiters = new Map<number, SlidingWindowLimiter>();

/** The process-wide Stripe limiter for this rate: every reconciliation activity of a worker shares it. */
export function sharedStripeLimiter(ratePerSecond: number): SlidingWindowLimiter {
  let limiter = limiters.get(ratePerSecond);
  if (!limiter) {
    limiter = new SlidingWindowLimiter(ratePerSecond);
    limiters.set(ratePerSecond, limiter);
  }
  return limiter;
}
