import { MonstockApiError } from '../src/monstock/errors';

/** Monstock may be answering 5xx or 429 for a stretch: the shop retries like any client would. */
export async function monstockRetry<T>(call: () => Promise<T>, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await call();
    } catch (error) {
      const retryable = !(error instanceof MonstockApiError) || error.retryable;
      if (!retryable || Date.now() > deadline) throw error;
      const wait =
        error instanceof MonstockApiError && error.retryAfterMs !== undefined
          ? error.retryAfterMs
          : Math.min(100 * 2 ** attempt, 2000);
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}
