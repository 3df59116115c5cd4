import { problemCount } from './checker';
import { converge } from './converge';
import { driveOrders, monstockRetry, planOrder, type LedgerEntry } from './driver';
import { FaultRunner } from './faultRunner';
import { DEFAULT_MERCHANT_SHARES, type MerchantShares } from './orderPlan';
import { planFaults, type FaultPlanOptions } from './faultPlan';
import type { Progress } from './progress';
import { seededRandom } from './random';
import { runReconcileCli } from './reconcile';
import { sumWebhookFaults, webhookFaultCounts, type ChaosReport } from './report';
import { startChaosStack } from './stack';

/**
 * One chaos run, start to verdict: its own stack, orders driven while the fault plan plays, the
 * faults stopped, convergence and one reconciliation, every order judged against the shop's
 * ledger and Stripe.
 */
export interface ChaosOptions {
  orders: number;
  seed: number;
  concurrency: number;
  /** Spread the orders over at least this long; 0: as fast as the stack takes them. */
  minDriveMs: number;
  faults: FaultPlanOptions;
  /** Shares of capture-at-shipment orders and Monstock refund requests (NO_MERCHANT_FLOWS: none). */
  merchantShares: MerchantShares;
  quietMs: number;
  settleTimeoutMs: number;
  afterReconcileTimeoutMs: number;
  reconcileTimeoutMs: number;
  progress: Progress;
  dataDir?: string;
  /** An existing PostgreSQL for the connector (the tests'); unset: an embedded one of the run's own. */
  databaseUrl?: string;
  keepData?: boolean;
}

export function defaultChaosOptions(orders: number, seed: number, progress: Progress): ChaosOptions {
  return {
    orders,
    seed,
    concurrency: 6,
    minDriveMs: 0,
    faults: {
      workerKills: Math.max(1, Math.min(5, Math.round(orders / 250))),
      temporalRestarts: 1,
      monstockStretches: Math.max(2, Math.min(4, Math.round(orders / 250))),
      stretchSeconds: 6,
      webhooks: { dropRate: 0.03, duplicateRate: 0.15, reorderRate: 0.15, delayMs: 1500 },
    },
    merchantShares: DEFAULT_MERCHANT_SHARES,
    quietMs: 30_000,
    settleTimeoutMs: 180_000,
    afterReconcileTimeoutMs: 180_000,
    reconcileTimeoutMs: 300_000,
    progress,
  };
}

export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const { progress } = options;
  const startedAt = Date.now();
  const random = seededRandom(options.seed);
  const plans = Array.from({ length: options.orders }, () => planOrder(random, options.merchantShares));
  const faultPlan = planFaults(options.faults, random);
  const runId = `${options.seed}-${Date.now().toString(36)}`;

  const stack = await startChaosStack({
    progress,
    ...(options.dataDir ? { dataDir: options.dataDir } : {}),
    ...(options.databaseUrl ? { databaseUrl: options.databaseUrl } : {}),
  });
  try {
    const windowFrom = new Date(Date.now() - 60_000).toISOString();
    const customers: string[] = [];
    for (let index = 0; index < 12; index += 1) {
      const customer = await monstockRetry(() =>
        stack.monstock.createCustomer({ email: `chaos-${runId}-${index}@example.test`, name: `Chaos Buyer ${index}` }),
      );
      customers.push(customer.id);
    }

    progress(
      `driving ${options.orders} orders (seed ${options.seed}, ${options.concurrency} at a time); fault plan: ${faultPlan.map((fault) => `${fault.action.kind}@${Math.round(fault.at * 100)}%`).join(', ')}`,
    );
    const runner = new FaultRunner(faultPlan, stack, progress);
    const driveStarted = Date.now();
    let lastPrinted = 0;
    const ledger: LedgerEntry[] = await driveOrders(plans, {
      monstock: stack.monstock,
      stripe: stack.stripe,
      customers,
      runId,
      concurrency: options.concurrency,
      minDriveMs: options.minDriveMs,
      onOrderDone: (_entry, done) => {
        runner.advance(done / options.orders);
        if (Date.now() - lastPrinted > 5000 || done === options.orders) {
          lastPrinted = Date.now();
          progress(
            `orders paid: ${done}/${options.orders} (${(done / ((Date.now() - driveStarted) / 1000)).toFixed(1)}/s); worker kills ${stack.worker.stats().kills}, dev server restarts ${stack.temporal.restarts()}`,
          );
        }
      },
    });
    const faultCounts = await runner.finish();
    const faultsStoppedAt = Date.now();
    const driveSeconds = Math.round((faultsStoppedAt - driveStarted) / 100) / 10;
    progress(`all orders driven in ${driveSeconds} s; every fault knob cleared, converging`);

    const result = await converge({
      entries: ledger,
      clients: { monstock: stack.monstock, stripe: stack.stripe },
      reconcile: () =>
        runReconcileCli(
          { from: windowFrom, to: new Date(Date.now() + 30_000).toISOString() },
          stack.env(),
          options.reconcileTimeoutMs,
        ),
      faultsStoppedAt,
      quietMs: options.quietMs,
      settleTimeoutMs: options.settleTimeoutMs,
      afterReconcileTimeoutMs: options.afterReconcileTimeoutMs,
      progress,
    });

    const [stripeStats, monstockStats, monstockAnswered] = await Promise.all([
      stack.knobs.stripe.webhookStats(),
      stack.knobs.monstock.webhookStats(),
      stack.knobs.monstock.injected(),
    ]);
    const stripeFaults = webhookFaultCounts(stripeStats);
    const monstockFaults = webhookFaultCounts(monstockStats);
    const stories: Record<string, number> = {};
    for (const entry of ledger) stories[entry.story] = (stories[entry.story] ?? 0) + 1;
    const { final } = result;
    const report = result.reconciliation.report;
    const ok = problemCount(final) === 0 && result.convergeSeconds !== undefined;
    return {
      ok,
      ordersChecked: final.ordersChecked,
      lost: final.lost,
      duplicated: final.duplicated,
      wrongStatus: final.wrongStatus,
      wrongOrder: final.wrongOrder,
      ledgerMismatch: final.ledgerMismatch,
      convergeSeconds: result.convergeSeconds ?? null,
      convergedBeforeReconciliation: result.convergedBeforeReconciliation,
      faults: {
        webhooks: { ...sumWebhookFaults(stripeFaults, monstockFaults), stripe: stripeFaults, monstock: monstockFaults },
        ...faultCounts,
        ...(monstockAnswered ? { monstockAnswered } : {}),
        unexpectedExits: {
          worker: stack.worker.stats().unexpectedExits,
          webhookServer: stack.webhooks.stats().unexpectedExits,
        },
      },
      reconciliation: report
        ? {
            seconds: result.reconciliation.seconds,
            items: report.counts.items,
            findings: report.counts.findings,
            repairsSent: report.counts.repairsSent,
            unresolved: report.unresolved,
            byKind: { ...report.byKind },
          }
        : { seconds: result.reconciliation.seconds, error: result.reconciliation.error ?? 'no report' },
      run: {
        seed: options.seed,
        orders: options.orders,
        stories,
        movementsExpected: final.movementsChecked,
        driveSeconds,
        totalSeconds: Math.round((Date.now() - startedAt) / 100) / 10,
        webhooksDelivered: { stripe: stripeStats.delivered, monstock: monstockStats.delivered },
      },
      problems: final.problems.slice(0, 20),
    };
  } finally {
    await stack.close({ keepData: options.keepData ?? false });
  }
}
