import type { ChaosReport } from '../../chaos/report';
import { defaultChaosOptions, runChaos, type ChaosOptions } from '../../chaos/run';
import { startDatabaseServer } from '../support/database';

/**
 * `npm run chaos` in small, as the CI tests run it: `orders` orders spread over 30 s so the kills
 * (the worker twice), the dev server's restart and Monstock's 5xx and 429 stretches meet orders in
 * flight, webhooks dropped, duplicated, reordered and delayed. Each run gets a database of its own,
 * so its made-up secrets never meet another test file's stored ones. A failed run's error carries
 * its progress lines.
 */
export async function runSmallChaos(
  orders: number,
  seed: number,
  options: Partial<ChaosOptions> = {},
): Promise<{ report: ChaosReport; lines: string[] }> {
  const database = await startDatabaseServer();
  const lines: string[] = [];
  const settings: ChaosOptions = {
    ...defaultChaosOptions(orders, seed, (line) => lines.push(`${new Date().toISOString().slice(11, 23)} ${line}`)),
    databaseUrl: database.url,
    concurrency: 4,
    minDriveMs: 30_000,
    faults: {
      workerKills: 2,
      temporalRestarts: 1,
      monstockStretches: 2,
      stretchSeconds: 3,
      webhooks: { dropRate: 0.03, duplicateRate: 0.2, reorderRate: 0.2, delayMs: 1000 },
    },
    quietMs: 15_000,
    settleTimeoutMs: 60_000,
    afterReconcileTimeoutMs: 60_000,
    reconcileTimeoutMs: 90_000,
    ...options,
  };
  const report = await runChaos(settings)
    .finally(() => database.stop())
    .catch((error: unknown) => {
      throw new Error(`${(error as Error).message}\nprogress:\n${lines.join('\n')}`);
    });
  return { report, lines };
}
