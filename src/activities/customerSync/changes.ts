import type Stripe from 'stripe';
import { fingerprint } from '../../customers/fingerprint';
import { fieldsFromMonstock, monstockLink } from '../../customers/monstockMapping';
import { isStripeSnapshotAsSynced } from '../../customers/ownWrites';
import { stripeLink, type StripeCustomerView } from '../../customers/stripeMapping';
import { syncKeyOf } from '../../customers/syncKeys';
import type { Customer } from '../../monstock/schemas';
import type { PendingCustomerChange } from '../../shared/customerSync';

/**
 * A record as read by a poll or a webhook, turned into work for the workflow, or recognised as
 * an echo: linked, and its fields still hash to the fingerprint stored at the last sync, so the
 * change was our own write (or touched nothing we sync) and the other side already has it.
 */
export type Observed = { echo: true } | { echo: false; change: PendingCustomerChange };

export function observeMonstock(customer: Customer): Observed {
  const link = monstockLink(customer);
  if (link.stripeId && link.hash === fingerprint(fieldsFromMonstock(customer))) return { echo: true };
  return {
    echo: false,
    change: {
      key: syncKeyOf(link.stripeId ? { monstockId: customer.id } : { email: customer.email, monstockId: undefined }),
      source: 'monstock',
      monstockId: customer.id,
      ...(link.stripeId ? { stripeId: link.stripeId } : {}),
    },
  };
}

export function observeStripe(
  customer: StripeCustomerView & Pick<Stripe.Customer, 'id'>,
  changedAt?: number,
): Observed {
  if (isStripeSnapshotAsSynced(customer)) return { echo: true };
  const link = stripeLink(customer);
  return {
    echo: false,
    change: {
      key: syncKeyOf({ monstockId: link.monstockId, email: customer.email ?? undefined, stripeId: customer.id }),
      source: 'stripe',
      stripeId: customer.id,
      ...(link.monstockId ? { monstockId: link.monstockId } : {}),
      ...(changedAt !== undefined ? { stripeChangedAt: changedAt } : {}),
    },
  };
}

/** Several reports of one customer in one read become one piece of work (the latest Stripe time kept). */
export class ChangeCollector {
  private readonly byKey = new Map<string, PendingCustomerChange>();
  echoes = 0;

  add(observed: Observed): void {
    if (observed.echo) {
      this.echoes += 1;
      return;
    }
    const change = observed.change;
    const known = this.byKey.get(change.key);
    this.byKey.set(
      change.key,
      known
        ? {
            ...known,
            ...change,
            ...(maxTime(known, change) !== undefined ? { stripeChangedAt: maxTime(known, change) } : {}),
          }
        : change,
    );
  }

  get size(): number {
    return this.byKey.size;
  }

  changes(): PendingCustomerChange[] {
    return [...this.byKey.values()];
  }
}

function maxTime(a: PendingCustomerChange, b: PendingCustomerChange): number | undefined {
  if (a.stripeChangedAt === undefined) return b.stripeChangedAt;
  if (b.stripeChangedAt === undefined) return a.stripeChangedAt;
  return Math.max(a.stripeChangedAt, b.stripeChangedAt);
}
