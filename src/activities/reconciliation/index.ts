import type { ReconciliationReport } from '../../shared/reconciliation';
import { createReplayFailedStripeEvents } from './failedEventReplay';
import { createReconcileMonstockPages } from './monstockWalk';
import { databaseSource, writeReport } from './reportFiles';
import { createCheckReconciliationRetention } from './retention';
import { createReconcileStripePages } from './stripeWalk';
import { DEFAULT_RECONCILIATION_SETTINGS, type ReconciliationClients, type ReconciliationContext } from './types';

/**
 * The activities of reconciliationWorkflow: the Stripe and Monstock walks, the replay of failed
 * webhook deliveries, the retention check and the report.
 */
export function createReconciliationActivities(clients: ReconciliationClients) {
  const { reconciliation: settings = DEFAULT_RECONCILIATION_SETTINGS, ...rest } = clients;
  // Reconciliation reads through its own (rate-limited) Stripe client and matcher when set.
  const database = databaseSource(settings.database);
  const context: ReconciliationContext = {
    ...rest,
    stripe: settings.stripe ?? clients.stripe,
    matcher: settings.matcher ?? clients.matcher,
    database,
    now: settings.now ?? (() => Date.now()),
  };
  return {
    reconcileStripePages: createReconcileStripePages(context),
    reconcileMonstockPages: createReconcileMonstockPages(context),
    replayFailedStripeEvents: createReplayFailedStripeEvents(context),
    checkReconciliationRetention: createCheckReconciliationRetention(database),
    /** Stores the run's report, with every finding gathered from its parts, where every replica reads it. */
    async writeReconciliationReport(report: ReconciliationReport): Promise<{ reportFile: string; findings: number }> {
      return writeReport(database, report);
    },
  };
}

export type ReconciliationActivities = ReturnType<typeof createReconciliationActivities>;
export { DEFAULT_RECONCILIATION_SETTINGS } from './types';
export type {
  DeliverToUnmatched,
  ReconcilePagesInput,
  ReconcilePagesResult,
  ReconciliationClients,
  ReconciliationSettings,
  RetentionCheckInput,
  RetentionCheckResult,
} from './types';
