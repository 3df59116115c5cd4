import {
  ActivityFailure,
  ApplicationFailure,
  condition,
  continueAsNew,
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { ConnectorActivities } from '../../activities';
import type { SyncCustomerResult } from '../../activities/customerSync';
import {
  DESCRIBE_AND_SYNC_BATCH,
  customerChangedSignal,
  customerSyncStateQuery,
  type CustomerChangedEvent,
  type CustomerSyncCounts,
  type CustomerSyncCursors,
  type CustomerSyncPolls,
  type CustomerSyncState,
  type CustomerSyncWorkflowInput,
  type PendingCustomerChange,
} from '../../shared/customerSync';
import { ConnectionId, CustomerSyncFailures } from '../../shared/searchAttributes';
import { ChangeQueue } from './changeQueue';
import { FailureBook } from './failureBook';
import { describeCustomerSync } from './summary';

/** A customer that still fails after these retries is set aside (visible) instead of holding its slot. */
const syncs = proxyActivities<ConnectorActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 6 },
});
/**
 * The describe-and-sync holds back every other sync while it runs (its key is not known yet): a
 * customer that keeps failing goes the long way after a few quick tries, keyed, with the other
 * syncs free to run, and is set aside there like any other.
 */
const describeAndSyncs = proxyActivities<ConnectorActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '4 seconds', maximumAttempts: 3 },
});
/** A poll that keeps failing is tried again at the next interval; nothing is lost, the cursor did not move. */
const reads = proxyActivities<ConnectorActivities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 5 },
});

/**
 * A lone signal while nothing is being synced is read and synced by one activity
 * (describeAndSyncCustomer) instead of a describe, then a sync: one billed action less per new or
 * edited customer. Decided once per run, at its start, so a run begun before keeps its old path.
 */
export const DESCRIBE_AND_SYNC_PATCH = 'customer-sync-describe-and-sync';
/**
 * Signals waiting while nothing is being synced are read and synced together, up to
 * DESCRIBE_AND_SYNC_BATCH of them, by one activity (describeAndSyncCustomers): a burst of new
 * customers costs a signal each and one activity for the lot, where it cost a describe for the
 * batch and a sync each. A customer that fails in it goes the long way (keyed sync, or a describe
 * first when it could not be read). Decided once per run, at its start, as the patch above.
 */
export const DESCRIBE_AND_SYNC_BATCH_PATCH = 'customer-sync-describe-and-sync-batch';

const DEFAULT_POLL_INTERVAL = '2 minutes';
const DEFAULT_CONCURRENCY = 8;
const MAX_CONCURRENCY = 64;
const HISTORY_EVENTS_BEFORE_CONTINUE = 10_000;
/** Polls stop reading ahead while this many customers wait, so the queue carried over continue-as-new stays small. */
const QUEUE_HIGH_WATER = 1_000;
const CHANGES_PER_POLL = 500;
const SIGNALS_PER_READ = 100;
const MAX_SIGNALS_WAITING = 5_000;

/**
 * One per connection, running for months: keeps Monstock and Stripe customers the same on both
 * sides. Webhook signals bring changes at once; polls of both sides since their cursors catch
 * whatever a webhook missed. Work on one customer is serialised by key while up to
 * `concurrency` customers are synced at once; a record that cannot be synced is set aside,
 * visibly, and the rest go on. Cursors, queue and failures live in workflow state and travel
 * through continue-as-new, so a worker restart resumes where it was.
 */
