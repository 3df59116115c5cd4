import { ClockSecondCounter, SlidingWindowCounter, type BusiestSecond } from '../sandbox/kit/arrivalCounters';

/**
 * One client's arrivals at the Stripe edge, counted with the Stripe sandbox's own counters
 * (sandbox/kit/arrivalCounters.ts): the busiest window of one second wherever it starts (`window`,
 * what a strict limiter bounds) and the busiest clock second (`clockSecond`; never above the
 * other). Every arrival is kept too (up to a bound), so the busiest window's arrivals can be traced
 * to their routes and a reader can ask how close the count came to one more.
 */
export interface Arrival {
  /** Milliseconds after the window's first arrival. */
  atMs: number;
  route: string;
}

export interface BusiestWindow {
  count: number;
  /** Unix ms of the window's last arrival; null while nothing arrived. */
  endMs: number | null;
  arrivals: Arrival[];
}

export type BusiestClockSecond = BusiestSecond;

/** 200 000 arrivals: hours of a run at 25 a second, a few MB. */
const MAX_KEPT = 200_000;

export class ArrivalWindows {
  private readonly kept: Array<{ at: number; route: string }> = [];
  private readonly window = new SlidingWindowCounter();
  private readonly clockSecond = new ClockSecondCounter();

  add(atMs: number, route: string): void {
    if (this.kept.length < MAX_KEPT) this.kept.push({ at: atMs, route });
    this.window.add(atMs);
    this.clockSecond.add(atMs);
  }

  arrivalTimes(): number[] {
    return this.kept.map((arrival) => arrival.at);
  }

  read(): { window: BusiestWindow; clockSecond: BusiestClockSecond } {
    const endMs = this.window.maxEndMs;
    const inWindow =
      endMs === null ? [] : this.kept.filter((arrival) => arrival.at > endMs - 1000 && arrival.at <= endMs);
    const first = inWindow[0]?.at ?? 0;
    return {
      window: {
        count: this.window.max.count,
        endMs,
        arrivals: inWindow.map((arrival) => ({ atMs: arrival.at - first, route: arrival.route })),
      },
      clockSecond: { ...this.clockSecond.max },
    };
  }
}
