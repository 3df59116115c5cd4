import type { PendingCustomerChange } from '../../shared/customerSync';

/**
 * Customers waiting to be synced, one entry per serialisation key, oldest first. A second report
 * of a queued customer merges into its entry (the sync reads both sides fresh anyway), so a burst
 * of webhooks for one customer costs one sync.
 */
export class ChangeQueue {
  private readonly entries = new Map<string, PendingCustomerChange>();

  constructor(initial: readonly PendingCustomerChange[] = []) {
    for (const change of initial) this.add(change);
  }

  get size(): number {
    return this.entries.size;
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  add(change: PendingCustomerChange): void {
    const known = this.entries.get(change.key);
    this.entries.set(change.key, known ? mergeChanges(known, change) : change);
  }

  /** The oldest entry whose key is not busy, removed from the queue. */
  takeNext(isBusy: (key: string) => boolean): PendingCustomerChange | undefined {
    for (const [key, change] of this.entries) {
      if (isBusy(key)) continue;
      this.entries.delete(key);
      return change;
    }
    return undefined;
  }

  toArray(): PendingCustomerChange[] {
    return [...this.entries.values()];
  }
}

export function mergeChanges(older: PendingCustomerChange, newer: PendingCustomerChange): PendingCustomerChange {
  const times = [older.stripeChangedAt, newer.stripeChangedAt].filter((time): time is number => time !== undefined);
  const monstockId = newer.monstockId ?? older.monstockId;
  const stripeId = newer.stripeId ?? older.stripeId;
  return {
    key: newer.key,
    source: newer.source,
    ...(monstockId ? { monstockId } : {}),
    ...(stripeId ? { stripeId } : {}),
    ...(times.length > 0 ? { stripeChangedAt: Math.max(...times) } : {}),
  };
}
