import os from 'node:os';
import { clockTicksPerSecond } from './clockTicks';
import { buildConnector, type ConnectorRuntime } from './connectorBuild';
import { measureOrderBatchCost, type OrderBatchCost } from './costOrderBatch';
import { measureOrderCost, type OrderCost } from './costPerOrder';
import { measureEndToEnd, type EndToEndResult } from './endToEnd';
import { measureFootprint, type FootprintResult } from './footprint';
import { measureIngest, type IngestResult } from './ingest';
import type { PhaseCost } from './costMeter';
import { progress } from './progress';
import { measureRateSweep, type SweepResult } from './rateSweep';
import { settle } from './settle';
import { measureReconciliation, type ReconciliationResult } from './reconciliation';
import { startBenchStack, type BenchStack } from './stack';
import { budgetCeilingPerSecond, type StripeRateLimits } from './stripeBudgetNote';
import { parseConnectionsFlags } from './connectionsArgs';
import { registerBenchConnections } from './connections';
import { measureConnectionsRun, type ConnectionsRun } from './connectionsCompare';
import { compareConnectionRuns } from './connectionsRatio';
import { measureIdleCost, type IdleCost } from './idleCost';
import { idleWindowMs } from './idleWindow';
import { closeOrderWorkflows } from './closeOrderWorkflows';

/**
 * `npm run bench [-- --quick] [--no-tuning] [--only ingest,e2e,cost,reconciliation,footprint]
 * [--recon-payments N] [--footprint-workflows N] [--sweep-rates 5,10,20,30,40,60] [--sweep-seconds N]
 * [--connections N | --connections-compare N] [--idle-seconds N] [--cost-batch N] [--tsx]`:
 * brings up its own embedded stack in a temp dir on free ports, measures, prints each section
 * as a JSON line on stdout as it completes and, last, one JSON object with everything; progress
 * goes to stderr. Everything it started is stopped at the end, on failure and on Ctrl-C.
 */
const PHASES = ['ingest', 'e2e', 'cost', 'reconciliation', 'footprint'] as const;
type Phase = (typeof PHASES)[number];

interface Settings {
  mode: 'quick' | 'full';
  ingestConcurrency: number;
  saturationSeconds: number;
  steadySeconds: number;
  endToEndRatePerSecond: number;
  endToEndSeconds: number;
  /** Offered rates of the end-to-end sweep, rising; it stops at the first that does not hold. */
  sweepRates: number[];
  sweepSecondsPerRate: number;
  costOrders: number;
  /** Ordinary orders measured together in one window (`--cost-batch N`), `costBatchConcurrency` at a time. */
  costBatchOrders: number;
  costBatchConcurrency: number;
  reconciliationPayments: number;
  /**
   * The worker's Stripe budget per phase: end to end, the sweep and cost model a live account
   * (Stripe's live limit, 100/s); reconciliation keeps its own documented limit (25/s, test mode),
   * on a stack of its own since the budget is the worker's setting.
   */
  stripeRateLimitPerSecond: StripeRateLimits;
  footprintWorkflows: number;
  /**
   * ORDER_IDLE_WINDOW of the stacks that measure ingest, end to end, reconciliation and the
   * footprint: longer than any run, as production's 120 days, so no order's workflow closes
   * while it is measured and a payment lands on a running workflow, as users' payments do.
   */
  orderIdleWindow: string;
  /**
   * ORDER_IDLE_WINDOW of the cost phase's own stack: short, so each measured order's workflow
   * completes (once in its life, a per-order cost) inside its window; long enough that its
   * payment still lands on the running workflow.
   */
  costIdleWindow: string;
  tuningComparison: boolean;
  phases: Phase[];
  /** Connections every stack serves and spreads its load over, round-robin (`default` + N-1 registered). */
  connections: number;
  /** `--connections-compare N`: ingest and end to end with 1 and with N connections, and their ratios. */
  connectionsCompare: number | undefined;
  /** Quiet window over which the idle cost of the stack's connections is read. */
  idleSeconds: number;
  /** `--tsx`: worker and webhook servers from the sources, as `npm start` runs them (default: built, as the image). */
  connectorRuntime: ConnectorRuntime;
}

