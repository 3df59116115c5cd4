import Stripe from 'stripe';
import { CountingHttpClient } from './countingHttpClient';
import type { RateLimiter } from './rateLimiter';

/**
 * The Stripe API version this code is written against. Pinned here, not taken from the account,
 * so an account upgrade on Stripe's side never changes the shapes we parse.
 */
export const STRIPE_API_VERSION = '2026-10-28.endive' as const;

export interface StripeClientOptions {
  secretKey: string;
  /** Unset: api.stripe.com. Set: that base URL (the Stripe sandbox, stripe-mock). */
  apiUrl?: string | undefined;
  maxNetworkRetries?: number;
  timeoutMs?: number;
  /** Every request waits its turn here (reconciliation's client: Stripe counts requests per second and account). */
  rateLimiter?: RateLimiter;
  /** A Stripe Connect account: every request acts on it (`Stripe-Account`), under the platform key. */
  stripeAccount?: string | undefined;
}

export function createStripeClient(options: StripeClientOptions): Stripe {
  const base = options.apiUrl ? new URL(options.apiUrl) : undefined;
  return new Stripe(options.secretKey, {
    apiVersion: STRIPE_API_VERSION,
    maxNetworkRetries: options.maxNetworkRetries ?? 2,
    timeout: options.timeoutMs ?? 20_000,
    // Request-latency telemetry to Stripe: of no use to a sandbox, and under load it fills its buffer and floods the
    // log.
    telemetry: false,
    httpClient: new CountingHttpClient(options.rateLimiter),
    appInfo: { name: 'monstock-stripe', url: 'https://github.com/monstock-stripe' },
    ...(options.stripeAccount ? { stripeAccount: options.stripeAccount } : {}),
    ...(base
      ? {
          host: base.hostname,
          port: Number(base.port || (base.protocol === 'https:' ? 443 : 80)),
          protocol: base.protocol === 'https:' ? ('https' as const) : ('http' as const),
        }
      : {}),
  });
}
