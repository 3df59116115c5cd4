import { problemCount, type Problem } from '../chaos/checker';
import { TOPOLOGY_SHAPE } from './processEnvironments';
import { converge } from '../chaos/converge';
import { driveOrders, monstockRetry, planOrder, type LedgerEntry } from '../chaos/driver';
import { DEFAULT_MERCHANT_SHARES } from '../chaos/orderPlan';
import type { Progress } from '../chaos/progress';
import { seededRandom } from '../chaos/random';
import { runReconcileCli } from '../chaos/reconcile';
import type { Cleanup } from './cleanup';
import { TopologyFaults, type TopologyFaultCounts } from './faults';
import { MetricNameCollector, writeExportedMetrics } from './metrics';
import type { ProxyStats } from './proxy';
import { compareReplicaPages, type ReplicaPages } from './replicaPages';
import { startTopology } from './stack';
import { edgeArrivalsAllowed, readStripeRate, shortestSpanMs } from './stripeRate';

/**
 * One topology run, start to verdict: the production shape started (stack.ts), orders driven in
 * both directions with chaos's driver (the shop pays, refunds and disputes in Stripe; ships,
 * cancels and asks refunds in Monstock, which the connector carries to Stripe) while a worker and a
 * webhook replica are SIGKILLed and the Temporal server restarted, then convergence and one
 * reconciliation, every order judged by chaos's checker against the shop's ledger and Stripe, and
 * the report and problems pages compared across the replicas.
 */
export interface TopologyOptions {
  orders: number;
  seed: number;
  concurrency: number;
  exportMetrics: boolean;
  keepData: boolean;
  progress: Progress;
  cleanup: Cleanup;
}

export interface TopologyReport {
  ok: boolean;
  ordersChecked: number;
  lost: number;
  duplicated: number;
  wrongStatus: number;
  wrongOrder: number;
  ledgerMismatch: number;
  workers: number;
  webhookReplicas: number;
  temporal: { version: string; persistence: string };
  /** The connector's busiest one-second window (any start) at the Stripe edge, all its processes together. */
  stripeRequestsPerSecondMax: number;
  /** The connector's busiest clock second at the edge (a fixed-window count, never above the any-window one). */
  stripeRequestsPerClockSecondMax: number;
  /** How late the edge's own event loop ran: an arrival is timestamped at most this late. */
  stripeEdgeEventLoopDelayMs: { max: number; p99: number };
  stripeRateLimitPerSecond: number;
  /** The most the edge may count in a second with the budget kept: the limit, widened only by the edge's stall. */
  stripeRequestsPerSecondAllowed: number;
  stripeBudgetKept: boolean;
  stripeEdge: {
    connectorRequests: number;
    /** Clients other than the connector seen at the edge (none expected). */
    otherClients: Record<string, number>;
    upstreamErrors: number;
    /** What the busiest window was made of, by route. */
    busiestWindowByRoute: Record<string, number>;
    /**
     * The shortest time in which limit + 1 connector requests arrived: at or above 1000 ms, no
     * one-second window held more than the limit; what it exceeds 1000 ms by is the slack.
     */
    shortestSpanOfLimitPlusOneMs: number | null;
  };
  /** The sandbox's own count, secondary: a busy server stalls and counts evenly sent requests together. */
  stripeSandbox: {
    connectorRequestsPerSecondMax: number;
    allClientsRequestsPerSecondMax: number;
    eventLoopDelayMs: { max: number; p99: number };
  };
  reportsIdenticalOnReplicas: boolean;
  replicaPages: ReplicaPages['pages'];
  convergeSeconds: number | null;
  faults: TopologyFaultCounts & { unexpectedExits: { workers: number; webhookReplicas: number } };
  loadBalancer: ProxyStats;
  reconciliation: { seconds: number; items?: number; findings?: number; unresolved?: number; error?: string };
  exportedMetricNames: number;
  run: { seed: number; orders: number; driveSeconds: number; totalSeconds: number; stories: Record<string, number> };
  problems: Problem[];
}

