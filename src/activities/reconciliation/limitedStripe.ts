import type { Database } from '../../store/database';
import type { MatchSettings } from '../../matching/matchRules';
import { OrderMatcher } from '../../matching/orderMatcher';
import type { MonstockClient } from '../../monstock/client';
import { createStripeClient, type StripeClientOptions } from '../../stripe/client';
import { sharedStripeLimiter, type RateLimiter } from '../../stripe/rateLimiter';
import type { ReconciliationSettings } from './types';

/**
 * Reconciliation's settings with its own Stripe client behind the account's limiter, and a
 * matcher on that client, so every request a run makes (list pages, charges, the matcher's
 * Checkout reads, retries) counts against STRIPE_RATE_LIMIT_PER_SECOND.
 */
export function rateLimitedReconciliation(options: {
  /** Unset: the process's database, from DATABASE_URL. */
  database?: Database;
  stripeRateLimitPerSecond: number;
  /** The account's budget shared by every worker (the worker's); unset: a limiter of this process alone. */
  rateLimiter?: RateLimiter;
  stripe: StripeClientOptions;
  monstock: MonstockClient;
  matching: MatchSettings;
}): ReconciliationSettings {
  const stripe = createStripeClient({
    ...options.stripe,
    rateLimiter: options.rateLimiter ?? sharedStripeLimiter(options.stripeRateLimitPerSecond),
  });
  return {
    ...(options.database ? { database: options.database } : {}),
    stripeRateLimitPerSecond: options.stripeRateLimitPerSecond,
    stripe,
    matcher: new OrderMatcher({ stripe, monstock: options.monstock, settings: options.matching }),
  };
}
