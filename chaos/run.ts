import { problemCount, type CheckResult } from './checker';
import {
  addChaosConnections,
  environmentConnection,
  removeChaosConnections,
  type ChaosConnection,
} from './connections';
import { converge, type ConvergeGroup } from './converge';
import { findCrossed, type ConnectionRecords, type CrossedItem } from './crossed';
import { readConnectionRecords } from './crossedRecords';
import { driveOrders, monstockRetry, planOrder, type LedgerEntry } from './driver';
import { FaultRunner } from './faultRunner';
import { DEFAULT_MERCHANT_SHARES, type MerchantShares } from './orderPlan';
import { planFaults, type FaultPlanOptions } from './faultPlan';
import type { Progress } from './progress';
import { seededRandom } from './random';
import { combineReconciliations, reconcileEachConnection, type ConnectionReconciliation } from './reconcileAll';
import { sumWebhookFaults, webhookFaultCounts, type ChaosReport, type PerConnectionReport } from './report';
import { startChaosStack } from './stack';

/**
 * One chaos run, start to verdict: its own stack, orders driven while the fault plan plays, the
 * faults stopped, convergence and one reconciliation, every order judged against the shop's
 * ledger and Stripe. With several connections, the orders go round-robin to `default` and the
 * connections added once the stack runs (chaos/connections.ts), each judged against its own
 * tenant and Stripe account, and nothing may have crossed from one to another (chaos/crossed.ts).
 */
export interface ChaosOptions {
  orders: number;
  seed: number;
  concurrency: number;
  /** Merchants served at once (1: `default` only, exactly the single-merchant run). */
  connections: number;
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
    connections: 1,
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
  const connections: ChaosConnection[] = [environmentConnection(stack)];
  try {
    const windowFrom = new Date(Date.now() - 60_000).toISOString();
    if (options.connections > 1) await addChaosConnections(stack, options.connections, progress, connections);
    const merchants = [];
    for (const [position, connection] of connections.entries()) {
      const customers: string[] = [];
      // `default`'s buyers keep the single-merchant run's names; another tenant's are told apart.
      const buyer = position === 0 ? `chaos-${runId}` : `chaos-${runId}-m${position + 1}`;
      for (let index = 0; index < 12; index += 1) {
        const customer = await monstockRetry(() =>
          connection.monstock.createCustomer({ email: `${buyer}-${index}@example.test`, name: `Chaos Buyer ${index}` }),
        );
        customers.push(customer.id);
      }
      merchants.push({ monstock: connection.monstock, stripe: connection.stripe, customers });
    }

    progress(
      `driving ${options.orders} orders (seed ${options.seed}, ${options.concurrency} at a time); fault plan: ${faultPlan.map((fault) => `${fault.action.kind}@${Math.round(fault.at * 100)}%`).join(', ')}`,
    );
    const runner = new FaultRunner(faultPlan, stack, progress);
    const driveStarted = Date.now();
    let lastPrinted = 0;
    const ledger: LedgerEntry[] = await driveOrders(plans, {
      ...merchants[0]!,
      ...(merchants.length > 1 ? { merchants } : {}),
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

    // The driver's round-robin: order i is connection i % N's.
    const ledgerOf = (position: number) => ledger.filter((_entry, index) => index % connections.length === position);
    const groups: ConvergeGroup[] = connections.map((connection, position) => ({
      entries: ledgerOf(position),
      clients: { monstock: connection.monstock, stripe: connection.stripe },
    }));
    let reconciliations: ConnectionReconciliation[] = [];
    const result = await converge({
      entries: ledger,
      clients: { monstock: stack.monstock, stripe: stack.stripe },
      ...(connections.length > 1 ? { groups } : {}),
      reconcile: async () => {
        reconciliations = await reconcileEachConnection(
          connections.map((connection) => connection.id),
          { from: windowFrom, to: new Date(Date.now() + 30_000).toISOString() },
          stack.env(),
          options.reconcileTimeoutMs,
        );
        return combineReconciliations(reconciliations);
      },
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
    // One merchant has no other to cross to: the sandboxes are read only when there are several.
    const records =
      connections.length > 1
        ? await Promise.all(
            connections.map((connection, position) => readConnectionRecords(connection, ledgerOf(position))),
          )
        : [];
    const crossedItems: CrossedItem[] = findCrossed(records);
    if (connections.length > 1)
      progress(`crossed check of ${connections.length} connections: ${crossedItems.length} crossed`);
    const ok = problemCount(final) === 0 && result.convergeSeconds !== undefined && crossedItems.length === 0;
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
      connections: connections.length,
      crossed: crossedItems.length,
      perConnection: connections.map((connection, position) =>
        perConnectionLine(
          connection,
          result.finalByGroup[position] ?? final,
          crossedItems,
          reconciliations.find((done) => done.connectionId === connection.id),
          records[position],
        ),
      ),
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
      ...(crossedItems.length > 0 ? { crossedItems: crossedItems.slice(0, 20) } : {}),
    };
  } finally {
    await removeChaosConnections(stack, connections).catch((error: unknown) =>
      progress(`could not remove the run's connections: ${(error as Error).message}`),
    );
    await stack.close({ keepData: options.keepData ?? false });
  }
}

function perConnectionLine(
  connection: ChaosConnection,
  checked: CheckResult,
  crossed: readonly CrossedItem[],
  reconciliation: ConnectionReconciliation | undefined,
  records: ConnectionRecords | undefined,
): PerConnectionReport {
  const outcome = reconciliation?.outcome;
  return {
    id: connection.id,
    stripe: connection.stripeKind,
    ordersChecked: checked.ordersChecked,
    lost: checked.lost,
    duplicated: checked.duplicated,
    wrongStatus: checked.wrongStatus,
    wrongOrder: checked.wrongOrder,
    ledgerMismatch: checked.ledgerMismatch,
    crossed: crossed.filter((item) => item.holder === connection.id).length,
    ...(records
      ? {
          recordsRead: {
            monstockOrders: records.monstock.orders.length,
            monstockCustomers: records.monstock.customers.length,
            stripeIntents: records.stripe.intents.length,
            stripeRefunds: records.stripe.refunds.length,
            stripeCustomers: records.stripe.customers.length,
          },
        }
      : {}),
    reconciliation: outcome?.report
      ? {
          seconds: outcome.seconds,
          items: outcome.report.counts.items,
          findings: outcome.report.counts.findings,
          unresolved: outcome.report.unresolved,
        }
      : { seconds: outcome?.seconds ?? 0, error: outcome?.error ?? 'not run' },
  };
}