function parseArgs(argv: readonly string[]): Settings {
  const quick = argv.includes('--quick');
  const onlyAt = argv.indexOf('--only');
  const phases =
    onlyAt >= 0
      ? (argv[onlyAt + 1] ?? '')
          .split(',')
          .filter((phase): phase is Phase => (PHASES as readonly string[]).includes(phase))
      : [...PHASES];
  if (phases.length === 0) throw new Error(`--only takes a comma-separated list of ${PHASES.join(', ')}`);
  const numberFlag = (flag: string, fallback: number): number => {
    const at = argv.indexOf(flag);
    if (at < 0) return fallback;
    const value = Number(argv[at + 1]);
    if (!Number.isInteger(value) || value <= 0) throw new Error(`${flag} takes a positive whole number`);
    return value;
  };
  const listFlag = (flag: string, fallback: number[]): number[] => {
    const at = argv.indexOf(flag);
    if (at < 0) return fallback;
    const values = (argv[at + 1] ?? '').split(',').map(Number);
    if (values.length === 0 || values.some((value) => !Number.isFinite(value) || value <= 0))
      throw new Error(`${flag} takes a comma-separated list of positive rates`);
    return values.sort((a, b) => a - b);
  };
  const connectionsFlags = parseConnectionsFlags(argv);
  return {
    mode: quick ? 'quick' : 'full',
    ingestConcurrency: quick ? 16 : 32,
    saturationSeconds: quick ? 6 : 20,
    steadySeconds: quick ? 6 : 20,
    endToEndRatePerSecond: 50,
    endToEndSeconds: quick ? 4 : 10,
    sweepRates: listFlag('--sweep-rates', [5, 10, 20, 30, 40, 60]),
    sweepSecondsPerRate: numberFlag('--sweep-seconds', quick ? 3 : 10),
    costOrders: quick ? 1 : 3,
    costBatchOrders: numberFlag('--cost-batch', quick ? 20 : 40),
    costBatchConcurrency: 4,
    reconciliationPayments: numberFlag('--recon-payments', quick ? 1_000 : 10_000),
    stripeRateLimitPerSecond: { endToEnd: 100, reconciliation: 25 },
    footprintWorkflows: numberFlag('--footprint-workflows', quick ? 2_000 : 10_000),
    orderIdleWindow: '2 hours',
    costIdleWindow: '5 seconds',
    tuningComparison:
      !argv.includes('--no-tuning') && phases.includes('ingest') && connectionsFlags.compare === undefined,
    phases,
    connections: connectionsFlags.connections,
    connectionsCompare: connectionsFlags.compare,
    idleSeconds: numberFlag('--idle-seconds', quick ? 10 : 30),
    connectorRuntime: argv.includes('--tsx') ? 'tsx' : 'compiled',
  };
}

const stacks = new Set<BenchStack>();
async function withStack<T>(
  tuned: boolean,
  settings: Settings,
  stripeRateLimitPerSecond: number,
  body: (stack: BenchStack) => Promise<T>,
): Promise<T> {
  const stack = await startBenchStack({
    tuned,
    idleWindow: settings.orderIdleWindow,
    stripeRateLimitPerSecond,
    withWorker: true,
    connectorRuntime: settings.connectorRuntime,
  });
  stacks.add(stack);
  try {
    // Many connections: registered before anything is measured; the watcher then reads the
    // sandbox's event record (one call for every tenant), as on both sides of a comparison.
    stack.watchOrdersByEventFeed = settings.connections > 1 || settings.connectionsCompare !== undefined;
    if (settings.connections > 1) {
      const started = Date.now();
      stack.connections.push(...(await registerBenchConnections(stack, settings.connections - 1)));
      stack.connectionsRegisteredInSeconds = Math.round((Date.now() - started) / 100) / 10;
    }
    return await body(stack);
  } finally {
    progress('stopping the stack');
    await stack.stop();
    stacks.delete(stack);
  }
}

function emit(section: string, value: unknown): void {
  process.stdout.write(`${JSON.stringify({ section, ...(value as Record<string, unknown>) })}\n`);
}

