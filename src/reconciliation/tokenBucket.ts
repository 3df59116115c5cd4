/**
 * A token bucket: at most `ratePerSecond` calls per second on average, bursts up to `burst`.
 * One bucket per rate and process (`sharedTokenBucket`), so every reconciliation activity
 * running in this worker shares the one Stripe budget.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;
  /** Callers waiting, in order: a later caller never overtakes an earlier one. */
  private queue: Promise<void> = Promise.resolve();

  constructor(
    readonly ratePerSecond: number,
    readonly burst: number = Math.max(1, Math.ceil(ratePerSecond / 5)),
    private readonly now: () => number = Date.now,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  ) {
    if (!(ratePerSecond > 0)) throw new Error('ratePerSecond must be positive');
    this.tokens = this.burst;
    this.last = this.now();
  }

  /** Waits until `count` tokens are available and takes them. */
  take(count = 1): Promise<void> {
    const turn = this.queue.then(() => this.takeNow(count));
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  private async takeNow(count: number): Promise<void> {
    for (;;) {
      this.refill();
      if (this.tokens >= Math.min(count, this.burst)) {
        this.tokens -= count;
        return;
      }
      const missing = Math.min(count, this.burst) - this.tokens;
      await this.sleep(Math.max(1, Math.ceil((missing / this.ratePerSecond) * 1000)));
    }
  }

  private refill(): void {
    const now = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.ratePerSecond);
    this.last = now;
  }
}

const buckets = new Map<number, TokenBucket>();

/** The process-wide bucket for this rate. */
export function sharedTokenBucket(ratePerSecond: number): TokenBucket {
  let bucket = buckets.get(ratePerSecond);
  if (!bucket) {
    bucket = new TokenBucket(ratePerSecond);
    buckets.set(ratePerSecond, bucket);
  }
  return bucket;
}
