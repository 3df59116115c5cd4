import Stripe from 'stripe';
import { STRIPE_API_VERSION } from '../src/stripe/client';

/**
 * The bench's own Stripe client for the sandbox: like the connector's, without telemetry (its buffer overflows under
 * load).
 */
export function benchStripeClient(secretKey: string, apiUrl: string): Stripe {
  const base = new URL(apiUrl);
  return new Stripe(secretKey, {
    apiVersion: STRIPE_API_VERSION,
    maxNetworkRetries: 2,
    timeout: 60_000,
    telemetry: false,
    host: base.hostname,
    port: Number(base.port || 80),
    protocol: 'http',
  });
}
