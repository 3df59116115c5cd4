/**
 * Arrivals counted as a server enforcing a per-second limit counts them, streaming (nothing kept
 * but the last second): the busiest clock second, and the busiest window of one second wherever it
 * starts (the strict count: N per second allows no more than N in any such window, while clock
 * seconds can hide up to twice N straddling a boundary). Shared by the Stripe sandbox's request log
 * and the topology's Stripe edge, so both count alike.
 */
export interface BusiestSecond {
  count: number;
  /** Unix seconds of that second (for a window: the second it ends in); null while nothing was counted. */
  second: number | null;
}

/** Counts the arrivals of the current clock second and keeps the busiest second seen. */
export class ClockSecondCounter {
  private second = -1;
  private count = 0;
  readonly max: BusiestSecond = { count: 0, second: null };

  add(nowMs: number): void {
    const second = Math.floor(nowMs / 1000);
    if (second !== this.second) {
      this.second = second;
      this.count = 0;
    }
    this.count += 1;
    if (this.count > this.max.count) {
      this.max.count = this.count;
      this.max.second = second;
    }
  }
}

/** Counts the arrivals of the last second (any 1000 ms ending now) and keeps the busiest such window seen. */
export class SlidingWindowCounter {
  /** Arrival times (ms) within the last second, oldest first. */
  private readonly arrivals: number[] = [];
  readonly max: BusiestSecond = { count: 0, second: null };
  /** Unix ms of the busiest window's last arrival; null while nothing was counted. */
  maxEndMs: number | null = null;

  add(nowMs: number): void {
    this.arrivals.push(nowMs);
    while (this.arrivals[0]! <= nowMs - 1000) this.arrivals.shift();
    if (this.arrivals.length > this.max.count) {
      this.max.count = this.arrivals.length;
      this.max.second = Math.floor(nowMs / 1000);
      this.maxEndMs = nowMs;
    }
  }
}
