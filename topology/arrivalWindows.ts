/**
 * Arrivals counted the way a server enforcing a per-second limit counts them: the busiest window of
 * one second wherever it starts (`window`, what a strict limiter bounds) and the busiest clock
 * second (`clockSecond`, a fixed-window server's count; never above the other). The busiest
 * window's arrivals are kept (offset from its first, route), so an excess can be traced to the
 * calls that made it. Every arrival time is kept too (`times`, up to a bound), so a reader can
 * ask how close the count came to one more.
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

export interface BusiestClockSecond {
  count: number;
  /** Unix seconds; null while nothing arrived. */
  second: number | null;
}

/** 200 000 arrivals: hours of a run at 25 a second, 1.6 MB. */
const MAX_TIMES = 200_000;

export class ArrivalWindows {
  private readonly times: number[] = [];
  private readonly recent: Array<{ at: number; route: string }> = [];
  private clock = { second: -1, count: 0 };
  private busiestWindow: BusiestWindow = { count: 0, endMs: null, arrivals: [] };
  private readonly busiestSecond: BusiestClockSecond = { count: 0, second: null };

  add(atMs: number, route: string): void {
    if (this.times.length < MAX_TIMES) this.times.push(atMs);
    this.recent.push({ at: atMs, route });
    while (this.recent[0]!.at <= atMs - 1000) this.recent.shift();
    if (this.recent.length > this.busiestWindow.count) {
      const first = this.recent[0]!.at;
      this.busiestWindow = {
        count: this.recent.length,
        endMs: atMs,
        arrivals: this.recent.map((arrival) => ({ atMs: arrival.at - first, route: arrival.route })),
      };
    }
    const second = Math.floor(atMs / 1000);
    if (second !== this.clock.second) this.clock = { second, count: 0 };
    this.clock.count += 1;
    if (this.clock.count > this.busiestSecond.count) {
      this.busiestSecond.count = this.clock.count;
      this.busiestSecond.second = second;
    }
  }

  arrivalTimes(): number[] {
    return [...this.times];
  }

  read(): { window: BusiestWindow; clockSecond: BusiestClockSecond } {
    return {
      window: { ...this.busiestWindow, arrivals: [...this.busiestWindow.arrivals] },
      clockSecond: { ...this.busiestSecond },
    };
  }
}
