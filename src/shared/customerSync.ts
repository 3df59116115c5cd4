import { defineQuery, defineSignal } from '@temporalio/workflow';

/**
 * The contract between starters (webhook routes, setup) and `customerSyncWorkflow`: its input,
 * signal and query. Starters import this module, never the workflow code.
 */
export const CUSTOMER_SYNC_WORKFLOW_TYPE = 'customerSyncWorkflow';

export type CustomerSource = 'monstock' | 'stripe';

/** What a webhook route knows about a `customer.*` event; the workflow reads the customer itself. */
export interface CustomerChangedEvent {
  source: CustomerSource;
  /** Monstock `mcu_…` or Stripe `cus_…`. */
  customerId: string;
  eventId?: string;
  /** RFC 3339: Monstock's event `createdAt`, or Stripe's event `created` converted. */
  changedAt?: string;
}

export const customerChangedSignal = defineSignal<[CustomerChangedEvent]>('customerChanged');

/**
 * A change as a webhook route hands it over. `ownWrite`: the signed Monstock snapshot is exactly
 * the record the connector's own write produced (src/customers/ownWrites.ts), so the delivery
 * drops it instead of paying a signal for a sync that would find nothing to do. Never signalled.
 */
export type CustomerChangeAtEdge = CustomerChangedEvent & { ownWrite?: boolean };

/** One customer to bring into line, as queued in the workflow (ids only: no personal data in history). */
export interface PendingCustomerChange {
  /** Serialisation key: no two syncs with the same key run at once (see src/customers/syncKeys.ts). */
  key: string;
  source: CustomerSource;
  monstockId?: string;
  stripeId?: string;
  /** Unix seconds of the Stripe event that reported it, when one did. */
  stripeChangedAt?: number;
}

/**
 * Where the Monstock poll resumes: Monstock lists by (updatedAt, id) and `updatedSince` is
 * inclusive, so the ids already read at exactly `updatedSince` are skipped; `page` is Monstock's
 * own cursor while a long walk is split over several activities.
 */
export interface MonstockCustomerCursor {
  updatedSince?: string;
  seenAtUpdatedSince: string[];
  page?: string;
}

/**
 * Where the Stripe poll resumes. First a backfill of every existing customer (Stripe keeps
 * events for 30 days only), anchored on the newest event at its start; then the events API from
 * that anchor, walking forward with `ending_before`, so a change made during the backfill is
 * still read afterwards.
 */
export type StripeCustomerCursor =
  | { phase: 'backfill'; startingAfter?: string; eventAnchor: string | null; startedAt: number }
  | { phase: 'events'; afterEventId?: string; createdSince?: number };

export interface CustomerSyncCursors {
  monstock: MonstockCustomerCursor;
  stripe?: StripeCustomerCursor;
}

export interface CustomerSyncCounts {
  createdInStripe: number;
  createdInMonstock: number;
  updatedInStripe: number;
  updatedInMonstock: number;
  linkedByEmail: number;
  /** Both sides edited since the last sync: settled by the newest-wins rule. */
  conflicts: number;
  /** Changes that turned out to be our own writes, or already in line on both sides. */
  skippedEchoes: number;
  failures: number;
  /** Signals not kept because too many were waiting; polling still finds their changes. */
  signalsDropped: number;
}

export interface CustomerSyncFailure {
  key: string;
  source: CustomerSource;
  monstockId?: string;
  stripeId?: string;
  reason: string;
  /** false: the other side refused the record (a 4xx); it waits for its next change or a signal. */
  retryable: boolean;
  attempts: number;
  at: string;
}

export interface CustomerSyncPolls {
  monstock: number;
  stripe: number;
  lastAt?: string;
  lastError?: string;
}

export interface CustomerSyncState {
  connectionId: string;
  cursors: CustomerSyncCursors;
  counts: CustomerSyncCounts;
  polls: CustomerSyncPolls;
  /** Records set aside (newest last, bounded): visible here, in the details text and as CustomerSyncFailures. */
  failures: CustomerSyncFailure[];
  /** Keys being synced right now. */
  inFlight: string[];
  queued: number;
  signalsWaiting: number;
  /** Runs so far (continue-as-new). */
  run: number;
}

/** What one run hands the next on continue-as-new. */
export interface CustomerSyncCarried {
  cursors: CustomerSyncCursors;
  counts: CustomerSyncCounts;
  polls: CustomerSyncPolls;
  failures: CustomerSyncFailure[];
  queue: PendingCustomerChange[];
  signals: CustomerChangedEvent[];
  run: number;
}

export interface CustomerSyncWorkflowInput {
  connectionId: string;
  /** How often both sides are polled for changes a webhook may have missed, e.g. '2 minutes'. */
  pollInterval?: string;
  /** How many customers are synced at once. */
  concurrency?: number;
  carried?: CustomerSyncCarried;
}

export const customerSyncStateQuery = defineQuery<CustomerSyncState>('customerSyncState');

/**
 * Signalled customers one describe-and-sync activity takes at most: enough to drain a burst of new
 * customers in one billed action, few enough to finish well inside its one-minute timeout.
 */
export const DESCRIBE_AND_SYNC_BATCH = 20;
