import { AsyncLocalStorage } from 'node:async_hooks';
import Stripe from 'stripe';
import type { RateLimiter } from './rateLimiter';

type NodeHttpClient = ReturnType<typeof Stripe.createNodeHttpClient>;

const counters = new AsyncLocalStorage<() => void>();

/**
 * Runs `work`, calling `onRequest` for every request a rate-limited Stripe client sends on its
 * behalf, retries included (the SDK's promise chain carries the async context down to the HTTP
 * client). Concurrent runs count apart.
 */
export async function countStripeRequests<T>(onRequest: () => void, work: () => Promise<T>): Promise<T> {
  return counters.run(onRequest, work);
}

/**
 * The SDK's own HTTP client, counting requests for `countStripeRequests` and, given a limiter,
 * behind it: every request, including the SDK's retries and the calls made by helpers handed
 * this client (the order matcher's Checkout reads), waits for its turn. Limiting the requests
 * themselves, not the callers' estimate of them, is what keeps a process under Stripe's
 * per-second limit.
 */
export class CountingHttpClient implements NodeHttpClient {
  constructor(
    private readonly limiter?: RateLimiter,
    private readonly inner: NodeHttpClient = Stripe.createNodeHttpClient(),
  ) {}

  getClientName(): string {
    return this.inner.getClientName();
  }

  async makeRequest(...args: Parameters<NodeHttpClient['makeRequest']>): ReturnType<NodeHttpClient['makeRequest']> {
    await this.limiter?.take(1);
    counters.getStore()?.();
    return this.inner.makeRequest(...args);
  }
}
