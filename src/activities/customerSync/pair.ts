import { ApplicationFailure } from '@temporalio/common';
import type Stripe from 'stripe';
import { fieldsFromStripe, stripeLink } from '../../customers/stripeMapping';
import { monstockLink } from '../../customers/monstockMapping';
import { choosePartner } from '../../customers/partner';
import type { MonstockClient } from '../../monstock/client';
import type { Customer } from '../../monstock/schemas';
import type { PendingCustomerChange } from '../../shared/customerSync';
import { listStripeCustomersByEmail, retrieveStripeCustomer } from './stripeCustomers';
import type { CustomerSyncClients } from './types';

/** A record no retry can fix: the workflow sets it aside as a visible failure. */
export const CUSTOMER_SYNC_REJECTED = 'CustomerSyncRejected';

export function rejected(message: string): ApplicationFailure {
  return ApplicationFailure.create({ type: CUSTOMER_SYNC_REJECTED, message, nonRetryable: true });
}

export type LoadedPair =
  { monstock?: Customer; stripe?: Stripe.Customer; linkedByEmail: boolean } | { skipped: string };

/**
 * Both sides of one customer, read fresh: by cross-reference when there is one, else (once) by
 * e-mail. Starting from the side that changed, so a broken link shows up as that record's failure.
 */
export async function loadPair(clients: CustomerSyncClients, change: PendingCustomerChange): Promise<LoadedPair> {
  const fromStripe = change.stripeId !== undefined && (change.source === 'stripe' || change.monstockId === undefined);
  if (!fromStripe && change.monstockId)
    return fromMonstockSide(clients, await clients.monstock.getCustomer(change.monstockId));
  if (!change.stripeId) throw rejected(`change ${change.key} names no customer`);
  const stripe = await retrieveStripeCustomer(clients.stripe, change.stripeId);
  if (!stripe) return { skipped: `Stripe customer ${change.stripeId} was deleted (deletions are not synced)` };
  return fromStripeSide(clients, stripe);
}

async function fromMonstockSide(clients: CustomerSyncClients, monstock: Customer): Promise<LoadedPair> {
  const linked = monstockLink(monstock).stripeId;
  if (!linked) {
    const stripe = await stripePartnerByEmail(clients.stripe, monstock.email, monstock.id);
    return { monstock, ...(stripe ? { stripe } : {}), linkedByEmail: stripe !== undefined };
  }
  const stripe = await retrieveStripeCustomer(clients.stripe, linked);
  if (!stripe)
    throw rejected(
      `Monstock customer ${monstock.id} is linked to Stripe customer ${linked}, which was deleted in Stripe`,
    );
  const back = stripeLink(stripe).monstockId;
  if (back && back !== monstock.id)
    throw rejected(
      `Monstock customer ${monstock.id} is linked to Stripe customer ${linked}, which is linked to Monstock customer ${back}`,
    );
  return { monstock, stripe, linkedByEmail: false };
}

async function fromStripeSide(clients: CustomerSyncClients, stripe: Stripe.Customer): Promise<LoadedPair> {
  const linked = stripeLink(stripe).monstockId;
  if (!linked) {
    const email = fieldsFromStripe(stripe).email;
    const monstock = email ? await monstockPartnerByEmail(clients.monstock, email, stripe.id) : undefined;
    return { stripe, ...(monstock ? { monstock } : {}), linkedByEmail: monstock !== undefined };
  }
  const monstock = await clients.monstock.getCustomer(linked);
  const back = monstockLink(monstock).stripeId;
  if (back && back !== stripe.id)
    throw rejected(
      `Stripe customer ${stripe.id} is linked to Monstock customer ${linked}, which is linked to Stripe customer ${back}`,
    );
  return { monstock, stripe, linkedByEmail: false };
}

async function stripePartnerByEmail(
  stripe: Stripe,
  email: string,
  monstockId: string,
): Promise<Stripe.Customer | undefined> {
  const found = await listStripeCustomersByEmail(stripe, email);
  const chosen = choosePartner(
    found.map((customer) => ({
      id: customer.id,
      createdAt: customer.created,
      linkedTo: stripeLink(customer).monstockId,
    })),
    monstockId,
  );
  return found.find((customer) => customer.id === chosen);
}

async function monstockPartnerByEmail(
  monstock: MonstockClient,
  email: string,
  stripeId: string,
): Promise<Customer | undefined> {
  const found = (await monstock.listCustomers({ email, limit: 50 })).data;
  const chosen = choosePartner(
    found.map((customer) => ({
      id: customer.id,
      createdAt: Date.parse(customer.createdAt),
      linkedTo: monstockLink(customer).stripeId,
    })),
    stripeId,
  );
  return found.find((customer) => customer.id === chosen);
}
