import type Stripe from 'stripe';
import { syncKeyOf } from '../../customers/syncKeys';
import type { MonstockClient } from '../../monstock/client';
import { createSyncCustomer } from '../customerSync/syncCustomer';

/**
 * The Stripe customer of an order's Monstock customer. When the pair is not linked yet, it is
 * linked (or created) by the very same code and idempotency keys as customer sync uses, so the
 * order side and the customer side can never make two Stripe customers for one person.
 */
export async function stripeCustomerForOrder(clients: { monstock: MonstockClient; stripe: Stripe }, connectionId: string, monstockCustomerId: string): Promise<string> {
  const customer = await clients.monstock.getCustomer(monstockCustomerId);
  const known = customer.externalRefs.stripeCustomerId;
  if (known) return known;
  const synced = await createSyncCustomer(clients)({
    connectionId,
    change: { key: syncKeyOf({ monstockId: monstockCustomerId }), source: 'monstock', monstockId: monstockCustomerId },
  });
  if (!synced.stripeId) throw new Error(`customer ${monstockCustomerId} could not be linked to a Stripe customer: ${synced.skipped ?? 'no reason given'}`);
  return synced.stripeId;
}
