import { redactEmails } from '../../customers/redact';
import type { CustomerSyncFailure, PendingCustomerChange } from '../../shared/customerSync';

/**
 * Records set aside, by serialisation key: kept (bounded) so they stay visible in the query and
 * the Web UI, cleared when the same customer later syncs. Reasons are stripped of e-mail addresses.
 */
const KEPT = 200;

export class FailureBook {
  private readonly byKey = new Map<string, CustomerSyncFailure>();

  constructor(initial: readonly CustomerSyncFailure[] = []) {
    for (const failure of initial) this.byKey.set(failure.key, failure);
  }

  get size(): number {
    return this.byKey.size;
  }

  record(change: PendingCustomerChange, reason: string, retryable: boolean, at: string): void {
    const previous = this.byKey.get(change.key);
    this.byKey.delete(change.key);
    this.byKey.set(change.key, {
      key: change.key,
      source: change.source,
      ...(change.monstockId ? { monstockId: change.monstockId } : {}),
      ...(change.stripeId ? { stripeId: change.stripeId } : {}),
      reason: redactEmails(reason),
      retryable,
      attempts: (previous?.attempts ?? 0) + 1,
      at,
    });
    // Oldest out first: the count keeps growing in CustomerSyncCounts.failures.
    while (this.byKey.size > KEPT) this.byKey.delete(this.byKey.keys().next().value as string);
  }

  /**
   * After a successful sync: by key, and by either id, since an unlinked record's key follows its
   * e-mail, which is often exactly what was fixed.
   */
  clear(key: string, ids: { monstockId?: string | undefined; stripeId?: string | undefined }): void {
    this.byKey.delete(key);
    for (const [known, failure] of this.byKey) {
      if (
        (ids.monstockId && failure.monstockId === ids.monstockId) ||
        (ids.stripeId && failure.stripeId === ids.stripeId)
      )
        this.byKey.delete(known);
    }
  }

  /** Failures that may heal by themselves (an outage outlasting the retries), to try again. */
  retryable(): PendingCustomerChange[] {
    return [...this.byKey.values()]
      .filter((failure) => failure.retryable)
      .map((failure) => ({
        key: failure.key,
        source: failure.source,
        ...(failure.monstockId ? { monstockId: failure.monstockId } : {}),
        ...(failure.stripeId ? { stripeId: failure.stripeId } : {}),
      }));
  }

  toArray(): CustomerSyncFailure[] {
    return [...this.byKey.values()];
  }
}