const MIN_DRIVE_MS = 60_000;

export async function runTopology(options: TopologyOptions): Promise<TopologyReport> {
  const { progress } = options;
  const startedAt = Date.now();
  const random = seededRandom(options.seed);
  const plans = Array.from({ length: options.orders }, () => planOrder(random, DEFAULT_MERCHANT_SHARES));
  const runId = `${options.seed}-${Date.now().toString(36)}`;

  const stack = await startTopology({
    workers: TOPOLOGY_SHAPE.workers,
    webhookReplicas: TOPOLOGY_SHAPE.webhookReplicas,
    progress,
    cleanup: options.cleanup,
    keepData: options.keepData,
  });
  const windowFrom = new Date(Date.now() - 60_000).toISOString();
  const customers: string[] = [];
  for (let index = 0; index < 12; index += 1) {
    const customer = await monstockRetry(() =>
      stack.monstock.createCustomer({ email: `topology-${runId}-${index}@example.test`, name: `Buyer ${index}` }),
    );
    customers.push(customer.id);
  }

  progress(`driving ${options.orders} orders (seed ${options.seed}, ${options.concurrency} at a time)`);
  const faults = new TopologyFaults(stack, progress);
  const metricNames = new MetricNameCollector(stack.metricsUrls);
  const driveStarted = Date.now();
  let lastPrinted = 0;
  const ledger: LedgerEntry[] = await driveOrders(plans, {
    monstock: stack.monstock,
    stripe: stack.stripe,
    customers,
    runId,
    concurrency: options.concurrency,
    // Spread over at least a minute, so the kills and the restart (about 30 s together) meet orders in flight.
    minDriveMs: MIN_DRIVE_MS,
    onOrderDone: (_entry, done) => {
      faults.advance(done / options.orders);
      if (Date.now() - lastPrinted > 5000 || done === options.orders) {
        lastPrinted = Date.now();
        progress(
          `orders driven: ${done}/${options.orders} (${(done / ((Date.now() - driveStarted) / 1000)).toFixed(1)}/s)`,
        );
      }
    },
  });
  const faultCounts = await faults.finish();
  const faultsStoppedAt = Date.now();
  const driveSeconds = Math.round((faultsStoppedAt - driveStarted) / 100) / 10;
  progress(`all orders driven in ${driveSeconds} s; converging`);

  const result = await converge({
    entries: ledger,
    clients: { monstock: stack.monstock, stripe: stack.stripe },
    reconcile: () =>
      runReconcileCli({ from: windowFrom, to: new Date(Date.now() + 30_000).toISOString() }, stack.env(), 300_000),
    faultsStoppedAt,
    quietMs: 30_000,
    settleTimeoutMs: 180_000,
    afterReconcileTimeoutMs: 180_000,
    progress,
  });

  const pages = await compareReplicaPages(stack.adminUrls, stack.adminToken);
  progress(
    `report and problems pages ${pages.identical ? 'identical' : 'DIFFERENT'} on both replicas: ${JSON.stringify(pages.pages)}`,
  );
  const rate = await readStripeRate({ edge: stack.stripeEdgeUrl, sandbox: stack.stripeSandboxUrl });
  const names = await metricNames.finish();
  if (options.exportMetrics) {
    writeExportedMetrics(names);
    progress(`${names.length} metric names written to deploy/grafana/exported-metrics.txt`);
  }

  // Counted at the edge, where Stripe counts: the limit, widened only by the edge's own measured
  // stall (stripeRate.ts, edgeArrivalsAllowed), never by the sandbox's.
  const allowed = edgeArrivalsAllowed(stack.stripeRateLimitPerSecond, rate.edge.eventLoopDelayMs.max);
  const budgetKept = rate.edge.connector <= allowed;
  const shortestSpan = shortestSpanMs(rate.edge.arrivalTimes, stack.stripeRateLimitPerSecond + 1);
  const busiestWindowByRoute: Record<string, number> = {};
  for (const arrival of rate.edge.busiestWindow)
    busiestWindowByRoute[arrival.route] = (busiestWindowByRoute[arrival.route] ?? 0) + 1;
  progress(
    `Stripe budget ${budgetKept ? 'kept' : 'EXCEEDED'}: ${rate.edge.connector} connector requests in the busiest second at the Stripe edge, ${allowed} allowed (limit ${stack.stripeRateLimitPerSecond}/s, longest edge stall ${rate.edge.eventLoopDelayMs.max} ms; ${stack.stripeRateLimitPerSecond + 1} requests took at least ${shortestSpan ?? '-'} ms); the sandbox counted ${rate.sandbox.connector} (longest sandbox stall ${rate.sandbox.eventLoopDelayMs.max} ms)`,
  );
  if (!budgetKept)
    progress(
      `busiest window at the edge (ms after its first arrival, route): ${rate.edge.busiestWindow.map((arrival) => `${arrival.atMs} ${arrival.route}`).join(', ')}`,
    );
  const { final } = result;
  const report = result.reconciliation.report;
  const stories: Record<string, number> = {};
  for (const entry of ledger) stories[entry.story] = (stories[entry.story] ?? 0) + 1;
  const sumExits = (supervisors: typeof stack.workers) =>
    supervisors.reduce((sum, supervisor) => sum + supervisor.stats().unexpectedExits, 0);
  return {
    // The budget is the account's: the connector together never above it in any second.
    ok: problemCount(final) === 0 && pages.identical && budgetKept,
    ordersChecked: final.ordersChecked,
    lost: final.lost,
    duplicated: final.duplicated,
    wrongStatus: final.wrongStatus,
    wrongOrder: final.wrongOrder,
    ledgerMismatch: final.ledgerMismatch,
    workers: stack.workers.length,
    webhookReplicas: stack.webhookReplicas.length,
    temporal: { version: stack.temporal.version, persistence: stack.temporal.persistence },
    stripeRequestsPerSecondMax: rate.edge.connector,
    stripeRequestsPerClockSecondMax: rate.edge.connectorClockSecond,
    stripeEdgeEventLoopDelayMs: rate.edge.eventLoopDelayMs,
    stripeRateLimitPerSecond: stack.stripeRateLimitPerSecond,
    stripeRequestsPerSecondAllowed: allowed,
    stripeBudgetKept: budgetKept,
    stripeEdge: {
      connectorRequests: rate.edge.connectorTotal,
      otherClients: rate.edge.otherClients,
      upstreamErrors: rate.edge.upstreamErrors,
      busiestWindowByRoute,
      shortestSpanOfLimitPlusOneMs: shortestSpan,
    },
    stripeSandbox: {
      connectorRequestsPerSecondMax: rate.sandbox.connector,
      allClientsRequestsPerSecondMax: rate.sandbox.allClients,
      eventLoopDelayMs: rate.sandbox.eventLoopDelayMs,
    },
    reportsIdenticalOnReplicas: pages.identical,
    replicaPages: pages.pages,
    convergeSeconds: result.convergeSeconds ?? null,
    faults: {
      ...faultCounts,
      unexpectedExits: { workers: sumExits(stack.workers), webhookReplicas: sumExits(stack.webhookReplicas) },
    },
    loadBalancer: stack.proxy.stats(),
    reconciliation: report
      ? {
          seconds: result.reconciliation.seconds,
          items: report.counts.items,
          findings: report.counts.findings,
          unresolved: report.unresolved,
        }
      : { seconds: result.reconciliation.seconds, error: result.reconciliation.error ?? 'no report' },
    exportedMetricNames: names.length,
    run: {
      seed: options.seed,
      orders: options.orders,
      driveSeconds,
      totalSeconds: Math.round((Date.now() - startedAt) / 100) / 10,
      stories,
    },
    problems: final.problems.slice(0, 20),
  };
}
