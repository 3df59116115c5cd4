/**
 * Where each side keeps the other's id and the fingerprint of the fields last synced. Names are
 * part of the stored data on both systems: renaming one orphans every existing link.
 */
export const STRIPE_MONSTOCK_ID_KEY = 'monstock_customer_id';
export const STRIPE_SYNC_HASH_KEY = 'monstock_sync_hash';
export const MONSTOCK_STRIPE_ID_KEY = 'stripeCustomerId';
export const MONSTOCK_SYNC_HASH_KEY = 'stripeSyncHash';

/** Metadata and externalRefs treat "" as "no value" (it is how both APIs delete a key). */
export function refValue(refs: Record<string, string> | null | undefined, key: string): string | undefined {
  const value = refs?.[key];
  return value ? value : undefined;
}

/**
 * On the Monstock customer only: the version the connector's own write produced. Written in the
 * write itself (guarded by If-Match, and Monstock adds one to the version on each change), so a
 * signed `customer.updated` whose snapshot is at exactly this version is the echo of that write.
 */
export const MONSTOCK_SYNC_VERSION_KEY = 'stripeSyncVersion';
