/**
 * Timestamps for resource writes. Each write gets a millisecond strictly after the previous
 * one, so a record changed after a page was served always sorts after that page's cursor
 * (same-millisecond writes or a clock stepping back would otherwise hide it from a reader).
 */
export interface Clock {
  /** The next write's timestamp, RFC 3339 UTC with milliseconds. */
  tick(): string;
}

export function createMonotonicClock(floor: string | undefined, now: () => number = Date.now): Clock {
  let last = floor ? Date.parse(floor) : 0;
  return {
    tick() {
      last = Math.max(now(), last + 1);
      return new Date(last).toISOString();
    },
  };
}
