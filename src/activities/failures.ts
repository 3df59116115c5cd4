import { ApplicationFailure } from '@temporalio/common';
import { MonstockApiError } from '../monstock/errors';

/**
 * Translates adapter errors into Temporal's retry language: a rejected write is non-retryable
 * (the workflow parks it for a person), a 429 waits exactly as long as Monstock asked.
 */
export const MONSTOCK_REJECTED = 'MonstockRejected';
export const MONSTOCK_UNAVAILABLE = 'MonstockUnavailable';

export function toActivityFailure(error: unknown): unknown {
  if (!(error instanceof MonstockApiError)) return error;
  if (!error.retryable) {
    return ApplicationFailure.create({
      type: MONSTOCK_REJECTED,
      message: error.message,
      nonRetryable: true,
      details: [{ status: error.status ?? null, code: error.code }],
    });
  }
  return ApplicationFailure.create({
    type: MONSTOCK_UNAVAILABLE,
    message: error.message,
    details: [{ status: error.status ?? null, code: error.code }],
    ...(error.retryAfterMs !== undefined ? { nextRetryDelay: Math.max(error.retryAfterMs, 100) } : {}),
  });
}

export async function withActivityFailures<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    throw toActivityFailure(error);
  }
}
