/**
 * What went wrong talking to Monstock, classified for retry decisions: 408/409/412/429 and 5xx
 * and network failures may succeed later; any other 4xx will not, and retrying it only hides it.
 */
export class MonstockApiError extends Error {
  constructor(
    message: string,
    readonly status: number | undefined,
    readonly code: string,
    readonly retryable: boolean,
    /** From `Retry-After` on a 429: how long Monstock asked us to wait. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'MonstockApiError';
  }
}

const RETRYABLE_CLIENT_STATUSES = new Set([408, 409, 412, 429]);

export function isRetryableStatus(status: number): boolean {
  return status >= 500 || RETRYABLE_CLIENT_STATUSES.has(status);
}

/** `Retry-After` is seconds or an HTTP date; anything unreadable becomes one second. */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number {
  const raw = Array.isArray(value) ? value[0] : value;
  if (!raw) return 1000;
  const seconds = Number(raw);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.round(seconds * 1000);
  const date = Date.parse(raw);
  return Number.isNaN(date) ? 1000 : Math.max(0, date - now);
}
