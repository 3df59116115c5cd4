import type { RefundRequestInput, RefundRequestPatch } from './schemas';
import type { Order, RefundRequest, RefundRequestStatus } from './types';

/**
 * Refund request rules with no I/O (ours, docs/monstock-api.yaml RefundRequest): building one
 * from an order, and which reports from the connector may move it where.
 */
export function newRefundRequest(order: Order, input: RefundRequestInput, id: string, at: string): RefundRequest {
  return {
    id,
    orderId: order.id,
    amount: input.amount,
    currency: input.currency,
    reason: input.reason ?? null,
    status: 'requested',
    stripeRefundIds: [],
    createdAt: at,
    updatedAt: at,
  };
}

/** Only a problem the caller can name: the order's currency is the only one Monstock can refund. */
export function refundRequestProblem(order: Order, input: RefundRequestInput): string | undefined {
  if (input.currency !== order.currency)
    return `currency: "${input.currency}" differs from the order's currency "${order.currency}"`;
  if (!Number.isSafeInteger(input.amount)) return 'amount: too large';
  return undefined;
}

/**
 * A rejected request stays rejected: only the same report again is accepted, so a replay is
 * harmless but a contradiction is a 409. A succeeded one can still fail (Stripe fails a refund
 * days later, e.g. the card was closed), and only that; a failed one may be retried.
 */
const FINISHED: readonly RefundRequestStatus[] = ['succeeded', 'rejected'];
/** The one way out of a finished status: what Stripe says happened to the money. */
const LATER_FAILURE: Partial<Record<RefundRequestStatus, RefundRequestStatus>> = { succeeded: 'failed' };
const EXPLAINED: readonly RefundRequestStatus[] = ['failed', 'rejected'];

export type RefundPatchOutcome =
  | { outcome: 'updated'; request: RefundRequest }
  | { outcome: 'unchanged'; request: RefundRequest }
  | { outcome: 'conflict'; message: string }
  | { outcome: 'invalid'; message: string };

/** The patched request; updatedAt is the caller's business. */
export function applyRefundRequestPatch(current: RefundRequest, patch: RefundRequestPatch): RefundPatchOutcome {
  if (patch.failureReason !== undefined && !EXPLAINED.includes(patch.status)) {
    return {
      outcome: 'invalid',
      message: `failureReason: only accompanies status "failed" or "rejected", not "${patch.status}"`,
    };
  }
  // Stripe refund ids accumulate: a report names the ones it knows, a replay adds nothing.
  const known = new Set(current.stripeRefundIds);
  const stripeRefundIds = [...current.stripeRefundIds, ...(patch.stripeRefundIds ?? []).filter((id) => !known.has(id))];
  const next: RefundRequest = { ...current, status: patch.status, stripeRefundIds };
  delete next.failureReason;
  const failureReason = patch.failureReason ?? (patch.status === current.status ? current.failureReason : undefined);
  if (EXPLAINED.includes(patch.status) && failureReason !== undefined) next.failureReason = failureReason;

  const changed =
    next.status !== current.status ||
    next.failureReason !== current.failureReason ||
    next.stripeRefundIds.length !== current.stripeRefundIds.length;
  if (!changed) return { outcome: 'unchanged', request: current };
  if (FINISHED.includes(current.status) && LATER_FAILURE[current.status] !== next.status) {
    return {
      outcome: 'conflict',
      message: `refund request ${current.id} is ${current.status} already; it cannot change any more`,
    };
  }
  return { outcome: 'updated', request: next };
}
