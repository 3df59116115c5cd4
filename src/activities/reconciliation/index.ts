import type { ReconciliationReport } from '../../shared/reconciliation';
import { createReplayFailedStripeEvents } from './failedEventReplay';
import { createReconcileMonstockPages } from './monstockWalk';
import { writeReport } from './reportFiles';
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
  const context: ReconciliationContext = {
    ...rest,
    stripe: settings.stripe ?? clients.stripe,
    matcher: settings.matcher ?? clients.matcher,
    dataDir: settings.dataDir,
  };
  return {
    reconcileStripePages: createReconcileStripePages(context),
    reconcileMonstockPages: createReconcileMonstockPages(context),
    replayFailedStripeEvents: createReplayFailedStripeEvents(context),
    checkReconciliationRetention: createCheckReconciliationRetention(settings.dataDir),
    /** Assembles DATA_DIR/reports/<reportId>.json from the run's part files, with every finding. */
    async writeReconciliationReport(report: ReconciliationReport): Promise<{ reportFile: string; findings: number }> {
      return writeReport(settings.dataDir, report);
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
