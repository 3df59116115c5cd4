/**
 * The connector spends one Stripe request budget per account (STRIPE_RATE_LIMIT_PER_SECOND), so
 * end to end cannot complete more than budget / (Stripe requests per payment) payments a second,
 * whatever the connector's CPU. When a sweep point fails at or above that ceiling, the budget is
 * what stopped it, and the sweep says so: a budget cap read as a connector limit misleads.
 * The requests per payment are the Stripe sandbox's count, the bench's own confirm included, which
 * spends no connector budget: the ceiling is a conservative (low) one.
 */
export interface StripeRateLimits {
  /** The e2e, sweep and cost phases: Stripe's live-mode limit, as a live account has it. */
  endToEnd: number;
  /** The reconciliation phase: its own documented limit (Stripe's test-mode limit). */
  reconciliation: number;
}

/** A point whose offered rate reaches this share of the budget's ceiling is counted as capped by it. */
const CEILING_SHARE = 0.9;

/** Payments/s the budget allows, or undefined when the requests per payment are unknown. */
export function budgetCeilingPerSecond(
  limitPerSecond: number,
  stripeRequestsPerPayment: number | null,
): number | undefined {
  if (stripeRequestsPerPayment === null || !(stripeRequestsPerPayment > 0)) return undefined;
  return Math.round((limitPerSecond / stripeRequestsPerPayment) * 10) / 10;
}

/** Why the sweep stopped, with the budget named when the failing rate reaches its ceiling. */
export function sweepStopReason(
  offeredPerSecond: number,
  why: string,
  limitPerSecond: number,
  stripeRequestsPerPayment: number | null,
): string {
  const ceiling = budgetCeilingPerSecond(limitPerSecond, stripeRequestsPerPayment);
  const reason = `${offeredPerSecond}/s: ${why}`;
  if (ceiling === undefined || offeredPerSecond < ceiling * CEILING_SHARE) return reason;
  return `${reason}; the Stripe budget: ${limitPerSecond} requests/s / ${stripeRequestsPerPayment} per payment = ${ceiling} payments/s at most, whatever the connector's CPU`;
}
