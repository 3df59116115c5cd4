import type Stripe from 'stripe';
import { stripeCreatedRange } from '../../reconciliation/window';
import type { ReconciliationWindow } from '../../shared/reconciliation';

/** How long Stripe keeps events: a failed delivery older than this can no longer be replayed. */
export const STRIPE_EVENT_RETENTION_DAYS = 30;

/**
 * The one Stripe call behind the replay of failed deliveries: a page of the window's events
 * that some webhook endpoint has not acknowledged (`delivery_success: false`), newest first,
 * `starting_after` the last event of the previous page. Checked against stripe-mock in
 * test/integration/stripeCallsContract.test.ts.
 */
export function listFailedStripeEvents(
  stripe: Stripe,
  window: ReconciliationWindow,
  page: { startingAfter?: string; limit?: number; types?: readonly string[] } = {},
): Promise<Stripe.ApiList<Stripe.Event>> {
  return stripe.events.list({
    delivery_success: false,
    created: stripeCreatedRange(window),
    limit: Math.min(Math.max(1, page.limit ?? 100), 100),
    ...(page.types && page.types.length > 0 ? { types: [...page.types] } : {}),
    ...(page.startingAfter ? { starting_after: page.startingAfter } : {}),
  });
}
