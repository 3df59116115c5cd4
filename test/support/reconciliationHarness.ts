import { startConnectorHarness, type ConnectorHarness } from './connectorHarness';
import { startFileDatabase, type FileDatabase } from './database';
import { connectorClients, startTestWorker, type RunningWorker } from './temporal';

/**
 * The connector harness plus a worker whose reconciliation writes reports to a database of this
 * test file's own, so "the last good run" is one of this file's runs.
 */
export interface ReconciliationHarness {
  h: ConnectorHarness;
  worker: RunningWorker;
  db: FileDatabase;
  close(): Promise<void>;
}

export async function startReconciliationHarness(
  options: {
    folderPrefix: string;
    stripeRateLimitPerSecond?: number;
    stripeWebhooks?: boolean;
    unmatched?: boolean;
  } = { folderPrefix: 'reconciliation-' },
): Promise<ReconciliationHarness> {
  const h = await startConnectorHarness({
    startWorker: false,
    ...(options.stripeWebhooks === false ? { stripeWebhooks: false } : {}),
  });
  const db = await startFileDatabase();
  const clients = connectorClients({
    monstock: h.monstock.client,
    stripe: h.sdk,
    client: h.client,
    taskQueue: h.taskQueue,
  });
  const worker = await startTestWorker(h.taskQueue, {
    ...clients,
    ...(options.unmatched === false ? {} : { toUnmatched: h.delivery.toUnmatched }),
    reconciliation: h.reconciliation(db.database, options.stripeRateLimitPerSecond),
  });
  return {
    h,
    worker,
    db,
    async close() {
      await worker.stop();
      await h.close();
      await db.stop();
    },
  };
}
