import type Stripe from 'stripe';
import { request } from 'undici';
import { createLogger } from '../../src/observability/logger';
import type { FaultSettings } from '../../sandbox/kit/faults';
import { startStripeSandbox } from '../../sandbox/stripe/app';
import { createStripeClient } from '../../src/stripe/client';

export const TEST_STRIPE_KEY = 'sk_test_monstock_stripe_tests_only';
export const TEST_STRIPE_WEBHOOK_SECRET = 'whsec_monstock_stripe_tests_only';

export interface StripeFixture {
  url: string;
  stripe: Stripe;
  webhookSecret: string;
  setFaults(faults: FaultSettings): Promise<void>;
  admin(path: string, body?: unknown): Promise<unknown>;
  /** The SDK for another `sk_test_` key: another Stripe account in the same sandbox. */
  clientFor(secretKey: string): Stripe;
  close(): Promise<void>;
}

/** A throwaway Stripe sandbox (in memory, any free port) and the official SDK pointed at it. */
export async function startStripeFixture(
  options: {
    webhookUrl?: string;
    sepaSettleMs?: number;
    disputeDelayMs?: number;
    /** Credentials of the test's own instead of the shared test ones (which production refuses). */
    credentials?: { secretKey: string; webhookSecret: string };
  } = {},
): Promise<StripeFixture> {
  const secretKey = options.credentials?.secretKey ?? TEST_STRIPE_KEY;
  const sandbox = await startStripeSandbox({
    port: 0,
    dataFile: ':memory:',
    secretKey,
    webhookSecret: options.credentials?.webhookSecret ?? TEST_STRIPE_WEBHOOK_SECRET,
    ...(options.webhookUrl ? { webhookUrl: options.webhookUrl } : {}),
    webhookBackoffBaseMs: 50,
    sepaSettleMs: options.sepaSettleMs ?? 60_000,
    ...(options.disputeDelayMs !== undefined ? { disputeDelayMs: options.disputeDelayMs } : {}),
    logger: createLogger({ level: 'error' }),
  });
  const stripe = createStripeClient({ secretKey, apiUrl: sandbox.url, maxNetworkRetries: 0 });
  const admin = async (path: string, body: unknown = {}) => {
    const answer = await request(`${sandbox.url}${path}`, {
      method: 'POST',
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json' },
    });
    const text = await answer.body.text();
    if (answer.statusCode >= 300) throw new Error(`${path} answered ${answer.statusCode}: ${text}`);
    return text ? (JSON.parse(text) as unknown) : undefined;
  };
  return {
    url: sandbox.url,
    stripe,
    webhookSecret: sandbox.webhookSecret,
    setFaults: async (faults) => {
      await admin('/_sandbox/faults', faults);
    },
    admin,
    clientFor: (otherKey) => createStripeClient({ secretKey: otherKey, apiUrl: sandbox.url, maxNetworkRetries: 0 }),
    close: () => sandbox.close(),
  };
}
