import type { Store } from './store';

/**
 * The sandbox's notion of "now": the injected clock plus an offset an admin route can push
 * forward (`POST /_sandbox/clock/advance`), so a test can age events past Stripe's 30-day
 * window or let balance transactions become available without waiting. The offset is stored,
 * so it survives a restart like the objects it aged.
 */
export interface SandboxClock {
  nowMs(): number;
  nowSeconds(): number;
  offsetSeconds(): number;
  advance(seconds: number): void;
}

const OFFSET_KEY = 'clock_offset_seconds';

export function createClock(store: Store, base: () => number = Date.now): SandboxClock {
  const offset = (): number => Number(store.getState(OFFSET_KEY) ?? '0');
  return {
    nowMs: () => base() + offset() * 1000,
    nowSeconds: () => Math.floor((base() + offset() * 1000) / 1000),
    offsetSeconds: offset,
    advance: (seconds) => store.setState(OFFSET_KEY, String(offset() + seconds)),
  };
}
