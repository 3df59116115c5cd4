import type Stripe from 'stripe';
import { syncKeyOf } from '../../customers/syncKeys';
import type { MonstockClient } from '../../monstock/client';
import { VersionConflict } from '../../monstock/errors';
import { syncOneCustomer } from '../customerSync/syncCustomer';

/**
 * The Stripe customer of an order's Monstock customer. When the pair is not linked yet, it is
 * linked (or created) by the very same code and idempotency keys as customer sync uses, so the
 * order side and the customer side can never make two Stripe customers for one person.
 */
export async function stripeCustomerForOrder(
  clients: { monstock: MonstockClient; stripe: Stripe },
  connectionId: string,
  monstockCustomerId: string,
): Promise<string> {
  for (let attempt = 1; ; attempt += 1) {
    const customer = await clients.monstock.getCustomer(monstockCustomerId);
    const known = customer.externalRefs.stripeCustomerId;
    if (known) return known;
    try {
      const synced = await syncOneCustomer(clients, {
        connectionId,
        change: {
          key: syncKeyOf({ monstockId: monstockCustomerId }),
          source: 'monstock',
          monstockId: monstockCustomerId,
        },
      });
      if (!synced.stripeId)
        throw new Error(
          `customer ${monstockCustomerId} could not be linked to a Stripe customer: ${synced.skipped ?? 'no reason given'}`,
        );
      return synced.stripeId;
    } catch (error) {
      // Customer sync linked the same new customer a moment before us (a VersionConflict):
      // its link is there now, so read again at once instead of waiting for the activity retry.
      // Other errors go up as thrown; the calling activity turns them into Temporal failures.
      if (attempt >= 3 || !(error instanceof VersionConflict)) throw error;
    }
  }
}
