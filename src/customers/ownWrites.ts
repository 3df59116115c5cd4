import { MONSTOCK_SYNC_VERSION_KEY, refValue } from './crossRefs';
import { fingerprint } from './fingerprint';
import { fieldsFromStripe, stripeLink, type StripeCustomerView } from './stripeMapping';

/**
 * The connector's own writes to a Monstock customer, recognisable from the record alone: every
 * write sends `If-Match: <version>` and names the version it will produce (Monstock adds one on
 * each change, and the marker itself is always a change). A later edit by anyone else moves the
 * version past the marker, so only the record exactly as the connector left it matches.
 */
export function ownWriteMarker(ifMatchVersion: number): Record<string, string> {
  return { [MONSTOCK_SYNC_VERSION_KEY]: String(ifMatchVersion + 1) };
}

/** The customer as a signed Monstock webhook shows it, or as read: untyped fields count as unknown. */
export interface CustomerSnapshot {
  version?: number | undefined;
  externalRefs?: Record<string, string> | undefined;
}

/**
 * True only when the snapshot is the very version the connector's write produced. Anything
 * missing or different says false: the change is then synced as any other.
 */
export function isOwnWrite(snapshot: CustomerSnapshot): boolean {
  if (snapshot.version === undefined || !Number.isSafeInteger(snapshot.version)) return false;
  return refValue(snapshot.externalRefs, MONSTOCK_SYNC_VERSION_KEY) === String(snapshot.version);
}

/**
 * Stripe's side: Stripe keeps no version, but every write of the connector to a Stripe customer
 * stores, with the Monstock id, the fingerprint of the fields it left (`monstock_sync_hash`). A
 * signed `customer.*` snapshot that is linked and whose fields still hash to that fingerprint is
 * the record exactly as the connector left it (its own creation or update, or an edit of nothing
 * synced): there is nothing to bring over. A person's edit of a synced field changes the hash and
 * is never matched; the snapshot is the record at that event's time, so a later edit comes with
 * an event (and a snapshot) of its own. The same rule as the sync's own echo check (observeStripe).
 */
export function isStripeSnapshotAsSynced(snapshot: StripeCustomerView): boolean {
  const link = stripeLink(snapshot);
  return link.monstockId !== undefined && link.hash === fingerprint(fieldsFromStripe(snapshot));
}
