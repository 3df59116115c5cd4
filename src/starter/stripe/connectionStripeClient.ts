import type Stripe from 'stripe';
import type { ResolvedConnection } from '../../connections/resolve';
import { createStripeClient } from '../../stripe/client';

/**
 * The Stripe SDK as one connection sees Stripe: its own key, or the platform key acting as its
 * connected account (every request carries `Stripe-Account`), so the matcher reads that account's
 * payment intents and no other's.
 */
export function connectionStripeClient(
  connection: Pick<ResolvedConnection, 'stripe'>,
  options: { maxNetworkRetries: number; timeoutMs: number },
): Stripe {
  const stripe = createStripeClient({
    secretKey: connection.stripe.secretKey,
    apiUrl: connection.stripe.apiUrl,
    ...options,
  });
  const account = connection.stripe.account;
  if (account === undefined) return stripe;
  // createStripeClient (src/stripe/client.ts) takes no account yet; the SDK's own `stripeAccount`
  // setting is what its constructor would set. Checked after, so an SDK that moved it fails loudly
  // instead of reading the platform's own objects.
  const settable = stripe as unknown as {
    _setApiField(key: string, value: unknown): void;
    getApiField(key: string): unknown;
  };
  settable._setApiField('stripeAccount', account);
  if (settable.getApiField('stripeAccount') !== account)
    throw new Error('the Stripe SDK did not take the connected account: requests would act on the platform');
  return stripe;
}