export async function customerSyncWorkflow(input: CustomerSyncWorkflowInput): Promise<void> {
  const carried = input.carried;
  const pollInterval = input.pollInterval ?? DEFAULT_POLL_INTERVAL;
  const concurrency = Math.min(Math.max(1, Math.floor(input.concurrency ?? DEFAULT_CONCURRENCY)), MAX_CONCURRENCY);
  const describeAndSync = patched(DESCRIBE_AND_SYNC_PATCH);
  const describeAndSyncBatch = describeAndSync && patched(DESCRIBE_AND_SYNC_BATCH_PATCH);
  const run = (carried?.run ?? 0) + 1;
  const cursors: CustomerSyncCursors = carried?.cursors ?? { monstock: { seenAtUpdatedSince: [] } };
  const counts: CustomerSyncCounts = carried?.counts ?? zeroCounts();
  const polls: CustomerSyncPolls = carried?.polls ?? { monstock: 0, stripe: 0 };
  const queue = new ChangeQueue(carried?.queue);
  const failures = new FailureBook(carried?.failures);
  const signals: CustomerChangedEvent[] = [...(carried?.signals ?? [])];
  const inFlight = new Set<string>();
  const due = { monstock: true, stripe: true };
  const polling = { monstock: false, stripe: false };
  let readingSignals = false;
  /**
   * The customer a describe-and-sync is working on (`<source>:<id>`, shown as in flight): its key
   * is not known yet, so no other sync may start meanwhile (serialisation by key).
   */
  let syncingUnkeyed: string[] = [];
  /** The last describe-and-sync failed: its signal goes the long way, where a failure is set aside visibly. */
  let describeFirst = false;
  let timerArmed = false;
  let wakeups = 0;
  let failuresShown = failures.size;
  const wake = () => {
    wakeups += 1;
  };

  setHandler(customerChangedSignal, (event) => {
    if (signals.length >= MAX_SIGNALS_WAITING) counts.signalsDropped += 1;
    else signals.push(event);
    wake();
  });
  setHandler(customerSyncStateQuery, snapshot);

  upsertSearchAttributes([
    { key: ConnectionId, value: input.connectionId },
    { key: CustomerSyncFailures, value: failures.size },
  ]);

  for (;;) {
    const draining =
      workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > HISTORY_EVENTS_BEFORE_CONTINUE;
    if (!draining) {
      startPolls();
      startSignalReads();
      startSyncs();
      if (!timerArmed && !due.monstock && !due.stripe && !polling.monstock && !polling.stripe) armPollTimer();
    } else if (inFlight.size === 0 && !polling.monstock && !polling.stripe && !readingSignals) {
      await continueAsNew<typeof customerSyncWorkflow>({
        ...input,
        carried: { cursors, counts, polls, failures: failures.toArray(), queue: queue.toArray(), signals, run },
      });
    }
    report();
    const seen = wakeups;
    await condition(() => wakeups !== seen);
  }

  function armPollTimer(): void {
    timerArmed = true;
    void sleep(pollInterval).then(() => {
      timerArmed = false;
      due.monstock = true;
      due.stripe = true;
      for (const change of failures.retryable())
        if (!queue.has(change.key) && !inFlight.has(change.key)) queue.add(change);
      wake();
    });
  }

  function startPolls(): void {
    if (queue.size >= QUEUE_HIGH_WATER) return;
    if (due.monstock && !polling.monstock) {
      due.monstock = false;
      polling.monstock = true;
      void reads
        .pollMonstockCustomers({
          connectionId: input.connectionId,
          cursor: cursors.monstock,
          maxChanges: CHANGES_PER_POLL,
        })
        .then((result) => {
          cursors.monstock = result.cursor;
          pollDone('monstock', result.changes, result.echoes, result.more);
        })
        .catch((error: unknown) => pollFailed('Monstock', error))
        .finally(() => {
          polling.monstock = false;
          wake();
        });
    }
    if (due.stripe && !polling.stripe) {
      due.stripe = false;
      polling.stripe = true;
      void reads
        .pollStripeCustomers({
          connectionId: input.connectionId,
          cursor: cursors.stripe,
          maxChanges: CHANGES_PER_POLL,
        })
        .then((result) => {
          cursors.stripe = result.cursor;
          pollDone('stripe', result.changes, result.echoes, result.more);
        })
        .catch((error: unknown) => pollFailed('Stripe', error))
        .finally(() => {
          polling.stripe = false;
          wake();
        });
    }
  }

  function pollDone(
    side: 'monstock' | 'stripe',
    changes: PendingCustomerChange[],
    echoes: number,
    more: boolean,
  ): void {
    for (const change of changes) queue.add(change);
    counts.skippedEchoes += echoes;
    polls[side] += 1;
    polls.lastAt = new Date().toISOString();
    delete polls.lastError;
    if (more) due[side] = true;
  }

  function pollFailed(side: string, error: unknown): void {
    polls.lastError = `${side}: ${reasonOf(error)}`;
  }

  /** A signal names a customer only; one read per batch turns them into keyed work (or echoes). */
  function startSignalReads(): void {
    if (readingSignals || signals.length === 0) return;
    const nothingElse = !describeFirst && inFlight.size === 0 && queue.size === 0;
    if (describeAndSyncBatch && nothingElse) {
      describeAndSyncMany(signals.splice(0, DESCRIBE_AND_SYNC_BATCH));
      return;
    }
    if (describeAndSync && nothingElse && signals.length === 1) {
      describeAndSyncOne(signals.shift()!);
      return;
    }
    describeFirst = false;
    readingSignals = true;
    const batch = signals.splice(0, SIGNALS_PER_READ);
    void reads
      .describeCustomerChanges({ connectionId: input.connectionId, events: batch })
      .then((result) => {
        for (const change of result.changes) queue.add(change);
        counts.skippedEchoes += result.echoes;
      })
      .catch((error: unknown) => {
        // The polls still find these changes; only an operator's nudge of an old record is lost.
        counts.signalsDropped += batch.length;
        polls.lastError = `reading signalled customers: ${reasonOf(error)}`;
      })
      .finally(() => {
        readingSignals = false;
        wake();
      });
  }

  function describeAndSyncOne(event: CustomerChangedEvent): void {
    readingSignals = true;
    syncingUnkeyed = [`${event.source}:${event.customerId}`];
    void describeAndSyncs
      .describeAndSyncCustomer({ connectionId: input.connectionId, event })
      .then((outcome) => {
        if (outcome.kind === 'echo') counts.skippedEchoes += 1;
        if (outcome.kind !== 'synced') return;
        count(outcome.result);
        failures.clear(outcome.change.key, outcome.result);
      })
      .catch(() => {
        // Tried a few times already: the long way round keys the change and sets it aside visibly if it still fails.
        signals.unshift(event);
        describeFirst = true;
      })
      .finally(() => {
        readingSignals = false;
        syncingUnkeyed = [];
        wake();
      });
  }

  function describeAndSyncMany(batch: CustomerChangedEvent[]): void {
    readingSignals = true;
    syncingUnkeyed = batch.map((event) => `${event.source}:${event.customerId}`);
    void describeAndSyncs
      .describeAndSyncCustomers({ connectionId: input.connectionId, events: batch })
      .then(({ outcomes }) => {
        outcomes.forEach((outcome, index) => {
          if (outcome.kind === 'echo') counts.skippedEchoes += 1;
          else if (outcome.kind === 'synced') {
            count(outcome.result);
            failures.clear(outcome.change.key, outcome.result);
          } else if (outcome.kind === 'failed') {
            // The long way: a keyed sync with its retries (set aside if it keeps failing), or a describe first.
            if (outcome.change) queue.add(outcome.change);
            else {
              signals.unshift(batch[index]!);
              describeFirst = true;
            }
          }
        });
      })
      .catch(() => {
        // Tried a few times already: every signal of the batch goes the long way round.
        signals.unshift(...batch);
        describeFirst = true;
      })
      .finally(() => {
        readingSignals = false;
        syncingUnkeyed = [];
        wake();
      });
  }

  function startSyncs(): void {
    if (syncingUnkeyed.length > 0) return;
    while (inFlight.size < concurrency) {
      const change = queue.takeNext((key) => inFlight.has(key));
      if (!change) return;
      inFlight.add(change.key);
      void syncs
        .syncCustomer({ connectionId: input.connectionId, change })
        .then((result) => {
          count(result);
          failures.clear(change.key, result);
        })
        .catch((error: unknown) => {
          counts.failures += 1;
          failures.record(change, reasonOf(error), isRetryable(error), new Date().toISOString());
        })
        .finally(() => {
          inFlight.delete(change.key);
          wake();
        });
    }
  }

  function count(result: SyncCustomerResult): void {
    if (result.created === 'stripe') counts.createdInStripe += 1;
    else if (result.created === 'monstock') counts.createdInMonstock += 1;
    else {
      if (result.fieldsWritten.stripe) counts.updatedInStripe += 1;
      if (result.fieldsWritten.monstock) counts.updatedInMonstock += 1;
      if (!result.fieldsWritten.stripe && !result.fieldsWritten.monstock && !result.linkedByEmail)
        counts.skippedEchoes += 1;
    }
    if (result.linkedByEmail) counts.linkedByEmail += 1;
    if (result.conflict) counts.conflicts += 1;
  }

  /** Search attribute updates are history events: only when the number of set-aside records changed. */
  function report(): void {
    if (failures.size !== failuresShown) {
      failuresShown = failures.size;
      upsertSearchAttributes([{ key: CustomerSyncFailures, value: failures.size }]);
    }
    setCurrentDetails(describeCustomerSync(snapshot()));
  }

  function snapshot(): CustomerSyncState {
    return {
      connectionId: input.connectionId,
      cursors,
      counts,
      polls,
      failures: failures.toArray(),
      inFlight: [...inFlight, ...syncingUnkeyed],
      queued: queue.size,
      signalsWaiting: signals.length,
      run,
    };
  }
}

function zeroCounts(): CustomerSyncCounts {
  return {
    createdInStripe: 0,
    createdInMonstock: 0,
    updatedInStripe: 0,
    updatedInMonstock: 0,
    linkedByEmail: 0,
    conflicts: 0,
    skippedEchoes: 0,
    failures: 0,
    signalsDropped: 0,
  };
}

function reasonOf(error: unknown): string {
  if (error instanceof ActivityFailure) return error.cause?.message ?? error.message;
  return error instanceof Error ? error.message : String(error);
}

/** Refused by one side (a 4xx, a broken link): waits for its next change. Anything else is retried at the next poll. */
function isRetryable(error: unknown): boolean {
  return !(error instanceof ActivityFailure && error.cause instanceof ApplicationFailure && error.cause.nonRetryable);
}
