import { ApplicationFailure } from '@temporalio/common';
import Stripe from 'stripe';
import { MonstockApiError, RateLimited } from '../monstock/errors';

/**
 * Translates adapter errors into Temporal's retry language: a rejected write is non-retryable
 * (the workflow parks it for a person), a 429 waits exactly as long as Monstock asked. For
 * Monstock, whether an error is worth retrying is decided once, by its class in src/monstock;
 * `status` and `code` only travel along in the details for people reading the failure.
 */
export const MONSTOCK_REJECTED = 'MonstockRejected';
export const MONSTOCK_UNAVAILABLE = 'MonstockUnavailable';
export const STRIPE_REJECTED = 'StripeRejected';
export const STRIPE_UNAVAILABLE = 'StripeUnavailable';

export function toActivityFailure(error: unknown): unknown {
  if (error instanceof Stripe.errors.StripeError) return stripeFailure(error);
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
    ...(error instanceof RateLimited ? { nextRetryDelay: Math.max(error.retryAfterMs, 100) } : {}),
  });
}

export async function withActivityFailures<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    throw toActivityFailure(error);
  }
}

/** Stripe: bad key, missing object or invalid request will not heal; rate limits and outages will. */
function stripeFailure(error: InstanceType<typeof Stripe.errors.StripeError>): ApplicationFailure {
  const status = error.statusCode;
  const retryable =
    status === undefined || status === 429 || status === 409 || status >= 500 || error.type === 'StripeConnectionError';
  return ApplicationFailure.create({
    type: retryable ? STRIPE_UNAVAILABLE : STRIPE_REJECTED,
    message: `Stripe ${error.type}${status !== undefined ? ` ${status}` : ''}: ${error.message}`,
    nonRetryable: !retryable,
    details: [{ status: status ?? null, code: error.code ?? null, requestId: error.requestId ?? null }],
    ...(status === 429 ? { nextRetryDelay: '1 second' } : {}),
  });
}
