import type { CustomerChangedEvent, PendingCustomerChange } from '../../shared/customerSync';
import { withActivityFailures } from '../failures';
import { observe } from './describeChanges';
import { syncOneCustomer } from './syncCustomer';
import type { CustomerSyncClients, SyncCustomerResult } from './types';

export type DescribeAndSyncResult =
  | { kind: 'echo' }
  /** The named customer no longer exists (deleted in Stripe, unknown to Monstock). */
  | { kind: 'missing' }
  | { kind: 'synced'; change: PendingCustomerChange; result: SyncCustomerResult };

/**
 * One signalled customer, read and synced in one activity: the workflow's ordinary path (a
 * single signal while nothing else is being synced), one billed action instead of two (a
 * describe, then a sync). The serialisation key is only known after the read, so the workflow
 * starts no other sync meanwhile; the sync itself is the very same as `syncCustomer`'s, safe to
 * retry from the top.
 */
export function createDescribeAndSyncCustomer(clients: CustomerSyncClients) {
  return async function describeAndSyncCustomer(input: {
    connectionId: string;
    event: CustomerChangedEvent;
  }): Promise<DescribeAndSyncResult> {
    return withActivityFailures(async () => {
      const observed = await observe(clients, input.event);
      if (!observed) return { kind: 'missing' };
      if (observed.echo) return { kind: 'echo' };
      const result = await syncOneCustomer(clients, { connectionId: input.connectionId, change: observed.change });
      return { kind: 'synced', change: observed.change, result };
    });
  };
}
