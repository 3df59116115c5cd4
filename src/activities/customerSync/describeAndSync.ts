import { ApplicationFailure } from '@temporalio/common';
import {
  DESCRIBE_AND_SYNC_BATCH,
  type CustomerChangedEvent,
  type PendingCustomerChange,
} from '../../shared/customerSync';
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
    return withActivityFailures(() => readAndSync(clients, input.connectionId, input.event));
  };
}

/** Reads the signalled customer and syncs it; `onRead` learns its keyed change before the sync. */
async function readAndSync(
  clients: CustomerSyncClients,
  connectionId: string,
  event: CustomerChangedEvent,
  onRead: (change: PendingCustomerChange) => void = () => undefined,
): Promise<DescribeAndSyncResult> {
  const observed = await observe(clients, event);
  if (!observed) return { kind: 'missing' };
  if (observed.echo) return { kind: 'echo' };
  onRead(observed.change);
  const result = await syncOneCustomer(clients, { connectionId, change: observed.change });
  return { kind: 'synced', change: observed.change, result };
}

/** One signalled customer's outcome in a batch: as above, or a failure the workflow takes the long way. */
export type DescribeAndSyncOutcome =
  | DescribeAndSyncResult
  /** `change` when the customer was read (key known): the keyed sync retries it, sets it aside if it keeps failing. */
  | { kind: 'failed'; reason: string; change?: PendingCustomerChange };

/**
 * Several signalled customers, read and synced one after the other in one activity: what a
 * burst of new customers costs (a signal each, one activity for them all) instead of a describe
 * and a sync per customer. One after the other, so two signals for one person (a Monstock and a
 * Stripe customer with the same e-mail) are serialised as keys would serialise them; the workflow
 * starts no other sync meanwhile. A customer that fails does not fail the others: it comes back
 * as `failed`, and the workflow sends it the long way, where retries and setting aside live.
 */
export function createDescribeAndSyncCustomers(clients: CustomerSyncClients) {
  return async function describeAndSyncCustomers(input: {
    connectionId: string;
    events: CustomerChangedEvent[];
  }): Promise<{ outcomes: DescribeAndSyncOutcome[] }> {
    // The workflow never asks for more; a retry could not make such a batch fit.
    if (input.events.length > DESCRIBE_AND_SYNC_BATCH)
      throw ApplicationFailure.nonRetryable(
        `at most ${DESCRIBE_AND_SYNC_BATCH} customers per batch, got ${input.events.length}`,
      );
    const outcomes: DescribeAndSyncOutcome[] = [];
    for (const event of input.events) {
      let change: PendingCustomerChange | undefined;
      try {
        outcomes.push(
          await readAndSync(clients, input.connectionId, event, (read) => {
            change = read;
          }),
        );
      } catch (error) {
        outcomes.push({ kind: 'failed', reason: reasonOfFailure(error), ...(change ? { change } : {}) });
      }
    }
    return { outcomes };
  };
}

/** As the workflow words an activity's failure (its message), bounded: it is kept in workflow state. */
function reasonOfFailure(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).slice(0, 500);
}
