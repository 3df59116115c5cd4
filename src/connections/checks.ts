import type { ConnectorConfig } from '../config';
import { isLoopbackHost, repositorySecrets, STRIPE_PRODUCTION_API } from '../config/productionChecks';

/**
 * The production rules of src/config/productionChecks.ts, applied to a connection's own
 * credentials: no value written in this repository, a live Stripe key only towards Stripe itself,
 * no credential sent in clear. Development mode (`npm start`, the tests) skips them, as it does for
 * the environment. Problems never show a secret's value.
 */
export interface CredentialsToCheck {
  monstockUrl?: string | undefined;
  monstockToken?: string | undefined;
  monstockWebhookSecret?: string | undefined;
  stripeKey?: string | undefined;
}

export function connectionCredentialProblems(
  config: Pick<ConnectorConfig, 'mode' | 'stripe'>,
  input: CredentialsToCheck,
): string[] {
  if (config.mode !== 'production') return [];
  const problems: string[] = [];
  const known = repositorySecrets();
  const shipped = (name: 'MONSTOCK_API_TOKEN' | 'MONSTOCK_WEBHOOK_SECRET' | 'STRIPE_SECRET_KEY', value?: string) =>
    value !== undefined &&
    [value, ...value.split(',').map((part) => part.trim())].some((part) => known.get(name)?.has(part));
  if (shipped('MONSTOCK_API_TOKEN', input.monstockToken))
    problems.push('monstock token: a development or test value shipped in this repository; production refuses it');
  if (shipped('MONSTOCK_WEBHOOK_SECRET', input.monstockWebhookSecret))
    problems.push(
      'monstock webhook secret: a development or test value shipped in this repository; production refuses it',
    );
  if (shipped('STRIPE_SECRET_KEY', input.stripeKey))
    problems.push('stripe key: a development or test value shipped in this repository; production refuses it');
  if (
    input.stripeKey !== undefined &&
    /^(sk|rk)_live_/.test(input.stripeKey) &&
    config.stripe.apiUrl !== undefined &&
    config.stripe.apiUrl !== STRIPE_PRODUCTION_API
  )
    problems.push(`a live Stripe key is sent to no host but ${STRIPE_PRODUCTION_API} (STRIPE_API_URL is set)`);
  if (input.monstockUrl !== undefined) {
    const url = new URL(input.monstockUrl);
    if (url.protocol === 'http:' && !isLoopbackHost(url.hostname))
      problems.push(`monstock url must use https:// for a host other than loopback (got ${url.origin})`);
  }
  return problems;
}
