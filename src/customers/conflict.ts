import type { CustomerFields } from './fields';

/**
 * Which side's fields should both sides end with.
 *
 * Each side stores the fingerprint of the fields it had after the last sync. A side whose
 * fields still hash to that value has not been edited since; the other one has. When both were
 * edited (or the two stored fingerprints disagree, as after a first link by e-mail), the newest
 * change wins (see `newestWins`).
 */
export type Side = 'monstock' | 'stripe';
export type WhoseChange = 'equal' | Side | 'both';

export interface SideState {
  /** fingerprint(fields) of the side as read now. */
  fingerprint: string;
  /** The fingerprint stored on that side at the last sync, if any. */
  storedHash?: string | undefined;
}

export function whoseChange(monstock: SideState, stripe: SideState): WhoseChange {
  if (monstock.fingerprint === stripe.fingerprint) return 'equal';
  const monstockEdited = monstock.fingerprint !== monstock.storedHash;
  const stripeEdited = stripe.fingerprint !== stripe.storedHash;
  if (monstockEdited && !stripeEdited) return 'monstock';
  if (stripeEdited && !monstockEdited) return 'stripe';
  return 'both';
}

/**
 * The conflict rule: newest change wins, the same answer on every run.
 *
 * Monstock's change time is the customer's `updatedAt`. Stripe keeps no update time on a
 * customer, so its change time is the `created` of the newest `customer.*` event for it that was
 * not our own write, in whole seconds. The two are compared in whole seconds, the only precision
 * both have: Stripe wins only when its change falls in a strictly later second than Monstock's;
 * a tie (same second) goes to Monstock, the merchant's back office, so the rule never depends on
 * which change was read first. No known Stripe change (`undefined`) means none since Monstock's.
 */
export function newestWins(monstockUpdatedAt: string, stripeChangedAt: number | undefined): Side {
  if (stripeChangedAt === undefined) return 'monstock';
  const monstockSecond = Math.floor(Date.parse(monstockUpdatedAt) / 1000);
  return stripeChangedAt > monstockSecond ? 'stripe' : 'monstock';
}

/**
 * What both sides end with: the winner's fields, except that Monstock requires e-mail and name,
 * so where the winner has none, Monstock's stay (and are copied back to Stripe).
 */
export function targetFields(winner: Side, monstock: CustomerFields, stripe: CustomerFields): CustomerFields {
  if (winner === 'monstock') return monstock;
  return {
    ...stripe,
    ...(stripe.email === undefined && monstock.email !== undefined ? { email: monstock.email } : {}),
    ...(stripe.name === undefined && monstock.name !== undefined ? { name: monstock.name } : {}),
  };
}
