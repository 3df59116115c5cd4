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

/** Times on the shared schedule's clock (Unix ms), not this process's. */
export interface Reservation {
  /** The end of the last slot reserved: the first is `count * gapMs` before it. */
  endMs: number;
  /** The schedule's clock when it answered. */
  nowMs: number;
}

/** Reserves `count` consecutive slots, `gapMs` apart, on a schedule every process of the account shares. */
export type ReserveSlots = (count: number, gapMs: number) => Promise<Reservation>;

export interface SharedScheduleOptions {
  /**
   * Slots are `(1000 + marginMs) / rate` apart, so calls that reach Stripe a little unevenly (sent
   * up to `lateMs` after their slot, then each delayed its own way on the way out) still never put
   * rate + 1 in any second. 100 by default: the topology's Stripe edge saw 26 of 25 within 994 ms
   * with 50 under a loaded CI machine; 100 leaves 75 ms for that unevenness, at 5% of the budget.
   */
  marginMs?: number;
  /** A call woken more than this after its slot waits for a later one (once). 25 by default. */
  lateMs?: number;
  /** The most slots one reservation takes: fewer round trips, but slots held ahead are closed to other processes. */
  maxBatch?: number;
  /**
   * How long a reservation may take before the schedule counts as unreachable. Generous: a busy
   * database answers slowly, and a slow answer is still the shared budget; limiting alone while it
   * is merely slow is what let every process spend the whole rate at once.
   */
  reserveTimeoutMs?: number;
  /**
   * Whether a failed reservation means the schedule cannot be reached (a connection error, the
   * timeout), so `fallback` serves; any other failure is the caller's (the Stripe call fails and is
   * retried as any failed call is). Default: every failure is an outage.
   */
  isOutage?: (error: unknown) => boolean;
  /** How long this process limits itself alone after a failed reservation before asking the schedule again. */
  retryAfterMs?: number;
  /** Used while the schedule cannot be reached. */
  fallback: RateLimiter;
  onFallback?: (error: unknown) => void;
  onRecovered?: () => void;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * One request schedule for every process spending the same Stripe account's budget: each call
 * waits for a slot reserved on a shared schedule (the database's), slots globally spaced
 * `gap` apart. Even spacing across processes is what keeps any one-second window, however the
 * server aligns it, at or under the rate; per-second buckets would allow a full second's worth at
 * the end of one second and again at the start of the next. A process reserves only as many
 * slots as it has callers waiting (at most `maxBatch`), so it does not hold slots it will not use.
 * If the schedule cannot be reached, calls go through `fallback` (this process alone, at its share)
 * rather than stop: Stripe then answers 429 to any excess, which the client waits out. A slow
 * schedule is waited for: it is still the one budget.
 */
export class SharedScheduleLimiter implements RateLimiter {
  readonly gapMs: number;
  private readonly slots: number[] = [];
  /** Slots asked for by callers that have none yet. */
  private waiting = 0;
  private reserving: Promise<void> | undefined;
  private fallbackUntil = Number.NEGATIVE_INFINITY;
  private degraded = false;
  /**
   * The schedule's clock minus this process's: `ms`, chosen within [`low`, `high`], the range every
   * recent round trip agrees with (widened 1 ms a second since `at`, so drift is followed).
   */
  private offset = { ms: 0, low: Number.NEGATIVE_INFINITY, high: Number.POSITIVE_INFINITY, at: 0 };
  private readonly marginMs: number;
  private readonly lateMs: number;
  private readonly maxBatch: number;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(
    readonly ratePerSecond: number,
    private readonly reserve: ReserveSlots,
    private readonly options: SharedScheduleOptions,
  ) {
    if (!(ratePerSecond > 0)) throw new Error('ratePerSecond must be positive');
    this.marginMs = options.marginMs ?? 100;
    this.lateMs = options.lateMs ?? 25;
    this.maxBatch = Math.max(1, Math.floor(options.maxBatch ?? 4));
    this.gapMs = (1000 + this.marginMs) / ratePerSecond;
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  async take(count = 1): Promise<void> {
    this.waiting += count;
    let left = count;
    try {
      for (; left > 0; left -= 1) await this.takeOne(() => (this.waiting -= 1));
    } finally {
      // A caller that failed gives back the slots it no longer waits for.
      if (left > 1) this.waiting -= left - 1;
    }
  }

  private async takeOne(assigned: () => void): Promise<void> {
    let wokenLate = false;
    for (;;) {
      if (this.now() < this.fallbackUntil) {
        assigned();
        return this.options.fallback.take(1);
      }
      const slot = this.nextSlot();
      if (slot !== undefined) {
        assigned();
        const wait = slot - this.now();
        if (wait > 0) await this.sleep(Math.ceil(wait));
        // Woken late (a busy event loop stalled): sent now, this call would land beside the next
        // slots' calls, the other processes' included, as would every call the stall held. It
        // waits for a slot still ahead instead, once: a timer always late by the same amount only
        // shifts the calls, it does not crowd them, and must not starve them.
        if (wokenLate || this.now() - slot <= this.lateMs) return;
        wokenLate = true;
        this.waiting += 1;
        continue;
      }
      this.reserving ??= this.reserveMore().finally(() => (this.reserving = undefined));
      try {
        await this.reserving;
      } catch (error) {
        // Not an outage: this call fails, and no longer waits for a slot.
        assigned();
        throw error;
      }
    }
  }

  /** The next reserved slot still worth using: one long past would put this call beside another process's. */
  private nextSlot(): number | undefined {
    const now = this.now();
    while (this.slots.length > 0 && this.slots[0]! < now - this.lateMs) this.slots.shift();
    return this.slots.shift();
  }

  private async reserveMore(): Promise<void> {
    const count = Math.min(this.maxBatch, Math.max(1, this.waiting));
    try {
      const sentAt = this.now();
      const answer = await withTimeout(
        this.reserve(count, this.gapMs),
        this.options.reserveTimeoutMs ?? DEFAULT_RESERVE_TIMEOUT_MS,
      );
      this.learnOffset(sentAt, this.now(), answer.nowMs);
      const first = answer.endMs - count * this.gapMs - this.offset.ms;
      for (let i = 0; i < count; i += 1) this.slots.push(first + i * this.gapMs);
      if (this.degraded) {
        this.degraded = false;
        this.options.onRecovered?.();
      }
    } catch (error) {
      if (!(error instanceof ReservationTimeout) && !(this.options.isOutage?.(error) ?? true)) throw error;
      this.fallbackUntil = this.now() + (this.options.retryAfterMs ?? 5000);
      if (!this.degraded) {
        this.degraded = true;
        this.options.onFallback?.(error);
      }
    }
  }

  /**
   * The schedule's clock was read somewhere in the round trip, so the offset lies between its
   * reading minus the answer's arrival and its reading minus the question's departure. Each trip
   * narrows the range (a busy host makes some trips slow, so the midpoint of one trip can be
   * hundreds of ms off: slots shifted that far put this process's calls beside another's, and
   * slots all in the past are reserved again and again). Within the range the value nearest zero
   * is taken: the same clock for processes on one host, and clocks within the range of each other
   * otherwise. An answer outside the range (a clock stepped) starts it again.
   */
  private learnOffset(sentAt: number, receivedAt: number, scheduleNow: number): void {
    const widen = Math.max(0, receivedAt - this.offset.at) / 1000;
    let low = Math.max(this.offset.low - widen, scheduleNow - receivedAt);
    let high = Math.min(this.offset.high + widen, scheduleNow - sentAt);
    if (low > high) {
      low = scheduleNow - receivedAt;
      high = scheduleNow - sentAt;
    }
    this.offset = { ms: Math.min(Math.max(0, low), high), low, high, at: receivedAt };
  }
}

/** A database under load (load average 20 on a CI host) may take seconds; an outage takes longer than this. */
const DEFAULT_RESERVE_TIMEOUT_MS = 30_000;

class ReservationTimeout extends Error {}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ReservationTimeout(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
