import { connectionCredentialProblems } from '../../src/connections/checks';
import { newConnectionSchema } from '../../src/connections/schema';
import { fakeLiveKey } from '../support/fakeKeys';

const production = {
  mode: 'production' as const,
  stripe: { secretKey: 'sk_test_platform_own', webhookSecrets: [], connectWebhookSecrets: [], apiUrl: undefined },
};

describe('a connection’s credentials in production', () => {
  it('accepts credentials of the operator’s own', () => {
    expect(
      connectionCredentialProblems(production, {
        monstockUrl: 'https://monstock.example/v1',
        monstockToken: 'a-token-of-my-own',
        monstockWebhookSecret: 'a-secret-of-my-own',
        stripeKey: fakeLiveKey('sk', 'abcdefgh12345678'),
      }),
    ).toEqual([]);
  });

  it('refuses the repository’s values, a live key sent elsewhere and credentials in clear, showing no secret', () => {
    const problems = connectionCredentialProblems(
      { ...production, stripe: { ...production.stripe, apiUrl: 'http://127.0.0.1:4020' } },
      {
        monstockUrl: 'http://monstock.example/v1',
        monstockToken: 'monstock-test-token',
        monstockWebhookSecret: 'monstock-dev-webhook-secret',
        stripeKey: fakeLiveKey('sk', 'abcdefgh12345678'),
      },
    );
    expect(problems).toEqual([
      expect.stringMatching(/^monstock token: a development or test value/),
      expect.stringMatching(/^monstock webhook secret: a development or test value/),
      expect.stringMatching(/live Stripe key/),
      expect.stringMatching(/https:\/\//),
    ]);
    expect(problems.join(' ')).not.toMatch(/monstock-test-token|monstock-dev-webhook-secret|_live_/);
    expect(connectionCredentialProblems(production, { stripeKey: 'sk_test_monstock_stripe_tests_only' })).toEqual([
      expect.stringMatching(/^stripe key/),
    ]);
  });

  it('checks nothing in development mode', () => {
    expect(
      connectionCredentialProblems({ ...production, mode: 'development' }, { monstockToken: 'monstock-test-token' }),
    ).toEqual([]);
  });
});

describe('a new connection’s shape', () => {
  const base = {
    id: 'shop-a',
    monstockUrl: 'https://monstock.example/v1',
    monstockToken: 'token-123456',
    monstockWebhookSecret: 'secret-123456',
  };
  it('takes exactly one of a Stripe key or a connected account', () => {
    expect(newConnectionSchema.safeParse({ ...base, stripeAccount: 'acct_1A' }).success).toBe(true);
    expect(newConnectionSchema.safeParse({ ...base, stripeKey: 'sk_test_12345678' }).success).toBe(true);
    expect(newConnectionSchema.safeParse(base).success).toBe(false);
    expect(
      newConnectionSchema.safeParse({ ...base, stripeKey: 'sk_test_12345678', stripeAccount: 'acct_1A' }).success,
    ).toBe(false);
  });
  it.each(['default', 'Shop', '-shop', 'a'.repeat(64), 'shop/a', ''])('refuses the id %j', (id) => {
    expect(newConnectionSchema.safeParse({ ...base, id, stripeAccount: 'acct_1A' }).success).toBe(false);
  });
  it('refuses unknown fields and settings', () => {
    expect(newConnectionSchema.safeParse({ ...base, stripeAccount: 'acct_1A', colour: 'red' }).success).toBe(false);
    expect(
      newConnectionSchema.safeParse({ ...base, stripeAccount: 'acct_1A', settings: { captureMode: 'automatic' } })
        .success,
    ).toBe(false);
    expect(
      newConnectionSchema.safeParse({
        ...base,
        stripeAccount: 'acct_1A',
        settings: { reconciliationTimeZone: 'Mars/Base' },
      }).success,
    ).toBe(false);
  });
});