async function main(): Promise<void> {
  const settings = parseArgs(process.argv.slice(2));
  await buildConnector(settings.connectorRuntime);
  const startedAt = new Date().toISOString();
  const loadBefore = os.loadavg();
  progress(
    `mode ${settings.mode}, phases ${settings.connectionsCompare !== undefined ? `idle, ingest, e2e sweep with 1 and ${settings.connectionsCompare} connections` : settings.phases.join(', ')}, ${os.cpus().length} cores, load ${loadBefore.map((v) => v.toFixed(2)).join(' ')}`,
  );
  if (settings.connectionsCompare !== undefined) {
    await compareConnections(settings, settings.connectionsCompare, startedAt, loadBefore);
    return;
  }

  let untuned: IngestResult | undefined;
  if (settings.tuningComparison) {
    untuned = await withStack(false, settings, settings.stripeRateLimitPerSecond.endToEnd, (stack) =>
      measureIngest(
        stack,
        {
          concurrency: settings.ingestConcurrency,
          saturationSeconds: settings.saturationSeconds,
          steadySeconds: settings.steadySeconds,
        },
        'untuned',
      ),
    );
    emit('tuning.before', { sqlitePragmas: [], ...untuned });
  }

  let ingest: IngestResult | undefined;
  let endToEnd: EndToEndResult | undefined;
  let sweep: SweepResult | undefined;
  let e2eCost: PhaseCost | undefined;
  const costs: OrderCost[] = [];
  let batch: OrderBatchCost | undefined;
  let reconciliation: ReconciliationResult | undefined;
  let footprint: FootprintResult | undefined;
  let sqlitePragmas: readonly string[] = [];
  let idle: IdleCost | undefined;
  let registrationSeconds: number | null = null;
  await withStack(true, settings, settings.stripeRateLimitPerSecond.endToEnd, async (stack) => {
    sqlitePragmas = stack.sqlitePragmas;
    registrationSeconds = stack.connectionsRegisteredInSeconds;
    if (settings.connections > 1) {
      await settle(stack);
      idle = await measureIdleCost(stack, settings.idleSeconds);
      emit('idle', idle);
    }
    if (settings.phases.includes('ingest')) {
      ingest = await measureIngest(
        stack,
        {
          concurrency: settings.ingestConcurrency,
          saturationSeconds: settings.saturationSeconds,
          steadySeconds: settings.steadySeconds,
        },
        'tuned',
      );
      emit('ingest', ingest);
    }
    if (settings.phases.includes('e2e')) {
      // Payments on existing orders, their workflows running, at rising rates; each point's cost
      // runs from every order having its intent to the connector settled after the payments.
      sweep = await measureRateSweep(stack, {
        rates: settings.sweepRates,
        secondsPerRate: settings.sweepSecondsPerRate,
        p99TargetMs: 1_000,
        minAchievedShare: 0.9,
        stripeRateLimitPerSecond: settings.stripeRateLimitPerSecond.endToEnd,
      });
      emit('endToEnd.sweep', { sustainedPerSecond: sweep.sustainedPerSecond, sweep: sweep.sweep });
      e2eCost = sweep.paymentCost;
      if (e2eCost) {
        emit('cost.e2e', e2eCost);
        progress(
          `cost per payment: connector ${e2eCost.connectorCpuMsPerPayment} CPU-ms, ${e2eCost.temporalRpcsPerPayment} Temporal RPCs, ${e2eCost.stripeRequestsPerPayment} Stripe requests`,
        );
      }
      // The overload point the earlier benches reported (endToEnd's own keys), kept comparable.
      await settle(stack);
      endToEnd = await measureEndToEnd(stack, settings.endToEndRatePerSecond, settings.endToEndSeconds);
      emit('endToEnd', endToEnd);
      await settle(stack);
      // Its orders stay open (the idle window outlasts the run): closed here, outside any window.
      await closeOrderWorkflows(stack);
      await settle(stack);
    }
    if (settings.phases.includes('footprint')) {
      await settle(stack);
      footprint = await measureFootprint(stack, settings.footprintWorkflows);
      emit('worker', footprint);
    }
  });
  if (settings.phases.includes('cost')) {
    // A stack of its own, with a short idle window: each order's completion falls in its window.
    const costSettings = { ...settings, connections: 1, orderIdleWindow: settings.costIdleWindow };
    const windowMs = idleWindowMs(settings.costIdleWindow);
    await withStack(true, costSettings, settings.stripeRateLimitPerSecond.endToEnd, async (stack) => {
      await settle(stack);
      // One order first, not counted: a fresh worker's first order pays for its warm-up.
      progress('cost per order: one warm-up order, not counted');
      await measureOrderCost(stack, windowMs, -1);
      await settle(stack);
      for (let index = 0; index < settings.costOrders; index += 1) {
        const cost = await measureOrderCost(stack, windowMs, index);
        costs.push(cost);
        progress(
          `cost per order: ${cost.actions} actions (${JSON.stringify(cost.actionsByWorkflowType)}), ${cost.historyEvents} history events, ${cost.runs} run(s), connector ${cost.cost.connectorCpuMsPerPayment} CPU-ms`,
        );
      }
      await settle(stack);
      batch = await measureOrderBatchCost(stack, {
        orders: settings.costBatchOrders,
        concurrency: settings.costBatchConcurrency,
        idleWindowMs: windowMs,
      });
      progress(
        `cost per order, batch of ${batch.orders}: ${batch.actionsPerOrder} actions, connector ${batch.cost.connectorCpuMsPerPayment} CPU-ms, all processes ${batch.cost.allProcessesCpuMsPerPayment} CPU-ms per order`,
      );
    });
    emit('costPerOrder', { orders: costs, ...(batch ? { batch } : {}) });
  }
  if (settings.phases.includes('reconciliation')) {
    const limit = settings.stripeRateLimitPerSecond.reconciliation;
    reconciliation = await withStack(true, settings, limit, async (stack) => {
      await settle(stack);
      return measureReconciliation(stack, settings.reconciliationPayments, limit);
    });
    emit('reconciliation', reconciliation);
  }

  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const actionsPerOrder = costs.length ? median(costs.map((cost) => cost.actions)) : undefined;
  const historyEventsPerOrder = costs.length ? median(costs.map((cost) => cost.historyEvents)) : undefined;
  const typical = costs.find((cost) => cost.actions === actionsPerOrder);
  const medianOf = (values: Array<number | null>) => {
    const known = values.filter((value): value is number => value !== null);
    return known.length === values.length && known.length > 0 ? median(known) : undefined;
  };
  // Per order from the batch, whose window's idle work is shared by its orders; a lone order's window
  // charges all of it to one order (kept in costPerOrder.each, with each order's actions).
  const connectorCpuMsPerOrder =
    batch?.cost.connectorCpuMsPerPayment ?? medianOf(costs.map((cost) => cost.cost.connectorCpuMsPerPayment));
  const allProcessesCpuMsPerOrder =
    batch?.cost.allProcessesCpuMsPerPayment ?? medianOf(costs.map((cost) => cost.cost.allProcessesCpuMsPerPayment));
  const result = {
    ...runFacts(startedAt, loadBefore),
    stripeRateLimitPerSecond: settings.stripeRateLimitPerSecond,
    ...(settings.connections > 1
      ? { connections: { count: settings.connections, registrationSeconds, ...(idle ? { idle } : {}) } }
      : {}),
    settings: {
      ...settings,
      sqlitePragmas,
      ingestRoute:
        'POST /webhooks/stripe, payment_intent.succeeded with metadata.monstock_order_id, to a webhook server whose task queue no worker polls (acceptance only)',
      limitOperation: 'signalWithStart of a workflow type nobody polls, plain @temporalio/client',
    },
    ...(ingest
      ? {
          ingest: {
            eventsPerSecond: ingest.ingest.eventsPerSecond,
            p50Ms: ingest.ingest.p50Ms,
            p95Ms: ingest.ingest.p95Ms,
            p99Ms: ingest.ingest.p99Ms,
            errors: ingest.ingest.errors,
            steady: ingest.ingest.steady,
            webhooksCpuMsPerEvent: ingest.ingest.webhooksCpuMsPerEvent,
          },
          limit: ingest.limit,
          ratio: ingest.ratio,
        }
      : {}),
    ...(untuned && ingest
      ? {
          tuning: {
            before: {
              sqlitePragmas: [],
              limit: untuned.limit.eventsPerSecond,
              ingest: untuned.ingest.eventsPerSecond,
              ingestP99Ms: untuned.ingest.p99Ms,
              steadyP99Ms: untuned.ingest.steady.p99Ms,
              ratio: untuned.ratio,
            },
            after: {
              sqlitePragmas,
              limit: ingest.limit.eventsPerSecond,
              ingest: ingest.ingest.eventsPerSecond,
              ingestP99Ms: ingest.ingest.p99Ms,
              steadyP99Ms: ingest.ingest.steady.p99Ms,
              ratio: ingest.ratio,
            },
          },
        }
      : {}),
    ...(endToEnd && sweep
      ? {
          endToEnd: {
            ...endToEnd,
            ...(sweep.lowest ? { atLowRate: sweep.lowest } : {}),
            sustainedPerSecond: sweep.sustainedPerSecond,
            sweep: sweep.sweep.map(
              ({
                offeredPerSecond,
                achievedPerSecond,
                p50Ms,
                p99Ms,
                payments,
                paid,
                stripeRequestsPerPayment,
                held,
              }) => ({
                offeredPerSecond,
                achievedPerSecond,
                p50Ms,
                p99Ms,
                payments,
                paid,
                stripeRequestsPerPayment,
                held,
              }),
            ),
            sweepStoppedBecause: sweep.stoppedBecause,
            stripeBudgetCeilingPerSecond: budgetCeilingPerSecond(
              settings.stripeRateLimitPerSecond.endToEnd,
              e2eCost?.stripeRequestsPerPayment ?? null,
            ),
          },
        }
      : {}),
    ...(actionsPerOrder !== undefined
      ? {
          actionsPerOrder,
          historyEventsPerOrder,
          actionsPerOrderEach: costs.map((cost) => cost.actions),
          actionsPerOrderByWorkflowType: typical?.actionsByWorkflowType,
          ...(connectorCpuMsPerOrder !== undefined ? { connectorCpuMsPerOrder } : {}),
          ...(allProcessesCpuMsPerOrder !== undefined ? { allProcessesCpuMsPerOrder } : {}),
          costPerOrder: {
            basis: `a stack of its own (ORDER_IDLE_WINDOW ${settings.costIdleWindow}), one warm-up order not counted, then a window per order: new Monstock customer and order (webhooks on), the connector syncs the customer and creates the intent, the intent is paid while the order's workflow runs, Monstock shows it paid and echoes the connector's write, the idle timer fires and the workflow completes, the connector settles; actions of every workflow with events in that window plus heartbeats and queries from the RPC counters (client-facing: service_requests of the frontend service only); CPU per process from /proc`,
            each: costs.map((cost) => ({ orderId: cost.orderId, actions: cost.actions, ...cost.cost })),
            ...(batch
              ? {
                  batch: {
                    basis: `${batch.orders} ordinary orders in one window, ${batch.concurrency} at a time, on the same stack after the single orders: from the first new customer to every order's workflow completed (idle window ${settings.costIdleWindow}) and the connector settled; CPU, requests and actions of the window divided by the orders (cpuMsPerPayment is per order here); connectorCpuMsPerOrder and allProcessesCpuMsPerOrder are this batch's`,
                    ...batch,
                  },
                }
              : {}),
          },
        }
      : {}),
    ...(e2eCost
      ? {
          cpuMsPerPayment: e2eCost.cpuMsPerPayment,
          connectorCpuMsPerPayment: e2eCost.connectorCpuMsPerPayment,
          allProcessesCpuMsPerPayment: e2eCost.allProcessesCpuMsPerPayment,
          stripeRequestsPerPayment: e2eCost.stripeRequestsPerPayment,
          monstockRequestsPerPayment: e2eCost.monstockRequestsPerPayment,
          temporalRpcsPerPayment: e2eCost.temporalRpcsPerPayment,
          costPerPayment: {
            basis: `payments on existing orders whose workflow is running (ORDER_IDLE_WINDOW ${settings.orderIdleWindow}, longer than the run, as production's 120 days: no order closes while measured): every point of the end-to-end sweep, from every order having its intent to the connector (worker and webhook server) settled after the payments; order creation and the workflow's completion excluded (once per order: see costPerOrder); CPU utime+stime per process from /proc (CLK_TCK read), client-facing Temporal RPCs from the dev server metrics (service_requests of the frontend service only: the history and matching hops of the same request are not counted again; the server's temporal_system namespace left out), API requests from GET /_sandbox/requests`,
            ...e2eCost,
          },
        }
      : {}),
    ...(reconciliation ? { reconciliation } : {}),
    ...(footprint ? { worker: footprint } : {}),
    targets: {
      ...(ingest
        ? {
            ingestAtLeast80PercentOfLimit: ingest.ratio >= 0.8,
            ingestSteadyP99Under100Ms: ingest.ingest.steady.p99Ms < 100 && ingest.ingest.steady.errors === 0,
          }
        : {}),
      ...(endToEnd ? { endToEndP99Under1s: endToEnd.p99Ms < 1000 && endToEnd.paid === endToEnd.payments } : {}),
      ...(sweep ? { endToEndSustainedAtLeast5PerSecond: sweep.sustainedPerSecond >= 5 } : {}),
      ...(reconciliation ? { reconciliationAtLeast80PercentOfBound: reconciliation.ratio >= 0.8 } : {}),
      ...(actionsPerOrder !== undefined ? { actionsPerOrderAtMost5: actionsPerOrder <= 5 } : {}),
      // Issue 14's targets, beside the earlier ones (kept for bench:compare).
      ...(historyEventsPerOrder !== undefined ? { historyEventsPerOrderAtMost20: historyEventsPerOrder <= 20 } : {}),
      ...(ingest ? { ingestAtLeast90PercentOfLimit: ingest.ratio >= 0.9 } : {}),
      ...(sweep ? { endToEndSustainedAtLeast40PerSecond: sweep.sustainedPerSecond >= 40 } : {}),
      ...(e2eCost?.connectorCpuMsPerPayment != null
        ? { connectorCpuMsPerPaymentAtMost10: e2eCost.connectorCpuMsPerPayment <= 10 }
        : {}),
      ...(e2eCost?.stripeRequestsPerPayment != null
        ? { stripeRequestsPerPaymentAtMost2: e2eCost.stripeRequestsPerPayment <= 2 }
        : {}),
      ...(connectorCpuMsPerOrder !== undefined ? { connectorCpuMsPerOrderAtMost30: connectorCpuMsPerOrder <= 30 } : {}),
      ...(allProcessesCpuMsPerOrder !== undefined
        ? { allProcessesCpuMsPerOrderAtMost100: allProcessesCpuMsPerOrder <= 100 }
        : {}),
    },
    ...(typical ? { breakdown: typical.breakdown } : {}),
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

/**
 * `--connections-compare N`: ingest and the end-to-end sweep on a fresh stack with one connection,
 * then on a fresh stack with N, the same settings for both; prints each side as it completes and,
 * last, `{ connections: { one, many, count, ...ratios, withinTenPercent } }`.
 */
async function compareConnections(
  settings: Settings,
  count: number,
  startedAt: string,
  loadBefore: number[],
): Promise<void> {
  const runSettings = {
    ingest: {
      concurrency: settings.ingestConcurrency,
      saturationSeconds: settings.saturationSeconds,
      steadySeconds: settings.steadySeconds,
    },
    sweep: {
      rates: settings.sweepRates,
      secondsPerRate: settings.sweepSecondsPerRate,
      p99TargetMs: 1_000,
      minAchievedShare: 0.9,
      stripeRateLimitPerSecond: settings.stripeRateLimitPerSecond.endToEnd,
    },
    idleSeconds: settings.idleSeconds,
  };
  const sides: Array<Awaited<ReturnType<typeof measureConnectionsRun>>> = [];
  for (const connections of [1, count]) {
    progress(`connections comparison: ${connections} connection(s), on a fresh stack`);
    const side = await withStack(
      true,
      { ...settings, connections },
      settings.stripeRateLimitPerSecond.endToEnd,
      (stack) => measureConnectionsRun(stack, runSettings),
    );
    emit(connections === 1 ? 'connections.one' : 'connections.many', side.run);
    sides.push(side);
  }
  const [one, many] = sides as [(typeof sides)[0], (typeof sides)[0]];
  const comparison = compareConnectionRuns(one.figures, many.figures);
  progress(`connections comparison: ${JSON.stringify({ ...comparison, cpuMsPerPaymentRatioByProcess: undefined })}`);
  const connections: { one: ConnectionsRun; many: ConnectionsRun } & typeof comparison = {
    one: one.run,
    many: many.run,
    ...comparison,
  };
  process.stdout.write(
    `${JSON.stringify({
      ...runFacts(startedAt, loadBefore),
      stripeRateLimitPerSecond: settings.stripeRateLimitPerSecond,
      settings: { ...runSettings, mode: settings.mode, orderIdleWindow: settings.orderIdleWindow },
      connections,
    })}\n`,
  );
}

let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (interrupted) return;
    interrupted = true;
    progress(`${signal}: stopping everything the bench started`);
    void Promise.allSettled([...stacks].map((stack) => stack.stop())).finally(() => process.exit(130));
  });
}

main().then(
  () => process.exit(0),
  async (error: unknown) => {
    progress(`bench failed: ${(error as Error).stack ?? String(error)}`);
    await Promise.allSettled([...stacks].map((stack) => stack.stop()));
    process.exit(1);
  },
);

/** What every result says about its run and the machine it ran on, so two results can be compared. */
function runFacts(startedAt: string, loadBefore: readonly number[]) {
  return {
    bench: 'monstock-stripe',
    startedAt,
    finishedAt: new Date().toISOString(),
    cores: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    clockTicksPerSecond: clockTicksPerSecond(),
    loadavg: {
      before: loadBefore.map((v) => Math.round(v * 100) / 100),
      after: os.loadavg().map((v) => Math.round(v * 100) / 100),
    },
  };
}
