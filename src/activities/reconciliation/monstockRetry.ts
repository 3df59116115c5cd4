import { heartbeat, sleep } from '@temporalio/activity';
import { RateLimited } from '../../monstock/errors';

const MAX_WAITS = 20;
const MAX_WAIT_MS = 60_000;

/**
 * A Monstock 429 inside a long page walk waits exactly as long as Monstock asked (its
 * Retry-After, surfaced as retryAfterMs) and tries again, heartbeating, instead of failing the
 * whole activity and reading its pages again. Anything else is thrown for Temporal's retries.
 */
export async function honouringRateLimit<T>(call: () => Promise<T>, progress?: () => unknown): Promise<T> {
  for (let waits = 0; ; waits += 1) {
    try {
      return await call();
    } catch (error) {
      if (!(error instanceof RateLimited) || waits >= MAX_WAITS) throw error;
      heartbeat(progress?.());
      await sleep(Math.min(Math.max(error.retryAfterMs, 50), MAX_WAIT_MS));
    }
  }
}
