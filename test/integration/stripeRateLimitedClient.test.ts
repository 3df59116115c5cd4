import { request } from 'undici';
import { createStripeClient } from '../../src/stripe/client';
import { countStripeRequests, retryAfterMs } from '../../src/stripe/countingHttpClient';
import { SlidingWindowLimiter } from '../../src/stripe/rateLimiter';
import { startStripeFixture, TEST_STRIPE_KEY, type StripeFixture } from '../support/stripeSandbox';

/**
 * Reconciliation's Stripe client: every request waits for the limiter and is counted for the run
 * that made it; a 429 (another process spent the account's budget) is waited out, not failed.
 */
describe('rate-limited, counting Stripe client', () => {
  let stripe: StripeFixture;

  beforeAll(async () => {
    stripe = await startStripeFixture();
  });
  afterAll(() => stripe?.close());

  const injected = async () =>
    ((await (await request(`${stripe.url}/_sandbox/faults/injected`)).body.json()) as { rateLimited: number })
      .rateLimited;

  it('waits out the 429s of a stricter server and counts every request, retries included, per caller', async () => {
    const intent = await stripe.stripe.paymentIntents.create({ amount: 500, currency: 'eur' });
    // The server allows 3 a second; this process believes it may send 20.
    await stripe.setFaults({ rateLimitPerSecond: 3 });
    try {
      const before = await injected();
      const client = createStripeClient({
        secretKey: TEST_STRIPE_KEY,
        apiUrl: stripe.url,
        maxNetworkRetries: 0,
        rateLimiter: new SlidingWindowLimiter(20),
      });
      let first = 0;
      let second = 0;
      const reads = (count: number) =>
        Promise.all(Array.from({ length: count }, () => client.charges.list({ payment_intent: intent.id })));
      const [a, b] = await Promise.all([
        countStripeRequests(
          () => (first += 1),
          () => reads(4),
        ),
        countStripeRequests(
          () => (second += 1),
          () => reads(2),
        ),
      ]);
      expect(a.concat(b).every((page) => page.object === 'list')).toBe(true);
      const refused = (await injected()) - before;
      expect(refused).toBeGreaterThan(0);
      // Six reads that succeeded, plus one request per refusal, each counted for the caller that made it.
      expect(first + second).toBe(6 + refused);
      expect(first).toBeGreaterThanOrEqual(4);
      expect(second).toBeGreaterThanOrEqual(2);
    } finally {
      await stripe.setFaults({});
    }
  }, 30_000);

  it('reads Retry-After as Stripe sends it, in seconds, within bounds', () => {
    expect(retryAfterMs('2')).toBe(2000);
    expect(retryAfterMs(['3'])).toBe(3000);
    expect(retryAfterMs(undefined)).toBe(1000);
    expect(retryAfterMs('soon')).toBe(1000);
    expect(retryAfterMs('3600')).toBe(10_000);
  });
});
