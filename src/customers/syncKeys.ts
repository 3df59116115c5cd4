import { emailDigest } from './fingerprint';

/**
 * Keys that serialise the work on one customer, and idempotency keys for Stripe writes.
 *
 * Serialisation key: a linked pair is keyed by its Monstock id, whichever side changed, so a
 * change in Stripe and one in Monstock for the same person never run at once. Unlinked records
 * are keyed by a digest of their e-mail, so a new Monstock customer and a new Stripe customer
 * with the same address are matched one after the other instead of each creating a copy of the
 * other. E-mails never appear in the key itself (it lives in workflow history).
 */
export function syncKeyOf(ids: {
  monstockId?: string | undefined;
  email?: string | undefined;
  stripeId?: string | undefined;
}): string {
  if (ids.monstockId) return `m:${ids.monstockId}`;
  if (ids.email) return `e:${emailDigest(ids.email)}`;
  if (ids.stripeId) return `s:${ids.stripeId}`;
  throw new Error('a customer change needs a Monstock id, an e-mail or a Stripe id');
}

/**
 * Stripe idempotency keys from stable ids. A create is keyed by the Monstock customer and the
 * version it was made from, so a retried activity gets the same Stripe customer back instead of
 * a second one. An update is keyed by the Stripe id, the Monstock version read and the target
 * fingerprint: unique per state transition, since every sync that changes anything also bumps
 * the Monstock version or the fingerprint.
 */
export function stripeCreateKey(connectionId: string, monstockId: string, monstockVersion: number): string {
  return `customer-sync/${connectionId}/create/${monstockId}@${monstockVersion}`;
}

export function stripeUpdateKey(
  connectionId: string,
  stripeId: string,
  monstockId: string,
  monstockVersion: number | 'new',
  targetHash: string,
): string {
  return `customer-sync/${connectionId}/update/${stripeId}/${monstockId}@${monstockVersion}/${targetHash}`;
}
