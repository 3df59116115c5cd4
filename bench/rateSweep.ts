import { measureEndToEnd, type EndToEndResult } from './endToEnd';
import { phaseCost, takeSnapshot, type CostSnapshot, type PhaseCost } from './costMeter';
import { joinCostWindows } from './costWindows';
import { progress } from './progress';
import { settle } from './settle';
import type { BenchStack } from './stack';
import { sweepStopReason } from './stripeBudgetNote';

/**
 * End to end at rising offered rates, each for a bounded number of payments, stopping at the
 * first rate whose p99 reaches the target or whose backlog grows (payments complete well below
 * the offered rate, or some are not paid at all). The highest rate that held
 * is the sustained rate. Each point also measures what a payment on an existing order costs, on
 * the path users run: the stack's idle window outlasts the run (as production's 120 days), so
 * each order's workflow is still running when its payment arrives and the echo of the connector's
 * own write is dropped at the webhook edge. The window runs from every order having its intent to
 * the connector settled after the payments; the workflow's completion, once in an order's life,
 * is the per-order cost's (costPerOrder.ts).
 */
export interface SweepPoint {
  offeredPerSecond: number;
  achievedPerSecond: number;
  payments: number;
  paid: number;
  p50Ms: number;
  p99Ms: number;
  /** From the Stripe sandbox's request log over this point's window. */
  stripeRequestsPerPayment: number | null;
  held: boolean;
}

export interface SweepResult {
  sustainedPerSecond: number;
  sweep: SweepPoint[];
  stoppedBecause: string;
  /** The first (lowest) rate's full result. */
  lowest: EndToEndResult | undefined;
  /** Cost of a payment on an existing order, over every point of the sweep. */
  paymentCost: PhaseCost | undefined;
}

export interface SweepSettings {
  rates: readonly number[];
  secondsPerRate: number;
  p99TargetMs: number;
  /** Achieved below this share of the offered rate means the backlog grows. */
  minAchievedShare: number;
  /** The worker's Stripe budget (STRIPE_RATE_LIMIT_PER_SECOND), to tell a budget cap from a connector limit. */
  stripeRateLimitPerSecond: number;
}

/** Why a point did not hold, or undefined when it did. */
export function sweepVerdict(result: EndToEndResult, settings: SweepSettings): string | undefined {
  if (result.paid < result.payments) return `${result.payments - result.paid} of ${result.payments} not paid`;
  if (!(result.p99Ms < settings.p99TargetMs)) return `p99 ${result.p99Ms} ms ≥ ${settings.p99TargetMs} ms`;
  if (result.completedPerSecond < result.ratePerSecond * settings.minAchievedShare)
    return `backlog grows: ${result.completedPerSecond}/s completed of ${result.ratePerSecond}/s offered`;
  return undefined;
}

export async function measureRateSweep(stack: BenchStack, settings: SweepSettings): Promise<SweepResult> {
  const sweep: SweepPoint[] = [];
  let sustainedPerSecond = 0;
  let stoppedBecause = 'every rate held';
  let lowest: EndToEndResult | undefined;
  let paidForCost = 0;
  const windows: Array<{ start: CostSnapshot; end: CostSnapshot }> = [];
  for (const rate of settings.rates) {
    await settle(stack);
    let start: CostSnapshot | undefined;
    const result = await measureEndToEnd(stack, rate, settings.secondsPerRate, 180, async () => {
      start = await takeSnapshot(stack.costTargets);
    });
    lowest ??= result;
    // The payments' work is done (the echoes checked at the edge included): the orders stay open.
    await settle(stack);
    const end = await takeSnapshot(stack.costTargets);
    let stripeRequestsPerPayment: number | null = null;
    if (start) {
      windows.push({ start, end });
      paidForCost += result.paid;
      stripeRequestsPerPayment = phaseCost(start, end, result.paid).stripeRequestsPerPayment;
    }
    const why = sweepVerdict(result, settings);
    sweep.push({
      offeredPerSecond: rate,
      achievedPerSecond: result.completedPerSecond,
      payments: result.payments,
      paid: result.paid,
      p50Ms: result.p50Ms,
      p99Ms: result.p99Ms,
      stripeRequestsPerPayment,
      held: why === undefined,
    });
    if (why !== undefined) {
      stoppedBecause = sweepStopReason(rate, why, settings.stripeRateLimitPerSecond, stripeRequestsPerPayment);
      break;
    }
    sustainedPerSecond = rate;
  }
  progress(`rate sweep: sustained ${sustainedPerSecond}/s (${stoppedBecause})`);
  const joined = joinCostWindows(windows);
  const paymentCost = joined && paidForCost > 0 ? phaseCost(joined.start, joined.end, paidForCost) : undefined;
  return { sustainedPerSecond, sweep, stoppedBecause, lowest, paymentCost };
}
