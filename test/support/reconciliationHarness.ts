import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startConnectorHarness, type ConnectorHarness } from './connectorHarness';
import { connectorClients, startTestWorker, type RunningWorker } from './temporal';

/** The connector harness plus a worker whose reconciliation writes reports to a fresh folder. */
export interface ReconciliationHarness {
  h: ConnectorHarness;
  worker: RunningWorker;
  dataDir: string;
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
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), options.folderPrefix));
  const clients = connectorClients({
    monstock: h.monstock.client,
    stripe: h.sdk,
    client: h.client,
    taskQueue: h.taskQueue,
  });
  const worker = await startTestWorker(h.taskQueue, {
    ...clients,
    ...(options.unmatched === false ? {} : { toUnmatched: h.delivery.toUnmatched }),
    reconciliation: h.reconciliation(dataDir, options.stripeRateLimitPerSecond),
  });
  return {
    h,
    worker,
    dataDir,
    async close() {
      await worker.stop();
      await h.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
