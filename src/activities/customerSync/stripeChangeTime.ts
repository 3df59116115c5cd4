import type Stripe from 'stripe';
import { fingerprint } from '../../customers/fingerprint';
import { fieldsFromStripe, stripeLink } from '../../customers/stripeMapping';
import { customerEventsSince, customerOfEvent } from './stripeCustomers';

const MAX_PAGES = 10;

export type StripeChangeTime = { kind: 'found'; at: number } | { kind: 'none' } | { kind: 'unknown' };

/**
 * When the Stripe customer was last edited by someone other than us, if at or after
 * `sinceSecond`: Stripe customers carry no update time, so it is the `created` of the newest
 * `customer.*` event for it whose snapshot is not one of our writes. Only needed to settle a
 * conflict, so the extra reads are rare. `none`: no such edit since then (Monstock's is newer);
 * `unknown`: too many events to look through.
 */
export async function lastStripeEdit(
  stripe: Stripe,
  customerId: string,
  sinceSecond: number,
): Promise<StripeChangeTime> {
  let startingAfter: string | undefined;
  for (let pages = 0; pages < MAX_PAGES; pages += 1) {
    const page = await customerEventsSince(stripe, sinceSecond, startingAfter);
    for (const event of page.data) {
      const customer = customerOfEvent(event);
      if (customer?.id !== customerId) continue;
      if (stripeLink(customer).hash === fingerprint(fieldsFromStripe(customer))) continue;
      return { kind: 'found', at: event.created };
    }
    startingAfter = page.data[page.data.length - 1]?.id;
    if (!page.has_more || !startingAfter) return { kind: 'none' };
  }
  return { kind: 'unknown' };
}
