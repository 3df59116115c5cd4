import { AsyncLocalStorage } from 'node:async_hooks';
import Stripe from 'stripe';
import type { RateLimiter } from './rateLimiter';

type NodeHttpClient = ReturnType<typeof Stripe.createNodeHttpClient>;

const counters = new AsyncLocalStorage<() => void>();
const MAX_RATE_LIMITED_RETRIES = 5;

/** Retry-After in seconds, as Stripe sends it; 1 s when absent or odd, at most 10 s. */
export function retryAfterMs(header: string | string[] | undefined): number {
  const seconds = Number(Array.isArray(header) ? header[0] : header);
  return Number.isFinite(seconds) && seconds > 0 ? Math.min(seconds, 10) * 1000 : 1000;
}

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
    for (let attempt = 0; ; attempt += 1) {
      await this.limiter?.take(1);
      counters.getStore()?.();
      const response = await this.inner.makeRequest(...args);
      // A limited client still meets a 429 when another process spends the same account's budget:
      // it waits as told and asks again, rather than failing a long run's activity.
      if (!this.limiter || response.getStatusCode() !== 429 || attempt >= MAX_RATE_LIMITED_RETRIES) return response;
      await response.toJSON().catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, retryAfterMs(response.getHeaders()['retry-after'])));
    }
  }
}
